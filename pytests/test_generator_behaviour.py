"""The default export behaves like a real CRM: ordered histories, a narrowing funnel, real sizes."""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import pairwise

import pytest

Rows = dict[str, list[dict[str, str]]]


@pytest.fixture(scope="module")
def histories(default_rows: Rows) -> dict[str, list[dict[str, str]]]:
    by_deal: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in default_rows["deal_changes.csv"]:
        by_deal[row["deal_id"]].append(row)
    return by_deal


@pytest.fixture(scope="module")
def single_histories(histories: dict[str, list[dict[str, str]]]) -> dict[str, list[dict[str, str]]]:
    """Histories of deal ids that carry one deal only."""
    return {
        deal_id: rows
        for deal_id, rows in histories.items()
        if sum(r["changed_field_key"] == "add_time" for r in rows) == 1
    }


def test_sizes_match_the_default_of_the_issue(default_rows: Rows, histories) -> None:
    assert 1_900 <= len(histories) <= 2_000
    assert 13_000 <= len(default_rows["deal_changes.csv"]) <= 17_000
    assert 14_000 <= len(default_rows["activity.csv"]) <= 18_000
    assert len(default_rows["users.csv"]) == 48  # 40 reps and 8 users who are not reps


def test_a_team_of_25_to_40_reps_that_grows_and_does_tens_of_activities_a_month(
    default_rows: Rows,
) -> None:
    done: dict[str, Counter[str]] = defaultdict(Counter)  # month -> rep -> done activities
    for row in default_rows["activity.csv"]:
        if row["done"] == "True":
            done[row["due_to"][:7]][row["assigned_to_user"]] += 1
    months = sorted(done)
    team = [len(done[month]) for month in months]
    assert all(25 <= size <= 40 for size in team), team
    assert team[-1] > team[0] + 5  # reps join over the history
    per_rep = sorted(n for month in months for n in done[month].values())
    assert per_rep[len(per_rep) // 2] >= 15  # the median rep-month: tens of activities
    owners = {
        r["new_value"]
        for r in default_rows["deal_changes.csv"]
        if r["changed_field_key"] == "user_id"
    }
    assignees = {row["assigned_to_user"] for row in default_rows["activity.csv"]}
    users = {u["id"] for u in default_rows["users.csv"]}
    assert owners == assignees
    assert len(users - owners) == 8  # managers, admins: no deal, no activity


def test_history_spans_fourteen_months_from_2024_01(default_rows: Rows) -> None:
    months = {r["change_time"][:7] for r in default_rows["deal_changes.csv"]}
    assert min(months) == "2024-01" and max(months) == "2025-02" and len(months) == 14


def test_every_history_is_in_time_order(histories) -> None:
    for deal_id, rows in histories.items():
        times = [r["change_time"] for r in rows]
        assert times == sorted(times), deal_id


def test_every_deal_is_created_first_then_owned_then_staged(single_histories) -> None:
    for deal_id, rows in single_histories.items():
        assert rows[0]["changed_field_key"] == "add_time", deal_id
        keys = [r["changed_field_key"] for r in rows]
        assert keys[1] == "user_id", deal_id
        if "stage_id" in keys:
            first_stage = rows[keys.index("stage_id")]
            assert first_stage["new_value"] == "1", deal_id
            assert first_stage["change_time"] > rows[0]["change_time"], deal_id


def _stage_entries(rows: list[dict[str, str]]) -> list[int]:
    return [int(r["new_value"]) for r in rows if r["changed_field_key"] == "stage_id"]


def test_each_stage_is_reached_by_fewer_deals(single_histories) -> None:
    reached = Counter(
        stage for rows in single_histories.values() for stage in set(_stage_entries(rows))
    )
    counts = [reached[stage] for stage in range(1, 10)]
    assert counts == sorted(counts, reverse=True)
    ratios = [later / earlier for earlier, later in pairwise(counts[2:])]
    assert all(0.6 <= ratio <= 0.95 for ratio in ratios), ratios  # about three in four move on
    assert counts[8] > 0.05 * counts[0]  # some reach stage 9


def test_skips_and_re_entries_happen(single_histories) -> None:
    skips = re_entries = 0
    for rows in single_histories.values():
        stages = _stage_entries(rows)
        skips += any(b - a == 2 for a, b in pairwise(stages))
        re_entries += len(stages) != len(set(stages))
    assert skips > 0.1 * len(single_histories)
    assert re_entries > 0.05 * len(single_histories)


def test_most_deals_end_lost(single_histories) -> None:
    lost = sum(
        any(r["changed_field_key"] == "lost_reason" for r in rows)
        for rows in single_histories.values()
    )
    assert lost > 0.5 * len(single_histories)


def test_activities_follow_the_funnel(default_rows: Rows, histories) -> None:
    first_entry: dict[tuple[str, int], str] = {}
    for deal_id, rows in histories.items():
        for row in rows:
            if row["changed_field_key"] == "stage_id":
                first_entry.setdefault((deal_id, int(row["new_value"])), row["change_time"][:10])
    activities = default_rows["activity.csv"]
    for kind, stage in (("meeting", 2), ("sc_2", 3)):
        near = [
            a for a in activities
            if a["type"] == kind and (a["deal_id"], stage) in first_entry
        ]  # fmt: skip
        months_apart = [
            abs(int(a["due_to"][5:7]) - int(first_entry[(a["deal_id"], stage)][5:7])) % 11
            for a in near
        ]
        assert sum(m <= 1 for m in months_apart) > 0.9 * len(near), kind


def test_about_half_the_activities_are_done(default_rows: Rows) -> None:
    activities = default_rows["activity.csv"]
    done = sum(a["done"] == "True" for a in activities)
    assert 0.4 < done / len(activities) < 0.6


def test_activities_due_after_the_export_date_are_open(default_rows: Rows) -> None:
    future = [a for a in default_rows["activity.csv"] if a["due_to"] >= "2025-03-01"]
    assert len(future) > 50
    assert all(a["done"] == "False" for a in future)
