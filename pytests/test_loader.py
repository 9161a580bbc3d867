"""The streaming loader (`pipedrive-load`), the path for large exports, against the seed path.

- Both paths give the same raw tables, data-quality list and marts, every row, on the committed
  sample and on the hand-made export (the seeds are built first, then the loader reloads the same
  database, as a user moving to the loader would).
- The catalogue of bad exports (`hostile_exports.py`): every failing edit stops the load with the
  file, line, column and value, and leaves the raw tables and marts of the previous load in place;
  the quarantined and valid edits give the reference's marts.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from pipedrive_funnel.reference import funnel_report, mask_name, rep_report
from pipedrive_funnel.reports import MARTS
from pipedrive_funnel.scratch_db import scratch_database

from builds import Build, database_copy
from conftest import FIXTURES_DIR, SEEDS_DIR
from dbt_runs import EXPORT_BUILD, LOADER_VARS, MODELS_ONLY, run_dbt, run_loader
from hostile_exports import (
    CHECKED_BEFORE_DBT,
    EMOJI_NAME,
    FAILING,
    PERSONAL_VALUE,
    TEN_THOUSAND,
    copy_base,
    hostile_export,
)
from marts import fetch_marts, query
from project_copy import copy_project

RAW_TABLES = ("deal_changes", "activity", "activity_types", "users", "stages", "fields")
EXPORTS = {"sample": SEEDS_DIR, "handmade": FIXTURES_DIR / "handmade_export"}
SHARED_BUILDS = {"sample": "sample_build", "handmade": "handmade_build"}


def _snapshot(database: str) -> dict[str, list[tuple]]:
    """Every row of the raw tables, of the data-quality list and of the marts; the raw schema's
    table names (no table of an unfinished load left behind)."""
    tables = [f"public_raw.{name}" for name in RAW_TABLES] + [
        f"public_marts.{mart}" for mart in MARTS
    ]
    snapshot = {
        table: sorted(query(database, f"select * from {table}"), key=repr) for table in tables
    }
    snapshot["raw tables"] = query(
        database,
        "select table_name from information_schema.tables where table_schema = 'public_raw' "
        "order by table_name",
    )
    return snapshot


def _load_and_build(
    project: Path, database: str, export: Path, build: tuple[str, ...] = EXPORT_BUILD
) -> None:
    loaded = run_loader(project, database, export)
    assert loaded.returncode == 0, loaded.stderr
    built = run_dbt(project, database, "build", *build)
    assert built.returncode == 0, built.stdout[-5000:]


Built = tuple[Path, str, dict, dict]  # project, database, snapshot by seeds, snapshot by loader


@pytest.fixture(scope="module")
def both_paths(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Callable[[str], Built]]:
    """Per export, built once: by the seeds (a copy of the session's build), then reloaded by
    the loader in the same database (as a user moving to the loader would), with a snapshot
    after each."""
    built: dict[str, Built] = {}
    with ExitStack() as databases:

        def build(name: str) -> Built:
            if name not in built:
                export = EXPORTS[name]
                seeded: Build = request.getfixturevalue(SHARED_BUILDS[name])
                database = databases.enter_context(database_copy(seeded.database))
                by_seeds = _snapshot(database)
                project = copy_project(tmp_path_factory.mktemp(name), export)
                # the models alone: the data tests read the raw tables, which the test finds
                # equal row for row to the seed path's, whose build ran the data tests
                _load_and_build(project, database, export, (*LOADER_VARS, *MODELS_ONLY))
                built[name] = (project, database, by_seeds, _snapshot(database))
            return built[name]

        yield build


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_the_loader_path_equals_the_seed_path_row_by_row(
    both_paths: Callable[[str], Built], name: str
) -> None:
    _, _, by_seeds, by_loader = both_paths(name)
    # the six tables, the loader's log of loads and its table of replaced activity rows
    expected = [*RAW_TABLES, "pipedrive_loads", "activity__replaced"]
    assert by_loader["raw tables"] == [(name,) for name in sorted(expected)]
    assert by_seeds["raw tables"] == [(name,) for name in sorted(RAW_TABLES)]
    for table, rows in by_seeds.items():
        if table == "raw tables":
            continue
        assert rows, f"{table} is empty"
        assert by_loader[table] == rows, table
    lines = sum(1 for _ in (EXPORTS[name] / "deal_changes.csv").open(encoding="utf-8")) - 1
    assert len(by_loader["public_raw.deal_changes"]) == lines


@pytest.fixture(scope="module")
def loaded(both_paths: Callable[[str], Built]) -> tuple[Path, str, dict]:
    """(project, database, snapshot) of the hand-made export, loaded and built by the loader."""
    project, database, _, by_loader = both_paths("handmade")
    return project, database, by_loader


# What only the loader meets, beyond the catalogue (same shape: edit, message fragments).
LOADER_FAILING = {
    "a missing file": (
        lambda export: (export / "stages.csv").unlink(),
        ["seeds/pipedrive/stages.csv: missing"],
    ),
}
ALL_FAILING = {**FAILING, **CHECKED_BEFORE_DBT, **LOADER_FAILING}


@pytest.mark.parametrize("case", sorted(ALL_FAILING))
def test_a_broken_export_fails_the_load_naming_file_line_column_value_and_changes_nothing(
    tmp_path: Path, loaded: tuple[Path, str, dict], case: str
) -> None:
    project, database, before = loaded
    edit, expected = ALL_FAILING[case]
    export = copy_base(tmp_path / "export")
    edit(export)
    result = run_loader(project, database, export)
    assert result.returncode == 1, result.stderr
    message = result.stderr
    assert "Traceback" not in message
    assert "nothing was loaded" in message
    assert PERSONAL_VALUE not in message  # a bad value of users.csv is masked
    for fragment in expected:  # the seed path's fragments, with the export's own path
        fragment = fragment.replace("seeds/pipedrive/", f"{export}/")
        assert fragment in message, f"{fragment!r} not in:\n{message}"
    assert _snapshot(database) == before  # raw tables, quarantine list and marts as they were


# Parallel plans even for the small files of a test (the defaults keep them for large tables).
PARALLEL_EVEN_WHEN_SMALL = (
    "-c parallel_setup_cost=0 -c parallel_tuple_cost=0 -c min_parallel_table_scan_size=0"
)


def test_with_parallel_workers_the_first_bad_value_of_the_file_is_named(
    tmp_path: Path, loaded: tuple[Path, str, dict]
) -> None:
    """Workers check parts of a file side by side, and the first value one of them rejects may be
    a later line; the message still names the first bad line of the file."""
    project, database, before = loaded
    export = copy_base(tmp_path / "export")
    path = export / "deal_changes.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for number, bad_time in ((12, "yesterday"), (len(lines), "soon")):
        deal_id, _, rest = lines[number - 1].split(",", 2)
        lines[number - 1] = f"{deal_id},{bad_time},{rest}"
    path.write_text("".join(lines), encoding="utf-8")
    result = run_loader(project, database, export, pg_options=PARALLEL_EVEN_WHEN_SMALL)
    assert result.returncode == 1, result.stderr
    assert result.stderr == (
        f'pipedrive-load: {path}, line 12, column change_time: "yesterday" is not a timestamp'
        " (YYYY-MM-DD HH:MM:SS); nothing was loaded\n"
    )
    assert _snapshot(database) == before


def test_a_file_without_rows_loads_when_the_user_says_so(tmp_path: Path) -> None:
    export = copy_base(tmp_path / "export")
    header = (export / "activity.csv").read_text(encoding="utf-8").splitlines()[0]
    (export / "activity.csv").write_text(header + "\n", encoding="utf-8")
    project = copy_project(tmp_path / "project")
    with scratch_database() as database:
        refused = run_loader(project, database, export)
        result = run_loader(project, database, export, "--allow-empty", "activity.csv")
        counts = query(database, "select count(*) from public_raw.activity")
    assert refused.returncode == 1
    assert "--allow-empty activity.csv" in refused.stderr
    assert result.returncode == 0, result.stderr
    assert counts == [(0,)]


def test_the_hostile_export_loads_like_the_seeds(tmp_path: Path) -> None:
    """Every quarantined and valid edit, a byte-order mark and Windows line endings."""
    export = hostile_export(tmp_path / "export")
    project = copy_project(tmp_path / "project")
    with scratch_database() as database:
        _load_and_build(project, database, export)
        funnel, reps = fetch_marts(database)
        assert funnel == funnel_report(export)
        assert reps == rep_report(export)
        counts = query(database, "select count(*), count(due_to) from public_raw.activity")
        assert counts == [(20, 19)]  # 11 + 9 appended rows, one without a due time
        events = "select count(*) from public_raw.deal_changes where deal_id = 105"
        assert query(database, events) == [(TEN_THOUSAND,)]
        names = "select user_name_masked from public_staging.stg_pipedrive__users where user_id = 5"
        assert query(database, names) == [(mask_name(EMOJI_NAME),)]
        issues = query(
            database,
            "select issue_type, count(*) from public_marts.rep_data_quality_issues "
            "group by issue_type order by issue_type",
        )
    assert dict(issues) == {
        "activity_missing_value": 3,
        "activity_unknown_deal": 1,
        "activity_unknown_type": 2,
        "deal_change_in_future": 1,
        "deal_change_missing_value": 1,
        "reused_activity_id": 2,  # ids 2 and 7 (an exact duplicate row)
        "reused_deal_id": 1,
        "unknown_lost_reason": 1,
        "unknown_stage_id": 2,
        "unparseable_value": 2,
        "user_invalid_email": 1,
        "user_missing_name": 2,  # users 6 (Null) and 7 (an empty name)
    }


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--export", "/nonexistent"], "--export /nonexistent: not a directory"),
        (["--jobs", "0"], "--jobs 0: load at least one file at a time"),
        (["--project-dir", "/"], "--project-dir /: no seeds/pipedrive/_pipedrive__seeds.yml"),
    ],
)
def test_wrong_arguments_are_one_line_errors(
    tmp_path: Path, arguments: list[str], message: str
) -> None:
    command = [str(Path(sys.executable).with_name("pipedrive-load")), "--export", str(tmp_path)]
    result = subprocess.run([*command, *arguments], capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert result.stderr.startswith(f"pipedrive-load: error: {message}")
    assert len(result.stderr.strip().splitlines()) == 1
