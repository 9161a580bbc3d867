"""The harness of the browser tests of the dashboard: Superset served by `pipedrive-bi serve`
(what `make bi` runs) on a database, and its setup and login."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page

from paths import REPO_ROOT

PIPEDRIVE_BI = str(Path(sys.executable).with_name("pipedrive-bi"))
ADMIN = ("admin", "test-admin-password")


@dataclass(frozen=True)
class Site:
    url: str
    database: str
    env: dict[str, str]
    home: Path
    log: Path  # what pipedrive-bi serve printed


def wait_for_health(url: str, serve: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 300
    while True:
        assert serve.poll() is None, f"pipedrive-bi serve exited:\n{log.read_text()[-3000:]}"
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        assert time.monotonic() < deadline, f"Superset did not answer:\n{log.read_text()[-3000:]}"
        time.sleep(1)


def run_setup(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`pipedrive-bi setup` in the repository with `env`; output captured, not checked."""
    return subprocess.run(
        [PIPEDRIVE_BI, "setup"], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
        check=False,
    )  # fmt: skip


def log_in(page: Page, url: str) -> None:
    page.goto(f"{url}/login/")
    page.fill("#username", ADMIN[0])
    page.fill("#password", ADMIN[1])
    page.keyboard.press("Enter")
    page.wait_for_url("**/superset/welcome/**")
