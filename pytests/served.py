"""Servers the tests read over HTTP: waiting for one to answer, and the dbt docs site."""

from __future__ import annotations

import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipedrive_funnel.local_server import free_port

from dbt_runs import DBT, dbt_environment


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
def served_docs(project: Path) -> Iterator[str]:
    """`dbt docs serve` of the docs generated in `project` (`dbt docs generate`) on a free port
    of 127.0.0.1; yield its URL."""
    assert (project / "target" / "catalog.json").is_file(), f"no docs generated in {project}"
    port = free_port()
    serve = [DBT, "docs", "serve", "--host", "127.0.0.1", "--port", str(port), "--no-browser"]
    with subprocess.Popen(
        serve, cwd=project, env=dbt_environment(None),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    ) as server:  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}"
            fetch_text(f"{url}/index.html")
            yield url
        finally:
            server.terminate()
