"""`pipedrive-bi`: set up the project's Superset and serve the dashboard.

    pipedrive-bi setup               # the login role, Superset's metadata and the dashboard
    pipedrive-bi serve [--port N]    # setup, then serve on http://127.0.0.1:N (foreground)

The database is the dbt profile's (DBT_PG_* variables, else the project's own local server).
Errors are one line on stderr with exit code 1.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pipedrive_funnel.bi.credentials import (
    DEFAULT_ADMIN_PASSWORD,
    CredentialsError,
    admin_password,
    reader_password,
)
from pipedrive_funnel.bi.reader_login import (
    ReportsNotBuiltError,
    ensure_reader_login,
    superset_database_uri,
)
from pipedrive_funnel.bi.superset import DEFAULT_PORT, Superset, SupersetError
from pipedrive_funnel.database import DatabaseUnreachableError, Server
from pipedrive_funnel.reports import schema_of

DASHBOARD_PATH = "/superset/dashboard/sales-funnel/"
ONE_LINE_ERRORS = (CredentialsError, DatabaseUnreachableError, ReportsNotBuiltError, SupersetError)


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="pipedrive-bi", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("setup", help="set up Superset and import the dashboard")
    serve = commands.add_parser("serve", help="setup, then serve Superset in the foreground")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port ({DEFAULT_PORT})")
    serve.add_argument(
        "--public-host",
        default=None,
        help="host name to print in the URL (default: --host)",
    )
    return parser.parse_args(argv)


def set_up(superset: Superset) -> None:
    superset.executable("superset")  # installed? (says to run make bi if not)
    server = Server.from_environment()
    password = reader_password()
    schema = schema_of("marts")
    ensure_reader_login(server, password, schema)
    print(f"Setting up Superset in {superset.home}:", flush=True)
    superset.set_up(superset_database_uri(server, password), schema)
    print(f"Superset is set up in {superset.home}, reading {server.url()} as bi_superset")


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    try:
        host = arguments.host if arguments.command == "serve" else "127.0.0.1"
        superset = Superset.from_environment(Path.cwd(), admin_password(host))
        set_up(superset)
        if arguments.command == "serve":
            command = superset.serve_command(arguments.host, arguments.port)
            host = arguments.public_host or arguments.host
            print(f"The dashboard: http://{host}:{arguments.port}{DASHBOARD_PATH}")
            if superset.admin_password == DEFAULT_ADMIN_PASSWORD:
                login = f"{superset.admin_user} / {DEFAULT_ADMIN_PASSWORD}"
            else:
                login = f"{superset.admin_user} with SUPERSET_ADMIN_PASSWORD"
            print(f"Log in as {login} (stop with Ctrl-C)")
            sys.stdout.flush()
            os.execve(command[0], command, superset.environment())
    except ONE_LINE_ERRORS as error:
        print(f"pipedrive-bi: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
