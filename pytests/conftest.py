"""Shared fixtures: the repository root, and exports generated once per test session."""

from __future__ import annotations

import csv
import os
import re
import subprocess
from pathlib import Path

import pytest

from pipedrive_funnel.generator.export import write_export
from pipedrive_funnel.generator.options import GeneratorOptions

REPO_ROOT = Path(__file__).resolve().parents[1]
SEEDS_DIR = REPO_ROOT / "seeds" / "pipedrive"
FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"


def newcomer_environment(**overrides: str) -> dict[str, str]:
    """The environment of a newcomer's shell: no DBT_PG_* or LOCAL_PG_* set, no make of ours
    around (a nested make would inherit our MAKEFLAGS), plus `overrides`."""
    drop = ("DBT_PG_", "LOCAL_PG_", "MAKE", "MFLAGS")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    return {**env, **overrides}


def run_make(directory: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`make ARGS` in `directory` with `env`; output captured, exit status not checked."""
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=directory, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip


def readme_blocks(language: str) -> list[str]:
    """The README's fenced code blocks of one language, in order."""
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


@pytest.fixture(scope="session")
def default_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The export of the default invocation, generated afresh (not the committed copy)."""
    output_dir = tmp_path_factory.mktemp("default_export")
    write_export(GeneratorOptions(output_dir=output_dir))
    return output_dir


@pytest.fixture(scope="session")
def default_rows(default_export: Path) -> dict[str, list[dict[str, str]]]:
    """The default export's rows, per file name."""
    return {path.name: read_rows(path) for path in default_export.glob("*.csv")}
