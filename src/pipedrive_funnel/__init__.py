"""The Python side of the Pipedrive sales-funnel dbt project: the export generator, the streaming
loader, the project's own PostgreSQL, the reference implementation of the reports, the benchmarks
and the BI tool's setup."""
