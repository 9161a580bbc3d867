"""Loads a large export into the raw tables with PostgreSQL's COPY, streamed, in one transaction.

For each file: the header is checked against the columns of the seeds YAML (the same rule and
message as the seed loader), the rows are streamed with `COPY ... FROM STDIN` into a temporary
table of text columns numbered by line, and one `INSERT ... SELECT` checks every typed value with
the seed loader's patterns and casts it into the raw table. The first bad value stops the load with
`<file>, line <n>, column <c>: "<value>" is not <what>`. Everything happens in one transaction
(the raw tables are truncated and refilled inside it), so a failed load changes nothing: the raw
tables, and the models built from them, keep the previous export.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import psycopg2
from psycopg2 import sql

from pipedrive_funnel.raw_tables import LINE_NUMBER_COLUMN, RawTable, ValueCheck

BOM = b"\xef\xbb\xbf"
COPY_CHUNK_BYTES = 1 << 20
# Raised by the temporary function below; the message is complete (file, line, column, value).
REJECTED_VALUE_STATE = "PF001"
# What the seed path (agate) reads as NULL: an empty cell or the text `null`, any case, trimmed.
NULL_PATTERN = r"^\s*([Nn][Uu][Ll][Ll])?\s*$"

_REJECT_FUNCTION = """
create function pg_temp.reject_value(
    file_name text, line_number bigint, column_name text, value text, expected text
) returns text language plpgsql as $reject$
begin
    raise exception using
        errcode = 'PF001',
        message = format('%s, line %s, column %s: %s is not %s',
                         file_name, line_number, column_name, to_json(value), expected);
end
$reject$
"""
_COPY_CONTEXT = re.compile(r"COPY \S+, line (\d+)(?:, column c(\d+))?")


class LoadError(RuntimeError):
    """A bad export or a failed load; the message names the file (and line, column, value)."""


@dataclass(frozen=True)
class FileLoad:
    file_name: str
    rows: int
    bytes: int
    seconds: float


class _CountingReader(io.RawIOBase):
    """A file read by COPY, reporting the bytes and lines passed on as it goes."""

    def __init__(self, stream: BinaryIO, report: Callable[[int, int], None]) -> None:
        self._stream = stream
        self._report = report

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(size)
        self._report(len(chunk), chunk.count(b"\n"))
        return chunk


def read_header(path: Path, stream: BinaryIO) -> list[str]:
    """The header's fields; the stream is left at the first data row."""
    line = stream.readline()
    if not line.strip():
        raise LoadError(f"{path}: the file is empty; its first line must be the header")
    if line.startswith(BOM):
        line = line[len(BOM) :]
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as error:
        raise LoadError(f"{path}, line 1: the header is not UTF-8 ({error.reason})") from None
    return next(csv.reader([text.rstrip("\r\n")]))


def check_header(path: Path, table: RawTable, header: Sequence[str]) -> None:
    """Exactly the columns of the seeds YAML, in any order and case (as the seed loader wants)."""
    expected = [name.lower() for name in table.column_names]
    found = [name.lower() for name in header]
    if sorted(found) == sorted(expected):
        return
    missing = [name for name in expected if name not in found]
    unexpected = [name for name in found if name not in expected]
    unexpected += sorted({name for name in found if name in expected and found.count(name) > 1})
    message = f"{path}: the header must have the columns {', '.join(expected)}"
    if missing:
        message += f"; missing: {', '.join(missing)}"
    if unexpected:
        message += f"; unexpected (or duplicated): {', '.join(unexpected)}"
    raise LoadError(message)


def _is_null(column: sql.Composable) -> sql.Composable:
    """Empty, blank or `null`; the cheap test of the first character spares most values the
    regular expression (only '', white space, `n` and `N` can start such a value)."""
    test = "(ascii({c}) in (0, 9, 10, 11, 12, 13, 32, 78, 110) and {c} ~ {pattern})"
    return sql.SQL(test).format(c=column, pattern=sql.Literal(NULL_PATTERN))


