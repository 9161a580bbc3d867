"""The SQL follows the project's style: `sqlfluff lint` (`.sqlfluff`: the dbt templater, which
compiles the project against the suite's database) passes on the models, tests and analyses.

It runs on a copy of the project, so that its dbt target/ never meets a `make build` of the
repository running beside it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from dbt_runs import dbt_environment
from paths import REPO_ROOT
from project_copy import copy_project

SQLFLUFF = str(Path(sys.executable).with_name("sqlfluff"))


def test_sqlfluff_finds_nothing_to_fix(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    for config in (".sqlfluff", ".sqlfluffignore"):
        shutil.copy2(REPO_ROOT / config, project / config)
    result = subprocess.run(
        [SQLFLUFF, "lint", "--processes", "2", "models", "tests", "analyses"],
        cwd=project, env=dbt_environment(None), capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
    assert "All Finished" in result.stdout + result.stderr
