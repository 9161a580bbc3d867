"""Deltas in the loader (`pipedrive-load --delta`): a full load, then a delta, gives the raw tables
and marts of a full load of the combined export (`combine_exports`); the same delta twice adds
nothing more; a delta that cannot be merged changes nothing and says why.

One database: the base is loaded in full, then the delta twice; a second database holds the full
load of the combined export. The raw tables are compared row by row (their line numbers aside: a
delta's rows are numbered after the lines held), the marts with the reference implementation.
"""

from __future__ import annotations

from collections.abc import Iterator
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

RAW = {
    "deal_changes": "deal_id, change_time, changed_field_key, new_value",
    "activity": "activity_id, type, assigned_to_user, deal_id, done, due_to",
    "users": "id, name, email, modified",
    "stages": "stage_id, stage_name",
    "activity_types": "id, name, active, type",
    "fields": "id, field_key, name, field_value_options",
}


def _raw(database: str) -> dict[str, list[tuple]]:
    return {
        name: sorted(query(database, f"select {columns} from public_raw.{name}"), key=repr)
        for name, columns in RAW.items()
    }


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    root = tmp_path_factory.mktemp("loader_delta")
    base, delta, combined = root / "base", root / "delta", root / "combined"
    write_export(GeneratorOptions(seed=3, deals=2_000, output_dir=base))
    write_delta(base, 20, 5, delta)
    combine_exports(base, delta, combined)
    project = copy_project(root / "project")
    with scratch_database() as merged, scratch_database() as full:
        assert run_loader(project, merged, base).returncode == 0
        first = run_loader(project, merged, delta, "--delta")
        assert first.returncode == 0, first.stderr
        once = _raw(merged)
        again = run_loader(project, merged, delta, "--delta")
        assert again.returncode == 0, again.stderr
        assert run_loader(project, full, combined).returncode == 0
        built = run_dbt(project, merged, "build", *EXPORT_BUILD)
        assert built.returncode == 0, built.stdout[-3000:]
        yield {
            "root": root, "project": project, "merged": merged, "full": full,
            "once": once, "exports": {"base": base, "delta": delta, "combined": combined},
        }  # fmt: skip


def test_base_and_delta_load_like_the_combined_export(loaded: dict) -> None:
    assert loaded["once"] == _raw(loaded["full"])


def test_the_same_delta_twice_adds_nothing_more(loaded: dict) -> None:
    assert _raw(loaded["merged"]) == loaded["once"]


def test_the_marts_after_the_delta_equal_the_reference_on_the_combined_export(
    loaded: dict,
) -> None:
    combined = loaded["exports"]["combined"]
    funnel, reps = fetch_marts(loaded["merged"])
    assert funnel == funnel_report(combined)
    assert reps == rep_report(combined)
    assert funnel != funnel_report(loaded["exports"]["base"])


def test_a_delta_rows_line_numbers_follow_the_lines_held(loaded: dict) -> None:
    lines = query(
        loaded["merged"],
        "select count(*), count(distinct _line_number), max(_line_number) "
        "from public_raw.deal_changes",
    )
    count, distinct, last = lines[0]
    assert count == distinct == last - 1  # lines 2 .. n+1, each once


def test_a_change_to_a_reused_activity_id_is_refused_and_changes_nothing(
    loaded: dict, tmp_path: Path
) -> None:
    reused, rows = query(
        loaded["merged"],
        "select activity_id, count(*) from public_raw.activity group by 1 having count(*) > 1 "
        "order by 1 limit 1",
    )[0]
    delta = tmp_path / "delta"
    delta.mkdir()
    for path in loaded["exports"]["delta"].glob("*.csv"):
        (delta / path.name).write_bytes(path.read_bytes())
    with (delta / "activity.csv").open("a", encoding="utf-8") as stream:
        stream.write(f"{reused},follow_up,1,1,True,2025-03-02T10:00:00\n")
    lines = len((delta / "activity.csv").read_text(encoding="utf-8").splitlines())
    before = _raw(loaded["merged"])
    result = run_loader(loaded["project"], loaded["merged"], delta, "--delta")
    assert result.returncode == 1
    assert (
        f"{delta}/activity.csv, line {lines}, column activity_id: {reused} is on {rows} rows of "
        "the raw table activity (a reused id)"
    ) in result.stderr
    assert "nothing was loaded" in result.stderr
    assert _raw(loaded["merged"]) == before


def test_a_delta_needs_a_full_load_first(loaded: dict) -> None:
    with scratch_database() as empty:
        result = run_loader(loaded["project"], empty, loaded["exports"]["delta"], "--delta")
        tables = query(
            empty,
            "select count(*) from information_schema.tables where table_schema = 'public_raw'",
        )
    assert result.returncode == 1
    assert "a delta needs the raw table public_raw." in result.stderr
    assert "of a full load first" in result.stderr
    assert tables == [(0,)]


def test_each_load_is_logged_with_the_last_lines_and_the_rows_it_replaced(loaded: dict) -> None:
    """The log the incremental models read (loader/load_log.py): the full load and the delta
    twice; every activity row ever held keeps a line number of its own, also once replaced."""
    merged = loaded["merged"]
    log = query(
        merged,
        "select load_id, kind, (last_lines ->> 'deal_changes')::integer,"
        " (last_lines ->> 'activity')::integer from public_raw.pipedrive_loads order by load_id",
    )
    kinds = [(load_id, kind) for load_id, kind, *_ in log]
    assert kinds == [(1, "full"), (2, "delta"), (3, "delta")]
    last_deal_change, last_activity = query(
        merged,
        "select (select max(_line_number) from public_raw.deal_changes),"
        " (select max(_line_number) from public_raw.activity)",
    )[0]
    assert log[-1][2:] == (last_deal_change, last_activity)
    assert log[1][2] == log[2][2]  # the same delta twice adds no deal change
    delta_ids = {
        line.split(",", 1)[0]
        for line in (loaded["exports"]["delta"] / "activity.csv").read_text().splitlines()[1:]
    }
    replaced = query(
        merged,
        "select _replaced_in_load, count(*), count(distinct activity_id)"
        " from public_raw.activity__replaced group by 1 order by 1",
    )
    assert replaced[1] == (3, len(delta_ids), len(delta_ids))  # the first delta's rows, again
    assert 0 < replaced[0][1] < len(delta_ids)  # the base rows the delta changed
    lines = query(
        merged,
        "select count(*), count(distinct _line_number) from (select _line_number"
        " from public_raw.activity union all select _line_number"
        " from public_raw.activity__replaced) as ever_held",
    )[0]
    assert lines[0] == lines[1]
    indexes = query(
        merged,
        "select indexname from pg_indexes where schemaname = 'public_raw'"
        " and indexdef like '%USING brin (_line_number)%' order by 1",
    )
    assert indexes == [("activity__line_number_brin",), ("deal_changes__line_number_brin",)]
