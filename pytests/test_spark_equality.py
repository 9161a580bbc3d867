"""The same dbt models on Apache Spark give the same numbers as on PostgreSQL, row by row.

A standalone Spark cluster (a master and two workers on 127.0.0.1, `pipedrive-spark`) is started
once for this module and stopped after it. The hand-made export (its seeds, with its hand-worked
expected rows as seeds and their equality tests, and the unit tests) and the committed sample
(loaded by `pipedrive-spark load`'s code, the path of a large export) are built on it with
`dbt build --target spark`, from the Spark environment (.venv-spark, which `make test` installs),
all in one Spark application (spark_application.py).
Every mart, the data-quality list and the staging models then equal the session's PostgreSQL
builds of the same exports, and the reports equal the reference implementation.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipedrive_funnel.reference import conversion_report, funnel_report, rep_report
from pipedrive_funnel.scratch_db import scratch_database

from builds import Build
from conftest import read_rows
from dbt_runs import LOADER_VARS, MODELS_ONLY, run_loader
from hostile_exports import CHECKED_BEFORE_DBT, FAILING, PERSONAL_VALUE, copy_base, hostile_export
from marts import CONVERSION_COLUMNS, FUNNEL_COLUMNS, REP_COLUMNS, query
from paths import HANDMADE_EXPECTED, HANDMADE_EXPORT, REPO_ROOT, SEEDS_DIR
from project_copy import copy_project

SPARK_BIN = REPO_ROOT / ".venv-spark" / "bin"
# Small exports: compiling each query's Java code, the JIT's second tier and 200 tasks after each
# shuffle cost more than they save (measured on the hand-made export's build on the cluster: 257
# CPU seconds with Spark's defaults, 174 without the first two, 143 with two shuffle partitions).
SMALL_EXPORT_SETTINGS = {
    "DBT_SPARK_CODEGEN": "false",
    "DBT_SPARK_SHUFFLE_PARTITIONS": "2",
    "DBT_SPARK_JAVA_OPTIONS": "-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=512m",
}
# (layer, relation, columns compared; None: all of them)
COMPARED = [
    ("marts", "rep_sales_funnel_monthly", FUNNEL_COLUMNS),
    ("marts", "rep_sales_rep_performance_monthly", REP_COLUMNS),
    ("marts", "rep_sales_funnel_conversion_monthly", CONVERSION_COLUMNS),
    ("marts", "rep_data_quality_issues", None),
    ("staging", "stg_pipedrive__deal_changes", None),
    ("staging", "stg_pipedrive__activities", None),
    ("staging", "stg_pipedrive__users", None),
    ("staging", "stg_pipedrive__field_options", None),
    ("intermediate", "int_funnel_steps_entered", None),
]
RAW = ("deal_changes", "activity", "activity_types", "users", "stages", "fields")
# Broken exports of the catalogue that both PostgreSQL paths meet (hostile_exports.py): one for
# each check of the Spark loader (the others are the same checks of other values; a load on Spark
# costs about 3 seconds of a core).
BROKEN = {
    case: {**FAILING, **CHECKED_BEFORE_DBT}[case]
    for case in (
        "duplicated header column",  # the header
        "missing column",
        "empty file",
        "a header and no rows",
        "a row with a field missing",  # the structure, read again by loader/structure.py
        "a file saved as Windows-1252, not UTF-8",
        "a NUL byte in a value",
        "non-numeric deal id",  # a value's pattern
        "a day the month does not have",  # a value's type
        "an integer beyond 2147483647",
        "an email where a timestamp belongs (personal data)",  # masked
        "a line break inside quotes, then a bad value below it",  # the line numbers
        "a user id twice",  # a key twice
        "an object where the list of options belongs",  # the JSON lists
        "an option id twice in a field's options",
    )
}
REPORTS = {
    "rep_sales_funnel_monthly": funnel_report,
    "rep_sales_rep_performance_monthly": rep_report,
    "rep_sales_funnel_conversion_monthly": conversion_report,
}


def _text(value: object) -> str | None:
    """A value as spark_application.py writes it."""
    if value is None:
        return None
    return str(value).lower() if isinstance(value, bool) else str(value)


def _rows(rows: list) -> list[tuple]:
    return sorted((tuple(_text(value) for value in row) for row in rows), key=repr)


@pytest.fixture(scope="module")
def spark_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The environment of the commands that use the module's cluster."""
    assert (SPARK_BIN / "dbt").exists(), "the Spark environment is missing: make test installs it"
    environment = {
        **os.environ, **SMALL_EXPORT_SETTINGS,
        "SPARK_CLUSTER_DIR": str(tmp_path_factory.mktemp("spark")),
    }  # fmt: skip
    command = [str(SPARK_BIN / "pipedrive-spark")]
    started = subprocess.run([*command, "start"], env=environment, capture_output=True, text=True)
    assert started.returncode == 0, started.stderr
    try:
        yield environment
    finally:
        subprocess.run([*command, "stop"], env=environment, capture_output=True, check=False)


