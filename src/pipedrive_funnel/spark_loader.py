"""An export into the raw tables of a Spark warehouse: `pipedrive-spark load --export DIR`.

The Spark counterpart of pipedrive-load (PostgreSQL's COPY path). The six files become the tables
of the sources that the models read with `--vars '{raw_source: loader}'`, in
`<DBT_SPARK_SCHEMA>_raw`: the columns and types of the seeds YAML, then `_line_number`, each row's
first line in its file (header = line 1), as `dbt seed` and pipedrive-load write them. Spark reads
each file itself: CSV, every value as text, one task per file (a quoted value may span lines, so a
file cannot be split; a large file's checks and write then run on every executor). The checks are
pipedrive-load's, with its messages:
- each header, before anything is read (`loader/header.py`);
- the structure: a row with another number of fields than the header, a NUL byte, or a byte that
  is not UTF-8 (which Spark would read as U+FFFD) sends the file through `loader/structure.py`,
  which names the first bad line, column and value;
- every typed value against the pattern of its type (var export_value_checks) and the type itself
  (a 30 February is no timestamp): the first bad value is named by line and column;
- the keys of the small tables once each, and the JSON lists of options with each id once;
- a file with a header and no rows, unless allowed (--allow-empty).
A blank line is a row of empty fields, left out (as by dbt seed): a file with blank lines is read
through `loader/blank_lines.py` from a copy, so that every line number stays the file's; and the
line numbers are checked against the file's count of lines, so they cannot be silently off.

Differences from PostgreSQL, by design of the engine: the new tables are written beside the old
ones and renamed in only when all six have loaded (a failed load leaves the previous export), but
the six renames are six statements, not one transaction; there is no delta load and no load log
(on Spark the incremental models are tables, rebuilt in full).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from pyspark.sql import Column, DataFrame, Row, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType
from pyspark.sql.window import Window

from pipedrive_funnel.loader.blank_lines import BlankLinesAsEmptyRows
from pipedrive_funnel.loader.errors import FileLoad, LoadError, no_rows_message
from pipedrive_funnel.loader.header import check_header, check_headers, read_header
from pipedrive_funnel.loader.structure import first_structure_error
from pipedrive_funnel.raw_tables import LINE_NUMBER_COLUMN, NULL_PATTERN, RawTable, ValueCheck

LOADING_SUFFIX = "__loading"
CORRUPT = "_corrupt_record"  # the raw text of a row Spark could not split into the header's fields
ROW = "_row"  # the row's position in the file (one task per file: 0, 1, 2, ...)
REPLACEMENT_CHARACTER = "\ufffd"  # what Spark reads a byte that is not UTF-8 as
_BLANK_LINE = b"\n\n"
_CHUNK = 1 << 20
# A larger file is checked and written by every executor (its reading is one task).
BYTES_PER_PARTITION = 16 << 20


def quote(name: str) -> str:
    """A Spark SQL identifier."""
    return "`" + name.replace("`", "``") + "`"


def load_export_on_spark(
    session: SparkSession,
    export_dir: Path,
    tables: Sequence[RawTable],
    schema: str,
    checks: dict[str, ValueCheck],
    allow_empty: frozenset[str] = frozenset(),
    on_loaded: Callable[[FileLoad], None] = lambda load: None,
) -> list[FileLoad]:
    """Load every file of `export_dir` into `schema`; the raw tables change only if all load.
    Every file is checked before any is written."""
    check_headers(export_dir, tables)
    with ExitStack() as stack:
        checked = []
        for table in tables:
            path = export_dir / table.file_name
            typed = _checked_file(session, path, table, checks, stack)
            if typed.rows == 0 and table.file_name not in allow_empty:
                raise LoadError(no_rows_message(path, "pipedrive-spark load --allow-empty"))
            checked.append((table, typed))
        session.sql(f"create database if not exists {quote(schema)}")
        _drop_loading_tables(session, schema, tables)  # left by a load that was killed
        loads = []
        try:
            for table, typed in checked:
                started = time.perf_counter()
                typed.frame.write.format("parquet").mode("overwrite").saveAsTable(
                    _name(schema, table, LOADING_SUFFIX)
                )
                path = export_dir / table.file_name
                seconds = typed.seconds + time.perf_counter() - started
                loads.append(FileLoad(table.file_name, typed.rows, path.stat().st_size, seconds))
                on_loaded(loads[-1])
        except BaseException:
            _drop_loading_tables(session, schema, tables)
            raise
    for table in tables:
        session.sql(f"drop table if exists {_name(schema, table)}")
        session.sql(
            f"alter table {_name(schema, table, LOADING_SUFFIX)} rename to {_name(schema, table)}"
        )
    return loads


def _name(schema: str, table: RawTable, suffix: str = "") -> str:
    return f"{quote(schema)}.{quote(table.name + suffix)}"


def _drop_loading_tables(session: SparkSession, schema: str, tables: Sequence[RawTable]) -> None:
    for table in tables:
        session.sql(f"drop table if exists {_name(schema, table, LOADING_SUFFIX)}")


@dataclass
class _Checked:
    frame: DataFrame  # the typed rows, ready to write
    rows: int
    seconds: float


def _checked_file(
    session: SparkSession,
    path: Path,
    table: RawTable,
    checks: dict[str, ValueCheck],
    stack: ExitStack,
) -> _Checked:
    """The file's rows typed and numbered, every check passed (its text cached, and the copy
    without blank lines kept, until the load ends)."""
    started = time.perf_counter()
    with path.open("rb") as stream:
        as_written = read_header(path, stream)
    check_header(path, table, as_written)
    header = [name.lower() for name in as_written]
    lines, blank = _scan_lines(path)
    readable = stack.enter_context(_without_blank_lines(path, len(header), blank))
    numbered = _numbered(_read(session, readable, header), header)
    if path.stat().st_size > BYTES_PER_PARTITION:  # the checks and the write on every executor
        numbered = numbered.repartition(session.sparkContext.defaultParallelism)
    numbered = numbered.cache()
    stack.callback(numbered.unpersist)
    values = [(name.lower(), sql_type) for name, sql_type in table.columns]
    raw = [F.col(quote(name)) for name, _ in values]
    is_row = F.greatest(*(column.isNotNull() for column in raw))  # not a blank line
    bad = _bad_value(path, as_written, values, checks)
    figures = numbered.agg(
        F.count(F.lit(1)).alias("rows"),
        F.coalesce(F.max(ROW), F.lit(-1)).alias("last_row"),
        F.coalesce(F.sum(_line_breaks(header)), F.lit(0)).alias("line_breaks"),
        F.count(CORRUPT).alias("corrupt"),
        F.count(F.when(_is_suspicious(header), 1)).alias("suspicious"),
        F.count(F.when(is_row, 1)).alias("kept"),
        F.min(F.when(bad.isNotNull(), F.struct(LINE_NUMBER_COLUMN, bad.alias("bad")))).alias(
            "first_bad"
        ),
    ).first()
    _check_structure(figures, path, table)
    _check_line_count(path, lines, figures["rows"], figures["line_breaks"])
    if figures["first_bad"] is not None:
        line, (name, value, expected) = figures["first_bad"]
        raise LoadError(
            f"{path}, line {line}, column {name}: {table.shown(value)} is not {expected}"
        )
    typed = numbered.where(is_row).select(
        *(
            _cast(column, sql_type).alias(name)
            for column, (name, sql_type) in zip(raw, values, strict=True)
        ),
        F.col(LINE_NUMBER_COLUMN),
    )
    _check_unique_columns(typed, path, table)
    _check_json_lists(typed, path, table)
    return _Checked(typed, figures["kept"], time.perf_counter() - started)


@contextmanager
def _without_blank_lines(path: Path, fields: int, blank: bool) -> Iterator[Path]:
    """The file, or a copy of it whose blank lines are rows of empty fields: Spark's reader
    would skip them and so shift the numbering of the lines after them."""
    if not blank:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="pipedrive-spark-") as folder:
        copy = Path(folder) / path.name
        with path.open("rb") as source, copy.open("wb") as written:
            written.write(source.readline())  # the header
            shutil.copyfileobj(BlankLinesAsEmptyRows(source, fields), written, _CHUNK)
        yield copy


def _scan_lines(path: Path) -> tuple[int, bool]:
    """The file's lines (a last one without a line end counts), and whether a line end is
    followed by another (or by a carriage return and one): maybe a blank line, which
    `BlankLinesAsEmptyRows` tells apart from one inside a quoted value. One read of the file."""
    lines, last, tail, blank = 0, b"\n", b"", False
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
            blank = blank or _BLANK_LINE in (tail + chunk).replace(b"\r\n", b"\n")
            tail = chunk[-2:]
    return lines + (last != b"\n"), blank


def _read(session: SparkSession, path: Path, header: Sequence[str]) -> DataFrame:
    """The file's rows, every value text, each with its position and, when it has another
    number of fields than the header, its raw text in CORRUPT."""
    fields = [StructField(name, StringType()) for name in header]
    return (
        session.read.schema(StructType([*fields, StructField(CORRUPT, StringType())]))
        .options(
            header=True,
            multiLine=True,
            escape='"',
            mode="PERMISSIVE",
            encoding="UTF-8",
            columnNameOfCorruptRecord=CORRUPT,
            enforceSchema=True,
        )
        .csv(str(path))
        .withColumn(ROW, F.monotonically_increasing_id())
    )


def _line_breaks(header: Sequence[str]) -> Column:
    """How many line breaks a row's values hold (each adds a line to the row)."""
    return sum(
        (
            F.coalesce(F.length(column) - F.length(F.regexp_replace(column, "\n", "")), F.lit(0))
            for column in (F.col(quote(name)) for name in header)
        ),
        F.lit(0),
    )


