"""Incremental refreshes equal full rebuilds (macros/incremental_refresh.sql).

One database takes a base export in full, then two deltas (`pipedrive-load --delta`), with a
`dbt build` after each: the incremental models take in only the new and replaced rows. A second
database takes each combined export in full (`combine_exports`) and builds it: its second build
follows a second full load, a new generation of line numbers, so it must rebuild in full. After
each delta both databases' marts, and the incremental models' rows, must be the same row by row,
and the marts must equal the reference implementation on the combined export.

The deltas hold what makes incremental models go wrong: new events; an old activity turned done;
a done sales call rescheduled to another month; a creation event for a deal id the base holds (a
reused deal id); a stage change in the base's first month, long closed; a renamed user (every
month of that rep changes name). Last, a changed funnel mapping must rebuild the models in full.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from pipedrive_funnel.generator.delta import combine_exports, write_delta
from pipedrive_funnel.generator.export import write_export
from pipedrive_funnel.generator.options import GeneratorOptions
from pipedrive_funnel.reference import funnel_report, rep_report
from pipedrive_funnel.scratch_db import scratch_database

from dbt_runs import EXPORT_BUILD, run_dbt, run_loader
from marts import fetch_marts, query
from project_copy import copy_project

INCREMENTAL_MODELS = (
    "int_deal_stage_transitions",
    "int_deals_aggregated",
    "int_deal_losses",
    "int_activities_completed",
    "int_funnel_steps_entered",
    "int_funnel_steps_counted_monthly",
    "int_rep_activities_counted_monthly",
)
# Each incremental model's rows without the raw line numbers (a delta's rows are numbered after the
# lines held, a full load of the combined export numbers them in file order), as a sorted list.
ROWS_WITHOUT_LINES = {
    "int_deal_stage_transitions": "deal_id, stage_id, is_known_stage, transitioned_at",
    "int_deal_losses": "deal_id, lost_reason_id, lost_reason, is_known_lost_reason, lost_at",
    "int_deals_aggregated": "*",
    "int_activities_completed": (
        "activity_id, deal_id, sales_rep_id, activity_type, funnel_step, due_month, due_at"
    ),
    "int_funnel_steps_entered": (
        "deal_change_id is null, deal_id, funnel_step, entered_month, entered_at"
    ),
    "int_funnel_steps_counted_monthly": "month, kpi_name, funnel_step, deals_count",
    "int_rep_activities_counted_monthly": (
        "month, sales_rep_id, deals_worked, activities_completed, sales_call_1_completed,"
        " sales_call_2_completed, other_activities"
    ),
}
# a data test of the deal log, as compiled by the last build
UNIQUE_TEST = (
    "target/compiled/pipedrive_funnel/models/staging/pipedrive/stg_pipedrive__deal_changes.yml/"
    "unique_stg_pipedrive__deal_changes_deal_change_id.sql"
)
_REFRESHED = re.compile(r"OK created sql incremental model public_intermediate\.(\w+) .*\[(\w+)")


def _csv_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.reader(stream))


def _append_rows(path: Path, rows: list[list[str]]) -> None:
    with path.open("a", encoding="utf-8", newline="") as stream:
        csv.writer(stream, lineterminator="\n").writerows(rows)


def _edit_first_delta(base: Path, delta: Path) -> dict[str, str]:
    """Add to the generated delta the late changes a refresh must get right; what each is."""
    changes = _csv_rows(base / "deal_changes.csv")[1:]
    first_month = min(row[1] for row in changes)[:7]
    deal, reused = changes[0][0], changes[-1][0]
    latest = max(row[1] for row in _csv_rows(delta / "deal_changes.csv")[1:])
    _append_rows(
        delta / "deal_changes.csv",
        [
            [deal, f"{first_month}-28 09:00:00", "stage_id", "3"],  # a month long closed
            [reused, latest, "add_time", latest],  # a deal id created again
            [reused, latest, "stage_id", "1"],
        ],
    )
    changed_ids = {row[0] for row in _csv_rows(delta / "activity.csv")[1:]}
    activities = [row for row in _csv_rows(base / "activity.csv")[1:] if row[0] not in changed_ids]
    turned_done = next(row for row in activities if row[4] == "False" and row[1] == "meeting")
    moved = next(row for row in activities if row[4] == "True" and row[1] == "sc_2")
    year, month = int(moved[5][:4]), int(moved[5][5:7])
    later = f"{year + (month + 2 > 12)}-{(month + 1) % 12 + 1:02d}-15{moved[5][10:]}"
    _append_rows(
        delta / "activity.csv",
        [[*turned_done[:4], "True", turned_done[5]], [*moved[:5], later]],
    )
    return {
        "closed month": first_month,
        "reused deal id": reused,
        "turned done": turned_done[0],
        "moved": f"{moved[0]}: {moved[5][:7]} -> {later[:7]}",
    }


def _rename_a_user(delta: Path) -> str:
    users = _csv_rows(delta / "users.csv")
    users[1][1] = "Zelda Quist"
    with (delta / "users.csv").open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream, lineterminator="\n").writerows(users)
    return users[1][0]


def _model_rows(database: str) -> dict[str, list[tuple]]:
    return {
        model: sorted(
            query(database, f"select {columns} from public_intermediate.{model}"), key=repr
        )
        for model, columns in ROWS_WITHOUT_LINES.items()
    }


def _verified_lines(database: str) -> dict | None:
    rows = query(
        database,
        "select last_lines from public.dbt_incremental_state"
        " where relation_name = '(verified build)'",
    )
    return rows[0][0] if rows else None


def _log(database: str) -> list[dict]:
    return [
        row[0]
        for row in query(
            database, "select last_lines from public_raw.pipedrive_loads order by load_id"
        )
    ]


def _build(project: Path, database: str) -> dict[str, str]:
    """dbt build in loader mode, as `make build EXPORT=DIR` runs it (without the unit tests); how
    each incremental model was refreshed (INSERT: rows appended to the table; SELECT: a table
    built in full)."""
    built = run_dbt(project, database, "--no-use-colors", "build", *EXPORT_BUILD)
    assert built.returncode == 0, built.stdout[-5000:]
    return dict(_REFRESHED.findall(built.stdout))


@pytest.fixture(scope="module")
def refreshes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    root = tmp_path_factory.mktemp("incremental")
    base = root / "base"
    write_export(GeneratorOptions(seed=11, deals=1_000, output_dir=base))
    project = copy_project(root / "project")
    # one project copy per database: dbt parses a project again in full when its database changes
    project_full = copy_project(root / "project_full")
    steps = []
    with scratch_database() as incremental, scratch_database() as full:
        assert run_loader(project, incremental, base).returncode == 0
        first = _build(project, incremental)
        previous = base
        for number, days in ((1, 20), (2, 45)):
            delta, combined = root / f"delta_{number}", root / f"combined_{number}"
            write_delta(previous, days, number, delta)
            edits = (
                _edit_first_delta(previous, delta)
                if number == 1
                else {"renamed user": _rename_a_user(delta)}
            )
            combine_exports(previous, delta, combined)
            loaded = run_loader(project, incremental, delta, "--delta")
            assert loaded.returncode == 0, loaded.stderr
            refreshed = _build(project, incremental)
            scoped_test = (project / UNIQUE_TEST).read_text(encoding="utf-8")
            assert run_loader(project_full, full, combined).returncode == 0
            rebuilt = _build(project_full, full)
            steps.append({
                "edits": edits, "combined": combined, "refreshed": refreshed,
                "rebuilt": rebuilt, "marts": fetch_marts(incremental),
                "full_marts": fetch_marts(full), "rows": _model_rows(incremental),
                "full_rows": _model_rows(full), "scoped_test": scoped_test,
                "verified": _verified_lines(incremental), "log": _log(incremental),
            })  # fmt: skip
            previous = combined
        yield {
            "project": project, "incremental": incremental, "first": first, "steps": steps,
            "previous": previous,
        }  # fmt: skip


def test_each_delta_is_taken_in_incrementally(refreshes: dict) -> None:
    assert refreshes["first"] == dict.fromkeys(INCREMENTAL_MODELS, "SELECT")
    for step in refreshes["steps"]:
        assert step["refreshed"] == dict.fromkeys(INCREMENTAL_MODELS, "INSERT")


def test_a_full_load_rebuilds_the_incremental_models_in_full(refreshes: dict) -> None:
    # the second full load of the other database: a new generation of line numbers
    assert refreshes["steps"][1]["rebuilt"] == dict.fromkeys(INCREMENTAL_MODELS, "SELECT")


@pytest.mark.parametrize("step", [0, 1], ids=["delta 1", "delta 2"])
def test_after_each_delta_the_marts_equal_a_full_rebuild_and_the_reference(
    refreshes: dict, step: int
) -> None:
    done = refreshes["steps"][step]
    funnel, reps = done["marts"]
    assert (funnel, reps) == done["full_marts"]
    assert funnel == funnel_report(done["combined"])
    assert reps == rep_report(done["combined"])
    assert len(funnel) > 140 and len(reps) > 200  # rows compared


@pytest.mark.parametrize("step", [0, 1], ids=["delta 1", "delta 2"])
def test_after_each_delta_the_incremental_models_equal_a_full_rebuild(
    refreshes: dict, step: int
) -> None:
    done = refreshes["steps"][step]
    for model in INCREMENTAL_MODELS:
        assert done["rows"][model] == done["full_rows"][model], model


def test_after_a_refresh_the_tests_read_the_rows_no_build_verified(refreshes: dict) -> None:
    """macros/refresh_test_scope.sql: each whole, passing build records the lines it verified;
    the next one's tests of the deal log read only the lines after those."""
    for step in refreshes["steps"]:
        log = step["log"]
        assert step["verified"] == log[-1]
        before = log[-2]["deal_changes"]
        assert f'where "deal_change_id" > {before})' in step["scoped_test"]


