"""A delta export merged into the raw tables (`pipedrive-load --delta`), in the load's last
transaction, after each file was loaded and checked like any other into a new table.

- A table of new rows (seed meta delta_new_rows_by, deal_changes): the delta's rows are added,
  except those the table already holds (the same values, the match column equal and not null), so
  that loading the same delta twice adds nothing.
- A table of changed rows (seed meta delta_changed_rows_by, activity: the key activity_id): a row
  whose key the table holds replaces that row; the others are added. A key the table holds on
  several rows (a reused activity id) stops the load: which row would the change be for?
- Any other table: the delta's file replaces it, as in a full load.
Added rows are numbered after the lines the table holds: line n of the delta file gets the
number (last number held) + n - 1.
"""

from __future__ import annotations

from pathlib import Path

import psycopg2
from psycopg2 import sql

from pipedrive_funnel.loader.errors import LoadError
from pipedrive_funnel.loader.load_log import ensure_replaced, replaced_table
from pipedrive_funnel.raw_tables import LINE_NUMBER_COLUMN, RawTable

LINE = sql.Identifier(LINE_NUMBER_COLUMN)


def is_merged(table: RawTable) -> bool:
    """Whether a delta's file is merged into the table (else it replaces it)."""
    return bool(table.delta_new_rows_by or table.delta_changed_rows_by)


def merge_delta(
    cursor: psycopg2.extensions.cursor,
    table: RawTable,
    path: Path,
    target: sql.Identifier,
    loaded: sql.Identifier,
    load_id: int,
) -> tuple[int, int]:
    """Merge the checked rows of `loaded` into `target`, the rows it replaces kept in the table of
    replaced rows with `load_id`; the number of rows added, and the last line number held."""
    columns = [sql.Identifier(name.lower()) for name in table.column_names]
    names = {"target": target, "loaded": loaded, "line": LINE}
    # the last line held, read first (before a replaced row goes: its line is never given again;
    # and in the insert, the planner may evaluate it once per row)
    cursor.execute(sql.SQL("select coalesce(max({line}), 1) from {target}").format(**names))
    last_line = cursor.fetchone()[0]
    if table.delta_changed_rows_by:
        key = sql.Identifier(table.delta_changed_rows_by.lower())
        _refuse_ambiguous_keys(cursor, table, path, target, loaded, key)
        *schema, _ = target.strings
        ensure_replaced(cursor, schema[0], table)
        cursor.execute(
            sql.SQL(
                "with replaced as (delete from {target} as held using {loaded} as delta"
                " where held.{key} = delta.{key} returning held.*)"
                " insert into {replaced} select replaced.*, {load_id} from replaced"
            ).format(
                key=key,
                replaced=replaced_table(schema[0], table),
                load_id=sql.Literal(load_id),
                **names,
            )
        )
        keep = sql.SQL("true")
    else:
        match = sql.Identifier(str(table.delta_new_rows_by).lower())
        keep = sql.SQL(
            "not exists (select from {target} as held"
            " where held.{match} = delta.{match} and {same})"
        ).format(
            match=match,
            same=sql.SQL(" and ").join(
                sql.SQL("held.{0} is not distinct from delta.{0}").format(column)
                for column in columns
                if column != match
            ),
            **names,
        )
    listed = sql.SQL(", ").join(columns)
    cursor.execute(
        sql.SQL(
            "with added as (insert into {target} ({listed}, {line}) select {delta_columns},"
            " {last_line} + delta.{line} - 1 from {loaded} as delta"
            " where {keep} order by delta.{line} returning {line})"
            " select count(*), coalesce(max({line}), {last_line}) from added"
        ).format(
            listed=listed,
            last_line=sql.Literal(last_line),
            delta_columns=sql.SQL(", ").join(
                sql.SQL("delta.{}").format(column) for column in columns
            ),
            keep=keep,
            **names,
        )
    )
    added, last_line = cursor.fetchone()
    cursor.execute(sql.SQL("drop table {}").format(loaded))
    cursor.execute(sql.SQL("analyze {}").format(target))
    return int(added), int(last_line)


def _refuse_ambiguous_keys(
    cursor: psycopg2.extensions.cursor,
    table: RawTable,
    path: Path,
    target: sql.Identifier,
    loaded: sql.Identifier,
    key: sql.Identifier,
) -> None:
    # Only the delta's keys are counted, and each step is its own plan (materialized): with the
    # join and `limit 1` in one query, the planner bet on a nested loop that finds a match early,
    # and when none matched (the usual case) it compared every delta row with every reused key of
    # the table (measured at 1,000,000 deals: over 5 minutes, 0.3 s this way).
    cursor.execute(
        sql.SQL(
            "with held as materialized (select {key}, count(*) as rows from {target}"
            " where {key} in (select {key} from {loaded}) group by {key} having count(*) > 1),"
            " ambiguous as materialized (select delta.{line}, delta.{key}, held.rows"
            " from {loaded} as delta join held on held.{key} = delta.{key})"
            " select * from ambiguous order by {line} limit 1"
        ).format(line=LINE, key=key, target=target, loaded=loaded)
    )
    ambiguous = cursor.fetchone()
    if ambiguous is not None:
        line, value, rows = ambiguous
        name = table.delta_changed_rows_by
        raise LoadError(
            f"{path}, line {line}, column {name}: {value} is on {rows} rows of the raw table "
            f"{table.name} (a reused id): a changed row cannot say which one it changes"
        )