# Cheap tests that accept only values in the canonical form of their type (what Pipedrive
# writes), each a strict subset of the type's pattern in export_value_checks: most values pass
# here, and only the others pay for the regular expression. A test may raise PostgreSQL's own
# error on garbage (a cast): the load then looks for the first bad value with the patterns alone.
FAST_CHECKS = {
    "integer": "{c}::integer::text = {c} and abs({c}::integer) <= 999999999",
    "bigint": "{c}::bigint::text = {c} and abs({c}::bigint) <= 999999999999999999",
    "boolean": "{c} in ('True', 'False', 'true', 'false')",
    "timestamp": "substr({c}, 5, 1) = '-' and {c} not like '%C'"
    " and {c}::timestamp::text in ({c}, replace({c}, 'T', ' '))",
}


def _cast(
    path: Path, name: str, sql_type: str, staged: sql.Identifier, checks: dict[str, ValueCheck]
) -> sql.Composable:
    """The expression that turns the staged text into the raw column: NULL, checked, cast."""
    if sql_type == "text":
        return sql.SQL("case when {} then null else {} end").format(_is_null(staged), staged)
    check = checks.get(sql_type)
    if check is None:
        raise LoadError(f"{path}: no value check for the type {sql_type} of column {name}")
    return sql.SQL(
        "case when {staged} is null then null"
        " when ascii({staged}) between 48 and 57 and {fast} then cast({staged} as {t})"
        " when {is_null} then null"
        " when {staged} ~* {pattern} then cast(btrim({staged}) as {t})"
        " else cast(pg_temp.reject_value({file}, {line}, {name}, {staged}, {expected}) as {t}) end"
    ).format(
        staged=staged,
        fast=sql.SQL(FAST_CHECKS.get(sql_type, "false")).format(c=staged),
        is_null=_is_null(staged),
        pattern=sql.Literal(check.pattern),
        t=sql.SQL(sql_type),
        file=sql.Literal(str(path)),
        line=sql.Identifier(LINE_NUMBER_COLUMN),
        name=sql.Literal(name),
        expected=sql.Literal(check.expected),
    )


def _prepare_raw_table(cursor: psycopg2.extensions.cursor, schema: str, table: RawTable) -> None:
    """Empty the raw table (inside the load's transaction), or create it with the YAML's columns."""
    wanted = {(name.lower(), sql_type) for name, sql_type in table.columns}
    wanted.add((LINE_NUMBER_COLUMN, "integer"))
    cursor.execute(
        "select column_name, data_type from information_schema.columns"
        " where table_schema = %s and table_name = %s",
        (schema, table.name),
    )
    existing = {(name, _short_type(data_type)) for name, data_type in cursor.fetchall()}
    target = sql.Identifier(schema, table.name)
    if existing == wanted:
        cursor.execute(sql.SQL("truncate {}").format(target))
        return
    if existing:  # another layout (an older version of the project): the views on it go too
        cursor.execute(sql.SQL("drop table {} cascade").format(target))
    columns = [
        sql.SQL("{} {}").format(sql.Identifier(name.lower()), sql.SQL(sql_type))
        for name, sql_type in table.columns
    ]
    columns.append(sql.SQL("{} integer not null").format(sql.Identifier(LINE_NUMBER_COLUMN)))
    cursor.execute(sql.SQL("create table {} ({})").format(target, sql.SQL(", ").join(columns)))


def _short_type(data_type: str) -> str:
    return {"timestamp without time zone": "timestamp"}.get(data_type, data_type)


