"""Run the dbt project from pytest: a copy of the project with another export, via the dbt CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pipedrive_funnel.database import Server
from pipedrive_funnel.local_server import free_port
from pipedrive_funnel.reference import ConversionRow, FunnelRow, RepRow
from pipedrive_funnel.scratch_db import scratch_database

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
    destination.mkdir(parents=True, exist_ok=True)
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


LOADER_VARS = ("--vars", "{raw_source: loader}")
# dbt build's arguments for an export of the loader, as `make build EXPORT=DIR` runs it
EXPORT_BUILD = (*LOADER_VARS, "--exclude-resource-type", "unit_test")


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


def query(database: str, statement: str) -> list[tuple[Any, ...]]:
    connection = Server.from_environment().connect(database)
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
            return cursor.fetchall()
    finally:
        connection.close()


@contextmanager
def built_database(workdir: Path, export_dir: Path | None = None) -> Iterator[tuple[str, Path]]:
    """Build the project (with `export_dir`'s export, or the committed sample) into a fresh
    database; yield (database, project copy); drop the database afterwards."""
    project = copy_project(workdir, export_dir)
    with scratch_database() as database:
        result = run_dbt(project, database, "build")
        assert result.returncode == 0, result.stdout[-5000:]
        yield database, project


def fetch_text(url: str, timeout: float = 60.0) -> str:
    """GET `url`, retrying until it answers (a server that is starting) or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as answer:
                return answer.read().decode()
        except OSError:
            assert time.monotonic() < deadline, f"{url} did not answer within {timeout:.0f} s"
            time.sleep(0.5)


@contextmanager
def served_docs(project: Path, database: str) -> Iterator[str]:
    """`dbt docs generate`, then `dbt docs serve` on a free port of 127.0.0.1; yield its URL."""
    generate = run_dbt(project, database, "docs", "generate")
    assert generate.returncode == 0, generate.stdout[-5000:]
    port = free_port()
    serve = [DBT, "docs", "serve", "--host", "127.0.0.1", "--port", str(port), "--no-browser"]
    with subprocess.Popen(
        serve, cwd=project, env=dbt_environment(database),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    ) as server:  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}"
            fetch_text(f"{url}/index.html")
            yield url
        finally:
            server.terminate()


FUNNEL_COLUMNS = "month, kpi_name, funnel_step, deals_count"
REP_COLUMNS = (
    "month, sales_rep_id, sales_rep_name, deals_worked, activities_completed, "
    "sales_call_1_completed, sales_call_2_completed, other_activities"
)


CONVERSION_COLUMNS = (
    "cohort_month, kpi_name, funnel_step, cohort_deals_count, deals_count, "
    "conversion_from_previous_step, conversion_from_step_1"
)


def fetch_conversion(database: str) -> list[ConversionRow]:
    rows = query(
        database,
        f"select {CONVERSION_COLUMNS} from public_marts.rep_sales_funnel_conversion_monthly",
    )
    return sorted(ConversionRow(*row) for row in rows)


def fetch_marts(database: str) -> tuple[list[FunnelRow], list[RepRow]]:
    funnel = query(database, f"select {FUNNEL_COLUMNS} from public_marts.rep_sales_funnel_monthly")
    reps = query(
        database, f"select {REP_COLUMNS} from public_marts.rep_sales_rep_performance_monthly"
    )
    return sorted(FunnelRow(*row) for row in funnel), sorted(RepRow(*row) for row in reps)