def _is_suspicious(header: Sequence[str]) -> Column:
    """A NUL, or U+FFFD (maybe a byte that is not UTF-8) in a value."""
    return F.greatest(
        F.lit(False),
        *(
            F.col(quote(name)).contains("\x00") | F.col(quote(name)).contains(REPLACEMENT_CHARACTER)
            for name in header
        ),
    )


def _check_structure(figures: Row, path: Path, table: RawTable) -> None:
    """A row Spark could not split into the header's fields, a NUL or a byte that is not UTF-8:
    the file's first bad line as pipedrive-load names it."""
    if figures["corrupt"] or figures["suspicious"]:
        found = first_structure_error(path, table)
        if found is not None:
            raise LoadError(found)
        if figures["corrupt"]:
            raise LoadError(f"{path}: a row Spark cannot read as CSV (the header's fields)")
    if figures["last_row"] != figures["rows"] - 1:  # the file was not read as one task
        raise LoadError(f"{path}: read in parts; the rows cannot be numbered by their lines")


def _check_line_count(path: Path, lines: int, rows: int, line_breaks: int) -> None:
    """The header, the rows and the line breaks inside values make up every line of the file."""
    if lines != 1 + rows + line_breaks:
        raise LoadError(
            f"{path}: {lines} lines where the header, {rows} rows and {line_breaks} line breaks "
            "inside values make up another number; the rows cannot be numbered by their lines "
            "(line ends of carriage returns alone?)"
        )


