"""Atomic CSV output: each file is written under a temporary name and moved into place only once all
files of the export are complete, so an interrupted or failed run leaves no half-written CSV."""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, Protocol


class RowWriter(Protocol):
    def writerow(self, row: Iterable[Any], /) -> Any: ...
    def writerows(self, rows: Iterable[Iterable[Any]], /) -> None: ...


def _open_temporary(output_dir: Path, name: str) -> tuple[Path, Any]:
    handle, temp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=output_dir)
    return Path(temp_name), os.fdopen(handle, "w", encoding="utf-8", newline="")


@contextmanager
def atomic_csv_files(
    output_dir: Path, headers: dict[str, Sequence[str]]
) -> Iterator[dict[str, RowWriter]]:
    """Yield one csv writer per file name (header already written); publish all files on success.

    Files are UTF-8, comma separated, minimally quoted, with `\\n` line endings. On any exception
    the temporary files are removed and the previous contents of `output_dir` stay untouched.
    """
    output_dir.mkdir(parents=True, exist_ok=True)
    temporaries: dict[str, Path] = {}
    try:
        with ExitStack() as stack:
            writers: dict[str, RowWriter] = {}
            for name, header in headers.items():
                path, stream = _open_temporary(output_dir, name)
                temporaries[name] = path
                stack.enter_context(stream)
                writers[name] = csv.writer(stream, lineterminator="\n")
                writers[name].writerow(header)
            yield writers
        for name, path in temporaries.items():
            path.chmod(0o644)
            path.replace(output_dir / name)
        temporaries.clear()
    finally:
        for path in temporaries.values():
            path.unlink(missing_ok=True)
