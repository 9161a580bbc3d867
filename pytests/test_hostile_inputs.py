"""A catalogue of bad exports, each a small edit of the hand-made export, each with its outcome.

Outcomes (the README lists them in a table):
- FAILS: `dbt build` stops at the seed, and the error names the file, column and value;
- QUARANTINED: the row is listed in `int_data_quality_issues`, a warn test reports its count, and
  the marts still equal the reference implementation;
- VALID: the export is fine and the marts equal the reference implementation.

The quarantined and valid edits are applied together to one export (one build), each with its own
test; each failing edit gets a build of its own.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from pipedrive_funnel.database import Server
from pipedrive_funnel.reference import funnel_report, mask_name, rep_report
from pipedrive_funnel.scratch_db import scratch_database

from conftest import FIXTURES_DIR
from dbt_helpers import copy_project, fetch_marts, query, run_dbt

BASE = FIXTURES_DIR / "handmade_export"
Edit = Callable[[Path], None]


def _copy_base(destination: Path) -> Path:
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


def _append(name: str, *lines: str) -> Edit:
    def edit(export: Path) -> None:
        with (export / name).open("a", encoding="utf-8") as stream:
            stream.write("".join(f"{line}\n" for line in lines))

    return edit


# -- FAILS ------------------------------------------------------------------------------------

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
        ["seeds/pipedrive/users.csv", "line 3", "column id", '"id"'],
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
}


@pytest.fixture(scope="module")
def server() -> Server:
    return Server.from_environment()


@pytest.mark.parametrize("case", sorted(FAILING))
def test_broken_input_fails_the_build_naming_file_column_value(
    tmp_path: Path, server: Server, case: str
) -> None:
    edit, expected = FAILING[case]
    export = _copy_base(tmp_path / "export")
    edit(export)
    project = copy_project(tmp_path / "project", export)
    with scratch_database(server) as database:
        result = run_dbt(project, database, "build")
    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
    errors = [line for line in result.stdout.splitlines() if "seeds/pipedrive/" in line]
    message = result.stdout[result.stdout.find("Failure in seed") :]
    for fragment in expected:
        assert fragment in message, f"{fragment!r} not in:\n{message[:1500]}\n{errors}"
    assert "Completed with 1 error" in result.stdout


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
    # 10,000 events on one deal: stage 1 <-> 2 every four minutes in April
    _append(
        "deal_changes.csv",
        *(
            f"105,{datetime(2024, 4, 1) + timedelta(minutes=4 * i)},stage_id,{1 + i % 2}"
            for i in range(TEN_THOUSAND)
        ),
    ),
]


def _bom_and_crlf(export: Path) -> None:
    """Saved by a spreadsheet: byte-order mark and Windows line endings."""
    path = export / "activity.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory, server: Server) -> Iterator[dict]:
    workdir = tmp_path_factory.mktemp("hostile")
    export = _copy_base(workdir / "export")
    for edit in EDITS:
        edit(export)
    _bom_and_crlf(export)
    project = copy_project(workdir / "project", export)
    with scratch_database(server) as database:
        result = run_dbt(project, database, "build")
        assert result.returncode == 0, result.stdout[-5000:]
        issues = query(
            database,
            "select issue_type, source_file, source_column, source_value, deal_id, activity_id "
            "from public_intermediate.int_data_quality_issues",
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
    assert query(database, "select count(*) from public_raw.users") == [(5,)]  # table intact
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
    assert activities == [(16, 15)]  # 11 + 5 appended rows, one without a due time
    columns = query(
        hostile["database"],
        "select column_name from information_schema.columns where table_schema = 'public_raw' "
        "and table_name = 'activity' order by ordinal_position",
    )
    assert columns[0] == ("activity_id",)  # no BOM glued to the first column name
