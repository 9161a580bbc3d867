"""Every command of the README is one that exists and works, so the README cannot rot.

Commands are checked here or by the test named beside each kind; a command of a new kind fails
this test until it is covered. The SQL blocks run in test_make_build after a real `make build`.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

from conftest import REPO_ROOT, readme_blocks

MAKE_TARGETS = set(
    re.findall(r"^([a-z-]+):", (REPO_ROOT / "Makefile").read_text(), flags=re.MULTILINE)
)


def _commands() -> list[str]:
    lines = []
    for block in readme_blocks("bash"):
        for line in block.splitlines():
            command = line.split("  #")[0].strip()
            if command:
                lines.append(command)
    return lines


def test_the_readme_has_commands() -> None:
    assert "make build" in _commands()
    assert "make test" in _commands()
    assert ".ci/run" in (REPO_ROOT / "README.md").read_text()
    assert (REPO_ROOT / ".ci" / "run").read_text().strip().splitlines()[-1] == "make test"


def test_every_readme_command_is_known_and_works(tmp_path: Path) -> None:
    for command in _commands():
        words = shlex.split(command)
        if words[0] == "make":
            assert words[1] in MAKE_TARGETS, command  # run by test_make_build / CI / the suite
        elif words[0].startswith(".venv/bin/"):
            tool = Path(sys.executable).with_name(Path(words[0]).name)
            assert tool.exists(), command
            arguments = words[1:]
            if "--output-dir" in arguments:
                arguments[arguments.index("--output-dir") + 1] = str(tmp_path / "export")
            result = subprocess.run(
                [str(tool), *arguments], capture_output=True, text=True, check=False
            )
            assert result.returncode == 0, (command, result.stderr)
        elif words[0] == "export":
            profile = (REPO_ROOT / "profiles.yml").read_text()
            for assignment in words[1:]:
                assert f"env_var('{assignment.split('=')[0]}'" in profile, command
        elif words[:2] == ["cp", ".env.example"]:
            assert (REPO_ROOT / ".env.example").is_file()
        elif words[:2] == ["docker", "compose"]:
            assert (REPO_ROOT / "docker-compose.yml").is_file()  # see test_docker_compose
        else:
            raise AssertionError(f"README command not covered by a test: {command}")


def test_every_make_target_in_the_readme_table_exists() -> None:
    text = (REPO_ROOT / "README.md").read_text()
    mentioned = set(re.findall(r"`make ([a-z-]+)", text))
    assert mentioned <= MAKE_TARGETS, mentioned - MAKE_TARGETS
    documented = set(re.findall(r"^[a-z-]+:.*## ", (REPO_ROOT / "Makefile").read_text(), re.M))
    assert {t.split(":")[0] for t in documented} <= mentioned | {"help"}
