"""Blank lines of an export file, turned into rows of empty fields on their way to COPY.

`dbt seed` reads a blank line (inside a file or at its end) as a row of empty cells, and both
loaders leave such rows out. COPY would stop at one ("missing data for column"), so each blank
line becomes a line of commas: a row of NULLs that keeps its place in the numbering of the rows
(the line numbers of later errors stay the file's lines) and that the load then leaves out.

A line break inside a quoted field is no line end: CSV doubles a quote inside a field, so a
position is inside a quoted field exactly when an odd number of quote characters precede it.
"""

from __future__ import annotations

import io
import re
from typing import BinaryIO

# A line end, then an empty line (its own line end, maybe with a carriage return).
_BLANK_LINE = re.compile(rb"\n(?=\r?\n)")
_QUOTE = b'"'


class BlankLinesAsEmptyRows(io.RawIOBase):
    """The bytes of `stream` (a file positioned after its header line), each blank line filled
    with the commas of a row of `fields` empty fields."""

    def __init__(self, stream: BinaryIO, fields: int) -> None:
        self._stream = stream
        self._empty_row = b"," * (fields - 1)
        self._held = b""  # a line end at the end of a chunk: a blank line may follow it
        self._last = b"\n"  # the last byte passed on (the header's line end)
        self._quotes = 0  # quote characters passed on

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(size)
        data = self._held + chunk
        if chunk:  # hold back a trailing line end until the next chunk shows what follows it
            cut = len(data.rstrip(b"\r\n"))
            data, self._held = data[:cut], data[cut:]
            if not data:
                return self.read(size)
        else:
            self._held = b""
        return self._pass_on(data)

    def _pass_on(self, data: bytes) -> bytes:
        if not data:
            return data
        window = self._last + data  # a blank line may start right after the last byte passed
        pieces = []
        start = 1  # in window
        quotes = self._quotes
        for match in _BLANK_LINE.finditer(window):
            end = match.end()  # the empty line starts here
            if end <= start - 1:
                continue
            quotes += window.count(_QUOTE, start, end)
            pieces.append(window[start:end])
            start = end
            if quotes % 2 == 0:
                pieces.append(self._empty_row)
        quotes += window.count(_QUOTE, start)
        pieces.append(window[start:])
        self._quotes = quotes
        self._last = data[-1:]
        return b"".join(pieces)