def _numbered(staged: DataFrame, header: Sequence[str]) -> DataFrame:
    """Each row with its first line in the file: the header is line 1, and a value with line
    breaks spans more lines (a window over the file's one partition, in the order read)."""
    before = Window.orderBy(ROW).rowsBetween(Window.unboundedPreceding, -1)
    breaks_before = F.coalesce(F.sum(_line_breaks(header)).over(before), F.lit(0))
    return staged.withColumn(LINE_NUMBER_COLUMN, (F.col(ROW) + 2 + breaks_before).cast("int"))


def _is_null(column: Column) -> Column:
    """Empty, blank or the text `null`, as dbt seed reads them."""
    return column.isNull() | column.rlike(NULL_PATTERN)


def _cast(column: Column, sql_type: str) -> Column:
    if sql_type == "text":
        return F.when(~_is_null(column), column)
    return F.when(~_is_null(column), F.trim(column, F.lit(" \t\n\r\f\x0b")).try_cast(sql_type))


def _bad_value(
    path: Path,
    header: Sequence[str],
    values: Sequence[tuple[str, str]],
    checks: dict[str, ValueCheck],
) -> Column:
    """A row's first value (in the file's order) that its pattern or its type rejects, as
    (column as in the header, value, what it is not); null when there is none."""
    names = {name.lower(): name for name in header}
    in_file_order = sorted(values, key=lambda value: list(names).index(value[0]))
    tests = []
    for column_name, sql_type in in_file_order:
        name = names[column_name]
        column = F.col(quote(column_name))
        if sql_type == "text":
            continue
        check = checks.get(sql_type)
        if check is None:
            raise LoadError(f"{path}: no value check for the type {sql_type} of column {name}")
        is_bad = ~_is_null(column) & (
            ~column.rlike("(?i)" + check.pattern) | _cast(column, sql_type).isNull()
        )
        tests.append(
            F.when(
                is_bad,
                F.struct(
                    F.lit(name).alias("name"),
                    column.alias("value"),
                    F.lit(check.expected).alias("expected"),
                ),
            )
        )
    if not tests:
        return F.lit(None).cast("struct<name: string, value: string, expected: string>")
    return F.coalesce(*tests) if len(tests) > 1 else tests[0]


