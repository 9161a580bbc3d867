"""What a load reports: a clear error, or the figures of each file loaded."""

from __future__ import annotations

from dataclasses import dataclass


class LoadError(RuntimeError):
    """A bad export or a failed load; the message names the file (and line, column, value)."""


@dataclass(frozen=True)
class FileLoad:
    file_name: str
    rows: int
    bytes: int
    seconds: float
    last_line: int | None = None  # the last line number of a merged table (load_log.py)
