"""The structure of an export file, read as CSV: UTF-8 text, no NUL byte, and every row with as
many fields as the header.

PostgreSQL's COPY stops at such a row too, but names the row by its number among the rows, not
by the file's line (a value with a line break inside quotes spans two lines), and names no column
for a bad byte. dbt's seed reader stops before the project's code runs (a file that is not UTF-8)
or fills missing fields in (the seed loader macro then reads those lines again). This reads the file
with Python's csv module, which counts the file's physical lines, and names file, line, column
and value. It runs before `dbt build` (`pipedrive-load --check`) and when COPY fails; a file of
millions of rows takes seconds, so the loader does not read every file twice.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from pipedrive_funnel.loader.errors import LoadError
from pipedrive_funnel.loader.header import BOM
from pipedrive_funnel.raw_tables import RawTable

NUL = "\x00"
# A byte that is not UTF-8, decoded with errors="surrogateescape": U+DC80 to U+DCFF.
_ESCAPED = range(0xDC80, 0xDD00)


def first_structure_error(path: Path, table: RawTable) -> str | None:
    """The first line of `path` that is not UTF-8, holds a NUL byte, or has another number of
    fields than the header (blank lines are no rows); None if there is none."""
    with path.open("rb") as stream:
        lines = _Lines(stream)
        reader = csv.reader(lines)
        header = next(reader, None)
        if header is None:
            return None
        header[0] = header[0].removeprefix(BOM.decode("utf-8"))
        for error in _checked_fields(path, table, header, 1, header):
            return error
        start = lines.count + 1
        for fields in reader:
            if fields:
                for error in _checked_fields(path, table, header, start, fields):
                    return error
            start = lines.count + 1
    return None


def check_structure(export_dir: Path, tables: Sequence[RawTable]) -> None:
    """Every file of the export well-formed, or a LoadError naming the first bad line."""
    for table in tables:
        error = first_structure_error(export_dir / table.file_name, table)
        if error is not None:
            raise LoadError(error)


def _checked_fields(
    path: Path, table: RawTable, header: list[str], start: int, fields: list[str]
) -> Iterator[str]:
    line = start
    for position, value in enumerate(fields):
        column = header[position] if position < len(header) else f"{position + 1}"
        bad = next((index for index, char in enumerate(value) if _is_bad(char)), None)
        if bad is not None:
            where = f"{path}, line {line + value.count(chr(10), 0, bad)}, column {column}"
            char = value[bad]
            if char == NUL:
                yield f"{where}: a NUL byte (0x00) in the value; an export's values hold no NUL"
            else:
                byte = ord(char) - 0xDC00
                shown = value.encode("utf-8", "surrogateescape").decode("cp1252", "replace")
                yield (
                    f"{where}: {table.shown(shown)} (read as Windows-1252) holds the byte "
                    f"0x{byte:02x}, which is not UTF-8; save the file as UTF-8"
                )
        line += value.count("\n")
    if start > 1 and len(fields) != len(header):
        yield (
            f"{path}, line {start}: {len(fields)} fields where the header has {len(header)} "
            f"({', '.join(header)}); a field missing or one too many shifts the values"
        )


def _is_bad(char: str) -> bool:
    return char == NUL or ord(char) in _ESCAPED


class _Lines:
    """The physical lines of a binary stream, decoded as UTF-8 with each byte that is not kept as
    a surrogate (so the csv module sees every line), and counted."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.count = 0

    def __iter__(self) -> Iterator[str]:
        for line in self._stream:
            self.count += 1
            yield line.decode("utf-8", "surrogateescape")
