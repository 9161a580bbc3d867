"""Connection settings of the project's PostgreSQL server; creating or dropping a database on it.

The settings come from the same environment variables as `profiles.yml` (DBT_PG_HOST, DBT_PG_PORT,
DBT_PG_USER, DBT_PG_PASSWORD, DBT_PG_DATABASE) with the same defaults: without them, the project's
own local server on 127.0.0.1, port LOCAL_PG_PORT (else the port it last started on, else 55432).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import psycopg2
from psycopg2 import sql

from pipedrive_funnel.local_server import remembered_port

LOCAL_PORT = 55432
CONNECTION_VARIABLES = ("DBT_PG_HOST", "DBT_PG_PORT")
DEFAULTS = {
    "DBT_PG_HOST": "127.0.0.1",
    "DBT_PG_PORT": str(LOCAL_PORT),
    "DBT_PG_USER": "postgres",
    "DBT_PG_PASSWORD": "",
    "DBT_PG_DATABASE": "postgres",
}
DATABASE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class DatabaseUnreachableError(RuntimeError):
    """The server cannot be reached; the message says where and what to do."""


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    user: str
    password: str
    database: str

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Server:
        value = {key: environ.get(key) or default for key, default in DEFAULTS.items()}
        if not environ.get("DBT_PG_PORT"):
            value["DBT_PG_PORT"] = environ.get("LOCAL_PG_PORT") or str(local_port(environ))
        return cls(
            host=value["DBT_PG_HOST"],
            port=int(value["DBT_PG_PORT"]),
            user=value["DBT_PG_USER"],
            password=environ.get("DBT_PG_PASSWORD", ""),
            database=value["DBT_PG_DATABASE"],
        )

    def url(self, database: str | None = None) -> str:
        """A libpq connection URL (without the password)."""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{database or self.database}"

    def connect(self, database: str | None = None) -> psycopg2.extensions.connection:
        try:
            return psycopg2.connect(
                host=self.host,
                port=self.port,
                user=self.user,
                password=self.password or None,
                dbname=database or self.database,
                connect_timeout=10,
            )
        except psycopg2.OperationalError as error:
            first_line = str(error).strip().splitlines()[0]
            raise DatabaseUnreachableError(
                f"cannot connect to {self.url(database)}: {first_line}; start the server or set "
                "DBT_PG_HOST, DBT_PG_PORT, DBT_PG_USER, DBT_PG_PASSWORD and DBT_PG_DATABASE"
            ) from None

    def _administer(self, statement: sql.Composable) -> None:
        connection = self.connect()
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(statement)
        finally:
            connection.close()

    def create_database(self, name: str, template: str | None = None) -> None:
        """Create the database `name`, empty or a copy of `template` (no session may be using
        it)."""
        _check_name(name)
        statement = sql.SQL("create database {}").format(sql.Identifier(name))
        if template is not None:
            statement += sql.SQL(" template {}").format(sql.Identifier(template))
        self._administer(statement)

    def drop_database(self, name: str) -> None:
        _check_name(name)
        self._administer(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
        )


def local_port(environ: Mapping[str, str] = os.environ) -> int:
    """The local server's port when LOCAL_PG_PORT is not set: the one it last started on (in its
    data directory, LOCAL_PG_DATA or ./.pgdata), else 55432."""
    data_dir = Path(environ.get("LOCAL_PG_DATA") or ".pgdata").resolve()
    return remembered_port(data_dir) or LOCAL_PORT


def is_configured(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether the user points the project at a server of their own (host or port set)."""
    return any(environ.get(name) for name in CONNECTION_VARIABLES)


def _check_name(name: str) -> None:
    if not DATABASE_NAME.match(name):
        raise ValueError(f"not a plain database name: {name!r}")
