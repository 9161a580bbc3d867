"""Checks of a loaded table across its rows (the seed loader macro checks the same): the keys of
the export's small tables once each (meta unique_columns), and JSON lists of options, each option
id once (meta json_list_columns). Each names the file, line, column and value of the first fault.
"""

from __future__ import annotations

import json
from pathlib import Path

import psycopg2
from psycopg2 import sql

from pipedrive_funnel.loader.errors import LoadError
from pipedrive_funnel.raw_tables import LINE_NUMBER_COLUMN, RawTable

LINE = sql.Identifier(LINE_NUMBER_COLUMN)


def check_unique_columns(
    cursor: psycopg2.extensions.cursor, table: RawTable, path: Path, target: sql.Identifier
) -> None:
    """A value on a second line stops the load, naming both lines."""
    for column in table.unique_columns:
        repeated = _first(
            cursor,
            sql.SQL(
                "select line, value, first_line from (select {line} as line, {column}::text as"
                " value, min({line}) over (partition by {column}) as first_line from {target}"
                " where {column} is not null) as numbered where line > first_line"
                " order by line limit 1"
            ).format(line=LINE, column=sql.Identifier(column.lower()), target=target),
        )
        if repeated is not None:
            line, value, first_line = repeated
            raise LoadError(
                f"{path}, line {line}, column {column}: {table.shown(value)} is already on line "
                f"{first_line}; each {column} once"
            )


def check_json_lists(
    cursor: psycopg2.extensions.cursor, table: RawTable, path: Path, target: sql.Identifier
) -> None:
    """Empty, or a JSON list with each option id once (a second label would count its changes
    twice). PostgreSQL 16 and later tell the first line that is not (before 16 the staging
    model's cast fails)."""
    cursor.execute("show server_version_num")
    if not table.json_list_columns or int(cursor.fetchone()[0]) < 160000:
        return
    for column in table.json_list_columns:
        value = sql.SQL("nullif(trim({}), '')").format(sql.Identifier(column.lower()))
        names = {"line": LINE, "value": value, "target": target}
        bad = _first(
            cursor,
            sql.SQL(
                "select {line}, {value} from {target} where {value} is not null and case when"
                " pg_input_is_valid({value}, 'jsonb') then jsonb_typeof({value}::jsonb) <> 'array'"
                " else true end order by {line} limit 1"
            ).format(**names),
        )
        if bad is not None:
            raise LoadError(
                f"{path}, line {bad[0]}, column {column}: {table.shown(bad[1])} is not a JSON list"
                ' ([{"id": "1", "label": "..."}, ...])'
            )
        repeated = _first(
            cursor,
            sql.SQL(
                "select {line}, option_id from (select {line}, item ->> 'id' as option_id,"
                " count(*) over (partition by {line}, item ->> 'id') as times from {target}"
                " cross join lateral jsonb_array_elements({value}::jsonb) as options (item))"
                " as counted where times > 1 and option_id is not null order by {line} limit 1"
            ).format(**names),
        )
        if repeated is not None:
            raise LoadError(
                f"{path}, line {repeated[0]}, column {column}: the option id "
                f"{json.dumps(repeated[1])} is twice in the list; each option id once"
            )


def _first(cursor: psycopg2.extensions.cursor, statement: sql.Composed) -> tuple | None:
    cursor.execute(statement)
    return cursor.fetchone()
