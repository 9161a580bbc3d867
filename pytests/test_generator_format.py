"""Every file of the default export has the exact shape of a Pipedrive export."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import pytest

Rows = dict[str, list[dict[str, str]]]

HEADERS = {
    "deal_changes.csv": "deal_id,change_time,changed_field_key,new_value",
    "activity.csv": "activity_id,type,assigned_to_user,deal_id,done,due_to",
    "activity_types.csv": "id,name,active,type",
    "users.csv": "id,name,email,modified",
    "stages.csv": "stage_id,stage_name",
    "fields.csv": "ID,FIELD_KEY,NAME,FIELD_VALUE_OPTIONS",
}
INTEGER = re.compile(r"^[1-9][0-9]*$")
CHANGE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")
MODIFIED = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$")


def test_exactly_the_six_files(default_export: Path) -> None:
    assert sorted(p.name for p in default_export.iterdir()) == sorted(HEADERS)


@pytest.mark.parametrize("name", sorted(HEADERS))
def test_header_encoding_and_line_endings(default_export: Path, name: str) -> None:
    raw = (default_export / name).read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "no byte-order mark"
    assert b"\r" not in raw, "\\n line endings only"
    assert raw.endswith(b"\n")
    text = raw.decode("utf-8")
    assert text.split("\n", 1)[0] == HEADERS[name]


def test_deal_changes_values(default_rows: Rows) -> None:
    user_ids = {u["id"] for u in default_rows["users.csv"]}
    rows = default_rows["deal_changes.csv"]
    for row in rows:
        assert INTEGER.match(row["deal_id"]), row
        assert CHANGE_TIME.match(row["change_time"]), row
        datetime.strptime(row["change_time"], "%Y-%m-%d %H:%M:%S")
        key, value = row["changed_field_key"], row["new_value"]
        if key == "add_time":
            assert ISO_TIME.match(value) and value == row["change_time"].replace(" ", "T"), row
        elif key == "user_id":
            assert value in user_ids, row
        elif key == "stage_id":
            assert value in {str(i) for i in range(1, 10)}, row
        else:
            assert key == "lost_reason" and value in {"1", "2", "3", "4", "5"}, row
    assert {r["changed_field_key"] for r in rows} == {
        "add_time",
        "user_id",
        "stage_id",
        "lost_reason",
    }


def test_activity_values(default_rows: Rows) -> None:
    user_ids = {u["id"] for u in default_rows["users.csv"]}
    rows = default_rows["activity.csv"]
    for row in rows:
        assert INTEGER.match(row["activity_id"]) and INTEGER.match(row["deal_id"]), row
        assert row["assigned_to_user"] in user_ids, row
        assert row["done"] in {"True", "False"}, row
        assert ISO_TIME.match(row["due_to"]), row
        datetime.fromisoformat(row["due_to"])
    assert {r["type"] for r in rows} == {"meeting", "sc_2", "follow_up", "after_close_call"}


def test_activity_types_exactly(default_export: Path) -> None:
    assert (default_export / "activity_types.csv").read_text(encoding="utf-8") == (
        "id,name,active,type\n"
        "1,Sales Call 1,Yes,meeting\n"
        "2,Sales Call 2,Yes,sc_2\n"
        "3,Follow Up Call,No,follow_up\n"
        "4,After Close Call,Yes,after_close_call\n"
    )


def test_stages_exactly(default_rows: Rows) -> None:
    assert [(r["stage_id"], r["stage_name"]) for r in default_rows["stages.csv"]] == [
        ("1", "Lead Generation"),
        ("2", "Qualified lead"),
        ("3", "Needs Assessment"),
        ("4", "Proposal/Quote Preparation"),
        ("5", "Negotiation"),
        ("6", "Closing"),
        ("7", "Implementation/Onboarding"),
        ("8", "Follow-up/Customer Success"),
        ("9", "Renewal/Expansion"),
    ]


def test_fields_exactly(default_rows: Rows) -> None:
    rows = default_rows["fields.csv"]
    assert [(r["ID"], r["FIELD_KEY"], r["NAME"]) for r in rows] == [
        ("13", "add_time", "Deal created"),
        ("3", "user_id", "Owner"),
        ("10", "stage_id", "Stage"),
        ("23", "lost_reason", "Lost reason"),
    ]
    assert rows[0]["FIELD_VALUE_OPTIONS"] == rows[1]["FIELD_VALUE_OPTIONS"] == ""
    stages = json.loads(rows[2]["FIELD_VALUE_OPTIONS"])
    assert [o["id"] for o in stages] == [str(i) for i in range(1, 10)]
    assert stages[1] == {"id": "2", "label": "Qualified Lead"}
    assert json.loads(rows[3]["FIELD_VALUE_OPTIONS"]) == [
        {"id": "1", "label": "Customer Not Ready"},
        {"id": "2", "label": "Pricing Issues"},
        {"id": "3", "label": "Unreachable Customer"},
        {"id": "4", "label": "Product Mismatch"},
        {"id": "5", "label": "Duplicate Entry"},
    ]


def test_fields_json_is_csv_quoted(default_export: Path) -> None:
    line = (default_export / "fields.csv").read_text(encoding="utf-8").splitlines()[3]
    assert line.startswith('10,stage_id,Stage,"[{""id"": ""1"", ""label"": ""Lead Generation""}')


def test_users_values(default_rows: Rows) -> None:
    rows = default_rows["users.csv"]
    assert [r["id"] for r in rows] == [str(i) for i in range(1, len(rows) + 1)]
    for row in rows:
        assert MODIFIED.match(row["modified"]), row
        assert re.match(r"^[^@\s]+@[^@\s]+\.[a-z]+$", row["email"]), row
        assert row["name"].strip() == row["name"] and row["name"], row
