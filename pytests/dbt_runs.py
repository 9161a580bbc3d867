"""Running dbt and the streaming loader from the tests, through their command lines."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

DBT = str(Path(sys.executable).with_name("dbt"))
LOADER_VARS = ("--vars", "{raw_source: loader}")
# dbt build's arguments for an export of the loader, as `make build EXPORT=DIR` runs it
EXPORT_BUILD = (*LOADER_VARS, "--exclude-resource-type", "unit_test")


def dbt_environment(database: str | None) -> dict[str, str]:
    env = {**os.environ, "DBT_PROFILES_DIR": ".", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    if database is not None:
        env["DBT_PG_DATABASE"] = database
    return env


def run_dbt(project_dir: Path, database: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the dbt CLI in `project_dir` against `database`; output captured, not checked."""
    return subprocess.run(
        [DBT, *args],
        cwd=project_dir,
        env=dbt_environment(database),
        capture_output=True,
        text=True,
        check=False,
    )


def run_loader(
    project: Path, database: str, export_dir: Path, *options: str, pg_options: str = ""
) -> subprocess.CompletedProcess[str]:
    """`pipedrive-load --export export_dir [options]` into `database` (with the server settings
    `pg_options`, as in PGOPTIONS); output captured, not checked."""
    command = [str(Path(sys.executable).with_name("pipedrive-load")), "--export", str(export_dir)]
    environment = {**dbt_environment(database), "PGOPTIONS": pg_options}
    return subprocess.run(
        [*command, *options, "--project-dir", str(project), "--quiet"],
        env=environment, capture_output=True, text=True, check=False,
    )  # fmt: skip
