"""Deltas (`pipedrive-generate --delta-of DIR --days N`): what the next days add to an export.

One base export and one 20-day delta, generated once: the delta holds only new deal changes, in
its days; new activities and changed rows of single-row activities of the base; whole small files
with one user renamed. The base and the delta combined are an export like any other: its dbt build
equals the reference implementation (the full rebuild the incremental build will be held to).
"""

from __future__ import annotations

import csv
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from pipedrive_funnel import export_format as fmt
from pipedrive_funnel.generator.delta import DeltaError, combine_exports, write_delta
from pipedrive_funnel.generator.export import write_export
from pipedrive_funnel.generator.options import GeneratorOptions
from pipedrive_funnel.reference import funnel_report, rep_report

from builds import built_database
from marts import fetch_marts

DAYS = 20


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.reader(stream))[1:]


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("delta")
    write_export(GeneratorOptions(seed=3, deals=2_000, output_dir=root / "base"))
    write_delta(root / "base", DAYS, 5, root / "delta")
    combine_exports(root / "base", root / "delta", root / "combined")
    return {name: root / name for name in ("base", "delta", "combined")}


def test_the_same_options_give_the_same_bytes(exports: dict[str, Path], tmp_path: Path) -> None:
    write_delta(exports["base"], DAYS, 5, tmp_path)
    for name in fmt.FILE_NAMES:
        assert (tmp_path / name).read_bytes() == (exports["delta"] / name).read_bytes(), name


def test_new_deal_changes_only_in_the_deltas_days(exports: dict[str, Path]) -> None:
    base = _rows(exports["base"] / fmt.DEAL_CHANGES)
    delta = _rows(exports["delta"] / fmt.DEAL_CHANGES)
    last = max(datetime.fromisoformat(row[1]) for row in base)
    start = datetime.combine(last.date() + timedelta(days=1), datetime.min.time())
    times = [datetime.fromisoformat(row[1]) for row in delta]
    assert len(delta) > 100
    assert start <= min(times) and max(times) < start + timedelta(days=DAYS)
    keys = Counter(row[2] for row in delta)
    assert keys[fmt.FIELD_ADD_TIME] > 10 and keys[fmt.FIELD_STAGE_ID] > 10  # new and moving deals
    assert keys[fmt.FIELD_LOST_REASON] > 0
    base_ids = {row[0] for row in base}
    moved = {row[0] for row in delta if row[2] != fmt.FIELD_ADD_TIME} & base_ids
    assert len(moved) > 10  # deals of the base in progress


def test_activities_are_new_or_change_a_single_row_of_the_base(exports: dict[str, Path]) -> None:
    base = _rows(exports["base"] / fmt.ACTIVITY)
    rows_per_id = Counter(row[0] for row in base)
    by_id = {row[0]: row for row in base}
    delta = _rows(exports["delta"] / fmt.ACTIVITY)
    changed = [row for row in delta if row[0] in by_id]
    new = [row for row in delta if row[0] not in by_id]
    assert changed and new
    assert all(rows_per_id[row[0]] == 1 and row != by_id[row[0]] for row in changed)
    assert all(row[:4] == by_id[row[0]][:4] for row in changed)  # only done and due time change
    turned_done = [row for row in changed if by_id[row[0]][4] == "False" and row[4] == "True"]
    moved_month = [row for row in changed if by_id[row[0]][5][:7] != row[5][:7]]
    assert turned_done and moved_month
    assert min(int(row[0]) for row in new) == max(int(row[0]) for row in base) + 1


def test_one_user_is_renamed_and_the_other_small_files_are_whole(exports: dict[str, Path]) -> None:
    base, delta = _rows(exports["base"] / fmt.USERS), _rows(exports["delta"] / fmt.USERS)
    assert [row[0] for row in base] == [row[0] for row in delta]
    assert sum(old[1] != new[1] for old, new in zip(base, delta, strict=True)) == 1
    for name in (fmt.ACTIVITY_TYPES, fmt.STAGES, fmt.FIELDS):
        assert _rows(exports["delta"] / name) == _rows(exports["base"] / name)


def test_the_combined_export_builds_to_the_reference(
    exports: dict[str, Path], tmp_path: Path
) -> None:
    combined = exports["combined"]
    base_changes = len(_rows(exports["base"] / fmt.DEAL_CHANGES))
    delta_changes = len(_rows(exports["delta"] / fmt.DEAL_CHANGES))
    assert len(_rows(combined / fmt.DEAL_CHANGES)) == base_changes + delta_changes
    with built_database(tmp_path / "project", combined) as build:
        funnel, reps = fetch_marts(build.database)
    assert funnel == funnel_report(combined)
    assert reps == rep_report(combined)
    assert funnel != funnel_report(exports["base"])  # the delta changed the reports


def test_a_change_to_an_activity_id_of_several_rows_is_refused(
    exports: dict[str, Path], tmp_path: Path
) -> None:
    base = _rows(exports["base"] / fmt.ACTIVITY)
    reused = next(id_ for id_, count in Counter(row[0] for row in base).items() if count > 1)
    delta = tmp_path / "delta"
    delta.mkdir()
    for name in fmt.FILE_NAMES:
        (delta / name).write_bytes((exports["delta"] / name).read_bytes())
    with (delta / fmt.ACTIVITY).open("a", encoding="utf-8") as stream:
        stream.write(f"{reused},follow_up,1,1,True,2025-03-02T10:00:00\n")
    with pytest.raises(DeltaError, match=f"activity id {reused} is on 2 rows of the base"):
        combine_exports(exports["base"], delta, tmp_path / "combined")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--delta-of", "BASE", "--days", "3", "--deals", "5"], "--deals: not with --delta-of"),
        (["--days", "3"], "--days: only with --delta-of DIR"),
        (["--delta-of", "BASE"], "--delta-of needs --days N"),
        (["--delta-of", "BASE", "--days", "0"], "--days must be a positive integer, got 0"),
        (["--delta-of", "/nonexistent", "--days", "3"], "--delta-of /nonexistent: not a dir"),
    ],
)
def test_wrong_options_are_one_line_errors(
    exports: dict[str, Path], tmp_path: Path, args: list[str], message: str
) -> None:
    args = [str(exports["base"]) if arg == "BASE" else arg for arg in args]
    command = [sys.executable, "-m", "pipedrive_funnel.generator.cli", *args]
    result = subprocess.run(
        [*command, "--output-dir", str(tmp_path / "out")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert f"pipedrive-generate: error: {message}" in result.stderr
    assert not (tmp_path / "out").exists()
