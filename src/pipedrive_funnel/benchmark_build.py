"""Benchmark of a full build of a large export against the physical limit of the same server.

For each size, in one run and one throwaway database: generate the export (`pipedrive-generate`),
then time
- plain COPY: the six files into typed tables with psql's `\\copy` (no checks), and the limit query
  (`benchmarks/limit.sql`: the reports straight from those tables): together, the limit;
- the loader (`pipedrive-load`: COPY plus the checks of every value, all or nothing);
- the models without tests (`dbt run`), then the full `dbt build --full-refresh` (models and data
  tests; the incremental models rebuilt in full, as after a full load);
- the refresh after a delta: `pipedrive-load --delta`, then `dbt build` (the incremental models
  take in the delta's rows only);
both builds as `make build EXPORT=DIR` runs them: without the unit tests, which do not read the
export (they run in `make test`);
and the peak resident memory of every process it starts (from wait4). It prints a table of times
and ratios; at the checked sizes it also compares the limit's reports with the marts row by row.
Single runs on a shared machine vary by 10 % and more: `--repeat N` measures each size N times (a
new database each time) and prints last, for each size, the median of each ratio over its runs.
Usage: `pipedrive-benchmark-build --sizes 100000 300000 1000000` (`make benchmark-build`).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pipedrive_funnel.benchmark import Measure, run_once, timed
from pipedrive_funnel.database import Server
from pipedrive_funnel.local_server import binaries_dir
from pipedrive_funnel.raw_tables import raw_tables
from pipedrive_funnel.scratch_db import scratch_database

DEFAULT_SIZES = (100_000, 300_000, 1_000_000)
CHECK_UP_TO = 100_000  # sizes up to this are also checked: the limit's reports equal the marts
# A daily refresh: the delta of a week after the export (pipedrive-generate --delta-of), about 1 %
# more deal changes; loaded with pipedrive-load --delta and built again.
DELTA_DAYS = 7
DELTA_SEED = 8
LIMIT_SCRIPT = Path("benchmarks") / "limit.sql"
PLAIN_SCHEMA = "benchmark_plain_raw"
LOADER_VARS = "{raw_source: loader}"
MARTS = {
    "limit_funnel": "public_marts.rep_sales_funnel_monthly",
    "limit_conversion": "public_marts.rep_sales_funnel_conversion_monthly",
    "limit_reps": "public_marts.rep_sales_rep_performance_monthly",
}


@dataclass(frozen=True)
class SizeResult:
    deals: int
    rows: int
    copy: Measure
    limit: Measure
    loader: Measure
    models: Measure
    build: Measure
    differing_rows: int | None
    delta_rows: int  # deal changes + activity rows of the delta
    delta_load: Measure
    delta_build: Measure


def psql(server: Server, database: str) -> list[str]:
    return [
        str(binaries_dir() / "psql"), "--no-psqlrc", "--quiet", "-v", "ON_ERROR_STOP=1",
        "-h", server.host, "-p", str(server.port), "-U", server.user, "-d", database,
    ]  # fmt: skip


def plain_copy_script(export_dir: Path, project_dir: Path) -> str:
    """One transaction: the typed tables, and a `\\copy` of each file (header skipped)."""
    lines = ["begin;", f"create schema {PLAIN_SCHEMA};"]
    for table in raw_tables(project_dir):
        columns = ", ".join(f'"{name.lower()}" {sql_type}' for name, sql_type in table.columns)
        lines.append(f'create table {PLAIN_SCHEMA}."{table.name}" ({columns});')
        path = str(export_dir / table.file_name).replace("'", "''")
        target = f'{PLAIN_SCHEMA}."{table.name}"'
        lines.append(f"\\copy {target} from '{path}' with (format csv, header)")
    lines.append("commit;")
    return "\n".join(lines) + "\n"


def compare_with_marts(psql_command: list[str], env: dict[str, str]) -> int:
    """Run the limit script against the loaded raw tables and count rows that differ."""
    queries = [
        f"select count(*) from ((select * from {limit} except all select * from {mart})"
        f" union all (select * from {mart} except all select * from {limit})) as differing"
        for limit, mart in MARTS.items()
    ]
    command = [*psql_command, "-At", "-v", "raw_schema=public_raw", "-f", str(LIMIT_SCRIPT)]
    for query in queries:
        command += ["-c", query]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return sum(int(line) for line in result.stdout.split())


def generate(deals: int, seed: int, exports_dir: Path) -> Path:
    """The export of `deals` deals, generated once into `exports_dir` and reused after."""
    export_dir = exports_dir / f"deals_{deals}_seed_{seed}"
    done = export_dir / ".complete"
    if not done.exists():
        run_once(deals, seed, export_dir)
        done.touch()
    return export_dir


def generate_delta(export_dir: Path) -> Path:
    """The export's delta of DELTA_DAYS days, generated once beside it and reused after."""
    delta_dir = export_dir.with_name(f"{export_dir.name}_delta_{DELTA_DAYS}_days")
    done = delta_dir / ".complete"
    if not done.exists():  # in a process of its own: this one stays small for the measures
        generate_command = str(Path(sys.executable).with_name("pipedrive-generate"))
        subprocess.run(
            [generate_command, "--delta-of", str(export_dir), "--days", str(DELTA_DAYS),
             "--seed", str(DELTA_SEED), "--output-dir", str(delta_dir), "--quiet"],
            check=True,
        )  # fmt: skip
        done.touch()
    return delta_dir


