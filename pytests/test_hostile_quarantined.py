"""The quarantined and valid cases of the catalogue of bad exports (`hostile_exports.py`).

QUARANTINED: the row is listed in `rep_data_quality_issues`, a warn test reports its count, and
the marts still equal the reference implementation; VALID: the export is fine and the marts equal
the reference implementation. Every edit is applied to one export (one build), each with its test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pipedrive_funnel.reference import funnel_report, mask_name, rep_report
from pipedrive_funnel.scratch_db import scratch_database

from dbt_runs import WITHOUT_UNIT_TESTS, run_dbt
from hostile_exports import EMOJI_NAME, TEN_THOUSAND, hostile_export
from marts import fetch_marts, query
from project_copy import copy_project


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    workdir = tmp_path_factory.mktemp("hostile")
    export = hostile_export(workdir / "export")
    project = copy_project(workdir / "project", export)
    with scratch_database() as database:
        result = run_dbt(project, database, "build", *WITHOUT_UNIT_TESTS)
        assert result.returncode == 0, result.stdout[-5000:]
        issues = query(
            database,
            "select issue_type, source_file, source_column, source_value, deal_id, activity_id "
            "from public_marts.rep_data_quality_issues",
        )
        yield {"export": export, "database": database, "output": result.stdout, "issues": issues}


def _issues(hostile: dict, issue_type: str) -> list[tuple]:
    return sorted((row[1:] for row in hostile["issues"] if row[0] == issue_type), key=str)


def _warned(hostile: dict, issue_type: str, count: int) -> bool:
    return f"WARN {count} dq_{issue_type} " in hostile["output"]


def test_the_marts_equal_the_reference_despite_every_edit(hostile: dict) -> None:
    funnel, reps = fetch_marts(hostile["database"])
    assert funnel == funnel_report(hostile["export"])
    assert reps == rep_report(hostile["export"])


def test_unknown_stage_ids_are_quarantined(hostile: dict) -> None:
    values = [row[2] for row in _issues(hostile, "unknown_stage_id")]
    assert sorted(values) == ["-1", "10"]
    assert _warned(hostile, "unknown_stage_id", 2)


def test_unknown_activity_type_is_quarantined_and_counted_as_other(hostile: dict) -> None:
    assert _issues(hostile, "activity_unknown_type") == [
        ("activity.csv", "type", "demo", 103, 8),
        ("activity.csv", "type", "webinar", 104, 11),
    ]
    rep_3 = query(
        hostile["database"],
        "select activities_completed, other_activities "
        "from public_marts.rep_sales_rep_performance_monthly where month = '2024-03' "
        "and sales_rep_id = 3",
    )
    assert rep_3 == [(3, 2)]  # follow-up 10 and webinar 11 are other; meeting 12 has no deal


def test_null_deal_ids_owners_and_due_times_are_quarantined(hostile: dict) -> None:
    assert _issues(hostile, "activity_missing_value") == [
        ("activity.csv", "assigned_to_user", None, 104, 13),
        ("activity.csv", "deal_id", None, None, 12),
        ("activity.csv", "due_to", None, 104, 14),
    ]
    assert _warned(hostile, "activity_missing_value", 3)
    assert [row[:3] for row in _issues(hostile, "deal_change_missing_value")] == [
        ("deal_changes.csv", "deal_id", None)
    ]
    assert [row[:4] for row in _issues(hostile, "unparseable_value")] == [
        ("deal_changes.csv", "new_value", "abc", 104),
        ("deal_changes.csv", "new_value", None, 104),  # the owner set to nothing
    ]


def test_an_email_that_is_not_an_email_is_quarantined_without_its_value(hostile: dict) -> None:
    assert _issues(hostile, "user_invalid_email") == [("users.csv", "email", None, None, None)]
    assert _warned(hostile, "user_invalid_email", 1)
    assert "al.lane at example" not in str(hostile["issues"])


def test_a_timestamp_in_the_future_is_counted_and_reported(hostile: dict) -> None:
    assert [row[:3] for row in _issues(hostile, "deal_change_in_future")] == [
        ("deal_changes.csv", "change_time", "2031-05-01 10:00:00")
    ]
    assert _warned(hostile, "deal_change_in_future", 1)
    future = query(
        hostile["database"],
        "select funnel_step, deals_count from public_marts.rep_sales_funnel_monthly "
        "where month = '2031-05-01'",
    )
    assert future == [("3", 1)]


def test_a_name_with_quotes_commas_emoji_and_sql_is_masked_and_harmless(hostile: dict) -> None:
    database = hostile["database"]
    rows = query(
        database,
        "select user_name_masked from public_staging.stg_pipedrive__users where user_id = 5",
    )
    assert rows == [(mask_name(EMOJI_NAME),)]
    assert rows[0][0] == "Z*** \"Z***\" O***'H***, J***. 🚀***'); d*** t*** u***; --"
    assert query(database, "select count(*) from public_raw.users") == [(7,)]  # table intact
    reps = query(
        database,
        "select sales_rep_name, activities_completed "
        "from public_marts.rep_sales_rep_performance_monthly where sales_rep_id = 5",
    )
    assert reps == [(rows[0][0], 1)]


def test_ten_thousand_events_on_one_deal_count_once_per_step_and_month(hostile: dict) -> None:
    rows = query(
        hostile["database"],
        "select funnel_step, deals_count from public_marts.rep_sales_funnel_monthly "
        "where month = '2024-04-01' order by funnel_step",
    )
    assert rows == [("1", 1), ("2", 1)]
    loaded = query(
        hostile["database"], "select count(*) from public_raw.deal_changes where deal_id = 105"
    )
    assert loaded == [(TEN_THOUSAND,)]


def test_byte_order_mark_and_windows_line_endings_are_read_as_usual(hostile: dict) -> None:
    raw = (hostile["export"] / "activity.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    activities = query(
        hostile["database"], "select count(*), count(due_to) from public_raw.activity"
    )
    assert activities == [(20, 19)]  # 11 + 9 appended rows, one without a due time
    columns = query(
        hostile["database"],
        "select column_name from information_schema.columns where table_schema = 'public_raw' "
        "and table_name = 'activity' order by ordinal_position",
    )
    assert columns[0] == ("activity_id",)  # no BOM glued to the first column name


def test_users_named_null_or_without_a_name_are_quarantined_and_still_count(
    hostile: dict,
) -> None:
    assert _issues(hostile, "user_missing_name") == [
        ("users.csv", "name", None, None, None),
        ("users.csv", "name", None, None, None),
    ]
    assert _warned(hostile, "user_missing_name", 2)
    reps = query(
        hostile["database"],
        "select sales_rep_id, sales_rep_name, activities_completed "
        "from public_marts.rep_sales_rep_performance_monthly where sales_rep_id in (6, 7) "
        "order by sales_rep_id",
    )
    assert reps == [(6, "(no name)", 1), (7, "(no name)", 1)]


def test_a_line_break_inside_quotes_keeps_the_files_line_numbers(hostile: dict) -> None:
    lines = query(hostile["database"], "select id, _line_number from public_raw.users order by id")
    assert lines == [(1, 2), (2, 3), (3, 4), (4, 6), (5, 7), (6, 8), (7, 9)]  # 3 is lines 4-5
    names = query(
        hostile["database"],
        "select user_name_masked from public_staging.stg_pipedrive__users where user_id = 3",
    )
    assert names == [("B***\nC***",)]


def test_a_lost_reason_missing_from_the_options_is_quarantined_and_counts_as_lost(
    hostile: dict,
) -> None:
    assert _issues(hostile, "unknown_lost_reason") == [
        ("deal_changes.csv", "new_value", "9", 102, None)
    ]
    assert _warned(hostile, "unknown_lost_reason", 1)
    lost = query(
        hostile["database"],
        "select deals_count from public_marts.rep_sales_funnel_monthly "
        "where month = '2024-03-01' and funnel_step = 'Lost'",
    )
    assert lost == [(1,)]  # deal 102, lost with the unknown reason 9
