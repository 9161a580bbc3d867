"""One export file into a new table: header checked, rows streamed with COPY, values checked.

The rows go with `COPY ... FROM STDIN` into a temporary table of text columns, then one
`INSERT ... SELECT` checks and casts every value into the new table (created in the same
transaction, so with wal_level minimal neither writes the write-ahead log). The caller swaps the
new table in (`export.py`).
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

from pipedrive_funnel.loader.errors import FileLoad, LoadError
from pipedrive_funnel.loader.header import check_header, read_header
from pipedrive_funnel.loader.values import (
    REJECT_FUNCTION,
    REJECTED_VALUE_STATE,
    SESSION_SETTINGS,
    cast,
    first_bad_value,
)
from pipedrive_funnel.raw_tables import LINE_NUMBER_COLUMN, RawTable, ValueCheck

COPY_CHUNK_BYTES = 1 << 20
# Temporary tables live in the session's own buffers: room for the text of a large file.
TEMP_BUFFERS = "set temp_buffers = '512MB'"
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


def create_table(
    cursor: psycopg2.extensions.cursor, target: sql.Identifier, table: RawTable
) -> None:
    """The raw table: the YAML's columns and types, then the line number."""
    columns = [
        sql.SQL("{} {}").format(sql.Identifier(name.lower()), sql.SQL(sql_type))
        for name, sql_type in table.columns
    ]
    columns.append(sql.SQL("{} integer not null").format(sql.Identifier(LINE_NUMBER_COLUMN)))
    cursor.execute(sql.SQL("create table {} ({})").format(target, sql.SQL(", ").join(columns)))


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
    try:
        with connection.cursor() as cursor, path.open("rb") as stream:
            cursor.execute(TEMP_BUFFERS)
            cursor.execute(SESSION_SETTINGS)
            cursor.execute(REJECT_FUNCTION)
            header = read_header(path, stream)
            check_header(path, table, header)
            staged = [sql.Identifier(f"c{index}") for index in range(1, len(header) + 1)]
            load_table = sql.Identifier(f"load_{table.name}")
            cursor.execute(
                sql.SQL("create temporary table {} ({})").format(
                    load_table,
                    sql.SQL(", ").join(sql.SQL("{} text").format(column) for column in staged),
                )
            )
            _copy(cursor, path, header, stream, load_table, on_progress)
            rows = cursor.rowcount
            create_table(cursor, target, table)
            types = {name.lower(): sql_type for name, sql_type in table.columns}
            columns = [
                (name, types[name.lower()], column)
                for name, column in zip(header, staged, strict=True)
            ]
            _insert(cursor, path, columns, load_table, target, checks)
            cursor.execute(sql.SQL("drop table {}").format(load_table))
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
    load_table: sql.Identifier,
    on_progress: Progress,
) -> None:
    copy = sql.SQL("copy {} from stdin with (format csv)").format(load_table).as_string(cursor)
    try:
        cursor.copy_expert(copy, _CountingReader(stream, on_progress), COPY_CHUNK_BYTES)
    except (psycopg2.DataError, psycopg2.errors.BadCopyFileFormat) as error:
        raise LoadError(_copy_error(path, header, error)) from None


def _insert(
    cursor: psycopg2.extensions.cursor,
    path: Path,
    columns: Sequence[tuple[str, str, sql.Identifier]],
    load_table: sql.Identifier,
    target: sql.Identifier,
    checks: dict[str, ValueCheck],
) -> None:
    # A temporary table is read by one process in the order it was written (no parallel or
    # synchronised scans), so row_number() over () is the line of the row in the file.
    numbered = sql.SQL(
        "(select (row_number() over () + 1)::integer as {}, * from {}) as numbered"
    ).format(sql.Identifier(LINE_NUMBER_COLUMN), load_table)
    insert = sql.SQL("insert into {} ({}, {}) select {}, {} from {}").format(
        target,
        sql.SQL(", ").join(sql.Identifier(name.lower()) for name, _, _ in columns),
        sql.Identifier(LINE_NUMBER_COLUMN),
        sql.SQL(", ").join(cast(path, *column, checks) for column in columns),
        sql.Identifier(LINE_NUMBER_COLUMN),
        numbered,
    )
    cursor.execute("savepoint checked_insert")
    try:
        cursor.execute(insert)
    except psycopg2.Error as error:
        if error.pgcode == REJECTED_VALUE_STATE:
            raise LoadError(error.diag.message_primary) from None
        if not isinstance(error, psycopg2.DataError):
            raise
        # A cast of the fast checks met garbage: find the first bad value with the patterns.
        cursor.execute("rollback to savepoint checked_insert")
        raise LoadError(
            first_bad_value(cursor, path, columns, numbered, checks)
            or f"{path}: {error.diag.message_primary}"
        ) from None


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
