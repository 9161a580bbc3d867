"""What the raw schema tells the incremental models about each load (dbt macro
`incremental_scope`), written in the load's last transaction with the raw tables it describes.

- `pipedrive_loads`: one row per load, full or delta, with the last line number each merged table
  (deal_changes, activity) holds after it. A full load starts a new generation of line numbers:
  the incremental models then rebuild in full. A delta's rows are numbered after the lines held,
  so the rows after a model's last line are exactly the rows it has not seen.
- a BRIN index of the line numbers of each merged table, so that those rows are cheap to find;
- `<table>__replaced` (activity__replaced): the rows a delta replaced (an activity marked done, a
  rescheduled due time), as they were, with the load that replaced them: an incremental model takes
  them out of the months they counted in. A full load empties it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import psycopg2
from psycopg2 import sql

from pipedrive_funnel.raw_tables import LINE_NUMBER_COLUMN, RawTable

LOG_TABLE = "pipedrive_loads"
REPLACED_SUFFIX = "__replaced"
REPLACED_BY_COLUMN = "_replaced_in_load"


def replaced_table(schema: str, table: RawTable) -> sql.Identifier:
    return sql.Identifier(schema, table.name + REPLACED_SUFFIX)


def start_load(cursor: psycopg2.extensions.cursor, schema: str, kind: str, export_dir: Path) -> int:
    """Log a load (inside the caller's transaction, so it exists only if the load commits); its
    id, for the rows it replaces."""
    log = sql.Identifier(schema, LOG_TABLE)
    cursor.execute(
        sql.SQL(
            "create table if not exists {} (load_id bigint generated always as identity primary"
            " key, kind text not null check (kind in ('full', 'delta')), loaded_at timestamptz"
            " not null default now(), export_dir text not null, last_lines jsonb)"
        ).format(log)
    )
    cursor.execute(
        sql.SQL("insert into {} (kind, export_dir) values (%s, %s) returning load_id").format(log),
        (kind, str(export_dir)),
    )
    return int(cursor.fetchone()[0])


def finish_load(
    cursor: psycopg2.extensions.cursor, schema: str, load_id: int, last_lines: Mapping[str, int]
) -> None:
    """Record the last line each merged table holds after the load, and when it ends (a dbt build
    that started before takes it in at its next build)."""
    cursor.execute(
        sql.SQL(
            "update {} set last_lines = %s, loaded_at = clock_timestamp() where load_id = %s"
        ).format(sql.Identifier(schema, LOG_TABLE)),
        (json.dumps(dict(last_lines)), load_id),
    )


def index_lines(cursor: psycopg2.extensions.cursor, schema: str, table: RawTable) -> None:
    """A BRIN index of the line numbers of a merged table (after its swap, inside the load's
    transaction): a delta's rows are appended at the end of the table, and the incremental models
    and the tests after a refresh read only them (`_line_number > the lines seen`). A few pages
    for millions of rows; the index survives later loads that refill the table."""
    cursor.execute(
        sql.SQL("create index if not exists {} on {} using brin ({})").format(
            sql.Identifier(f"{table.name}__line_number_brin"),
            sql.Identifier(schema, table.name),
            sql.Identifier(LINE_NUMBER_COLUMN),
        )
    )


def reset_replaced(cursor: psycopg2.extensions.cursor, schema: str, table: RawTable) -> None:
    """A full load: an empty table of replaced rows, with the raw table's columns."""
    replaced = replaced_table(schema, table)
    cursor.execute(sql.SQL("drop table if exists {}").format(replaced))
    _create_replaced(cursor, schema, table)


def ensure_replaced(cursor: psycopg2.extensions.cursor, schema: str, table: RawTable) -> None:
    """A delta on raw tables loaded before this table existed."""
    cursor.execute("select to_regclass(%s)", (replaced_table(schema, table).as_string(cursor),))
    if cursor.fetchone()[0] is None:
        _create_replaced(cursor, schema, table)


def _create_replaced(cursor: psycopg2.extensions.cursor, schema: str, table: RawTable) -> None:
    cursor.execute(
        sql.SQL("create table {} (like {}, {} bigint not null)").format(
            replaced_table(schema, table),
            sql.Identifier(schema, table.name),
            sql.Identifier(REPLACED_BY_COLUMN),
        )
    )
