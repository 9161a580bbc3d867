"""The project's own PostgreSQL: TCP on localhost, idempotent, stale pid, busy port."""

from __future__ import annotations

import errno
import os
import pwd
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from pipedrive_funnel.database import LOCAL_PORT
from pipedrive_funnel.local_server import SYSTEM_USER, LocalServer, LocalServerError, free_port

from conftest import REPO_ROOT, newcomer_environment, run_make


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LocalServer]:
    local = LocalServer(tmp_path / "pgdata", free_port())
    try:
        yield local
    finally:
        local.remove()


def _query(server: LocalServer, statement: str) -> object:
    connection = psycopg2.connect(host="127.0.0.1", port=server.port, user="postgres")
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
            return cursor.fetchone()[0]
    finally:
        connection.close()


def _cli(env_overrides: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipedrive_funnel.db_cli", *args],
        env=newcomer_environment(**env_overrides), capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_starts_once_and_listens_on_localhost_tcp_only(server: LocalServer) -> None:
    assert server.start() is True
    assert server.start() is False  # starting twice is a no-op
    assert server.is_running()
    assert server.running_port() == server.port
    assert _query(server, "show listen_addresses") == "127.0.0.1"
    assert _query(server, "show unix_socket_directories") == ""
    assert _query(server, "select current_setting('server_encoding')") == "UTF8"
    assert server.data_dir.joinpath("PG_VERSION").is_file()


def test_runs_unprivileged(server: LocalServer) -> None:
    server.start()
    pid = int(server.data_dir.joinpath("postmaster.pid").read_text().splitlines()[0])
    owner = pwd.getpwuid(os.stat(f"/proc/{pid}").st_uid).pw_name
    assert owner != "root"
    if os.geteuid() == 0:
        assert owner == SYSTEM_USER


def test_stop_is_idempotent(server: LocalServer) -> None:
    server.start()
    assert server.stop() is True
    assert server.stop() is False  # stopping a stopped server is a no-op
    assert not server.is_running()
    assert server.start() is True  # and it starts again on the same data
    assert _query(server, "select 1") == 1


def test_restarts_at_once_while_old_connections_wait_in_time_wait(server: LocalServer) -> None:
    """Stopping closes the clients' connections from the server's side; a client that reads to
    the end and closes leaves each in TIME_WAIT on the server's port for a minute. The free-port
    probe must not take that for a program holding the port (`make db-stop`, then `make
    db-start` right away)."""
    server.start()
    clients = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(3)]
    server.stop()
    for client in clients:
        while client.recv(4096):  # to the server's end of the connection
            pass
        client.close()
    refused = None
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as plain:
        try:  # a bind without SO_REUSEADDR is refused meanwhile
            plain.bind(("127.0.0.1", server.port))
        except OSError as error:
            refused = error.errno
    assert refused == errno.EADDRINUSE
    assert server.start() is True
    assert _query(server, "select 1") == 1


def test_recovers_from_a_stale_pid_file_after_a_crash(server: LocalServer) -> None:
    server.start()
    pid = int(server.data_dir.joinpath("postmaster.pid").read_text().splitlines()[0])
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while server.is_running() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert server.data_dir.joinpath("postmaster.pid").exists()  # the crash left its pid file
    for child in subprocess.run(
        ["pgrep", "-f", str(server.data_dir)], capture_output=True, text=True, check=False
    ).stdout.split():
        os.kill(int(child), signal.SIGKILL)  # backends orphaned by the crash
    time.sleep(0.5)
    assert server.start() is True
    assert _query(server, "select 1") == 1


def test_a_port_taken_by_another_program_is_a_one_line_error(server: LocalServer) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as squatter:
        squatter.bind(("127.0.0.1", server.port))
        squatter.listen()
        with pytest.raises(LocalServerError) as raised:
            server.start()
    message = str(raised.value)
    assert f"port {server.port}" in message and "LOCAL_PG_PORT" in message
    assert "\n" not in message
    assert not server.is_running()


