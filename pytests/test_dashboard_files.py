"""The dashboard's files in bi/superset/dashboard/ agree with the marts and with each other, so a
change to a mart's contract, a chart or a filter breaks a test here, not the dashboard at runtime.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
import yaml

from pipedrive_funnel.bi.reader_login import LOGIN_ROLE
from pipedrive_funnel.bi.superset import DEFAULT_PORT
from pipedrive_funnel.reports import REPORTS

from conftest import REPO_ROOT

DASHBOARD_DIR = REPO_ROOT / "bi" / "superset" / "dashboard"
SUPERSET_TYPES = {
    "timestamp": "TIMESTAMP WITHOUT TIME ZONE",
    "text": "TEXT",
    "integer": "INTEGER",
    "date": "DATE",
    "numeric(5, 4)": "NUMERIC(5, 4)",
}
AGGREGATES = re.compile(r"\b(SUM|MAX)\(|\)")


def _load(pattern: str) -> list[dict]:
    return [yaml.safe_load(path.read_text()) for path in sorted(DASHBOARD_DIR.glob(pattern))]


@pytest.fixture(scope="module")
def files() -> dict[str, list[dict]]:
    return {
        kind: _load(f"{kind}/**/*.yaml")
        for kind in ("databases", "datasets", "charts", "dashboards")
    }


def test_one_bundle_of_every_kind(files: dict[str, list[dict]]) -> None:
    metadata = yaml.safe_load((DASHBOARD_DIR / "metadata.yaml").read_text())
    assert metadata["type"] == "assets"  # imported with overwrite, see import_dashboard.py
    assert [len(files[kind]) for kind in files] == [1, 3, 11, 1]
    uuids = [item["uuid"] for kind in files.values() for item in kind]
    assert len(set(uuids)) == len(uuids)


def test_the_database_holds_no_credential_and_logs_in_as_the_reader_login(
    files: dict[str, list[dict]],
) -> None:
    (database,) = files["databases"]
    assert database["sqlalchemy_uri"].startswith(f"postgresql+psycopg2://{LOGIN_ROLE}:XXXXXXXXXX@")
    assert not database["allow_dml"] and not database["allow_ctas"] and not database["allow_cvas"]


@pytest.mark.parametrize("mart", REPORTS)
def test_each_dataset_has_the_columns_of_its_mart_contract(
    files: dict[str, list[dict]], mart: str
) -> None:
    contract = yaml.safe_load((REPO_ROOT / "models" / "marts" / f"{mart}.yml").read_text())
    expected = {
        column["name"]: SUPERSET_TYPES[column["data_type"]]
        for column in contract["models"][0]["columns"]
    }
    (dataset,) = [d for d in files["datasets"] if d["table_name"] == mart]
    assert dataset["schema"] == "public_marts"
    assert dataset["database_uuid"] == files["databases"][0]["uuid"]
    assert {c["column_name"]: c["type"] for c in dataset["columns"]} == expected
    for metric in dataset["metrics"]:
        columns = {
            word for word in AGGREGATES.sub(" ", metric["expression"]).split() if word != "+"
        }
        assert columns and columns <= set(expected), metric
    temporal = {c["column_name"] for c in dataset["columns"] if c["is_dttm"]}
    assert temporal == {dataset["main_dttm_col"]}, "the Months filter reads one column per mart"


def test_charts_use_the_datasets_and_the_dashboard_shows_every_chart(
    files: dict[str, list[dict]],
) -> None:
    datasets = {d["uuid"]: d for d in files["datasets"]}
    charts = {c["uuid"]: c for c in files["charts"]}
    for chart in charts.values():
        dataset = datasets[chart["dataset_uuid"]]
        assert chart["params"]["datasource"] == f"{chart['dataset_uuid']}__table"
        assert chart["params"]["viz_type"] == chart["viz_type"]
        names = {c["column_name"] for c in dataset["columns"]}
        metrics = {m["metric_name"] for m in dataset["metrics"]}
        params = chart["params"]
        used = set(params.get("groupby", [])) | set(params.get("all_columns", []))
        used |= {f["subject"] for f in params.get("adhoc_filters", [])}
        assert used <= names, chart["slice_name"]
        chart_metrics = set(params.get("metrics", [])) | {params.get("metric")} - {None}
        assert chart_metrics <= metrics, chart["slice_name"]
    (dashboard,) = files["dashboards"]
    placed = {
        item["meta"]["uuid"]: item["meta"]["chartId"]
        for item in dashboard["position"].values()
        if isinstance(item, dict) and item.get("type") == "CHART"
    }
    assert set(placed) == set(charts)
    assert sorted(placed.values()) == list(range(1, len(charts) + 1))
    filters = {f["name"]: f for f in dashboard["metadata"]["native_filter_configuration"]}
    assert sorted(filters) == ["Months", "Sales rep"]
    # Months: a time range that every chart reads through a temporal filter on its mart's month
    assert filters["Months"]["filterType"] == "filter_time"
    assert filters["Months"]["scope"]["excluded"] == []
    for chart in charts.values():
        params = chart["params"]
        temporal = {datasets[chart["dataset_uuid"]]["main_dttm_col"]}
        ranged = {
            f["subject"]
            for f in params.get("adhoc_filters", [])
            if f["operator"] == "TEMPORAL_RANGE"
        }
        assert ranged == temporal, chart["slice_name"]  # without it, the chart ignores the range
    # Sales rep: the rep dataset's name, on the charts of that dataset only
    (target,) = filters["Sales rep"]["targets"]
    dataset = datasets[target["datasetUuid"]]
    assert target["column"]["name"] in {c["column_name"] for c in dataset["columns"]}
    rep_charts = {
        placed[c["uuid"]] for c in charts.values() if c["dataset_uuid"] == dataset["uuid"]
    }
    assert set(filters["Sales rep"]["scope"]["excluded"]) == set(placed.values()) - rep_charts


def test_the_funnel_charts_keep_funnel_order_and_hold_the_stage_steps_only(
    files: dict[str, list[dict]],
) -> None:
    funnels = [c for c in files["charts"] if c["viz_type"] == "funnel"]
    assert len(funnels) == 2
    for funnel in funnels:
        params = funnel["params"]
        assert params["orderby"] == [["funnel_step", True]]
        assert params["sort"] == "none" and params["sort_by_metric"] is False
        assert params["groupby"][0] == "funnel_step"
        steps = [f for f in params["adhoc_filters"] if f["subject"] == "funnel_step"]
        assert steps == [
            {
                "clause": "WHERE",
                "expressionType": "SIMPLE",
                "subject": "funnel_step",
                "operator": "NOT IN",
                "comparator": ["2.1", "3.1", "Lost"],
            }
        ]


def test_the_exposure_points_at_the_dashboard(files: dict[str, list[dict]]) -> None:
    exposures = yaml.safe_load((REPO_ROOT / "models" / "marts" / "_exposures.yml").read_text())
    (exposure,) = exposures["exposures"]
    slug = files["dashboards"][0]["slug"]
    assert exposure["url"] == f"http://127.0.0.1:{DEFAULT_PORT}/superset/dashboard/{slug}/"
    assert Path(REPO_ROOT / "Makefile").read_text().count(f"BI_PORT ?= {DEFAULT_PORT}") == 1


def test_the_importer_sets_the_connection_and_the_marts_schema() -> None:
    spec = importlib.util.spec_from_file_location(
        "import_dashboard", REPO_ROOT / "bi" / "superset" / "import_dashboard.py"
    )
    assert spec is not None and spec.loader is not None
    importer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(importer)
    uri = "postgresql+psycopg2://bi_superset:secret@db.example:5432/crm"
    bundle = importer.read_bundle(DASHBOARD_DIR, uri, "analytics_marts")
    assert sorted(bundle) == sorted(
        path.relative_to(DASHBOARD_DIR).as_posix() for path in DASHBOARD_DIR.rglob("*.yaml")
    )
    assert yaml.safe_load(bundle["databases/pipedrive_funnel.yaml"])["sqlalchemy_uri"] == uri
    datasets = [yaml.safe_load(text) for name, text in bundle.items() if "datasets/" in name]
    assert [d["schema"] for d in datasets] == ["analytics_marts"] * 3
