"""`make benchmark-build` on a small export: it runs end to end, and the limit equals the marts.

The benchmark proper (100,000 to 1,000,000 deals, minutes) is never run by the suite; this keeps
its machinery and `benchmarks/limit.sql` from rotting: at 2,000 deals the hand-written limit
script must give the marts' reports row for row.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipedrive_funnel.benchmark import Measure
from pipedrive_funnel.benchmark_build import (
    SizeResult,
    format_median,
    generate,
    generator_version,
)

from conftest import REPO_ROOT

BENCHMARK = str(Path(sys.executable).with_name("pipedrive-benchmark-build"))


def test_the_benchmark_runs_and_the_limit_script_equals_the_marts(tmp_path: Path) -> None:
    result = subprocess.run(
        [BENCHMARK, "--sizes", "2000", "--exports-dir", str(tmp_path)],
        cwd=REPO_ROOT, env={**os.environ, "DBT_PROFILES_DIR": str(REPO_ROOT)},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    header, row, *legend = lines[: lines.index("")]
    assert header.split()[:2] == ["deals", "rows"]
    cells = row.replace("|", " ").split()
    assert cells[0] == "2,000"
    assert int(cells[1].replace(",", "")) > 10_000  # deal changes and activities loaded
    times, peaks = [float(cell) for cell in cells[2:-4]], [float(cell) for cell in cells[-4:-1]]
    assert all(value >= 0 for value in times)  # seconds (a small export rounds to 0.0) and ratios
    ratios = [times[index] for index in (2, 5, 7, 10)]  # loader, models, dbt build, full build
    assert all(ratio > 1 for ratio in ratios)  # each does more than its plain counterpart
    assert all(peak > 10 for peak in peaks)  # MiB of the loader, dbt and psql, each measured
    assert cells[-1] == "0"  # no row differs between the limit's reports and the marts
    assert any(line.startswith("diff:") for line in legend)
    delta_header, delta_row, *_ = lines[lines.index("") + 1 :]
    assert delta_header.split()[:3] == ["deals", "delta", "rows"]
    cells = delta_row.replace("|", " ").split()
    assert cells[0] == "2,000" and int(cells[1].replace(",", "")) > 100  # a delta was loaded
    load, build, total, full, ratio = (float(cell) for cell in cells[2:])
    assert total == pytest.approx(load + build, abs=0.11) and full > 0 and ratio > 0


def _run(copy: float, limit: float, loader: float, models: float, build: float) -> SizeResult:
    """A run of 1,000 deals with these seconds; the delta's load and build take 1 s each."""
    second = Measure(1.0, 50.0)
    return SizeResult(
        1000, 5000, Measure(copy, 30.0), Measure(limit, 30.0), Measure(loader, 40.0),
        Measure(models, 130.0), Measure(build, 130.0), None, 100, second, second,
    )  # fmt: skip


def test_repeated_runs_report_the_median_of_each_ratio() -> None:
    # loader/COPY 2, 3, 10; models/limit 1, 2, 4; build/limit 2, 4, 6; full/limit and refresh
    # as computed; the median takes the middle run of each ratio on its own, not of one run.
    runs = [
        _run(copy=1, limit=2, loader=2, models=2, build=4),  # full 6/3 = 2, refresh 2/6
        _run(copy=1, limit=1, loader=3, models=2, build=4),  # full 7/2 = 3.5, refresh 2/7
        _run(copy=1, limit=1, loader=10, models=4, build=6),  # full 16/2 = 8, refresh 2/16
    ]
    assert format_median(runs) == (
        "    1,000 median of 3 runs: loader 3.00, models 2.00, build 4.00, full 3.50, refresh 0.29"
    )


def test_an_export_of_other_generator_code_is_generated_again(tmp_path: Path) -> None:
    export = generate(60, 3, tmp_path)
    done = export / ".complete"
    assert done.read_text().strip() == generator_version()
    first = (export / "activity.csv").stat().st_mtime_ns
    assert generate(60, 3, tmp_path) == export  # the same code: reused, not written again
    assert (export / "activity.csv").stat().st_mtime_ns == first
    done.write_text("the digest of an older generator\n")
    (export / "activity.csv").write_text("stale\n")
    generate(60, 3, tmp_path)
    assert (export / "activity.csv").read_text().startswith("activity_id,")
    assert done.read_text().strip() == generator_version()
