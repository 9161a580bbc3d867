"""Blank lines on their way to COPY (`loader/blank_lines.py`): each becomes a row of empty fields,
wherever the file's chunks happen to be cut, and a line break inside a quoted field is kept."""

from __future__ import annotations

import io

import pytest

from pipedrive_funnel.loader.blank_lines import BlankLinesAsEmptyRows

CASES = {
    "no blank line": (b"1,a\n2,b\n", b"1,a\n2,b\n"),
    "a blank line inside": (b"1,a\n\n2,b\n", b"1,a\n,\n2,b\n"),
    "blank lines at the end": (b"1,a\n2,b\n\n\n", b"1,a\n2,b\n,\n,\n"),
    "a blank first data line": (b"\n1,a\n", b",\n1,a\n"),
    "Windows line ends": (b"1,a\r\n\r\n2,b\r\n", b"1,a\r\n,\r\n2,b\r\n"),
    "a line break inside quotes": (b'1,"x\n\ny"\n\n2,b\n', b'1,"x\n\ny"\n,\n2,b\n'),
    "doubled quotes": (b'1,"say ""hi""\n\n"\n2,b\n', b'1,"say ""hi""\n\n"\n2,b\n'),
    "no line end at the end": (b"1,a\n\n2,b", b"1,a\n,\n2,b"),
}


def _read_all(data: bytes, size: int) -> bytes:
    reader = BlankLinesAsEmptyRows(io.BytesIO(data), fields=2)
    out = b""
    while chunk := reader.read(size):
        out += chunk
    return out


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("size", [1, 2, 3, 5, 1 << 20])
def test_each_blank_line_becomes_a_row_of_empty_fields(case: str, size: int) -> None:
    given, expected = CASES[case]
    assert _read_all(given, size) == expected
