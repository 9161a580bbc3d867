"""Command line for the project's Spark cluster: `pipedrive-spark ACTION` (in .venv-spark).

- start / stop / status: the standalone cluster of one master and two workers on 127.0.0.1 (state,
  logs, warehouse and metastore in SPARK_CLUSTER_DIR, default ./.spark). Starting twice or stopping
  a stopped cluster is a no-op. start checks for Java 17 (apt-get installs it as root on Debian).
- run -- COMMAND: run COMMAND (such as `dbt build --target spark`) with the settings of the dbt
  profile's spark target pointing at the running cluster.
- load --export DIR: load an export into the raw tables on the running cluster
  (`spark_loader.py`), for `dbt build --target spark --vars '{raw_source: loader}'`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pipedrive_funnel.cli_parser import Parser
from pipedrive_funnel.loader.errors import FileLoad, LoadError
from pipedrive_funnel.raw_tables import (
    RAW_SCHEMA_SUFFIX,
    RawTable,
    ValueCheck,
    raw_tables,
    value_checks,
)
from pipedrive_funnel.spark_cluster import SparkCluster, SparkClusterError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

PROG = "pipedrive-spark"


def cluster() -> SparkCluster:
    return SparkCluster(Path(os.environ.get("SPARK_CLUSTER_DIR") or ".spark").resolve())


def _say(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr)


def start() -> int:
    spark = cluster()
    started = spark.start()
    _say(f"{'started' if started else 'already running'}: {spark.master_url} ({spark.folder})")
    return 0


def stop() -> int:
    spark = cluster()
    _say(f"{'stopped' if spark.stop() else 'not running'}: {spark.folder}")
    return 0


def status() -> int:
    spark = cluster()
    if spark.is_running():
        print(f"running: {spark.master_url}, {spark.alive_workers()} workers ({spark.folder})")
        return 0
    print(f"stopped: {spark.folder}")
    return 3


def run(command: Sequence[str]) -> int:
    spark = cluster()
    if not spark.is_running():
        raise SparkClusterError(f"the Spark cluster is not running; start it: {PROG} start")
    return subprocess.call(command, env={**os.environ, **spark.dbt_environment()})


def load(export_dir: Path, project_dir: Path, allow_empty: Sequence[str]) -> int:
    # pyspark is imported only here: without it, the other actions still say what to install
    from pipedrive_funnel.spark_session import spark_session

    spark = cluster()
    if not spark.is_running():
        raise SparkClusterError(f"the Spark cluster is not running; start it: {PROG} start")
    environment = {**os.environ, **spark.dbt_environment()}
    schema = (environment.get("DBT_SPARK_SCHEMA") or "pipedrive") + RAW_SCHEMA_SUFFIX
    tables = raw_tables(project_dir)
    unknown = sorted(set(allow_empty) - {table.file_name for table in tables})
    if unknown:
        raise SparkClusterError(f"--allow-empty {unknown[0]}: not a file of an export")
    session = spark_session(PROG, environment)
    try:
        return load_into(
            session, export_dir, tables, value_checks(project_dir), schema, allow_empty
        )
    finally:
        session.stop()


def load_into(
    session: SparkSession,
    export_dir: Path,
    tables: Sequence[RawTable],
    checks: dict[str, ValueCheck],
    schema: str,
    allow_empty: Sequence[str] = (),
) -> int:
    """What `load` does in its Spark session (and the tests in theirs): load `export_dir` into
    `schema`, saying each file's figures and the total, or why nothing was loaded; the exit
    status. `tables` and `checks` are the project's (raw_tables.py); `allow_empty` holds file
    names among them (`load` checks them first)."""
    from pyspark.errors import PySparkException

    from pipedrive_funnel.spark_loader import load_export_on_spark

    def loaded(load: FileLoad) -> None:
        size = load.bytes / 2**20
        _say(f"{load.file_name}: {load.rows:,} rows, {size:,.1f} MB in {load.seconds:.1f} s")

    try:
        loads = load_export_on_spark(
            session, export_dir, tables, schema, checks, frozenset(allow_empty), loaded,
        )  # fmt: skip
    except LoadError as error:
        _say(f"{error}; nothing was loaded")
        return 1
    except PySparkException as error:
        first_line = str(error).strip().splitlines()[0]
        _say(f"the load failed, nothing was loaded: {first_line}")
        return 1
    _say(f"loaded {sum(load.rows for load in loads):,} rows into {schema}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = Parser(
        prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="action", required=True)
    for action in ("start", "stop", "status"):
        commands.add_parser(action)
    loader = commands.add_parser("load", help="load an export into the raw tables")
    loader.add_argument("--export", type=Path, required=True, help="the export's directory")
    loader.add_argument(
        "--project-dir", type=Path, default=Path.cwd(),
        help="the dbt project, whose seeds YAML defines the columns (the current directory)",
    )  # fmt: skip
    loader.add_argument(
        "--allow-empty", action="append", default=[], metavar="FILE",
        help="a file (as activity.csv) that may have a header and no rows; repeat for several",
    )  # fmt: skip
    runner = commands.add_parser("run")
    runner.add_argument("command", nargs=argparse.REMAINDER)
    arguments = parser.parse_args(argv)
    try:
        if arguments.action == "run":
            command = (
                arguments.command[1:] if arguments.command[:1] == ["--"] else arguments.command
            )
            if not command:
                parser.error("run needs a command after --")
            return run(command)
        if arguments.action == "load":
            if not arguments.export.is_dir():
                parser.error(f"--export {arguments.export}: not a directory")
            return load(arguments.export, arguments.project_dir, arguments.allow_empty)
        return {"start": start, "stop": stop, "status": status}[arguments.action]()
    except SparkClusterError as error:
        _say(f"error: {error}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
