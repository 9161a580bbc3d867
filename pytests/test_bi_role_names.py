"""The BI role's name comes from a variable (`--vars '{bi_role: name}'`): any name a role can
have works, quoted, and none reaches SQL as code.

Each name builds the marts of one database built once; the role must then exist under exactly
that name and read both marts, and every schema of the project must still be there.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from psycopg2 import sql

from pipedrive_funnel.database import Server
from pipedrive_funnel.reports import MARTS

from builds import Build, database_copy
from conftest import FIXTURES_DIR
from dbt_runs import run_dbt
from marts import query
from project_copy import copy_project

SCHEMAS = ["public_intermediate", "public_mappings", "public_marts", "public_raw", "public_staging"]
INJECTIONS = [
    "x; drop schema public_marts cascade",
    "x'; drop schema public_marts cascade; --",
    'x"; drop schema public_marts cascade; --',
    "$set_up_bi_role$; drop schema public_marts cascade; --",
]


@pytest.fixture(scope="module")
def built(
    tmp_path_factory: pytest.TempPathFactory, handmade_build: Build
) -> Iterator[tuple[Path, str, dict]]:
    """A copy of the session's build of the hand-made export, a project copy to run the marts
    with other role names; the marts' row counts."""
    project = copy_project(tmp_path_factory.mktemp("bi_role"), FIXTURES_DIR / "handmade_export")
    with database_copy(handmade_build.database) as database:
        counts = {mart: _count(database, mart) for mart in MARTS}
        assert all(counts.values()), counts
        yield project, database, counts


def _count(database: str, mart: str) -> int:
    return query(database, f"select count(*) from public_marts.{mart}")[0][0]


def _schemas(database: str) -> list[str]:
    rows = query(
        database,
        "select nspname from pg_namespace where nspname like 'public%' order by nspname",
    )
    return [name for (name,) in rows]


@pytest.mark.parametrize("role", ["bi-reader", "o'brien", "Mixed_Case", "élève", *INJECTIONS])
def test_a_role_name_is_used_as_given_and_never_as_sql(
    built: tuple[Path, str, dict], role: str
) -> None:
    project, database, counts = built
    result = run_dbt(project, database, "run", "--select", "marts", "--vars", _bi_role(role))
    assert result.returncode == 0, result.stdout[-3000:]
    assert _schemas(database) == ["public", *SCHEMAS]
    connection = Server.from_environment().connect(database)
    try:
        with connection.cursor() as cursor:
            cursor.execute("select count(*) from pg_roles where rolname = %s", (role,))
            assert cursor.fetchone() == (1,)
            cursor.execute(sql.SQL("set role {}").format(sql.Identifier(role)))
            for mart in MARTS:
                cursor.execute(sql.SQL("select count(*) from {}").format(
                    sql.Identifier("public_marts", mart)
                ))  # fmt: skip
                assert cursor.fetchone() == (counts[mart],)
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("role", "problem"),
    [
        ("", "is empty"),
        ("a\tb", "contains a control character"),
        ("r" * 64, "is longer than 63 bytes"),
    ],
)
def test_a_name_no_role_can_have_is_refused_before_anything_is_built(
    built: tuple[Path, str, dict], role: str, problem: str
) -> None:
    project, database, counts = built
    result = run_dbt(project, database, "run", "--select", "marts", "--vars", _bi_role(role))
    assert result.returncode != 0
    assert f"var bi_role {json.dumps(role)}: {problem}" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert {mart: _count(database, mart) for mart in MARTS} == counts


def _bi_role(role: str) -> str:
    return "{bi_role: " + json.dumps(role) + "}"  # YAML reads a JSON string as is
