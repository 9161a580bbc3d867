"""The published reports: the one list of the marts, and what `make build` says when it is done.

`pipedrive-db reports` prints each mart with its number of rows, and what the build's warnings
were: counts of rows listed (quarantined) in the data-quality list, by issue type.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from psycopg2 import sql

from pipedrive_funnel.database import Server

REPORTS = (
    "rep_sales_funnel_monthly",
    "rep_sales_rep_performance_monthly",
    "rep_sales_funnel_conversion_monthly",
)
DATA_QUALITY_LIST = "rep_data_quality_issues"
# Every table of the marts schema, each granted to the BI role.
MARTS = (*REPORTS, DATA_QUALITY_LIST)


def schema_of(layer: str, environ: Mapping[str, str] = os.environ) -> str:
    """dbt's schema of a layer: the profile's schema (DBT_PG_SCHEMA, default public), `_`, layer."""
    return f"{environ.get('DBT_PG_SCHEMA') or 'public'}_{layer}"


def summary(server: Server, environ: Mapping[str, str] = os.environ) -> list[str]:
    """The closing lines of a build: each mart and its rows, then what the warnings counted."""
    marts = schema_of("marts", environ)
    issues_table = f"{marts}.{DATA_QUALITY_LIST}"
    connection = server.connect()
    try:
        with connection.cursor() as cursor:
            counts = {}
            for mart in REPORTS:
                cursor.execute(
                    sql.SQL("select count(*) from {}").format(sql.Identifier(marts, mart))
                )
                counts[f"{marts}.{mart}"] = cursor.fetchone()[0]
            cursor.execute(
                sql.SQL(
                    "select issue_type, count(*) from {} group by issue_type order by issue_type"
                ).format(sql.Identifier(marts, DATA_QUALITY_LIST))
            )
            issues = cursor.fetchall()
    finally:
        connection.close()
    width = max(map(len, counts))
    lines = [f"The reports, in {server.url()}:"]
    lines += [f"  {table:<{width}} {rows:>9,} rows" for table, rows in counts.items()]
    if issues:
        listed = ", ".join(f"{issue_type} {rows:,}" for issue_type, rows in issues)
        lines += [
            f"The warnings count rows of the export listed (quarantined) in {issues_table}: "
            f"{listed}.",
            "They are not errors: the README's table of issue types (Using your own Pipedrive "
            "export) says what the reports do with each kind.",
        ]
    else:
        lines.append(f"No row of the export is listed in {issues_table}.")
    return lines
