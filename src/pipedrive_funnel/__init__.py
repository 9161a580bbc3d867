"""Tooling around the Pipedrive sales-funnel dbt project: the export generator and its benchmark."""
