"""The header of an export file: exactly the columns of the seeds YAML, as the seed loader wants."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from pipedrive_funnel.loader.errors import LoadError
from pipedrive_funnel.raw_tables import RawTable

BOM = b"\xef\xbb\xbf"


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
    """The columns of the seeds YAML, each once, in any order and case."""
    for position, name in enumerate(header, start=1):
        if not name.strip():
            raise LoadError(
                f"{path}, line 1: column {position} of the header has no name (does every line "
                "end with a comma?)"
            )
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


def check_headers(export_dir: Path, tables: Sequence[RawTable]) -> None:
    """Every file of the export there, each header right, before anything is loaded."""
    for table in tables:
        path = export_dir / table.file_name
        if not path.is_file():
            raise LoadError(f"{path}: missing; an export has {table.file_name} and five more files")
        with path.open("rb") as stream:
            check_header(path, table, read_header(path, stream))
