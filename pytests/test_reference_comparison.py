"""The marts equal an independent reference implementation, row by row and value by value.

`pipedrive_funnel.reference` computes the reports from the export CSVs in plain Python, from
the README's definitions. Each case builds the project on one export into a fresh database.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pipedrive_funnel.generator.export import write_export
from pipedrive_funnel.generator.options import GeneratorOptions
from pipedrive_funnel.reference import conversion_report, funnel_report, rep_report

from conftest import FIXTURES_DIR, SEEDS_DIR
from dbt_helpers import built_database, fetch_conversion, fetch_marts, run_dbt

GENERATED = [  # (seed, deals, start date, months)
    (1, 500, "2024-01-01", 14),
    (2, 5_000, "2023-07-01", 18),
    (3, 20_000, "2024-01-01", 14),
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


def test_committed_sample_matches_the_reference_and_rebuilds_identically(tmp_path: Path) -> None:
    with built_database(tmp_path) as (database, project):
        _compare(SEEDS_DIR, database)
        first = fetch_marts(database)
        rebuild = run_dbt(project, database, "build")
        assert rebuild.returncode == 0, rebuild.stdout[-3000:]
        assert fetch_marts(database) == first  # idempotent: every row of the marts
        assert fetch_conversion(database) == conversion_report(SEEDS_DIR)


def test_handmade_export_matches_the_reference(tmp_path: Path) -> None:
    export = FIXTURES_DIR / "handmade_export"
    with built_database(tmp_path, export) as (database, _):
        _compare(export, database)


@pytest.mark.parametrize(("seed", "deals", "start", "months"), GENERATED)
def test_generated_export_matches_the_reference(
    tmp_path: Path, seed: int, deals: int, start: str, months: int
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
    with built_database(tmp_path / "project", export) as (database, _):
        _compare(export, database)
