"""Reading the database from the tests: any query, and the marts as the reference's rows."""

from __future__ import annotations

from typing import Any

from pipedrive_funnel.database import Server
from pipedrive_funnel.reference import ConversionRow, FunnelRow, RepRow

FUNNEL_COLUMNS = "month, kpi_name, funnel_step, deals_count"
REP_COLUMNS = (
    "month, sales_rep_id, sales_rep_name, deals_worked, activities_completed, "
    "sales_call_1_completed, sales_call_2_completed, other_activities"
)
CONVERSION_COLUMNS = (
    "cohort_month, kpi_name, funnel_step, cohort_deals_count, deals_count, "
    "conversion_from_previous_step, conversion_from_step_1"
)


def query(database: str, statement: str) -> list[tuple[Any, ...]]:
    connection = Server.from_environment().connect(database)
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
            return cursor.fetchall()
    finally:
        connection.close()


def fetch_conversion(database: str) -> list[ConversionRow]:
    rows = query(
        database,
        f"select {CONVERSION_COLUMNS} from public_marts.rep_sales_funnel_conversion_monthly",
    )
    return sorted(ConversionRow(*row) for row in rows)


def fetch_marts(database: str) -> tuple[list[FunnelRow], list[RepRow]]:
    funnel = query(database, f"select {FUNNEL_COLUMNS} from public_marts.rep_sales_funnel_monthly")
    reps = query(
        database, f"select {REP_COLUMNS} from public_marts.rep_sales_rep_performance_monthly"
    )
    return sorted(FunnelRow(*row) for row in funnel), sorted(RepRow(*row) for row in reps)
