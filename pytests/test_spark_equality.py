"""The same dbt models on Apache Spark give the same numbers as on PostgreSQL, row by row.

A standalone Spark cluster (a master and two workers on 127.0.0.1, `pipedrive-spark`) is started
once for this module and stopped after it. The hand-made export (with its hand-worked expected
rows as seeds and their equality tests, and the unit tests) and the committed sample are built on
it with `dbt build --target spark`, from the Spark environment (.venv-spark, which `make test`
installs). Every mart, the data-quality list and the staging models then equal the session's
PostgreSQL builds of the same exports, and the reports equal the reference implementation.
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

from builds import Build
from dbt_runs import MODELS_ONLY
from marts import CONVERSION_COLUMNS, FUNNEL_COLUMNS, REP_COLUMNS, query
from paths import HANDMADE_EXPECTED, HANDMADE_EXPORT, REPO_ROOT, SEEDS_DIR
from project_copy import copy_project

SPARK_BIN = REPO_ROOT / ".venv-spark" / "bin"
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
REPORTS = {
    "rep_sales_funnel_monthly": funnel_report,
    "rep_sales_rep_performance_monthly": rep_report,
    "rep_sales_funnel_conversion_monthly": conversion_report,
}


def _text(value: object) -> str | None:
    """A value as spark_tables.py writes it."""
    if value is None:
        return None
    return str(value).lower() if isinstance(value, bool) else str(value)


def _rows(rows: list) -> list[tuple]:
    return sorted((tuple(_text(value) for value in row) for row in rows), key=repr)


@pytest.fixture(scope="module")
def spark_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The environment of the commands that use the module's cluster."""
    assert (SPARK_BIN / "dbt").exists(), "the Spark environment is missing: make test installs it"
    environment = {**os.environ, "SPARK_CLUSTER_DIR": str(tmp_path_factory.mktemp("spark"))}
    command = [str(SPARK_BIN / "pipedrive-spark")]
    started = subprocess.run([*command, "start"], env=environment, capture_output=True, text=True)
    assert started.returncode == 0, started.stderr
    try:
        yield environment
    finally:
        subprocess.run([*command, "stop"], env=environment, capture_output=True, check=False)


def _on_spark(environment: dict[str, str], *command: str, cwd: Path | None = None) -> str:
    ran = subprocess.run(
        [str(SPARK_BIN / "pipedrive-spark"), "run", "--", *command],
        env=environment, cwd=cwd, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert ran.returncode == 0, (ran.stdout[-5000:], ran.stderr[-3000:])
    return ran.stdout


def _build_on_spark(
    environment: dict[str, str], project: Path, schema: str, *options: str
) -> dict[str, str]:
    """dbt build of `project` on the cluster into the schemas `schema`_*; each node's status."""
    settings = {**environment, "DBT_PROFILES_DIR": str(project), "DBT_SPARK_SCHEMA": schema}
    _on_spark(settings, str(SPARK_BIN / "dbt"), "build", "--target", "spark", *options, cwd=project)
    results = json.loads((project / "target" / "run_results.json").read_text())["results"]
    return {result["unique_id"]: result["status"] for result in results}


def _read_on_spark(environment: dict[str, str], schemas: list[str]) -> dict[str, dict]:
    """The compared relations of each schema prefix, read in one Spark session."""
    queries = {
        f"{schema}.{relation}": f"select {columns or '*'} from {schema}_{layer}.{relation}"
        for schema in schemas
        for layer, relation, columns in COMPARED
    }
    reader = str(Path(__file__).with_name("spark_tables.py"))
    return json.loads(
        _on_spark(environment, str(SPARK_BIN / "python"), reader, json.dumps(queries))
    )


@pytest.fixture(scope="module")
def spark_builds(
    spark_cluster: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict]:
    """The hand-made export built whole (its unit tests, data tests and the equality tests of its
    hand-worked rows); the sample's seeds and models alone (the data tests read what the test
    then finds equal, row by row, to PostgreSQL's build, whose data tests ran)."""
    handmade = copy_project(tmp_path_factory.mktemp("handmade"), HANDMADE_EXPORT, HANDMADE_EXPECTED)
    sample = copy_project(tmp_path_factory.mktemp("sample"))
    statuses = {
        "handmade": _build_on_spark(spark_cluster, handmade, "handmade"),
        "sample": _build_on_spark(spark_cluster, sample, "sample", *MODELS_ONLY),
    }
    tables = _read_on_spark(spark_cluster, list(statuses))
    return {
        export: {
            "statuses": statuses[export],
            "tables": {relation: tables[f"{export}.{relation}"] for _, relation, _ in COMPARED},
        }
        for export in statuses
    }


def test_the_handmade_export_builds_on_spark_with_its_unit_tests_and_expected_rows(
    spark_builds: dict[str, dict],
) -> None:
    """The 16 unit tests and the 3 equality tests with the hand-worked rows pass on Spark. (This
    test asks for no PostgreSQL build: the session's builds would be set up first, pytest sets up
    wider-scoped fixtures first, and the cluster would wait for them.)"""
    statuses = spark_builds["handmade"]["statuses"]
    unit_tests = [uid for uid in statuses if uid.startswith("unit_test.")]
    equality = [uid for uid in statuses if "_the_hand_worked_rows" in uid]
    assert len(unit_tests) == 16 and len(equality) == 3
    assert {statuses[uid] for uid in [*unit_tests, *equality]} == {"pass"}


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
