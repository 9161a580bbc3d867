"""The failing cases of the catalogue of bad exports (`hostile_exports.py`), on the seed path.

- FAILS: `dbt build` stops at the seed, and the error names the file, line, column and value;
  a personal value is never shown (output, dbt.log, run_results.json);
- a funnel step whose stage or activity type is missing from the export stops the build at the
  mapping's test, naming the file, column and value;
- what dbt's seed reader cannot tell (a row with a field missing or one too many, a file that is
  not UTF-8) is checked before dbt by `pipedrive-load --check`, as `make build` runs it.

The failing cases share few builds (`hostile_builds.py`: one broken file per seed and build).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipedrive_funnel.database import Server
from pipedrive_funnel.scratch_db import scratch_database

from conftest import REPO_ROOT
from dbt_runs import WITHOUT_UNIT_TESTS, run_dbt
from hostile_builds import Round, broken_file, plan_rounds, run_rounds
from hostile_exports import CHECKED_BEFORE_DBT, FAILING, PERSONAL_VALUE, Edit, copy_base
from marts import query
from project_copy import copy_project


def _remove(name: str, line: str) -> Edit:
    def edit(export: Path) -> None:
        text = (export / name).read_text(encoding="utf-8")
        assert line in text, (name, line)
        (export / name).write_text(text.replace(line, ""), encoding="utf-8")

    return edit


# a step of the funnel whose stage or activity type the export lacks: (edit, expected message)
MAPPED = {
    "stage": (
        _remove("stages.csv", "\n9,Renewal/Expansion"),
        'stages.csv, column stage_id: no line has "9"',
    ),
    "activity type": (
        _remove("activity_types.csv", "\n2,Sales Call 2,Yes,sc_2"),
        'activity_types.csv, column type: no line has "sc_2"',
    ),
}


@pytest.fixture(scope="module")
def rounds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Round]:
    """Every failing case and both mapping cases, built in rounds; each case's round."""
    workdir = tmp_path_factory.mktemp("failing")
    edits = {case: edit for case, (edit, _) in FAILING.items()}
    files = {case: broken_file(workdir / "probe", edit) for case, edit in edits.items()}
    mapped = {f"mapped {kind}": MAPPED[kind][0] for kind in MAPPED}
    mapped_files = {case: broken_file(workdir / "probe", edit) for case, edit in mapped.items()}
    with scratch_database(Server.from_environment()) as database:
        return run_rounds(
            workdir, database, {**edits, **mapped}, [*plan_rounds(files), mapped_files]
        )


@pytest.mark.parametrize("case", sorted(FAILING))
def test_broken_input_fails_the_build_naming_file_column_value(
    rounds: dict[str, Round], case: str
) -> None:
    _, expected = FAILING[case]
    built = rounds[case]
    assert built.returncode != 0
    assert "Traceback" not in built.output
    message = built.failure_of(case)
    for fragment in expected:
        assert fragment in message, f"{fragment!r} not in:\n{message[:1500]}"
    assert f"Completed with {len(built.cases)} error" in built.output
    # a bad value of users.csv is masked everywhere dbt writes it
    outputs = {"output": built.output, "logs/dbt.log": built.log, "run_results": built.run_results}
    for name, text in outputs.items():
        assert PERSONAL_VALUE not in text, name


def test_the_rounds_share_builds(rounds: dict[str, Round]) -> None:
    """26 failing cases in as many builds as the most broken file has cases, plus one."""
    builds = {id(built) for built in rounds.values()}
    assert len(builds) < len(FAILING) / 2
    assert all(len(set(built.cases.values())) == len(built.cases) for built in rounds.values())


@pytest.mark.parametrize("kind", sorted(MAPPED))
def test_a_step_of_the_funnel_missing_from_the_export_stops_the_build_naming_it(
    rounds: dict[str, Round], kind: str
) -> None:
    """The export and the funnel mapping disagree (a stage's step would count no deal): the build
    fails at the mapping's test, naming the export file, its column and the value."""
    built = rounds[f"mapped {kind}"]
    assert built.returncode == 1
    assert f"seeds/pipedrive/{MAPPED[kind][1]}" in built.output, built.output[-3000:]
    assert "maps to the step" in built.output
    assert f"Completed with {len(MAPPED)} errors" in built.output


def test_a_file_without_rows_builds_when_the_user_says_so(tmp_path: Path) -> None:
    edit, _ = FAILING["a header and no rows"]
    export = copy_base(tmp_path / "export")
    edit(export)
    project = copy_project(tmp_path / "project", export)
    with scratch_database() as database:
        allowed = "{allow_empty_export_files: [activity.csv]}"
        result = run_dbt(project, database, "build", *WITHOUT_UNIT_TESTS, "--vars", allowed)
        mart = "public_marts.rep_sales_rep_performance_monthly"
        reps = query(database, f"select count(*) from {mart}")
    assert result.returncode == 0, result.stdout[-3000:]
    assert reps == [(0,)]  # no activities, no rep rows: what the user said


@pytest.mark.parametrize("case", sorted(CHECKED_BEFORE_DBT))
def test_what_dbt_cannot_tell_is_checked_before_dbt_naming_file_line_column(
    tmp_path: Path, case: str
) -> None:
    """`make build` runs `pipedrive-load --check` on the seed files before dbt, whose seed
    reader stops at a file that is not UTF-8 before the project's code runs, naming no file."""
    edit, expected = CHECKED_BEFORE_DBT[case]
    export = copy_base(tmp_path / "seeds" / "pipedrive")
    edit(export)
    check = [str(Path(sys.executable).with_name("pipedrive-load")), "--check", "--export"]
    result = subprocess.run(
        [*check, "seeds/pipedrive"], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr  # the committed sample is well-formed
    result = subprocess.run(
        [*check, str(export)], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    message = result.stderr.replace(str(tmp_path) + "/", "")
    assert len(message.strip().splitlines()) == 1 and "Traceback" not in message
    for fragment in expected:
        assert fragment in message, f"{fragment!r} not in:\n{message}"
