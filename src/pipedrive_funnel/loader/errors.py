"""What a load reports: a clear error, or the figures of each file loaded."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class LoadError(RuntimeError):
    """A bad export or a failed load; the message names the file (and line, column, value)."""


@dataclass(frozen=True)
class FileLoad:
    file_name: str
    rows: int
    bytes: int
    seconds: float
    last_line: int | None = None  # the last line number of a merged table (load_log.py)


def no_rows_message(path: Path, how_to_allow: str) -> str:
    """The error of a file with a header and no rows (the seed loader macro says the same)."""
    return (
        f"{path}: a header and no rows; a file of an export without rows is taken for a broken "
        f"export (if it is empty on purpose, say so: {how_to_allow} {path.name})"
    )
