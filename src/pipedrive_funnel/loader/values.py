"""The SQL that checks each value of a staged file and casts it into its raw column.

A value of a typed column must match the pattern of its type in the var `export_value_checks`
(the seed loader's checks); the first one that does not stops the load with
`<file>, line <n>, column <c>: "<value>" is not <what>`. Empty cells and the text `null` are NULL,
as `dbt seed` reads them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import psycopg2
from psycopg2 import sql

from pipedrive_funnel.loader.errors import LoadError
from pipedrive_funnel.raw_tables import LINE_NUMBER_COLUMN, NULL_PATTERN, RawTable, ValueCheck

# The last branch of a value's check, reached only by a value its pattern rejects: a cast that
# always fails (the text starts with a letter), so the load stops with a data error wherever the
# value is checked, in the leader or a parallel worker. The load then names the first such value
# of the file with `first_bad_value`. (It depends on the value, so the planner cannot fold it.)
REJECT = "cast(cast('rejected: ' || {staged} as integer)::text as {t})"
# Cheap tests that accept only values in the canonical form of their type (what Pipedrive
# writes), each a strict subset of the type's pattern: most values pass here, and only the others
# pay for the regular expression (measured at 1,000,000 deals: the load took 63 s with the
# patterns alone, 23 s with these). A value is canonical when PostgreSQL prints it back as it was
# written (so 24:00:00, read as the next day, is not): a cast and its output cost less than string
# functions (ltrim, substr, like, translate) checking the text by hand. Measured at 1,000,000
# deals, the checks and casts on one core: deal_changes.csv 7.2 s with ltrim and substr, 5.5 s
# this way; activity.csv 4.0 s, 2.5 s (its True and False had missed the fast check). A test may
# raise PostgreSQL's own error on garbage (a cast): the load then looks for the first bad value
# with the patterns alone.
# The numbers and times are cast only when they start with a digit ('null' would not cast).
FAST_CHECKS = {
    "integer": "ascii({c}) between 48 and 57 and octet_length({c}) <= 9"
    " and {c}::integer::text = {c}",
    "bigint": "ascii({c}) between 48 and 57 and octet_length({c}) <= 18"
    " and {c}::bigint::text = {c}",
    "boolean": "{c} in ('True', 'False', 'true', 'false')",
    "timestamp": "ascii({c}) between 48 and 57 and octet_length({c}) = 19"
    " and {c}::timestamp::text = replace({c}, 'T', ' ')",
}
# The session settings the fast checks rely on (timestamps printed as ISO).
SESSION_SETTINGS = "set datestyle = 'ISO, YMD'"


def is_null(column: sql.Composable) -> sql.Composable:
    """Empty, blank or `null`; the cheap test of the first character spares most values the
    regular expression (only '', white space, `n` and `N` can start such a value)."""
    test = "(ascii({c}) in (0, 9, 10, 11, 12, 13, 32, 78, 110) and {c} ~ {pattern})"
    return sql.SQL(test).format(c=column, pattern=sql.Literal(NULL_PATTERN))


def cast(
    path: Path, name: str, sql_type: str, staged: sql.Identifier, checks: dict[str, ValueCheck]
) -> sql.Composable:
    """The expression that turns the staged text into the raw column: NULL, checked, cast."""
    if sql_type == "text":
        return sql.SQL("case when {} then null else {} end").format(is_null(staged), staged)
    check = checks.get(sql_type)
    if check is None:
        raise LoadError(f"{path}: no value check for the type {sql_type} of column {name}")
    return sql.SQL(
        "case when {staged} is null then null"
        " when {fast} then cast({staged} as {t})"
        " when {is_null} then null"
        " when {staged} ~* {pattern} then cast(btrim({staged}) as {t})"
        " else {reject} end"
    ).format(
        reject=sql.SQL(REJECT).format(staged=staged, t=sql.SQL(sql_type)),
        staged=staged,
        fast=sql.SQL(FAST_CHECKS.get(sql_type, "false")).format(c=staged),
        is_null=is_null(staged),
        pattern=sql.Literal(check.pattern),
        t=sql.SQL(sql_type),
    )


def first_bad_value(
    cursor: psycopg2.extensions.cursor,
    table: RawTable,
    path: Path,
    columns: Sequence[tuple[str, str, sql.Identifier]],
    staged_table: sql.Identifier,
    checks: dict[str, ValueCheck],
) -> str | None:
    """The seed loader's message for the first line with a bad value (first bad column in it):
    a value its pattern rejects or, on PostgreSQL 16 and later, one its type cannot hold (a 30
    February). The value is masked in a file of personal data."""
    cursor.execute("show server_version_num")
    can_test_input = int(cursor.fetchone()[0]) >= 160000
    tests = [
        sql.SQL("({}, {}, {}, {}, not {} and ({} !~* {} or {}))").format(
            sql.Literal(position), sql.Literal(name), column,
            sql.Literal(checks[sql_type].expected), is_null(column), column,
            sql.Literal(checks[sql_type].pattern),
            sql.SQL("not pg_input_is_valid(btrim({}), {})").format(column, sql.Literal(sql_type))
            if can_test_input else sql.SQL("false"),
        )
        for position, (name, sql_type, column) in enumerate(columns)
        if sql_type in checks
    ]  # fmt: skip
    if not tests:
        return None
    cursor.execute(
        sql.SQL(
            "select staged.{}, checked.name, checked.value, checked.expected from {} as staged"
            " cross join lateral (values {}) as checked (position, name, value, expected, is_bad)"
            " where checked.is_bad order by 1, checked.position limit 1"
        ).format(sql.Identifier(LINE_NUMBER_COLUMN), staged_table, sql.SQL(", ").join(tests))
    )
    bad = cursor.fetchone()
    if bad is None:
        return None
    line, name, value, expected = bad
    return f"{path}, line {line}, column {name}: {table.shown(value)} is not {expected}"
