"""The dbt project built on the small hand-made export: its reports row by row, its layers, types
and docs.

The export is in fixtures/handmade_export (its README describes the cases); its reports, worked
out by hand from the funnel definition, are in fixtures/handmade_export/expected/ and are compared
with the marts inside dbt (seeds and dbt_utils.equality tests, added to the project copy).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipedrive_funnel.reports import MARTS

from builds import Build
from marts import query
from paths import FIXTURES_DIR, HANDMADE_EXPECTED
from served import fetch_text, served_docs

EQUALITY_TESTS = [
    "handmade_funnel_equals_the_hand_worked_rows",
    "handmade_reps_equal_the_hand_worked_rows",
    "handmade_issues_equal_the_hand_worked_rows",
]


@pytest.fixture(scope="module")
def project(handmade_build: Build) -> Path:
    return handmade_build.project


@pytest.fixture(scope="module")
def built(handmade_build: Build) -> tuple[str, str]:
    """(database, dbt output) of the session's `dbt build` of the hand-made export."""
    return handmade_build.database, handmade_build.output


def test_the_marts_equal_the_hand_worked_rows(handmade_build: Build) -> None:
    """Each mart equals its rows in fixtures/handmade_export/expected/, worked out by hand (the
    column `why` of each says why a row is there): dbt compared them (dbt_utils.equality) in the
    build, and each expectation holds rows."""
    database = handmade_build.database
    status = {uid.split(".")[2]: status for uid, status in handmade_build.statuses.items()}
    assert {name: status.get(name) for name in EQUALITY_TESTS} == dict.fromkeys(
        EQUALITY_TESTS, "pass"
    )
    for expected in HANDMADE_EXPECTED.glob("expected_*.csv"):
        rows = query(database, f"select count(*) from public_mappings.{expected.stem}")
        assert rows == [(len(expected.read_text(encoding="utf-8").splitlines()) - 1,)], expected


def test_the_run_runs_every_unit_test_here_and_each_passes(handmade_build: Build) -> None:
    """The other builds of the suite leave the unit tests out (they check the SQL on fixed inputs,
    whatever the export): this build runs each of them."""
    manifest = json.loads((handmade_build.project / "target" / "manifest.json").read_text())
    statuses = handmade_build.statuses
    ran = {uid: status for uid, status in statuses.items() if uid.startswith("unit_test.")}
    assert len(manifest["unit_tests"]) >= 16
    assert ran == dict.fromkeys(manifest["unit_tests"], "pass")


def test_every_data_quality_check_reaches_the_list(project: Path) -> None:
    """rep_data_quality_issues unions a list of the checks: a check model left off the list
    would report (its warn tests) but never reach the published list."""
    manifest = json.loads((project / "target" / "manifest.json").read_text())
    checks = {
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["name"].startswith("int_dq_")
    }
    parents = manifest["parent_map"]["model.pipedrive_funnel.rep_data_quality_issues"]
    assert len(checks) == 7
    assert {parent.split(".")[-1] for parent in parents} == checks


def test_the_build_warns_of_each_issue_it_lists(built: tuple[str, str]) -> None:
    _, output = built
    for issue_type in ("activity_unknown_deal", "unknown_stage_id", "unparseable_value"):
        assert f"WARN 1 dq_{issue_type} " in output  # reported on the build, not only in a table


def test_personal_data_is_masked_in_staging(built: tuple[str, str]) -> None:
    database, _ = built
    columns = query(
        database,
        "select column_name from information_schema.columns "
        "where table_schema = 'public_staging' and table_name = 'stg_pipedrive__users' "
        "order by ordinal_position",
    )
    assert [c for (c,) in columns] == [
        "user_id",
        "user_name_masked",
        "email_sha256",
        "has_valid_email",
        "modified_at",
    ]
    hashes = query(
        database, "select email_sha256 from public_staging.stg_pipedrive__users order by user_id"
    )
    assert hashes[0] == hashes[2]  # users 1 and 3 share an email: same hash, still not the email
    assert all(len(h) == 64 and "@" not in h for (h,) in hashes)


def test_layers_land_in_their_schemas(built: tuple[str, str]) -> None:
    database, _ = built
    relations = dict(
        query(
            database,
            "select table_schema || '.' || table_name, table_type from information_schema.tables "
            "where table_schema like 'public\\_%'",
        )
    )
    assert relations["public_raw.deal_changes"] == "BASE TABLE"
    assert relations["public_mappings.funnel_steps"] == "BASE TABLE"
    # the materializations of dbt_project.yml, chosen by measurement at 1,000,000 deals
    assert relations["public_staging.stg_pipedrive__deal_changes"] == "VIEW"
    assert relations["public_intermediate.int_funnel_steps_entered"] == "BASE TABLE"
    assert relations["public_marts.rep_sales_funnel_monthly"] == "BASE TABLE"
    assert relations["public_marts.rep_sales_rep_performance_monthly"] == "BASE TABLE"
    assert relations["public_marts.rep_sales_funnel_conversion_monthly"] == "BASE TABLE"
    assert {name.split(".")[0] for name in relations} == {
        "public_raw",
        "public_mappings",
        "public_staging",
        "public_intermediate",
        "public_marts",
    }


