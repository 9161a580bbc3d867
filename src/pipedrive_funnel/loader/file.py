"""One export file into a new table: header checked, rows streamed with COPY, values checked.

The rows go with `COPY ... FROM STDIN` into a staging table of text columns (unlogged, created in
the load's own transaction, each row numbered by an identity column as COPY reads it: its line in
the file). One `CREATE TABLE ... AS SELECT` then checks and casts every value into the new table.
The staging table is a plain (not temporary) table so that PostgreSQL can check it with parallel
workers; it never outlives the transaction. With wal_level minimal the new table, created in the
same transaction, writes no write-ahead log either. The caller swaps the new table in
(`export.py`).
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO

import psycopg2
from psycopg2 import sql

from pipedrive_funnel.loader.blank_lines import BlankLinesAsEmptyRows
from pipedrive_funnel.loader.errors import FileLoad, LoadError
from pipedrive_funnel.loader.header import check_header, read_header
from pipedrive_funnel.loader.values import (
    SESSION_SETTINGS,
    cast,
    first_bad_value,
)
from pipedrive_funnel.raw_tables import LINE_NUMBER_COLUMN, RawTable, ValueCheck

COPY_CHUNK_BYTES = 1 << 20
STAGED_SUFFIX = "__staged"
# The checks run in parallel workers when the server has them: the planner's default cost of
# passing a row from a worker assumes rows much cheaper to compute than these checks (measured at
# 1,000,000 deals: deal_changes.csv checked in 5.3 s with two workers, 9.0 s without).
PARALLEL_CHECKS = "set local parallel_tuple_cost = 0.001"
_COPY_CONTEXT = re.compile(r"COPY \S+, line (\d+)(?:, column c(\d+))?")

Progress = Callable[[int, int], None]  # (bytes read, lines read) since the last call


class _CountingReader(io.RawIOBase):
    """A file read by COPY, reporting the bytes and lines passed on as it goes."""

    def __init__(self, stream: BinaryIO, report: Progress) -> None:
        self._stream = stream
        self._report = report

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(size)
        self._report(len(chunk), chunk.count(b"\n"))
        return chunk


def load_file(
    connection: psycopg2.extensions.connection,
    path: Path,
    table: RawTable,
    target: sql.Identifier,
    checks: dict[str, ValueCheck],
    on_progress: Progress,
) -> FileLoad:
    """Load `path` into the new table `target` and commit; nothing is left on failure."""
    started = time.perf_counter()
    *schema, name = target.strings
    staged_table = sql.Identifier(*schema, name + STAGED_SUFFIX)
    try:
        with connection.cursor() as cursor, path.open("rb") as stream:
            cursor.execute(SESSION_SETTINGS)
            cursor.execute(PARALLEL_CHECKS)
            header = read_header(path, stream)
            check_header(path, table, header)
            staged = [sql.Identifier(f"c{index}") for index in range(1, len(header) + 1)]
            cursor.execute(
                sql.SQL(
                    "create unlogged table {} ({}, {} integer generated always as identity"
                    " (start with 2))"  # line 1 is the header
                ).format(
                    staged_table,
                    sql.SQL(", ").join(sql.SQL("{} text").format(column) for column in staged),
                    sql.Identifier(LINE_NUMBER_COLUMN),
                )
            )
            _copy(cursor, path, header, stream, staged_table, staged, on_progress)
            by_name = dict(zip((column.lower() for column in header), staged, strict=True))
            columns = [
                (column_name, sql_type, by_name[column_name.lower()])
                for column_name, sql_type in table.columns
            ]
            _create_checked(cursor, table, path, columns, staged_table, target, checks)
            rows = cursor.rowcount
            _check_unique(cursor, table, path, target)
            _check_json_lists(cursor, table, path, target)
            cursor.execute(sql.SQL("drop table {}").format(staged_table))
            cursor.execute(sql.SQL("analyze {}").format(target))
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
    return FileLoad(table.file_name, rows, path.stat().st_size, time.perf_counter() - started)


def _copy(
    cursor: psycopg2.extensions.cursor,
    path: Path,
    header: Sequence[str],
    stream: BinaryIO,
    staged_table: sql.Identifier,
    staged: Sequence[sql.Identifier],
    on_progress: Progress,
) -> None:
    # freeze: the rows of a table created in this transaction are written as already visible
    copy = (
        sql.SQL("copy {} ({}) from stdin with (format csv, freeze)")
        .format(staged_table, sql.SQL(", ").join(staged))
        .as_string(cursor)
    )
    try:
        rows = BlankLinesAsEmptyRows(_CountingReader(stream, on_progress), len(header))
        cursor.copy_expert(copy, rows, COPY_CHUNK_BYTES)
    except (psycopg2.DataError, psycopg2.errors.BadCopyFileFormat) as error:
        raise LoadError(_copy_error(path, header, error)) from None


def _create_checked(
    cursor: psycopg2.extensions.cursor,
    table: RawTable,
    path: Path,
    columns: Sequence[tuple[str, str, sql.Identifier]],
    staged_table: sql.Identifier,
    target: sql.Identifier,
    checks: dict[str, ValueCheck],
) -> None:
    """The new table, the YAML's columns in its order and then the line number, every value
    checked and cast. A bad value stops it; workers check side by side, so the first value one
    of them rejects need not be the first in the file: the patterns then find the first."""
    # blank lines (rows of NULLs from BlankLinesAsEmptyRows, or of empty fields) are left out
    create = sql.SQL("create table {} as select {}, {} from {} where num_nonnulls({}) > 0").format(
        target,
        sql.SQL(", ").join(
            sql.SQL("{} as {}").format(cast(path, *column, checks), sql.Identifier(name.lower()))
            for column in columns
            for name in column[:1]
        ),
        sql.Identifier(LINE_NUMBER_COLUMN),
        staged_table,
        sql.SQL(", ").join(column for _, _, column in columns),
    )
    cursor.execute("savepoint checked_create")
    try:
        cursor.execute(create)
    except psycopg2.Error as error:
        if not isinstance(error, psycopg2.DataError):
            raise
        cursor.execute("rollback to savepoint checked_create")
        in_file_order = sorted(columns, key=lambda column: int(column[2].string[1:]))
        first_bad = first_bad_value(cursor, table, path, in_file_order, staged_table, checks)
        if first_bad is None:  # before PostgreSQL 16: its own message, which quotes the value
            reason = error.diag.message_primary
            if table.personal_data or not reason:
                reason = "a value its column's type cannot hold (not shown: see the file)"
            first_bad = f"{path}: {reason}"
        raise LoadError(first_bad) from None


def _check_unique(
    cursor: psycopg2.extensions.cursor, table: RawTable, path: Path, target: sql.Identifier
) -> None:
    """The keys of the export's small tables (meta unique_columns): a value on a second line
    stops the load, naming both lines (the seed loader macro checks the same)."""
    for column in table.unique_columns:
        cursor.execute(
            sql.SQL(
                "select line, value, first_line from (select {line} as line, {column}::text as"
                " value, min({line}) over (partition by {column}) as first_line from {target}"
                " where {column} is not null) as numbered where line > first_line"
                " order by line limit 1"
            ).format(
                line=sql.Identifier(LINE_NUMBER_COLUMN),
                column=sql.Identifier(column.lower()),
                target=target,
            )
        )
        repeated = cursor.fetchone()
        if repeated is not None:
            line, value, first_line = repeated
            raise LoadError(
                f"{path}, line {line}, column {column}: {table.shown(value)} is already on line "
                f"{first_line}; each {column} once"
            )


def _check_json_lists(
    cursor: psycopg2.extensions.cursor, table: RawTable, path: Path, target: sql.Identifier
) -> None:
    """Columns of JSON lists (meta json_list_columns): empty, or a JSON list. PostgreSQL 16 and
    later tell the first line that is neither (before 16 the staging model's cast fails)."""
    cursor.execute("show server_version_num")
    if not table.json_list_columns or int(cursor.fetchone()[0]) < 160000:
        return
    for column in table.json_list_columns:
        value = sql.SQL("nullif(trim({}), '')").format(sql.Identifier(column.lower()))
        cursor.execute(
            sql.SQL(
                "select {line}, {value} from {target} where {value} is not null and case when"
                " pg_input_is_valid({value}, 'jsonb') then jsonb_typeof({value}::jsonb) <> 'array'"
                " else true end order by {line} limit 1"
            ).format(line=sql.Identifier(LINE_NUMBER_COLUMN), value=value, target=target)
        )
        bad = cursor.fetchone()
        if bad is not None:
            line, text = bad
            raise LoadError(
                f"{path}, line {line}, column {column}: {table.shown(text)} is not a JSON list"
                ' ([{"id": "1", "label": "..."}, ...])'
            )


def _copy_error(path: Path, header: Sequence[str], error: psycopg2.Error) -> str:
    """COPY's own error (a ragged row, bad UTF-8) with the file's line and column names."""
    message = error.diag.message_primary or str(error).splitlines()[0]
    match = _COPY_CONTEXT.search(error.diag.context or "")
    if not match:
        return f"{path}: {message}"
    where = f"{path}, line {int(match.group(1)) + 1}"  # COPY counts from the row after the header
    if match.group(2):
        where += f", column {header[int(match.group(2)) - 1]}"
    return f"{where}: {message}"
