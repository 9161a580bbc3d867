"""The same generated exports built on PostgreSQL and on the project's Spark cluster, side by side.

`make benchmark-build ENGINE=spark` runs `pipedrive-benchmark-spark --sizes 20000 100000 1000000`.
For each size, in one run: the export is generated (once, kept between runs, as
pipedrive-benchmark-build keeps it); then
- PostgreSQL (the profile's server, a throwaway database in it): `pipedrive-load`, then `dbt build`
  of the models and data tests, as `make build EXPORT=DIR` runs it;
- Spark (a standalone cluster of a master and two workers of one core each, started for the run in
  a folder of its own and stopped after it): `pipedrive-spark load`, then the same `dbt build` with
  `--target spark`, in the Spark environment (.venv-spark);
each timed on the wall clock (the peak memory of the command's own process tree is not the
cluster's, so none is printed). It prints the times, the ratio Spark / PostgreSQL, and the
slowest nodes of each engine (target/run_results.json); up to --compare-up-to deals (20,000 by
default) it also compares the three reports and the data-quality list of the two engines row by
row (`dbt show`).
The Spark settings are the profile's defaults (whole-stage code generation, 200 shuffle
partitions) unless DBT_SPARK_* variables say otherwise; they are printed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from pipedrive_funnel.benchmark import Measure, timed
from pipedrive_funnel.benchmark_build import export_parser, generate
from pipedrive_funnel.database import Server
from pipedrive_funnel.reports import MARTS
from pipedrive_funnel.scratch_db import scratch_database

DEFAULT_SIZES = (20_000, 100_000, 1_000_000)
COMPARE_UP_TO = 20_000
SPARK_BIN = Path(".venv-spark") / "bin"
LOADER_VARS = "{raw_source: loader}"
BUILD_ARGS = ("--vars", LOADER_VARS, "--exclude-resource-type", "unit_test")
SLOWEST = 5
SPARK_SETTINGS = ("DBT_SPARK_CODEGEN", "DBT_SPARK_SHUFFLE_PARTITIONS", "DBT_SPARK_JAVA_OPTIONS")


@dataclass(frozen=True)
class EngineRun:
    load: Measure
    build: Measure
    slowest: list[tuple[float, str]]  # (seconds, node) of the build's slowest nodes
    reports: dict[str, list[tuple]] | None  # each mart's rows, when compared


def _dbt(bin_dir: Path, scratch: Path, command: str, *arguments: str) -> list[str]:
    return [
        str(bin_dir / "dbt"), "--no-use-colors", "--quiet", command, "--log-path",
        str(scratch / "logs"), "--target-path", str(scratch / "target"), *arguments,
    ]  # fmt: skip


def _slowest(scratch: Path) -> list[tuple[float, str]]:
    results = json.loads((scratch / "target" / "run_results.json").read_text())["results"]
    times = sorted(((r["execution_time"], r["unique_id"]) for r in results), reverse=True)
    return [(seconds, node.split(".", 2)[-1]) for seconds, node in times[:SLOWEST]]


def _value(text: object) -> str | None:
    """A report's value as both engines print it alike: numbers by value, the rest as text."""
    if text is None:
        return None
    try:
        return str(Decimal(str(text)).normalize())
    except InvalidOperation:
        return str(text)


def _reports(
    command: list[str], bin_dir: Path, scratch: Path, env: dict[str, str], *options: str
) -> dict[str, list[tuple]]:
    """Every row of each mart (`dbt show`, after `command`), each value as `_value` writes it,
    sorted."""
    reports = {}
    for mart in MARTS:
        query = f"select * from {{{{ ref('{mart}') }}}}"
        show = _dbt(bin_dir, scratch, "show", "--inline", query, "--limit", "-1", *options)
        shown = subprocess.run(
            [*command, *show, "--output", "json"], env=env, capture_output=True, text=True,
            check=False,
        )  # fmt: skip
        if shown.returncode != 0:
            raise SystemExit(f"dbt show of {mart} failed:\n{(shown.stdout + shown.stderr)[-3000:]}")
        rows = json.loads(shown.stdout)["show"]
        reports[mart] = sorted((tuple(_value(v) for v in row.values()) for row in rows), key=repr)
    return reports


def run_postgres(export_dir: Path, project_dir: Path, scratch: Path, compare: bool) -> EngineRun:
    server = Server.from_environment()
    bin_dir = Path(sys.executable).parent
    with scratch_database(server) as database:
        env = {
            **os.environ, "DBT_PG_DATABASE": database, "DBT_PROFILES_DIR": str(project_dir),
            "PGPASSWORD": server.password,
        }  # fmt: skip
        load = timed(
            [str(bin_dir / "pipedrive-load"), "--export", str(export_dir), "--quiet"],
            "pipedrive-load", env,
        )  # fmt: skip
        build = timed(_dbt(bin_dir, scratch, "build", *BUILD_ARGS), "dbt build", env)
        slowest = _slowest(scratch)
        reports = _reports([], bin_dir, scratch, env, *BUILD_ARGS[:2]) if compare else None
    return EngineRun(load, build, slowest, reports)


