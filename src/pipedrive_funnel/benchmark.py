"""Benchmark of the export generator: wall time and peak memory per size, printed as a table.

Each size runs `pipedrive-generate` in a child process, so the peak resident memory reported is that
run's own (from wait4), not the benchmark's. Usage: `pipedrive-benchmark --sizes 100000 1000000`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

DEFAULT_SIZES = (100_000, 1_000_000)


@dataclass(frozen=True)
class Measure:
    seconds: float
    peak_mib: float


def timed(command: Sequence[str], what: str, env: Mapping[str, str] | None = None) -> Measure:
    """Run `command` in a child process; its wall time and peak resident memory (from wait4).
    It must succeed: otherwise the benchmark stops with the end of its output."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            output.seek(0)
            raise SystemExit(f"{what} failed:\n{output.read()[-3000:]}")
    return Measure(seconds, usage.ru_maxrss / 1024)


def run_once(deals: int, seed: int, output_dir: Path) -> tuple[float, float, int]:
    """Generate `deals` deals into `output_dir`; return (seconds, peak MiB, bytes written)."""
    command = [
        sys.executable, "-m", "pipedrive_funnel.generator.cli",
        "--deals", str(deals), "--seed", str(seed), "--output-dir", str(output_dir), "--quiet",
    ]  # fmt: skip
    measure = timed(command, f"pipedrive-generate --deals {deals}")
    written = sum(path.stat().st_size for path in output_dir.glob("*.csv"))
    return measure.seconds, measure.peak_mib, written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pipedrive-benchmark", description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    print(f"{'deals':>10} {'seconds':>9} {'deals/s':>9} {'peak MiB':>9} {'CSV MiB':>9}")
    for deals in args.sizes:
        with tempfile.TemporaryDirectory() as scratch:
            seconds, peak_mib, written = run_once(deals, args.seed, Path(scratch))
        print(
            f"{deals:>10,} {seconds:>9.1f} {deals / seconds:>9,.0f} {peak_mib:>9.1f}"
            f" {written / 2**20:>9.1f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
