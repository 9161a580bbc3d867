"""Command line for the project's Spark cluster: `pipedrive-spark ACTION` (in .venv-spark).

- start / stop / status: the standalone cluster of one master and two workers on 127.0.0.1 (state,
  logs, warehouse and metastore in SPARK_CLUSTER_DIR, default ./.spark). Starting twice or stopping
  a stopped cluster is a no-op. start checks for Java 17 (apt-get installs it as root on Debian).
- run -- COMMAND: run COMMAND (such as `dbt build --target spark`) with the settings of the dbt
  profile's spark target pointing at the running cluster.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from pipedrive_funnel.cli_parser import Parser
from pipedrive_funnel.spark_cluster import SparkCluster, SparkClusterError

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


def main(argv: Sequence[str] | None = None) -> int:
    parser = Parser(
        prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="action", required=True)
    for action in ("start", "stop", "status"):
        commands.add_parser(action)
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
        return {"start": start, "stop": stop, "status": status}[arguments.action]()
    except SparkClusterError as error:
        _say(f"error: {error}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
