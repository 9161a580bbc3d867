"""Run the dbt project from pytest: a copy of the project with another export, via the dbt CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from pipedrive_funnel.database import Server

from conftest import REPO_ROOT

PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "packages.yml", "package-lock.yml")
PROJECT_DIRS = ("models", "macros", "seeds", "tests", "analyses")
DBT = str(Path(sys.executable).with_name("dbt"))


def ensure_dbt_packages() -> Path:
    """The repository's dbt_packages/, installed by `dbt deps` if missing."""
    packages = REPO_ROOT / "dbt_packages"
    if not (packages / "dbt_utils").is_dir():
        subprocess.run([DBT, "deps"], cwd=REPO_ROOT, check=True, env=dbt_environment(None))
    return packages


def copy_project(destination: Path, export_dir: Path | None = None) -> Path:
    """Copy the dbt project to `destination`; replace the six export files with `export_dir`'s."""
    for name in PROJECT_FILES:
        shutil.copy2(REPO_ROOT / name, destination / name)
    for name in PROJECT_DIRS:
        shutil.copytree(REPO_ROOT / name, destination / name)
    (destination / "dbt_packages").symlink_to(ensure_dbt_packages())
    if export_dir is not None:
        for csv_file in (destination / "seeds" / "pipedrive").glob("*.csv"):
            csv_file.unlink()
        for csv_file in export_dir.glob("*.csv"):
            shutil.copy2(csv_file, destination / "seeds" / "pipedrive" / csv_file.name)
    return destination


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


def query(database: str, statement: str) -> list[tuple[Any, ...]]:
    connection = Server.from_environment().connect(database)
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
            return cursor.fetchall()
    finally:
        connection.close()