def run_size(
    deals: int, export_dir: Path, project_dir: Path, scratch: Path, check: bool
) -> SizeResult:
    server = Server.from_environment()
    bin_dir = Path(sys.executable).parent
    dbt = [
        str(bin_dir / "dbt"), "--no-use-colors", "--log-path", str(scratch / "logs"),
    ]  # fmt: skip
    dbt_args = ["--target-path", str(scratch / "target"), "--vars", LOADER_VARS]
    build_args = [*dbt_args, "--exclude-resource-type", "unit_test"]  # as make build EXPORT=DIR
    with scratch_database(server) as database:
        env = {
            **os.environ, "DBT_PG_DATABASE": database, "DBT_PROFILES_DIR": str(project_dir),
            "PGPASSWORD": server.password,
        }  # fmt: skip
        script = scratch / "plain_copy.sql"
        script.write_text(plain_copy_script(export_dir, project_dir), encoding="utf-8")
        command = psql(server, database)
        copy = timed([*command, "-f", str(script)], "plain COPY", env)
        limit = timed(
            [*command, "-v", f"raw_schema={PLAIN_SCHEMA}", "-f", str(LIMIT_SCRIPT)], "limit", env
        )
        loader = timed(
            [str(bin_dir / "pipedrive-load"), "--export", str(export_dir), "--quiet"],
            "pipedrive-load",
            env,
        )
        timed([*dbt, "seed", *dbt_args], "dbt seed", env)  # the mapping seed, for dbt run
        models = timed([*dbt, "run", *dbt_args], "dbt run", env)
        # in full, as after a full load: dbt run has just recorded the incremental models' state
        build = timed([*dbt, "build", "--full-refresh", *build_args], "dbt build", env)
        differing = compare_with_marts(command, env) if check else None
        rows = _count_rows(server, database)
        delta_dir = generate_delta(export_dir)
        delta_load = timed(
            [str(bin_dir / "pipedrive-load"), "--export", str(delta_dir), "--delta", "--quiet"],
            "pipedrive-load --delta",
            env,
        )
        delta_build = timed([*dbt, "build", *build_args], "dbt build after the delta", env)
    delta_rows = sum(
        sum(1 for _ in (delta_dir / name).open(encoding="utf-8")) - 1
        for name in ("deal_changes.csv", "activity.csv")
    )
    return SizeResult(
        deals, rows, copy, limit, loader, models, build, differing, delta_rows, delta_load,
        delta_build,
    )  # fmt: skip


def _count_rows(server: Server, database: str) -> int:
    connection = server.connect(database)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "select (select count(*) from public_raw.deal_changes)"
                " + (select count(*) from public_raw.activity)"
            )
            return int(cursor.fetchone()[0])
    finally:
        connection.close()


HEADER = (
    f"{'deals':>9} {'rows':>10} | {'COPY':>5} {'loader':>6} {'ratio':>5} | {'limit':>5}"
    f" {'models':>6} {'ratio':>5} | {'build':>5} {'ratio':>5} | {'full':>5} {'limit':>5}"
    f" {'ratio':>5} | {'MiB load':>8} {'dbt':>4} {'psql':>4} | {'diff':>4}"
)


