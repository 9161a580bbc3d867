"""Rebuilds are atomic and failures harmless for a BI reader; the BI role sees the marts only.

The reader is the role `bi_reader` (the connection switches to it with SET ROLE, which drops the
superuser's rights), as a BI tool logging in with a member of that role would be.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from psycopg2 import errors

from pipedrive_funnel.database import Server
from pipedrive_funnel.generator.export import write_export
from pipedrive_funnel.generator.options import GeneratorOptions
from pipedrive_funnel.reference import conversion_report, funnel_report, rep_report
from pipedrive_funnel.reports import MARTS
from pipedrive_funnel.scratch_db import scratch_database

from builds import Build, database_copy
from conftest import FIXTURES_DIR
from dbt_runs import DBT, MODELS_ONLY, WITHOUT_UNIT_TESTS, dbt_environment, run_dbt
from marts import CONVERSION_COLUMNS, FUNNEL_COLUMNS, REP_COLUMNS, query
from project_copy import copy_project

BASE = FIXTURES_DIR / "handmade_export"
REPORTS = {
    "rep_sales_funnel_monthly": FUNNEL_COLUMNS,
    "rep_sales_rep_performance_monthly": REP_COLUMNS,
    "rep_sales_funnel_conversion_monthly": CONVERSION_COLUMNS,
}


def _bi_connection(server: Server, database: str) -> psycopg2.extensions.connection:
    connection = server.connect(database)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("set role bi_reader")
    return connection


def _read_marts(connection: psycopg2.extensions.connection) -> dict[str, frozenset]:
    contents = {}
    with connection.cursor() as cursor:
        for mart, columns in REPORTS.items():
            cursor.execute(f"select {columns} from public_marts.{mart}")
            contents[mart] = frozenset(cursor.fetchall())
    return contents


def _expected(export: Path) -> dict[str, frozenset]:
    return {
        "rep_sales_funnel_monthly": frozenset(
            (r.month, r.kpi_name, r.funnel_step, r.deals_count) for r in funnel_report(export)
        ),
        "rep_sales_rep_performance_monthly": frozenset(
            tuple(vars(r).values()) for r in rep_report(export)
        ),
        "rep_sales_funnel_conversion_monthly": frozenset(
            tuple(vars(r).values()) for r in conversion_report(export)
        ),
    }


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, handmade_build: Build) -> Iterator[dict]:
    """A database built from export A (a copy of the session's build of the hand-made export),
    and project copies for A and for export B (another generated one)."""
    workdir = tmp_path_factory.mktemp("rebuilds")
    export_b = workdir / "export_b"
    write_export(GeneratorOptions(seed=11, deals=300, output_dir=export_b))
    server = Server.from_environment()
    with database_copy(handmade_build.database) as database:
        project_a = copy_project(workdir / "a", BASE)
        yield {
            "server": server,
            "database": database,
            "workdir": workdir,
            "projects": {"A": project_a, "B": copy_project(workdir / "b", export_b)},
            "expected": {"A": _expected(BASE), "B": _expected(export_b)},
        }


def test_bi_reader_reads_both_marts(site: dict) -> None:
    connection = _bi_connection(site["server"], site["database"])
    try:
        assert _read_marts(connection) == site["expected"]["A"]
    finally:
        connection.close()


@pytest.mark.parametrize(
    "relation",
    [
        "public_raw.users",
        "public_raw.deal_changes",
        "public_mappings.funnel_steps",
        "public_staging.stg_pipedrive__users",
        "public_intermediate.int_activities_completed",
        "public_intermediate.int_dq_user_rows",
    ],
)
def test_bi_reader_cannot_read_other_layers(site: dict, relation: str) -> None:
    connection = _bi_connection(site["server"], site["database"])
    try:
        with connection.cursor() as cursor, pytest.raises(errors.InsufficientPrivilege):
            cursor.execute(f"select * from {relation} limit 1")
    finally:
        connection.close()


def test_bi_reader_can_read_nothing_else_and_write_nothing(site: dict) -> None:
    connection = site["server"].connect(site["database"])
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "select n.nspname || '.' || c.relname from pg_class c "
                "join pg_namespace n on n.oid = c.relnamespace "
                "where c.relkind in ('r', 'v', 'm', 'p', 'f') "
                "and n.nspname not in ('pg_catalog', 'information_schema') "
                "and has_schema_privilege('bi_reader', n.oid, 'usage') "
                "and has_table_privilege('bi_reader', c.oid, 'select') order by 1"
            )
            readable = [name for (name,) in cursor.fetchall()]
            cursor.execute(
                "select has_schema_privilege('bi_reader', 'public_marts', 'create'), "
                "has_table_privilege('bi_reader', 'public_marts.rep_sales_funnel_monthly', "
                "'insert, update, delete, truncate'), "
                "(select rolcanlogin or rolsuper from pg_roles where rolname = 'bi_reader')"
            )
            assert cursor.fetchone() == (False, False, False)
    finally:
        connection.close()
    assert readable == [f"public_marts.{mart}" for mart in sorted(MARTS)]  # with the issues list


def test_no_raw_name_or_email_is_readable_by_bi_reader(site: dict) -> None:
    with (BASE / "users.csv").open(encoding="utf-8", newline="") as stream:
        users = list(csv.DictReader(stream))
    secrets = {u["name"] for u in users} | {u["email"] for u in users}
    secrets |= {part for u in users for part in u["name"].split() if len(part) > 2}
    connection = _bi_connection(site["server"], site["database"])
    try:
        seen = {
            str(value) for rows in _read_marts(connection).values() for row in rows for value in row
        }
    finally:
        connection.close()
    leaks = {s for s in secrets for value in seen if s in value}
    assert not leaks, leaks


def test_rebuilds_are_atomic_for_a_concurrent_reader(site: dict) -> None:
    expected = site["expected"]
    assert expected["A"] != expected["B"]
    stop = threading.Event()
    reads, failures = [0], []

    def reader() -> None:
        connection = _bi_connection(site["server"], site["database"])
        try:
            while not stop.is_set():
                try:
                    contents = _read_marts(connection)
                except psycopg2.Error as error:
                    failures.append(f"error: {error}")
                    continue
                for mart, rows in contents.items():
                    if rows not in (expected["A"][mart], expected["B"][mart]):
                        failures.append(f"{mart}: {len(rows)} rows, neither old nor new")
                reads[0] += 1
                stop.wait(0.01)  # leave the two cores to the rebuild most of the time
        finally:
            connection.close()

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        # four rebuilds, each swapping the contents (the seeds and models: what a reader sees)
        for export in ("B", "A", "B", "A"):
            result = run_dbt(site["projects"][export], site["database"], "build", *MODELS_ONLY)
            assert result.returncode == 0, result.stdout[-3000:]
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    print(f"\natomic rebuilds: {reads[0]} reads of the marts, {len(failures)} failed")
    assert reads[0] > 20
    assert not failures, failures[:10]


def _relations_and_quarantine(database: str) -> dict[str, list[tuple]]:
    return {
        "relations": query(
            database,
            "select table_schema, table_name, table_type from information_schema.tables "
            "where table_schema like 'public%' order by 1, 2",
        ),
        "quarantine": sorted(
            query(database, "select * from public_marts.rep_data_quality_issues"), key=str
        ),
        "staged users": sorted(
            query(database, "select * from public_staging.stg_pipedrive__users"), key=str
        ),
    }


@pytest.mark.parametrize(
    "breakage", ["broken input", "failing upstream test", "failing test of a report"]
)
def test_a_failed_build_leaves_the_previous_marts_readable(site: dict, breakage: str) -> None:
    project = site["projects"]["A"]  # broken here, and mended after the build
    if breakage == "broken input":
        path, old, new = project / "seeds/pipedrive/deal_changes.csv", "102,2024-01-16", "1O2,2024"
        failure = "Failure in seed deal_changes"
    elif breakage == "failing upstream test":  # a stage of the funnel mapping no longer exported
        path, old, new = project / "seeds/pipedrive/stages.csv", "\n9,Renewal/Expansion", ""
        failure = 'seeds/pipedrive/stages.csv, column stage_id: no line has "9"'
    else:  # a new test of the audited funnel report, which its rows fail
        path, old = project / "tests/assert_a_report_test_fails.sql", ""
        new = "select * from {{ ref('int_funnel_steps_counted_monthly') }} where deals_count > 0"
        failure = "Failure in test assert_a_report_test_fails"
    original = path.read_text() if path.exists() else None
    path.write_text(original.replace(old, new, 1) if original is not None else new)
    try:
        before = _relations_and_quarantine(site["database"])
        result = run_dbt(project, site["database"], "build", *WITHOUT_UNIT_TESTS)
    finally:
        if original is None:
            path.unlink()
        else:
            path.write_text(original)
    assert result.returncode != 0
    assert failure in result.stdout
    # every relation is still there, the quarantine list and the staging views answer as before
    assert _relations_and_quarantine(site["database"]) == before
    assert "public_marts.rep_sales_funnel_monthly" not in "".join(
        line for line in result.stdout.splitlines() if " OK created " in line
    )  # the marts were not rebuilt
    connection = _bi_connection(site["server"], site["database"])
    try:
        assert _read_marts(connection) == site["expected"]["A"]
    finally:
        connection.close()


def _start_dbt(project: Path, database: str, name: str) -> subprocess.Popen[str]:
    """`dbt build` in the background, with target and logs of its own (and a copy of the parsed
    project that the tests' builds left in target/: no full parse)."""
    target = project / f"target_{name}"
    target.mkdir(exist_ok=True)
    shutil.copy2(project / "target" / "partial_parse.msgpack", target)
    where = ("--target-path", target.name, "--log-path", f"logs_{name}")
    return subprocess.Popen(
        [DBT, "build", *WITHOUT_UNIT_TESTS, *where],
        cwd=project, env=dbt_environment(database), text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip


def _execute(site: dict, statement: str) -> None:
    connection = site["server"].connect(site["database"])
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
    finally:
        connection.close()


CATALOGUE_ERRORS = ("already exists", "pg_type_typname_nsp_index", "concurrently updated")
ANOTHER_BUILD = "another dbt build is running on this database"


def test_two_builds_at_once_one_builds_and_the_other_stops_with_a_clear_message(
    site: dict,
) -> None:
    project = site["projects"]["A"]
    builds = [_start_dbt(project, site["database"], name) for name in ("first", "second")]
    outputs = [build.communicate(timeout=600)[0] for build in builds]
    codes = sorted(build.returncode for build in builds)
    assert codes == [0, 1], [output[-3000:] for output in outputs]
    stopped = next(out for build, out in zip(builds, outputs, strict=True) if build.returncode)
    assert ANOTHER_BUILD in stopped and "one build at a time" in stopped
    for output in outputs:
        assert not any(error in output for error in CATALOGUE_ERRORS), output[-3000:]
    connection = _bi_connection(site["server"], site["database"])
    try:
        assert _read_marts(connection) == site["expected"]["A"]
    finally:
        connection.close()
    again = run_dbt(project, site["database"], "build", *MODELS_ONLY)  # the claim was released
    assert again.returncode == 0, again.stdout[-3000:]


def test_a_killed_builds_claim_stops_builds_until_released_or_lapsed(site: dict) -> None:
    project, database = site["projects"]["A"], site["database"]
    claim = (
        "insert into public.dbt_build_claims values "
        "('killed-build', 'build', now() - interval '{0} minutes', now() - interval '{0} minutes')"
    )
    _execute(site, claim.format(1))  # active a minute ago
    stopped = run_dbt(project, database, "build", *MODELS_ONLY)
    assert stopped.returncode == 1
    assert f"{ANOTHER_BUILD} (invocation killed-build" in stopped.stdout
    assert "dbt run-operation release_build_claim" in stopped.stdout
    released = run_dbt(project, database, "run-operation", "release_build_claim")
    assert released.returncode == 0, released.stdout[-3000:]
    assert query(database, "select count(*) from public.dbt_build_claims") == [(0,)]
    _execute(site, claim.format(11))  # the lease (10 minutes) has lapsed
    lapsed = run_dbt(project, database, "build", *MODELS_ONLY)
    assert lapsed.returncode == 0, lapsed.stdout[-3000:]
    assert query(database, "select count(*) from public.dbt_build_claims") == [(0,)]


def test_a_target_schema_of_its_own_builds_and_claims_there(tmp_path: Path) -> None:
    """DBT_PG_SCHEMA=analytics: the layers go to analytics_*, and the build claim to the target
    schema itself, which no model creates (the claim creates it)."""
    project = copy_project(tmp_path / "project", BASE)
    with scratch_database() as database:
        result = run_dbt(project, database, "build", *MODELS_ONLY, DBT_PG_SCHEMA="analytics")
        tables = query(
            database,
            "select table_schema, table_name from information_schema.tables where table_name "
            "in ('dbt_build_claims', 'rep_sales_funnel_monthly') order by 1",
        )
        claims = query(database, "select count(*) from analytics.dbt_build_claims")
    assert result.returncode == 0, result.stdout[-3000:]
    assert tables == [
        ("analytics", "dbt_build_claims"),
        ("analytics_marts", "rep_sales_funnel_monthly"),
    ]
    assert claims == [(0,)]  # released at the end
