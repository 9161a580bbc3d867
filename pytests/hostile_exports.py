"""The catalogue of bad exports: each a small edit of the hand-made export, with its outcome.

The seed path (`test_hostile_failing.py`, `test_hostile_quarantined.py`) and the loader path
(`test_loader.py`) run the same catalogue, so both ways of loading an export meet the same bad
inputs.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from conftest import FIXTURES_DIR

BASE = FIXTURES_DIR / "handmade_export"
Edit = Callable[[Path], None]


def copy_base(destination: Path) -> Path:
    destination.mkdir(parents=True, exist_ok=True)
    for source in BASE.glob("*.csv"):
        shutil.copy2(source, destination / source.name)
    return destination


def _replace(name: str, old: str, new: str) -> Edit:
    def edit(export: Path) -> None:
        text = (export / name).read_text(encoding="utf-8")
        assert old in text, (name, old)
        (export / name).write_text(text.replace(old, new, 1), encoding="utf-8")

    return edit


def _replace_line(name: str, number: int, line: str) -> Edit:
    def edit(export: Path) -> None:
        lines = (export / name).read_text(encoding="utf-8").splitlines(keepends=True)
        lines[number - 1] = line + "\n"
        (export / name).write_text("".join(lines), encoding="utf-8")

    return edit


def _blank_lines(name: str) -> Edit:
    def edit(export: Path) -> None:
        lines = (export / name).read_text(encoding="utf-8").splitlines(keepends=True)
        (export / name).write_text("".join([*lines[:3], "\n", *lines[3:], "\n\n"]))

    return edit


def _append(name: str, *lines: str) -> Edit:
    def edit(export: Path) -> None:
        with (export / name).open("a", encoding="utf-8") as stream:
            stream.write("".join(f"{line}\n" for line in lines))

    return edit


# -- FAILS ------------------------------------------------------------------------------------

# A bad value of users.csv (names, emails) is never shown, only its length.
PERSONAL_VALUE = "andy.long@example.com"
MASKED = "(masked: users.csv holds personal data)"
JSON_LIST = "is not a JSON list"
FAILING = {
    "non-numeric deal id": (
        _replace("deal_changes.csv", "102,2024-01-16", "10x2,2024-01-16"),
        ["seeds/pipedrive/deal_changes.csv", "line 13", "column deal_id", '"10x2"'],
    ),
    "non-numeric activity id": (
        _replace("activity.csv", "\n4,sc_2", "\nfour,sc_2"),
        ["seeds/pipedrive/activity.csv", "column activity_id", '"four"'],
    ),
    "unparseable timestamp": (
        _replace("deal_changes.csv", "2024-02-05 09:00:00", "5th of February"),
        ["seeds/pipedrive/deal_changes.csv", "column change_time", '"5th of February"'],
    ),
    "unparseable due time": (
        _replace("activity.csv", "2024-02-06T11:00:00", "2024-02-06 at 11"),
        ["seeds/pipedrive/activity.csv", "column due_to", '"2024-02-06 at 11"'],
    ),
    "done is not a boolean": (
        _replace("activity.csv", "4,sc_2,4,102,True", "4,sc_2,4,102,maybe"),
        ["seeds/pipedrive/activity.csv", "column done", '"maybe"', "True or False"],
    ),
    "duplicated header column": (
        _replace("activity.csv", "done,due_to\n", "done,due_to,done\n"),
        ["seeds/pipedrive/activity.csv", "unexpected (or duplicated)"],
    ),
    "header repeated as a row": (
        _replace("users.csv", "\n2,", "\nid,name,email,modified\n2,"),
        ["seeds/pipedrive/users.csv", "line 3", "column id", f"a value of 2 characters {MASKED}"],
    ),
    "an email where a timestamp belongs (personal data)": (
        _replace("users.csv", "2024-01-03 11:00:00.250000", PERSONAL_VALUE),
        [
            "seeds/pipedrive/users.csv",
            "line 5",
            "column modified",
            f"a value of {len(PERSONAL_VALUE)} characters {MASKED} is not a timestamp",
        ],
    ),
    "a header and no rows": (
        lambda export: (export / "activity.csv").write_text(
            "activity_id,type,assigned_to_user,deal_id,done,due_to\n"
        ),
        ["seeds/pipedrive/activity.csv", "a header and no rows"],
    ),
    "the hour 24": (
        _replace("deal_changes.csv", "101,2024-01-20 10:00:00", "101,2024-01-31 24:00:00"),
        [
            "seeds/pipedrive/deal_changes.csv",
            "line 5",
            "column change_time",
            '"2024-01-31 24:00:00" is not a timestamp',
        ],
    ),
    "a leap second": (
        _replace("deal_changes.csv", "101,2024-01-20 10:00:00", "101,2024-01-31 23:59:60"),
        [
            "seeds/pipedrive/deal_changes.csv",
            "line 5",
            "column change_time",
            '"2024-01-31 23:59:60" is not a timestamp',
        ],
    ),
    "an integer beyond 2147483647": (
        _replace("activity.csv", "\n4,sc_2", "\n2147483648,sc_2"),
        ["seeds/pipedrive/activity.csv", "column activity_id", '"2147483648" is not an integer'],
    ),
    "a comma at the end of every line": (
        lambda export: (export / "stages.csv").write_text(
            "".join(line + ",\n" for line in (export / "stages.csv").read_text().splitlines())
        ),
        ["seeds/pipedrive/stages.csv", "line 1", "column 3 of the header has no name"],
    ),
    "a user id twice": (
        _append("users.csv", "3,Cy Doe,cy.doe@example.com,2024-01-05 10:00:00.000000"),
        [
            "seeds/pipedrive/users.csv",
            "line 6",
            "column id",
            f"a value of 1 characters {MASKED} is already on line 4",
        ],
    ),
    "a stage id twice": (
        _append("stages.csv", "9,Renewal"),
        ["seeds/pipedrive/stages.csv", "line 11", "column stage_id", '"9" is already on line 10'],
    ),
    "an activity type code twice": (
        _append("activity_types.csv", "5,Sales Call 1 (old),No,meeting"),
        ["seeds/pipedrive/activity_types.csv", "line 6", "column type", '"meeting" is already on'],
    ),
    "a field key twice": (
        _append("fields.csv", "99,user_id,Owner (copy),"),
        ["seeds/pipedrive/fields.csv", "column FIELD_KEY", '"user_id" is already on line 3'],
    ),
    "invalid JSON in the field options": (
        _replace("fields.csv", '""Pricing Issues""}', '""Pricing Issues""'),
        ["seeds/pipedrive/fields.csv", "line 5", "column FIELD_VALUE_OPTIONS", JSON_LIST],
    ),
    "an object where the list of options belongs": (
        _replace_line("fields.csv", 4, '10,stage_id,Stage,"{""id"": ""1"", ""label"": ""Lead""}"'),
        ["seeds/pipedrive/fields.csv", "line 4", "column FIELD_VALUE_OPTIONS", JSON_LIST],
    ),
    "a day the month does not have": (
        _replace("deal_changes.csv", "101,2024-01-20 10:00:00", "101,2024-02-30 10:00:00"),
        [
            "seeds/pipedrive/deal_changes.csv",
            "line 5",
            "column change_time",
            '"2024-02-30 10:00:00" is not a timestamp',
        ],
    ),
    "missing column": (
        lambda export: (export / "activity.csv").write_text(
            "\n".join(
                ",".join(line.split(",")[:4] + line.split(",")[5:])
                for line in (export / "activity.csv").read_text().splitlines()
            )
            + "\n"
        ),
        ["seeds/pipedrive/activity.csv", "missing: done"],
    ),
    "empty file": (
        lambda export: (export / "users.csv").write_text(""),
        ["seeds/pipedrive/users.csv"],
    ),
    "a NUL byte in a value": (
        _replace("stages.csv", "Closing", "Clo\x00sing"),
        ["seeds/pipedrive/stages.csv", "line 7", "column stage_name", "a NUL byte (0x00)"],
    ),
    "a line break inside quotes, then a bad value below it": (
        lambda export: [
            _replace("fields.csv", "3,user_id,Owner,", '3,user_id,"Deal\nowner",')(export),
            _replace("fields.csv", "\n23,lost_reason", "\n2x3,lost_reason")(export),
        ],
        ["seeds/pipedrive/fields.csv", "line 6", "column ID", '"2x3" is not an integer'],
    ),
    "a row with a field missing (dbt's reader fills it in: the line is read again)": (
        lambda export: _short_row(export),
        ["seeds/pipedrive/users.csv, line 3: 3 fields where the header has 4 (id, name, email"],
    ),
    "an option id twice in a field's options": (
        _replace(
            "fields.csv",
            '""id"": ""2"", ""label"": ""Pricing',
            '""id"": ""1"", ""label"": ""Pricing',
        ),
        [
            "seeds/pipedrive/fields.csv",
            "line 5",
            "column FIELD_VALUE_OPTIONS",
            'the option id "1" is twice in the list',
        ],
    ),
}


# -- FAILS before dbt: `make build` checks the seed files first (`pipedrive-load --check`), and
# pipedrive-load does too: a file that is not UTF-8 stops dbt's seed reader before the project's
# code runs, and an extra field stops it with agate's own message (`Row 3 has 7 values`).


def _short_row(export: Path) -> None:
    _replace("users.csv", "2,Dr. Al Lane MD,al.lane@", "2,al.lane@")(export)


def _long_row(export: Path) -> None:
    _replace("activity.csv", "\n4,sc_2,4,102,True,", "\n4,sc_2,4,102,True,extra,")(export)


def _windows_1252(export: Path) -> None:
    path = export / "stages.csv"
    path.write_bytes(path.read_bytes().replace(b"Closing", "Clôture".encode("cp1252")))


CHECKED_BEFORE_DBT = {
    "a row with a field missing": (
        _short_row,
        ["seeds/pipedrive/users.csv, line 3: 3 fields where the header has 4 (id, name, email"],
    ),
    "a row with an extra field": (
        _long_row,
        ["seeds/pipedrive/activity.csv, line 5: 7 fields where the header has 6"],
    ),
    "a file saved as Windows-1252, not UTF-8": (
        _windows_1252,
        [
            "seeds/pipedrive/stages.csv, line 7, column stage_name",
            '"Cl\\u00f4ture" (read as Windows-1252) holds the byte 0xf4, which is not UTF-8',
        ],
    ),
}


# -- QUARANTINED and VALID: one export with every edit, one build ------------------------------

EMOJI_NAME = "Zoë \"Z\" O'Hara, Jr. 🚀'); drop table users; --"
TEN_THOUSAND = 10_000

EDITS: list[Edit] = [
    # stage ids 10 and -1 (10 is already in the base export, on deal 104)
    _append("deal_changes.csv", "104,2024-02-22 12:00:00,stage_id,-1"),
    # an activity type missing from activity_types.csv
    _append("activity.csv", "11,webinar,3,104,True,2024-03-11T10:00:00"),
    # null deal ids, null owners, null due times
    _append("activity.csv", "12,meeting,3,,True,2024-03-12T10:00:00"),
    _append("activity.csv", "13,follow_up,,104,True,2024-03-13T10:00:00"),
    _append("activity.csv", "14,meeting,3,104,True,"),
    _append("deal_changes.csv", ",2024-03-14 10:00:00,stage_id,2"),
    _append("deal_changes.csv", "104,2024-03-15 10:00:00,user_id,"),
    # an email that is not an email
    _replace("users.csv", "al.lane@example.com", "al.lane at example dot com"),
    # a timestamp in the future
    _append("deal_changes.csv", "104,2031-05-01 10:00:00,stage_id,3"),
    # a user name with quotes, commas, emoji and an SQL fragment
    _append(
        "users.csv",
        f'5,"{EMOJI_NAME.replace(chr(34), chr(34) * 2)}",zoe@example.com,'
        "2024-01-04 10:00:00.000000",
    ),
    _append("activity.csv", "15,follow_up,5,104,True,2024-03-20T10:00:00"),
    # an exact duplicate of an activity row and of a deal change: every activity row counts (the
    # reused activity id is reported), the change adds no deal to any step
    _append("activity.csv", "7,meeting,1,103,True,2024-02-28T10:00:00"),
    _append("deal_changes.csv", "101,2024-01-10 10:00:00,stage_id,1"),
    # the largest integer an id can be
    _append("activity.csv", "2147483647,follow_up,4,101,True,2024-06-03T10:00:00"),
    # 10,000 events on one deal: stage 1 <-> 2 every four minutes in April
    _append(
        "deal_changes.csv",
        *(
            f"105,{datetime(2024, 4, 1) + timedelta(minutes=4 * i)},stage_id,{1 + i % 2}"
            for i in range(TEN_THOUSAND)
        ),
    ),
    # blank lines inside a file and at its end: no rows, the other rows keep their line numbers
    _blank_lines("deal_changes.csv"),
    # a line break inside a quoted name: the rows below keep the file's line numbers
    _replace("users.csv", "Bo Chen", '"Bo\nChen"'),
    # users named Null and with an empty name: no name, quarantined, their activities count
    _append("users.csv", "6,Null,six@example.com,2024-01-06 10:00:00.000000"),
    _append("users.csv", "7,,seven@example.com,2024-01-07 10:00:00.000000"),
    _append("activity.csv", "16,follow_up,6,104,True,2024-03-21T10:00:00"),
    _append("activity.csv", "17,meeting,7,104,True,2024-03-22T10:00:00"),
]


def bom_and_crlf(export: Path) -> None:
    """Saved by a spreadsheet: byte-order mark and Windows line endings."""
    path = export / "activity.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))


def hostile_export(destination: Path) -> Path:
    """The hand-made export with every quarantined and valid edit, saved by a spreadsheet."""
    export = copy_base(destination)
    for edit in EDITS:
        edit(export)
    bom_and_crlf(export)
    return export
