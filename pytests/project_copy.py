"""Copies of the dbt project for the tests: the project's files, with another export's CSVs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from dbt_runs import DBT, dbt_environment
from paths import REPO_ROOT

PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "packages.yml", "package-lock.yml")
PROJECT_DIRS = ("models", "macros", "seeds", "tests", "analyses")


def ensure_dbt_packages() -> Path:
    """The repository's dbt_packages/, installed by `dbt deps` if missing."""
    packages = REPO_ROOT / "dbt_packages"
    if not (packages / "dbt_utils").is_dir():
        subprocess.run([DBT, "deps"], cwd=REPO_ROOT, check=True, env=dbt_environment(None))
    return packages


def copy_project(
    destination: Path, export_dir: Path | None = None, expected_dir: Path | None = None
) -> Path:
    """Copy the dbt project to `destination`; replace the six export files with `export_dir`'s;
    add `expected_dir` (expected rows as seeds, with their equality tests) as seeds/expected/."""
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
    if expected_dir is not None:
        shutil.copytree(expected_dir, destination / "seeds" / "expected")
    return destination
