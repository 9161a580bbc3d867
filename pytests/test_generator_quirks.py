"""Each quirk of real exports is present at the default size, counted here.

The counts printed by `pytest -s -k quirks` are those reported in the notes of the issue tracker.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

Rows = dict[str, list[dict[str, str]]]


@pytest.fixture(scope="module")
def quirks(default_rows: Rows) -> dict[str, int]:
    changes, activities = default_rows["deal_changes.csv"], default_rows["activity.csv"]
    users = default_rows["users.csv"]
    creations = Counter(r["deal_id"] for r in changes if r["changed_field_key"] == "add_time")
    activity_ids = Counter(a["activity_id"] for a in activities)
    emails = Counter(u["email"] for u in users)
    stage_months = {r["change_time"][:7] for r in changes if r["changed_field_key"] == "stage_id"}
    counted = {
        "deal ids with two creations": sum(n == 2 for n in creations.values()),
        "deal ids with more creations": sum(n > 2 for n in creations.values()),
        "reused activity ids": sum(n > 1 for n in activity_ids.values()),
        "activities on unknown deals": sum(a["deal_id"] not in creations for a in activities),
        "names with a title": sum(bool(re.match(r"(Mr|Mrs|Ms|Dr)\. ", u["name"])) for u in users),
        "names with a suffix": sum(
            bool(re.search(r" (Jr\.|Sr\.|MD|PhD|III)$", u["name"])) for u in users
        ),
        "duplicated emails": sum(n > 1 for n in emails.values()),
        "activity months": len({a["due_to"][:7] for a in activities}),
        "stage change months": len(stage_months),
    }
    print("\nquirks of the default export:", counted)
    return counted


def test_a_few_deal_ids_carry_two_unrelated_deals(quirks: dict[str, int]) -> None:
    assert 3 <= quirks["deal ids with two creations"] <= 40
    assert quirks["deal ids with more creations"] == 0


def test_reused_deal_ids_have_interleaved_histories(default_rows: Rows) -> None:
    by_deal: dict[str, list[dict[str, str]]] = {}
    for row in default_rows["deal_changes.csv"]:
        by_deal.setdefault(row["deal_id"], []).append(row)
    interleaved = 0
    for rows in by_deal.values():
        keys = [r["changed_field_key"] for r in rows]
        if keys.count("add_time") == 2:
            second = keys.index("add_time", 1)
            interleaved += "stage_id" in keys[second:] and "stage_id" in keys[:second]
    assert interleaved >= 1


def test_activity_ids_are_reused(quirks: dict[str, int]) -> None:
    assert 3 <= quirks["reused activity ids"] <= 200


def test_activities_on_deals_missing_from_the_deal_log(quirks: dict[str, int]) -> None:
    assert 10 <= quirks["activities on unknown deals"] <= 200


def test_names_with_titles_and_suffixes(quirks: dict[str, int]) -> None:
    assert quirks["names with a title"] >= 2
    assert quirks["names with a suffix"] >= 2


def test_a_few_duplicated_emails(quirks: dict[str, int]) -> None:
    assert 1 <= quirks["duplicated emails"] <= 20


def test_activities_span_fewer_months_than_stage_changes(quirks: dict[str, int]) -> None:
    assert quirks["activity months"] < quirks["stage change months"]
