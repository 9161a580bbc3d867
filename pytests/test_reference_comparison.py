"""The marts equal an independent reference implementation, row by row and value by value.

`pipedrive_funnel.reference` computes the reports from the export CSVs in plain Python, from
the README's definitions. Each case reads the project built on one export (the sample and the
hand-made export: the session's builds).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pipedrive_funnel.generator.export import write_export
from pipedrive_funnel.generator.options import GeneratorOptions
from pipedrive_funnel.reference import conversion_report, funnel_report, rep_report
from pipedrive_funnel.scratch_db import scratch_database

from builds import Build, built_database, database_copy
from dbt_runs import EXPORT_BUILD, WITHOUT_UNIT_TESTS, run_dbt, run_loader
from marts import fetch_conversion, fetch_marts
from paths import HANDMADE_EXPORT, SEEDS_DIR
from project_copy import copy_project

GENERATED = [  # (seed, deals, start date, months, load path)
    (1, 500, "2024-01-01", 14, "seeds"),
    # the path of larger exports, three times faster to load than dbt seed (the loader and the
    # seeds fill the same raw tables, row for row: test_loader.py)
    (2, 5_000, "2023-07-01", 18, "loader"),
    (3, 20_000, "2024-01-01", 14, "loader"),
]


def assert_same_rows(name: str, expected: list, actual: list) -> None:
    missing = sorted(set(expected) - set(actual))
    unexpected = sorted(set(actual) - set(expected))
    report = "\n".join(
        [f"{name}: {len(missing)} rows of the reference missing from the mart:"]
        + [f"  - {row}" for row in missing[:20]]
        + [f"{len(unexpected)} rows of the mart not in the reference:"]
        + [f"  + {row}" for row in unexpected[:20]]
    )
    assert actual == expected, report
    print(f"{name}: {len(actual)} rows equal")


def _compare(export_dir: Path, database: str) -> None:
    funnel, reps = fetch_marts(database)
    assert_same_rows("rep_sales_funnel_monthly", funnel_report(export_dir), funnel)
    assert_same_rows("rep_sales_rep_performance_monthly", rep_report(export_dir), reps)
    assert_same_rows(
        "rep_sales_funnel_conversion_monthly",
        conversion_report(export_dir),
        fetch_conversion(database),
    )


def test_committed_sample_matches_the_reference_and_rebuilds_identically(
    sample_build: Build, tmp_path: Path
) -> None:
    _compare(SEEDS_DIR, sample_build.database)
    first = fetch_marts(sample_build.database)
    project = copy_project(tmp_path / "project")
    with database_copy(sample_build.database) as database:
        rebuild = run_dbt(project, database, "build", *WITHOUT_UNIT_TESTS)
        assert rebuild.returncode == 0, rebuild.stdout[-3000:]
        assert fetch_marts(database) == first  # idempotent: every row of the marts
        assert fetch_conversion(database) == conversion_report(SEEDS_DIR)


def test_handmade_export_matches_the_reference(handmade_build: Build) -> None:
    _compare(HANDMADE_EXPORT, handmade_build.database)


@pytest.mark.parametrize(("seed", "deals", "start", "months", "path"), GENERATED)
def test_generated_export_matches_the_reference(
    tmp_path: Path, seed: int, deals: int, start: str, months: int, path: str
) -> None:
    export = tmp_path / "export"
    write_export(
        GeneratorOptions(
            seed=seed,
            deals=deals,
            start_date=date.fromisoformat(start),
            months=months,
            output_dir=export,
        )
    )
    if path == "seeds":
        with built_database(tmp_path / "project", export) as build:
            _compare(export, build.database)
        return
    project = copy_project(tmp_path / "project")
    with scratch_database() as database:
        loaded = run_loader(project, database, export)
        assert loaded.returncode == 0, loaded.stderr
        built = run_dbt(project, database, "build", *EXPORT_BUILD)
        assert built.returncode == 0, built.stdout[-3000:]
        _compare(export, database)