def test_cli_start_status_stop(tmp_path: Path) -> None:
    env = {"LOCAL_PG_DATA": str(tmp_path / "pgdata"), "LOCAL_PG_PORT": str(free_port())}
    try:
        assert _cli(env, "status").returncode == 3
        first = _cli(env, "start")
        assert first.returncode == 0 and "started" in first.stderr
        second = _cli(env, "start")
        assert second.returncode == 0 and "already running" in second.stderr
        status = _cli(env, "status")
        assert status.returncode == 0
        assert f"postgresql://postgres@127.0.0.1:{env['LOCAL_PG_PORT']}/postgres" in status.stdout
        assert "stopped" in _cli(env, "stop").stderr
        assert "not running" in _cli(env, "stop").stderr
        assert _cli(env, "status").returncode == 3
    finally:
        _cli(env, "stop")


def test_the_port_chosen_once_is_remembered_by_every_make_target(tmp_path: Path) -> None:
    """`make db-start LOCAL_PG_PORT=N` once; then db-status, psql, help (and so build, docs and
    bi, which read the same variable) find port N without it, also after a stop."""
    port = free_port()
    env = newcomer_environment(LOCAL_PG_DATA=str(tmp_path / "pgdata"))
    try:
        started = run_make(REPO_ROOT, env, "db-start", f"LOCAL_PG_PORT={port}")
        assert started.returncode == 0, started.stderr
        status = run_make(REPO_ROOT, env, "db-status")
        assert f"running: postgresql://postgres@127.0.0.1:{port}/postgres" in status.stdout
        answer = run_make(REPO_ROOT, env, "psql", "SQL=select 'asked ' || current_setting('port')")
        assert answer.returncode == 0, answer.stderr
        assert f"asked {port}" in answer.stdout
        assert f"(127.0.0.1:{port}, data in .pgdata/)" in run_make(REPO_ROOT, env, "help").stdout
        assert _cli(env, "stop").returncode == 0  # pipedrive-db itself remembers it too
        restarted = _cli(env, "start")
        assert f"started: postgresql://postgres@127.0.0.1:{port}/postgres" in restarted.stderr
    finally:
        _cli(env, "stop")


def test_make_help_shows_the_values_of_its_variables() -> None:
    shown = run_make(REPO_ROOT, newcomer_environment(), "help", "DOCS_PORT=8999").stdout
    assert "http://127.0.0.1:8999" in shown
    assert "$(" not in shown


def test_cli_busy_port_exits_non_zero_with_one_line(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        result = _cli({"LOCAL_PG_DATA": str(tmp_path / "d"), "LOCAL_PG_PORT": str(port)}, "start")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and f"port {port}" in result.stderr


def test_ensure_with_an_unreachable_configured_server_names_it(tmp_path: Path) -> None:
    port = free_port()
    result = _cli(
        {
            "DBT_PG_HOST": "127.0.0.1",
            "DBT_PG_PORT": str(port),
            "LOCAL_PG_DATA": str(tmp_path / "d"),
        },
        "ensure",
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert f"127.0.0.1:{port}" in result.stderr and "DBT_PG_HOST" in result.stderr
    assert not (tmp_path / "d").exists()  # a configured server means nothing starts


def test_the_profile_and_the_package_default_to_the_same_port() -> None:
    """The local server's default port is written twice, where each reader needs it: in
    profiles.yml (dbt reads nothing else) and in database.py; `make` asks `pipedrive-db port`."""
    profile = (REPO_ROOT / "profiles.yml").read_text(encoding="utf-8")
    assert f"env_var('LOCAL_PG_PORT', '{LOCAL_PORT}')" in profile
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    assert str(LOCAL_PORT) not in makefile
    port = subprocess.run(
        [str(Path(sys.executable).with_name("pipedrive-db")), "port"],
        env=newcomer_environment(LOCAL_PG_DATA=str(REPO_ROOT / "nowhere")),
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert port.stdout.strip() == str(LOCAL_PORT)