def _check_unique_columns(loaded: DataFrame, path: Path, table: RawTable) -> None:
    """A key on a second line stops the load, naming both lines."""
    for column in table.unique_columns:
        key = F.col(quote(column.lower()))
        repeated = (
            loaded.where(key.isNotNull())
            .select(
                F.col(LINE_NUMBER_COLUMN).alias("line"),
                key.cast("string").alias("value"),
                F.min(LINE_NUMBER_COLUMN).over(Window.partitionBy(key)).alias("first_line"),
            )
            .where(F.col("line") > F.col("first_line"))
            .orderBy("line")
            .first()
        )
        if repeated is not None:
            raise LoadError(
                f"{path}, line {repeated['line']}, column {column}: "
                f"{table.shown(repeated['value'])} is already on line {repeated['first_line']}; "
                f"each {column} once"
            )


def _check_json_lists(loaded: DataFrame, path: Path, table: RawTable) -> None:
    """Empty, or a JSON list with each option id once."""
    for column in table.json_list_columns:
        value = F.nullif(F.trim(F.col(quote(column.lower()))), F.lit(""))
        items = F.from_json(value, "array<map<string,string>>")
        bad = (
            loaded.where(value.isNotNull() & items.isNull())
            .select(LINE_NUMBER_COLUMN, value.alias("value"))
            .orderBy(LINE_NUMBER_COLUMN)
            .first()
        )
        if bad is not None:
            raise LoadError(
                f"{path}, line {bad[LINE_NUMBER_COLUMN]}, column {column}: "
                f"{table.shown(bad['value'])} is not a JSON list"
                ' ([{"id": "1", "label": "..."}, ...])'
            )
        repeated = (
            loaded.select(LINE_NUMBER_COLUMN, F.explode(items).alias("item"))
            .select(LINE_NUMBER_COLUMN, F.col("item")["id"].alias("option_id"))
            .where(F.col("option_id").isNotNull())
            .groupBy(LINE_NUMBER_COLUMN, "option_id")
            .count()
            .where(F.col("count") > 1)
            .orderBy(LINE_NUMBER_COLUMN)
            .first()
        )
        if repeated is not None:
            raise LoadError(
                f"{path}, line {repeated[LINE_NUMBER_COLUMN]}, column {column}: the option id "
                f"{json.dumps(repeated['option_id'])} is twice in the list; each option id once"
            )
