"""The login role the BI tool connects as: a member of the dbt project's read-only role.

`bi_reader` (created by every dbt build) is a group role that cannot log in; it holds select on
the marts and usage on public_marts, nothing else. Superset logs in as `bi_superset`, a login
role with no privilege of its own, no superuser, no CREATEDB or CREATEROLE, that inherits
`bi_reader`'s. Its password is chosen by `credentials.reader_password`.
"""

from __future__ import annotations

from urllib.parse import quote

from psycopg2 import sql

from pipedrive_funnel.database import Server
from pipedrive_funnel.reports import MARTS

LOGIN_ROLE = "bi_superset"
READER_ROLE = "bi_reader"


class ReportsNotBuiltError(RuntimeError):
    """The marts or bi_reader are missing: the dbt project has not been built on this database."""


def ensure_reader_login(
    server: Server, password: str, marts_schema: str, reader_role: str = READER_ROLE
) -> None:
    """Create (or bring back in line) the login role `bi_superset` as a member of `reader_role`,
    once the reports are built: the marts in `marts_schema` and the role exist."""
    connection = server.connect()
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            for mart in MARTS:
                name = sql.Identifier(marts_schema, mart).as_string(cursor)
                cursor.execute("select to_regclass(%s)", (name,))
                if cursor.fetchone()[0] is None:
                    raise ReportsNotBuiltError(
                        f"{marts_schema}.{mart} does not exist in {server.url()}: "
                        "build the reports first (make build)"
                    )
            cursor.execute("select 1 from pg_catalog.pg_roles where rolname = %s", (reader_role,))
            if cursor.fetchone() is None:
                raise ReportsNotBuiltError(
                    f"the role {reader_role} does not exist on {server.url()}: "
                    "build the reports first (make build)"
                )
            cursor.execute("select 1 from pg_catalog.pg_roles where rolname = %s", (LOGIN_ROLE,))
            verb = "alter" if cursor.fetchone() else "create"
            cursor.execute(
                sql.SQL(
                    "{verb} role {login} login inherit nosuperuser nocreatedb nocreaterole "
                    "password {password}"
                ).format(
                    verb=sql.SQL(verb),
                    login=sql.Identifier(LOGIN_ROLE),
                    password=sql.Literal(password),
                )
            )
            cursor.execute(
                sql.SQL("grant {reader} to {login}").format(
                    reader=sql.Identifier(reader_role), login=sql.Identifier(LOGIN_ROLE)
                )
            )
    finally:
        connection.close()


def superset_database_uri(server: Server, password: str) -> str:
    """The SQLAlchemy URI Superset uses for the project's database, as `bi_superset`."""
    return (
        f"postgresql+psycopg2://{LOGIN_ROLE}:{quote(password, safe='')}"
        f"@{server.host}:{server.port}/{server.database}"
    )