@pytest.mark.parametrize(
    "leaving_out",
    [("--select", "stg_pipedrive__users"), ("--exclude-resource-type", "test")],
    ids=["a selection", "without the data tests"],
)
def test_a_build_of_part_of_the_project_verifies_nothing(
    refreshes: dict, leaving_out: tuple[str, str]
) -> None:
    """Only whole builds record what they verified; the refreshes above, without the unit tests
    (which read no data), did (test_after_a_refresh_the_tests_read_the_rows_no_build_verified)."""
    project, database = refreshes["project"], refreshes["incremental"]
    statement = (
        "select invocation_id from public.dbt_incremental_state"
        " where relation_name = '(verified build)'"
    )
    verified_by = query(database, statement)
    assert verified_by  # the last refresh's
    built = run_dbt(project, database, "build", *leaving_out, *EXPORT_BUILD)
    assert built.returncode == 0, built.stdout[-3000:]
    assert query(database, statement) == verified_by  # a whole build would have recorded itself


def test_the_late_changes_reach_the_marts(refreshes: dict) -> None:
    """The edits of the first delta are in it, and change the months they fall in."""
    first = refreshes["steps"][0]
    edits = first["edits"]
    funnel, _ = first["marts"]
    months_of_step_3 = {row.month.strftime("%Y-%m") for row in funnel if row.funnel_step == "3"}
    assert edits["closed month"] in months_of_step_3
    renamed = refreshes["steps"][1]["edits"]["renamed user"]
    _, reps = refreshes["steps"][1]["marts"]
    names = {row.sales_rep_name for row in reps if row.sales_rep_id == int(renamed)}
    assert names == {"Z*** Q***"}


def test_a_changed_funnel_mapping_rebuilds_in_full(refreshes: dict) -> None:
    """The mapping swapped: meetings now enter step 3.1 and sc_2 calls step 2.1, in every month."""
    project, database = refreshes["project"], refreshes["incremental"]
    mapping = project / "seeds" / "funnel_steps.csv"
    original = mapping.read_text(encoding="utf-8")
    swapped = original.replace(",meeting", ",<sc_2>").replace(",sc_2", ",meeting")
    mapping.write_text(swapped.replace(",<sc_2>", ",sc_2"), encoding="utf-8")
    try:
        refreshed = _build(project, database)
    finally:
        mapping.write_text(original, encoding="utf-8")
    assert refreshed == dict.fromkeys(INCREMENTAL_MODELS, "SELECT")
    funnel, _ = fetch_marts(database)
    calls = {"2.1": ("3.1", "Sales Call 2"), "3.1": ("2.1", "Sales Call 1")}
    expected = [
        replace(row, funnel_step=calls[row.funnel_step][0], kpi_name=calls[row.funnel_step][1])
        if row.funnel_step in calls
        else row
        for row in funnel_report(refreshes["previous"])
    ]
    assert funnel == sorted(expected)