def run_spark(export_dir: Path, project_dir: Path, scratch: Path, compare: bool) -> EngineRun:
    bin_dir = (project_dir / SPARK_BIN).resolve()
    spark = str(bin_dir / "pipedrive-spark")
    env = {
        **os.environ, "SPARK_CLUSTER_DIR": str(scratch / "spark"),
        "DBT_PROFILES_DIR": str(project_dir), "DBT_SPARK_SCHEMA": "benchmark",
    }  # fmt: skip
    timed([spark, "start"], "pipedrive-spark start", env)
    try:
        load = timed([spark, "load", "--export", str(export_dir)], "pipedrive-spark load", env)
        on_cluster = [spark, "run", "--"]
        build_command = _dbt(bin_dir, scratch, "build", "--target", "spark", *BUILD_ARGS)
        build = timed([*on_cluster, *build_command], "dbt build --target spark", env)
        slowest = _slowest(scratch)
        reports = None
        if compare:
            reports = _reports(
                on_cluster, bin_dir, scratch, env, "--target", "spark", *BUILD_ARGS[:2]
            )
    finally:
        subprocess.run([spark, "stop"], env=env, capture_output=True, check=False)
    return EngineRun(load, build, slowest, reports)


def _differing(postgres: EngineRun, spark: EngineRun) -> str:
    if postgres.reports is None or spark.reports is None:
        return "-"
    differing = 0
    for mart, rows in postgres.reports.items():
        other = spark.reports[mart]
        differing += len(set(rows) ^ set(other)) + abs(len(rows) - len(other))
    return str(differing)


HEADER = (
    f"{'deals':>9} | {'PG load':>7} {'build':>6} {'total':>6} | {'Spark load':>10} {'build':>6}"
    f" {'total':>6} | {'ratio':>5} | {'diff':>4}"
)
LEGEND = """\
Seconds, wall clock, both engines on this machine in one run. PG: pipedrive-load, then dbt build
(models and data tests, as make build EXPORT=DIR); Spark: pipedrive-spark load, then the same dbt
build --target spark on the cluster. ratio = Spark total / PostgreSQL total. diff: rows of the
three reports and the data-quality list that differ between the engines (compared up to
--compare-up-to deals)."""


def format_row(deals: int, postgres: EngineRun, spark: EngineRun) -> str:
    pg_total = postgres.load.seconds + postgres.build.seconds
    spark_total = spark.load.seconds + spark.build.seconds
    return (
        f"{deals:>9,} | {postgres.load.seconds:>7.1f} {postgres.build.seconds:>6.1f}"
        f" {pg_total:>6.1f} | {spark.load.seconds:>10.1f} {spark.build.seconds:>6.1f}"
        f" {spark_total:>6.1f} | {spark_total / pg_total:>5.2f} | {_differing(postgres, spark):>4}"
    )


def format_slowest(deals: int, engine: str, run: EngineRun) -> str:
    nodes = ", ".join(f"{node} {seconds:.1f}" for seconds, node in run.slowest)
    return f"{deals:>9,} {engine:<5} slowest nodes (s): {nodes}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = export_parser("pipedrive-benchmark-spark", __doc__, DEFAULT_SIZES)
    parser.add_argument(
        "--compare-up-to",
        type=int,
        default=COMPARE_UP_TO,
        help="compare the reports of both engines up to this size (%(default)s)",
    )
    args = parser.parse_args(argv)
    project_dir = Path.cwd()
    if not (project_dir / SPARK_BIN / "pipedrive-spark").exists():
        parser.error(
            f"no {SPARK_BIN / 'pipedrive-spark'} here: run make spark (or make test) first"
        )
    settings = ", ".join(f"{name}={os.environ.get(name, '(default)')}" for name in SPARK_SETTINGS)
    print(f"Spark settings: {settings}")
    print(HEADER, flush=True)
    slowest = []
    for deals in args.sizes:
        export_dir = generate(deals, args.seed, args.exports_dir)
        compare = deals <= args.compare_up_to
        with tempfile.TemporaryDirectory() as pg_scratch, tempfile.TemporaryDirectory() as scratch:
            postgres = run_postgres(export_dir, project_dir, Path(pg_scratch), compare)
            spark = run_spark(export_dir, project_dir, Path(scratch), compare)
        print(format_row(deals, postgres, spark), flush=True)
        slowest += [format_slowest(deals, "PG", postgres), format_slowest(deals, "Spark", spark)]
    print(LEGEND)
    print()
    print("\n".join(slowest))
    return 0


if __name__ == "__main__":
    sys.exit(main())
