"""Command line for the project's database: `pipedrive-db ACTION`.

- start / stop / status: the local server (data in LOCAL_PG_DATA, default ./.pgdata; port
  LOCAL_PG_PORT, default 55432). Starting twice or stopping a stopped server is a no-op.
- ensure: what `make build` needs: when DBT_PG_HOST or DBT_PG_PORT is set, check that server is
  reachable and start nothing; otherwise start the local server if it is not running.
- port: the local server's port (LOCAL_PG_PORT, else the one it last started on, else 55432).
- url: the connection string of the database the dbt profile points to.
- reports: the marts there with their rows, and what the build's warnings counted (`make build`
  ends with it).
- psql [-c SQL]: open the bundled psql on that database (or run one statement and print it).
- isolated -- COMMAND: run COMMAND against a throwaway database (DBT_PG_DATABASE, dropped
  afterwards, also on failure), on a throwaway server (a fresh local server on a free port, deleted
  afterwards) unless a server is configured, in which case the database is created on it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import psycopg2

from pipedrive_funnel.database import (
    DatabaseUnreachableError,
    Server,
    is_configured,
    local_port,
)
from pipedrive_funnel.local_server import LocalServer, LocalServerError, binaries_dir, free_port
from pipedrive_funnel.reports import summary
from pipedrive_funnel.scratch_db import scratch_database

PROG = "pipedrive-db"


def local_server() -> LocalServer:
    data_dir = Path(os.environ.get("LOCAL_PG_DATA") or ".pgdata").resolve()
    port_text = os.environ.get("LOCAL_PG_PORT") or str(local_port())
    if not port_text.isdigit() or not 1024 <= int(port_text) <= 65535:
        raise LocalServerError(f"LOCAL_PG_PORT must be a port number 1024-65535, got {port_text!r}")
    return LocalServer(data_dir, int(port_text))


def _say(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr)


def start() -> int:
    server = local_server()
    started = server.start()
    _say(f"{'started' if started else 'already running'}: {server.url} (data in {server.data_dir})")
    return 0


def stop() -> int:
    server = local_server()
    _say(f"{'stopped' if server.stop() else 'not running'}: {server.data_dir}")
    return 0


def status() -> int:
    server = local_server()
    if server.is_running():
        print(f"running: {server.url} (data in {server.data_dir})")
        return 0
    print(f"stopped: {server.data_dir}")
    return 3


def ensure() -> int:
    if not is_configured():
        return start()
    configured = Server.from_environment()
    configured.connect().close()
    _say(f"using your server {configured.url()} (DBT_PG_* set; the local server is not started)")
    return 0


def port() -> int:
    print(os.environ.get("LOCAL_PG_PORT") or local_port())
    return 0


def url() -> int:
    print(Server.from_environment().url())
    return 0


def reports() -> int:
    try:
        print("\n".join(summary(Server.from_environment())))
    except psycopg2.Error as error:
        _say(f"error: {str(error).strip().splitlines()[0]} (build the reports first: make build)")
        return 1
    return 0


def psql(command: str | None = None) -> int:
    server = Server.from_environment()
    env = {**os.environ, "PGPASSWORD": server.password} if server.password else dict(os.environ)
    program = str(binaries_dir() / "psql")
    arguments = ["-h", server.host, "-p", str(server.port), "-U", server.user, server.database]
    if command is not None:
        arguments += ["-X", "-v", "ON_ERROR_STOP=1", "-c", command]
    os.execve(program, [program, *arguments], env)


def _in_scratch_database(command: Sequence[str], environ: dict[str, str]) -> int:
    server = Server.from_environment(environ)
    with scratch_database(server) as name:
        _say(f"throwaway database {server.url(name)}")
        return subprocess.call(command, env={**environ, "DBT_PG_DATABASE": name})


def isolated(command: Sequence[str]) -> int:
    if is_configured():
        return _in_scratch_database(command, dict(os.environ))
    with tempfile.TemporaryDirectory(prefix="pipedrive-pg-") as scratch:
        server = LocalServer(Path(scratch) / "data", free_port())
        server.start()
        _say(f"throwaway server {server.url}")
        try:
            environ = {**os.environ, "DBT_PG_HOST": "127.0.0.1", "DBT_PG_PORT": str(server.port)}
            return _in_scratch_database(command, environ)
        finally:
            server.remove()
            _say("throwaway server stopped and deleted")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="action", required=True)
    actions = {
        "start": start, "stop": stop, "status": status, "ensure": ensure, "port": port, "url": url,
        "psql": psql,
        "reports": reports,
    }  # fmt: skip
    for name in actions:
        action = commands.add_parser(name)
        if name == "psql":
            action.add_argument("-c", "--command", help="one SQL statement to run, then exit")
    run = commands.add_parser("isolated")
    run.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    try:
        if args.action == "isolated":
            command = args.command[1:] if args.command[:1] == ["--"] else args.command
            if not command:
                parser.error("give the command to run after --")
            return isolated(command)
        if args.action == "psql":
            return psql(args.command)
        return actions[args.action]()
    except (LocalServerError, DatabaseUnreachableError) as error:
        _say(f"error: {error}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