def _in_one_spark_application(
    environment: dict[str, str], tmp_path: Path, task: dict[str, object]
) -> dict[str, dict]:
    """spark_application.py's `task` on the module's cluster; what it found."""
    output = tmp_path / "found.json"
    helper = str(Path(__file__).with_name("spark_application.py"))
    command = [str(SPARK_BIN / "python"), helper, json.dumps({**task, "output": str(output)})]
    ran = subprocess.run(
        [str(SPARK_BIN / "pipedrive-spark"), "run", "--", *command],
        env=environment, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert ran.returncode == 0, (ran.stdout[-5000:], ran.stderr[-3000:])
    found = json.loads(output.read_text())
    for name, build in found["builds"].items():
        assert build["success"], (name, ran.stdout[-5000:])
    return found


@pytest.fixture(scope="module")
def spark_builds(
    spark_cluster: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict]:
    """In one Spark application on the cluster: the sample loaded by pipedrive-spark load's
    code; the hand-made export built whole from its seeds (its unit tests, data tests and the
    equality tests of its hand-worked rows); the sample's models alone (the data tests read what
    the tests here find equal, row by row, to PostgreSQL's build, whose data tests ran); the
    hostile export loaded; the hand-made export loaded, and each broken export of the catalogue
    loaded over it; and every compared relation and raw table read."""
    handmade = copy_project(tmp_path_factory.mktemp("handmade"), HANDMADE_EXPORT, HANDMADE_EXPECTED)
    sample = copy_project(tmp_path_factory.mktemp("sample"))
    exports = tmp_path_factory.mktemp("exports")
    loads = [
        ("hostile", hostile_export(exports / "hostile"), "hostile_raw"),
        ("base", copy_base(exports / "base"), "kept_raw"),
    ]
    for number, (case, (edit, _)) in enumerate(sorted(BROKEN.items())):
        export = copy_base(exports / f"broken_{number}")
        edit(export)
        loads.append((case, export, "kept_raw"))
    builds = {"handmade": (handmade, []), "sample": (sample, [*LOADER_VARS, *MODELS_ONLY])}
    queries = {
        f"{schema}.{relation}": f"select {columns or '*'} from {schema}_{layer}.{relation}"
        for schema in builds
        for layer, relation, columns in COMPARED
    }
    for schema in ("hostile", "kept"):
        queries.update(
            {f"{schema}.{table}": f"select * from {schema}_raw.{table}" for table in RAW}
        )
    task = {
        "project": str(sample),
        "before": [["sample", str(SEEDS_DIR), "sample_raw"]],
        "builds": [[name, str(project), name, args] for name, (project, args) in builds.items()],
        "after": [[name, str(export), schema] for name, export, schema in loads],
        "queries": queries,
    }
    found = _in_one_spark_application(spark_cluster, tmp_path_factory.mktemp("found"), task)
    tables = found["tables"]
    return {
        **{
            export: {
                "statuses": found["builds"][export]["statuses"],
                "tables": {relation: tables[f"{export}.{relation}"] for _, relation, _ in COMPARED},
            }
            for export in builds
        },
        "loads": {
            "said": found["loads"],
            "exports": {name: export for name, export, _ in loads},
            "raw": {
                name: tables[name] for name in tables if name.split(".")[0] in {"hostile", "kept"}
            },
        },
    }


def test_the_handmade_export_builds_on_spark_with_its_unit_tests_and_expected_rows(
    spark_builds: dict[str, dict],
) -> None:
    """The 16 unit tests and the 3 equality tests with the hand-worked rows pass on Spark.
    (The module's first test: it asks for no PostgreSQL build, which pytest would set up first,
    its fixtures being of a wider scope, and the cluster would wait for it.)"""
    statuses = spark_builds["handmade"]["statuses"]
    unit_tests = [uid for uid in statuses if uid.startswith("unit_test.")]
    equality = [uid for uid in statuses if "_the_hand_worked_rows" in uid]
    assert len(unit_tests) == 16 and len(equality) == 3
    assert {statuses[uid] for uid in [*unit_tests, *equality]} == {"pass"}


def test_pipedrive_spark_load_says_what_it_loaded(spark_builds: dict[str, dict]) -> None:
    """Each file's figures, then the total, as `pipedrive-spark load` prints them."""
    rows = sum(len(read_rows(path)) for path in SEEDS_DIR.glob("*.csv"))
    loaded = spark_builds["loads"]["said"]["sample"]
    assert loaded["status"] == 0, loaded["said"]
    assert "pipedrive-spark: deal_changes.csv: " in loaded["said"]
    assert loaded["said"].endswith(f"pipedrive-spark: loaded {rows:,} rows into sample_raw\n")


def test_every_node_ends_on_spark_as_on_postgresql(
    spark_builds: dict[str, dict], handmade_build: Build
) -> None:
    """Every node of the hand-made export's build ends as on PostgreSQL: passes, or warns for
    the same data-quality checks."""
    assert spark_builds["handmade"]["statuses"] == handmade_build.statuses


@pytest.mark.parametrize("export", ["handmade", "sample"])
def test_spark_tables_equal_postgresql_row_by_row(
    export: str, spark_builds: dict[str, dict], handmade_build: Build, sample_build: Build
) -> None:
    database = {"handmade": handmade_build, "sample": sample_build}[export].database
    for layer, relation, _columns in COMPARED:
        spark = spark_builds[export]["tables"][relation]
        columns = ", ".join(spark["columns"])
        postgres = _rows(query(database, f"select {columns} from public_{layer}.{relation}"))
        assert postgres, f"{relation}: no rows to compare"
        assert _rows(spark["rows"]) == postgres, f"{export}: {relation} differs"


@pytest.mark.parametrize("export", ["handmade", "sample"])
def test_spark_reports_equal_the_reference(export: str, spark_builds: dict[str, dict]) -> None:
    export_dir = {"handmade": HANDMADE_EXPORT, "sample": SEEDS_DIR}[export]
    for relation, report in REPORTS.items():
        expected = _rows([dataclasses.astuple(row) for row in report(export_dir)])
        assert _rows(spark_builds[export]["tables"][relation]["rows"]) == expected, relation


def _raw_rows(database: str, schema: str, table: str, columns: list[str]) -> list[tuple]:
    return _rows(query(database, f"select {', '.join(columns)} from {schema}.{table}"))


def test_the_hostile_export_loads_on_spark_as_pipedrive_load_loads_it_on_postgresql(
    spark_builds: dict[str, dict], tmp_path: Path
) -> None:
    """Blank lines inside a file and at its end, a line break inside a quoted value, a
    byte-order mark and Windows line endings, 10,000 events on one deal: every raw row, with its
    line number, as PostgreSQL's loader writes it."""
    loads = spark_builds["loads"]
    assert loads["said"]["hostile"]["status"] == 0, loads["said"]["hostile"]["said"]
    with scratch_database() as database:
        project = copy_project(tmp_path / "project")
        loaded = run_loader(project, database, loads["exports"]["hostile"])
        assert loaded.returncode == 0, loaded.stderr
        for table in RAW:
            spark = loads["raw"][f"hostile.{table}"]
            postgres = _raw_rows(database, "public_raw", table, spark["columns"])
            assert _rows(spark["rows"]) == postgres, table
    assert len(loads["raw"]["hostile.deal_changes"]["rows"]) > 10_000


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_export_fails_the_spark_load_naming_file_line_column_value(
    spark_builds: dict[str, dict], case: str
) -> None:
    """The messages of the PostgreSQL paths (hostile_exports.py); the values of personal data
    masked."""
    loads = spark_builds["loads"]
    said = loads["said"][case]
    assert said["status"] == 1, f"{case}: loaded"
    message = said["said"]
    assert message.endswith("; nothing was loaded\n"), message
    assert PERSONAL_VALUE not in message
    for fragment in BROKEN[case][1]:
        fragment = fragment.replace("seeds/pipedrive/", f"{loads['exports'][case]}/")
        assert fragment in message, f"{fragment!r} not in:\n{message}"


def test_a_failed_spark_load_keeps_the_raw_tables_of_the_last_load(
    spark_builds: dict[str, dict], handmade_build: Build
) -> None:
    """The hand-made export, loaded before every broken one, is still there, row by row (the
    raw tables of PostgreSQL's seeds of it)."""
    said = spark_builds["loads"]["said"]["base"]
    assert said["status"] == 0, said["said"]
    for table in RAW:
        spark = spark_builds["loads"]["raw"][f"kept.{table}"]
        postgres = _raw_rows(handmade_build.database, "public_raw", table, spark["columns"])
        assert _rows(spark["rows"]) == postgres, table


def _pipedrive_spark(environment: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    command = [str(SPARK_BIN / "pipedrive-spark"), *args]
    return subprocess.run(command, env=environment, capture_output=True, text=True, check=False)


def test_pipedrive_spark_load_refuses_what_it_cannot_load_before_starting_spark(
    spark_cluster: dict[str, str], tmp_path: Path
) -> None:
    """A file name no export has, a folder that is not there, a cluster that is not running:
    one line each, and no Spark application started for them."""
    master_log = Path(spark_cluster["SPARK_CLUSTER_DIR"]) / "logs" / "master.log"
    applications = master_log.read_text().count("Registering app ")
    unknown = _pipedrive_spark(
        spark_cluster, "load", "--export", str(SEEDS_DIR), "--allow-empty", "deals.csv"
    )
    assert (unknown.returncode, unknown.stderr) == (
        1, "pipedrive-spark: error: --allow-empty deals.csv: not a file of an export\n",
    )  # fmt: skip
    missing = _pipedrive_spark(spark_cluster, "load", "--export", str(tmp_path / "missing"))
    assert missing.returncode == 2
    assert f"--export {tmp_path / 'missing'}: not a directory" in missing.stderr
    stopped = {**spark_cluster, "SPARK_CLUSTER_DIR": str(tmp_path / "no-cluster")}
    refused = _pipedrive_spark(stopped, "load", "--export", str(SEEDS_DIR))
    not_running = "the Spark cluster is not running; start it: pipedrive-spark start"
    assert (refused.returncode, refused.stderr) == (1, f"pipedrive-spark: error: {not_running}\n")
    assert master_log.read_text().count("Registering app ") == applications