def format_row(result: SizeResult) -> str:
    """One line: times in seconds; ratios against the limit measured in the same run."""
    full = result.loader.seconds + result.build.seconds
    limit_total = result.copy.seconds + result.limit.seconds
    ratio = ratios(result)
    dbt_peak = max(result.models.peak_mib, result.build.peak_mib)
    psql_peak = max(result.copy.peak_mib, result.limit.peak_mib)
    differing = "-" if result.differing_rows is None else str(result.differing_rows)
    return (
        f"{result.deals:>9,} {result.rows:>10,} | {result.copy.seconds:>5.1f}"
        f" {result.loader.seconds:>6.1f} {ratio['loader']:>5.2f} |"
        f" {result.limit.seconds:>5.1f} {result.models.seconds:>6.1f} {ratio['models']:>5.2f} |"
        f" {result.build.seconds:>5.1f} {ratio['build']:>5.2f} | {full:>5.1f} {limit_total:>5.1f}"
        f" {ratio['full']:>5.2f} | {result.loader.peak_mib:>8.0f} {dbt_peak:>4.0f}"
        f" {psql_peak:>4.0f} | {differing:>4}"
    )


def ratios(result: SizeResult) -> dict[str, float]:
    """The run's ratios, each against its baseline measured in the same run."""
    full = result.loader.seconds + result.build.seconds
    return {
        "loader": result.loader.seconds / result.copy.seconds,
        "models": result.models.seconds / result.limit.seconds,
        "build": result.build.seconds / result.limit.seconds,
        "full": full / (result.copy.seconds + result.limit.seconds),
        "refresh": (result.delta_load.seconds + result.delta_build.seconds) / full,
    }


def format_median(runs: Sequence[SizeResult]) -> str:
    """The median of each ratio over the runs of one size."""
    per_run = [ratios(result) for result in runs]
    medians = ", ".join(
        f"{name} {statistics.median(run[name] for run in per_run):.2f}" for name in per_run[0]
    )
    return f"{runs[0].deals:>9,} median of {len(runs)} runs: {medians}"


DELTA_HEADER = (
    f"{'deals':>9} {'delta rows':>10} | {'load':>5} {'build':>6} {'total':>6} |"
    f" {'full':>6} {'ratio':>5}"
)


def format_delta_row(result: SizeResult) -> str:
    """The refresh after a delta against the full build of the same run."""
    total = result.delta_load.seconds + result.delta_build.seconds
    full = result.loader.seconds + result.build.seconds
    return (
        f"{result.deals:>9,} {result.delta_rows:>10,} | {result.delta_load.seconds:>5.1f}"
        f" {result.delta_build.seconds:>6.1f} {total:>6.1f} | {full:>6.1f}"
        f" {ratios(result)['refresh']:>5.2f}"
    )


DELTA_LEGEND = f"""\
delta: the {DELTA_DAYS} days after the export (pipedrive-generate --delta-of); rows: deal changes
and activity rows (new and changed).
load: pipedrive-load --delta; build: dbt build after it (incremental models take in the delta);
ratio = (load + build) / full build."""


LEGEND = """\
rows: deal changes + activities. Seconds, wall clock, all on the same server in one run.
COPY: plain COPY of the six files into typed tables; loader: pipedrive-load (ratio = loader / COPY).
limit: benchmarks/limit.sql on those tables; models: dbt run (ratio = models / limit).
build: dbt build --full-refresh, the models in full and all data tests (the unit tests, which do not
read the export, run in make test) (ratio = build / limit).
full: loader + dbt build; limit: COPY + limit query (ratio = full / limit).
MiB: peak resident memory of the loader, of dbt (run and build) and of psql (COPY and limit).
diff: rows that differ between the limit's reports and the marts (checked up to 100,000 deals)."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pipedrive-benchmark-build", description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--exports-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "pipedrive-benchmark-exports",
        help="where the generated exports are kept between runs (%(default)s)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="runs per size; with more than one, the median of each ratio is printed (%(default)s)",
    )
    parser.add_argument(
        "--check-up-to",
        type=int,
        default=CHECK_UP_TO,
        help="compare the limit's reports with the marts up to this size (%(default)s)",
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    project_dir = Path.cwd()
    if not (project_dir / LIMIT_SCRIPT).is_file():
        parser.error(f"run from the dbt project's directory (no {LIMIT_SCRIPT} here)")
    print(HEADER, flush=True)
    results = []
    medians = []
    for deals in args.sizes:
        export_dir = generate(deals, args.seed, args.exports_dir)
        runs = []
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as scratch:
                check = deals <= args.check_up_to
                runs.append(run_size(deals, export_dir, project_dir, Path(scratch), check))
            print(format_row(runs[-1]), flush=True)
        results.extend(runs)
        if args.repeat > 1:
            medians.append(format_median(runs))
    print(LEGEND)
    print()
    print(DELTA_HEADER)
    for result in results:
        print(format_delta_row(result))
    print(DELTA_LEGEND)
    if medians:
        print()
        print("Medians over the runs of each size (ratios as above; refresh = the delta's ratio):")
        print("\n".join(medians))
    return 0


if __name__ == "__main__":
    sys.exit(main())