def test_mart_column_types_follow_the_contract(built: tuple[str, str]) -> None:
    database, _ = built
    types = query(
        database,
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = 'public_marts' order by table_name, ordinal_position",
    )
    assert types == [
        ("rep_data_quality_issues", "issue_id", "text"),
        ("rep_data_quality_issues", "deal_id", "integer"),
        ("rep_data_quality_issues", "activity_id", "integer"),
        ("rep_data_quality_issues", "issue_type", "text"),
        ("rep_data_quality_issues", "source_file", "text"),
        ("rep_data_quality_issues", "source_column", "text"),
        ("rep_data_quality_issues", "source_value", "text"),
        ("rep_data_quality_issues", "source_row_id", "text"),
        ("rep_sales_funnel_conversion_monthly", "cohort_month", "date"),
        ("rep_sales_funnel_conversion_monthly", "kpi_name", "text"),
        ("rep_sales_funnel_conversion_monthly", "funnel_step", "text"),
        ("rep_sales_funnel_conversion_monthly", "cohort_deals_count", "integer"),
        ("rep_sales_funnel_conversion_monthly", "deals_count", "integer"),
        ("rep_sales_funnel_conversion_monthly", "conversion_from_previous_step", "numeric"),
        ("rep_sales_funnel_conversion_monthly", "conversion_from_step_1", "numeric"),
        ("rep_sales_funnel_monthly", "month", "timestamp without time zone"),
        ("rep_sales_funnel_monthly", "kpi_name", "text"),
        ("rep_sales_funnel_monthly", "funnel_step", "text"),
        ("rep_sales_funnel_monthly", "deals_count", "integer"),
        ("rep_sales_rep_performance_monthly", "month", "text"),
        ("rep_sales_rep_performance_monthly", "sales_rep_id", "integer"),
        ("rep_sales_rep_performance_monthly", "sales_rep_name", "text"),
        ("rep_sales_rep_performance_monthly", "deals_worked", "integer"),
        ("rep_sales_rep_performance_monthly", "activities_completed", "integer"),
        ("rep_sales_rep_performance_monthly", "sales_call_1_completed", "integer"),
        ("rep_sales_rep_performance_monthly", "sales_call_2_completed", "integer"),
        ("rep_sales_rep_performance_monthly", "other_activities", "integer"),
        ("rep_sales_rep_performance_monthly", "month_start", "date"),
    ]


def test_fixture_export_is_complete() -> None:
    names = sorted(p.name for p in (FIXTURES_DIR / "handmade_export").glob("*.csv"))
    assert names == sorted(
        ["deal_changes.csv", "activity.csv", "activity_types.csv", "users.csv", "stages.csv",
         "fields.csv"]
    )  # fmt: skip


def test_docs_describe_every_model_seed_macro_and_column(project: Path) -> None:
    """The docs the shared build generated (`dbt docs generate`) describe every column that the
    catalog found in the database."""
    manifest = json.loads((project / "target" / "manifest.json").read_text())
    catalog = json.loads((project / "target" / "catalog.json").read_text())
    ours = {
        uid: node
        for uid, node in manifest["nodes"].items()
        if node["package_name"] == "pipedrive_funnel"
        and node["resource_type"] in {"model", "seed", "analysis"}
        and not node["original_file_path"].startswith("seeds/expected/")  # the tests' fixture
    }
    assert len([n for n in ours.values() if n["resource_type"] == "model"]) == 27
    undocumented = [uid for uid, node in ours.items() if not node["description"].strip()]
    assert not undocumented
    macros = [m for m in manifest["macros"].values() if m["package_name"] == "pipedrive_funnel"]
    assert macros and all(m["description"].strip() for m in macros), [
        m["name"] for m in macros if not m["description"].strip()
    ]
    missing = []
    for uid, node in ours.items():
        if node["resource_type"] == "analysis":
            continue
        described = {name for name, col in node["columns"].items() if col["description"].strip()}
        in_database = set(catalog["nodes"][uid]["columns"]) if uid in catalog["nodes"] else set()
        assert in_database, f"{uid} is not in the catalog"
        missing += [f"{uid}.{column}" for column in sorted(in_database - described)]
    assert not missing, missing


def test_docs_site_is_served_on_localhost(project: Path) -> None:
    with served_docs(project) as url:
        pages = {page: fetch_text(f"{url}/{page}") for page in ("index.html", "catalog.json")}
    assert "dbt" in pages["index.html"].lower()
    catalog = json.loads(pages["catalog.json"])
    for mart in MARTS:
        assert f"model.pipedrive_funnel.{mart}" in catalog["nodes"]
