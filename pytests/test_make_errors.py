"""Failures a newcomer can hit end with one line that says what to do next."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO_ROOT, newcomer_environment, run_make


def _make(directory: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run_make(directory, newcomer_environment(**env), *args)


def _project_copy(tmp_path: Path, *names: str) -> Path:
    for name in ("Makefile", "pyproject.toml", *names):
        shutil.copy2(REPO_ROOT / name, tmp_path / name)
    return tmp_path


def test_missing_python(tmp_path: Path) -> None:
    result = _make(_project_copy(tmp_path), "venv", "PYTHON=/nonexistent/python3")
    assert result.returncode != 0
    assert "install Python 3.10+" in result.stderr
    assert not (tmp_path / ".venv").exists()


def test_python_too_old(tmp_path: Path) -> None:
    fake = tmp_path / "python3.9"
    fake.write_text(
        "#!/bin/sh\n"  # make runs: $PYTHON -c '<version check>'
        f'exec {sys.executable} -c "import sys; sys.version_info = (3, 9, 18); '
        'sys.version = \'3.9.18\'; exec(sys.argv[1])" "$2"\n'
    )
    fake.chmod(0o755)
    result = _make(_project_copy(tmp_path), "venv", f"PYTHON={fake}")
    assert result.returncode != 0
    assert "Python 3.10 or newer is needed (found 3.9.18)" in result.stderr
    assert not (tmp_path / ".venv").exists()


def test_dbt_deps_without_network_explains_the_git_mirror(tmp_path: Path) -> None:
    project = _project_copy(tmp_path, "dbt_project.yml", "packages.yml", "package-lock.yml")
    bin_dir = project / ".venv" / "bin"  # a stand-in for the installed .venv: its dbt only
    bin_dir.mkdir(parents=True)
    (bin_dir / "dbt").symlink_to(Path(sys.executable).with_name("dbt"))
    (project / ".venv" / ".installed").touch()
    # No git configuration: the mirror set with insteadOf is gone, github.com is unreachable.
    result = _make(project, "deps", GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    assert result.returncode != 0
    ours = [line for line in result.stderr.splitlines() if not line.startswith("make: ***")]
    last = ours[-1]  # the line after dbt's own error, before make's "*** Error 1"
    assert "dbt-utils comes from git" in last
    assert "url.<mirror>.insteadOf https://github.com/dbt-labs/dbt-utils.git" in last


def test_missing_chromium_names_the_command_to_install_it(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "chromium"
    result = _make(_project_copy(tmp_path), "chromium", f"CHROMIUM={missing}")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert lines[0] == (
        f"make: the browser tests need Chromium at {missing}: install it ('sudo apt-get install "
        "chromium' on Debian/Ubuntu) or run make with CHROMIUM=/path/to/chromium"
    )


def test_browser_tests_fail_rather_than_skip_without_chromium(tmp_path: Path) -> None:
    test = tmp_path / "test_needs_chromium.py"
    test.write_text(
        "from browser import chromium_page\n\n"
        "def test_opens_a_page():\n"
        "    with chromium_page():\n"
        "        pass\n"
    )
    env = {**os.environ, "CHROMIUM": str(tmp_path / "no-chromium")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", f"--rootdir={tmp_path}",
         f"--confcutdir={tmp_path}", str(test)],
        cwd=REPO_ROOT / "pytests", env={**env, "PYTHONPATH": str(REPO_ROOT / "pytests")},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout
    assert "1 failed" in result.stdout and "skipped" not in result.stdout
    assert "make chromium" in result.stdout
