"""`make build` on both paths: the project's own database by default, or a server the user sets.

These run the README's command itself (with the .venv `make test` created), each time into a
database of its own, and stop what they start.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from pipedrive_funnel.database import Server
from pipedrive_funnel.local_server import LocalServer, free_port
from pipedrive_funnel.reports import MARTS
from pipedrive_funnel.scratch_db import scratch_database

from conftest import REPO_ROOT, newcomer_environment, readme_blocks, run_make


def _make(env: dict[str, str], *targets: str) -> subprocess.CompletedProcess[str]:
    return run_make(REPO_ROOT, env, *targets)


def _run_readme_queries(connection_kwargs: dict[str, object]) -> None:
    """The README's SQL blocks and its `make psql SQL=...` lines return rows on the sample's
    reports."""
    statements = [s for block in readme_blocks("sql") for s in block.split(";") if s.strip()]
    lines = [line.split("  #")[0] for block in readme_blocks("bash") for line in block.splitlines()]
    statements += [
        shlex.split(line)[2].removeprefix("SQL=")
        for line in lines
        if line.startswith("make psql SQL=")
    ]
    assert len(statements) >= 4
    connection = psycopg2.connect(**connection_kwargs)
    try:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
                assert cursor.fetchall(), statement
    finally:
        connection.close()


def _marts(url_kwargs: dict[str, object]) -> dict[str, list[tuple[object, ...]]]:
    connection = psycopg2.connect(**url_kwargs)
    try:
        with connection.cursor() as cursor:
            contents = {}
            for mart in MARTS:
                cursor.execute(f"select * from public_marts.{mart} order by 1, 2, 3")
                contents[mart] = cursor.fetchall()
            return contents
    finally:
        connection.close()


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A newcomer's environment whose local database lives in a temporary folder."""
    data_dir = tmp_path_factory.mktemp("local") / "pgdata"
    env = newcomer_environment(LOCAL_PG_PORT=str(free_port()), LOCAL_PG_DATA=str(data_dir))
    try:
        yield env
    finally:
        LocalServer(data_dir, int(env["LOCAL_PG_PORT"])).remove()


def test_make_build_starts_the_local_database_and_builds_the_reports(embedded) -> None:
    first = _make(embedded, "build")
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    port = embedded["LOCAL_PG_PORT"]
    assert f"postgresql://postgres@127.0.0.1:{port}/postgres" in first.stdout
    assert "The reports, in postgresql://" in first.stdout
    assert re.search(r"public_marts\.rep_sales_funnel_monthly +154 rows", first.stdout)
    assert re.search(r"public_marts\.rep_sales_rep_performance_monthly +403 rows", first.stdout)
    assert re.search(r"public_marts\.rep_sales_funnel_conversion_monthly +168 rows", first.stdout)
    assert (
        "rep_data_quality_issues: activity_unknown_deal 157, reused_activity_id 81," in first.stdout
    )
    assert "Done. PASS=" in first.stdout and "ERROR=0" in first.stdout
    # the server keeps running after make returns: any client reads the marts
    connection = {"host": "127.0.0.1", "port": int(port), "user": "postgres", "dbname": "postgres"}
    before = _marts(connection)
    assert len(before["rep_sales_funnel_monthly"]) == 154
    assert len(before["rep_sales_rep_performance_monthly"]) == 403
    assert len(before["rep_sales_funnel_conversion_monthly"]) == 168
    _run_readme_queries(connection)
    # the README's query through the bundled psql, on the port the build started the server on
    asked = _make(
        embedded, "psql", "SQL=select count(*) from public_marts.rep_sales_funnel_monthly"
    )
    assert asked.returncode == 0, asked.stderr
    assert re.search(r"^ +154$", asked.stdout, flags=re.MULTILINE), asked.stdout

    second = _make(embedded, "build")  # twice in a row: works, changes nothing
    assert second.returncode == 0, second.stdout[-3000:]
    assert "already running" in second.stderr
    assert _marts(connection) == before

    stopped = _make(embedded, "db-stop")
    assert stopped.returncode == 0 and "stopped" in stopped.stderr
    again = _make(embedded, "db-stop")
    assert again.returncode == 0 and "not running" in again.stderr
    assert "stopped" in _make(embedded, "db-status").stdout


def _configured_server() -> Server:
    """127.0.0.1:5432 when a server answers there (as in CI: a PostgreSQL of another version than
    the project's own), else the suite's server (the throwaway one of `make test`, or yours)."""
    try:
        psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", connect_timeout=3).close()
    except psycopg2.OperationalError:
        return Server.from_environment()
    return Server("127.0.0.1", 5432, "postgres", "", "postgres")


def test_make_build_uses_a_configured_server_and_starts_nothing(tmp_path: Path) -> None:
    server = _configured_server()
    with scratch_database(server) as database:
        env = newcomer_environment(
            DBT_PG_HOST=server.host,
            DBT_PG_PORT=str(server.port),
            DBT_PG_USER=server.user,
            DBT_PG_PASSWORD=server.password,
            DBT_PG_DATABASE=database,
            LOCAL_PG_DATA=str(tmp_path / "never"),
        )
        result = _make(env, "build")
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        assert "using your server" in result.stderr
        assert server.url(database) in result.stdout
        assert not (tmp_path / "never").exists()  # nothing started
        connection = {
            "host": server.host, "port": server.port, "user": server.user,
            "password": server.password or None, "dbname": database,
        }  # fmt: skip
        assert len(_marts(connection)["rep_sales_funnel_monthly"]) == 154