def load_file(
    cursor: psycopg2.extensions.cursor,
    path: Path,
    table: RawTable,
    schema: str,
    checks: dict[str, ValueCheck],
    on_progress: Callable[[int, int], None],
) -> FileLoad:
    """Load one file into `schema.table` (inside the caller's transaction)."""
    started = time.perf_counter()
    if not path.is_file():
        raise LoadError(f"{path}: missing; an export has {table.file_name} and five other files")
    with path.open("rb") as stream:
        header = read_header(path, stream)
        check_header(path, table, header)
        staged = [sql.Identifier(f"c{index}") for index in range(1, len(header) + 1)]
        load_table = sql.Identifier(f"load_{table.name}")
        cursor.execute(
            sql.SQL("create temporary table {} ({}) on commit drop").format(
                load_table,
                sql.SQL(", ").join(sql.SQL("{} text").format(column) for column in staged),
            )
        )
        copy = sql.SQL("copy {} from stdin with (format csv)").format(load_table)
        try:
            cursor.copy_expert(
                copy.as_string(cursor), _CountingReader(stream, on_progress), COPY_CHUNK_BYTES
            )
        except (psycopg2.DataError, psycopg2.errors.BadCopyFileFormat) as error:
            raise LoadError(_copy_error(path, header, error)) from None
        rows = cursor.rowcount
    types = {name.lower(): sql_type for name, sql_type in table.columns}
    columns = [
        (name, types[name.lower()], column) for name, column in zip(header, staged, strict=True)
    ]
    _prepare_raw_table(cursor, schema, table)
    # A temporary table is read by one process in the order it was written (no parallel or
    # synchronised scans), so row_number() over () is the line of the row in the file.
    numbered = sql.SQL("(select (row_number() over () + 1)::integer as {}, * from {}) as numbered")
    numbered = numbered.format(sql.Identifier(LINE_NUMBER_COLUMN), load_table)
    insert = sql.SQL("insert into {} ({}, {}) select {}, {} from {}").format(
        sql.Identifier(schema, table.name),
        sql.SQL(", ").join(sql.Identifier(name.lower()) for name, _, _ in columns),
        sql.Identifier(LINE_NUMBER_COLUMN),
        sql.SQL(", ").join(_cast(path, *column, checks) for column in columns),
        sql.Identifier(LINE_NUMBER_COLUMN),
        numbered,
    )
    cursor.execute("savepoint load_file")
    try:
        cursor.execute(insert)
    except psycopg2.Error as error:
        if error.pgcode == REJECTED_VALUE_STATE:
            raise LoadError(error.diag.message_primary) from None
        if not isinstance(error, psycopg2.DataError):
            raise
        # A cast of the fast checks met garbage: find the first bad value with the patterns.
        cursor.execute("rollback to savepoint load_file")
        raise LoadError(
            _first_bad_value(cursor, path, columns, numbered, checks)
            or f"{path}: {error.diag.message_primary}"
        ) from None
    cursor.execute(sql.SQL("drop table {}").format(load_table))
    cursor.execute(sql.SQL("analyze {}").format(sql.Identifier(schema, table.name)))
    return FileLoad(table.file_name, rows, path.stat().st_size, time.perf_counter() - started)


def _first_bad_value(
    cursor: psycopg2.extensions.cursor,
    path: Path,
    columns: Sequence[tuple[str, str, sql.Identifier]],
    numbered: sql.Composable,
    checks: dict[str, ValueCheck],
) -> str | None:
    """The seed loader's message for the first line with a bad value (first bad column in it)."""
    tests = [
        sql.SQL("({}, {}, {}, {}, not {} and {} !~* {})").format(
            sql.Literal(position), sql.Literal(name), column,
            sql.Literal(checks[sql_type].expected), _is_null(column), column,
            sql.Literal(checks[sql_type].pattern),
        )
        for position, (name, sql_type, column) in enumerate(columns)
        if sql_type in checks
    ]  # fmt: skip
    if not tests:
        return None
    cursor.execute(
        sql.SQL(
            "select numbered.{}, checked.name, checked.value, checked.expected from {}"
            " cross join lateral (values {}) as checked (position, name, value, expected, is_bad)"
            " where checked.is_bad order by 1, checked.position limit 1"
        ).format(sql.Identifier(LINE_NUMBER_COLUMN), numbered, sql.SQL(", ").join(tests))
    )
    bad = cursor.fetchone()
    if bad is None:
        return None
    line, name, value, expected = bad
    return f"{path}, line {line}, column {name}: {json.dumps(value)} is not {expected}"


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


def load_export(
    connection: psycopg2.extensions.connection,
    export_dir: Path,
    tables: Sequence[RawTable],
    schema: str,
    checks: dict[str, ValueCheck],
    on_file: Callable[[RawTable, Path], Callable[[int, int], None]],
    on_loaded: Callable[[FileLoad], None],
) -> list[FileLoad]:
    """Load every file of `export_dir` into `schema`, all or nothing (one transaction)."""
    loads = []
    try:
        with connection.cursor() as cursor:
            # temporary tables in memory, and timestamps printed the way the fast checks expect
            cursor.execute("set temp_buffers = '512MB'; set datestyle = 'ISO, YMD'")
            cursor.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
            cursor.execute(_REJECT_FUNCTION)
            for table in tables:
                path = export_dir / table.file_name
                loads.append(load_file(cursor, path, table, schema, checks, on_file(table, path)))
                on_loaded(loads[-1])
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
    return loads
