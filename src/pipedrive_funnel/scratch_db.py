"""Runs a command against a throwaway database: create it, run, drop it (also on failure).

Usage: `pipedrive-scratch-db -- dbt build`. The command sees DBT_PG_DATABASE set to the new
database, so dbt (through profiles.yml) builds into it and nothing else is touched.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from pipedrive_funnel.database import DatabaseUnreachableError, Server

PREFIX = "pipedrive_funnel_scratch_"


def scratch_name() -> str:
    return PREFIX + uuid.uuid4().hex[:12]


@contextmanager
def scratch_database(server: Server | None = None) -> Iterator[str]:
    """A fresh, uniquely named database on `server` (default: the configured one), dropped after."""
    server = server or Server.from_environment()
    name = scratch_name()
    server.create_database(name)
    try:
        yield name
    finally:
        server.drop_database(name)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pipedrive-scratch-db", description=__doc__)
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command to run, after --")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to run after --")
    server = Server.from_environment()
    try:
        with scratch_database(server) as name:
            print(f"pipedrive-scratch-db: created {server.url(name)}", file=sys.stderr)
            status = subprocess.call(command, env={**os.environ, "DBT_PG_DATABASE": name})
    except DatabaseUnreachableError as error:
        print(f"pipedrive-scratch-db: {error}", file=sys.stderr)
        return 1
    print(f"pipedrive-scratch-db: dropped {name}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
