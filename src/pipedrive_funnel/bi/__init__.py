"""The BI tool: Apache Superset with the project's dashboard, reading public_marts as bi_reader."""
