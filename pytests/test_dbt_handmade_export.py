"""Build the dbt project on a small hand-made export and check both reports row by row.

The export is in fixtures/handmade_export (its README describes the cases). Every expected row
below was worked out by hand from the funnel definition; the comments say why it is there.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from pipedrive_funnel.reports import MARTS
from pipedrive_funnel.scratch_db import scratch_database

from conftest import FIXTURES_DIR
from dbt_helpers import copy_project, fetch_text, query, run_dbt, served_docs


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_project(tmp_path_factory.mktemp("project"), FIXTURES_DIR / "handmade_export")


@pytest.fixture(scope="module")
def built(project: Path) -> Iterator[tuple[str, str]]:
    """(database, dbt output) of a `dbt build` of the hand-made export into a fresh database."""
    with scratch_database() as database:
        result = run_dbt(project, database, "build")
        assert result.returncode == 0, result.stdout[-5000:]
        yield database, result.stdout


def _month(text: str) -> datetime:
    return datetime.fromisoformat(f"{text}-01 00:00:00")


def test_funnel_rows_are_exactly_the_hand_worked_ones(built: tuple[str, str]) -> None:
    database, _ = built
    rows = query(
        database,
        "select month, funnel_step, kpi_name, deals_count "
        "from public_marts.rep_sales_funnel_monthly order by month, funnel_step",
    )
    assert rows == [
        # January: 101, 102 and 103 enter stage 1.
        (_month("2024-01"), "1", "Lead Generation", 3),
        # 101 enters 2 twice in January (the second at 23:59:59 on the 31st): once.
        (_month("2024-01"), "2", "Qualified Lead", 1),
        # Two done Sales Calls 1 on deal 101 in January: one deal.
        (_month("2024-01"), "2.1", "Sales Call 1", 1),
        # February: the second deal under id 103 and deal 104 enter stage 1.
        (_month("2024-02"), "1", "Lead Generation", 2),
        # 101 re-enters 2; both deals under id 103 enter 2: deal ids 101 and 103.
        (_month("2024-02"), "2", "Qualified Lead", 2),
        # A done Sales Call 1 on 103 (28 Feb).
        (_month("2024-02"), "2.1", "Sales Call 1", 1),
        # 101 at 00:00:00 on 1 February, and 102 skipping stage 2.
        (_month("2024-02"), "3", "Needs Assessment", 2),
        # 102's done Sales Call 2; 101's Sales Call 2 was not done.
        (_month("2024-02"), "3.1", "Sales Call 2", 1),
        (_month("2024-02"), "Lost", "Lost", 1),  # 101 lost on 15 February.
        # March: a Sales Call 1 on deal 999, which has no history, still counts.
        (_month("2024-03"), "2.1", "Sales Call 1", 1),
        (_month("2024-03"), "4", "Proposal/Quote Preparation", 1),  # 102
        # 102 lost at 23:59:59 on 31 March, with an unknown reason id: still Lost, in March.
        (_month("2024-03"), "Lost", "Lost", 1),
    ]  # Stage 10 and stage "abc" of deal 104 enter no step (they are data-quality issues).


def test_rep_rows_are_exactly_the_hand_worked_ones(built: tuple[str, str]) -> None:
    database, _ = built
    rows = query(
        database,
        "select month, sales_rep_id, sales_rep_name, deals_worked, activities_completed, "
        "sales_call_1_completed, sales_call_2_completed, other_activities "
        "from public_marts.rep_sales_rep_performance_monthly order by month, sales_rep_id",
    )
    assert rows == [
        ("2024-01", 1, "M***. A*** L***", 1, 2, 2, 0, 0),  # two calls on 101
        ("2024-02", 1, "M***. A*** L***", 1, 2, 1, 0, 1),  # call on 103 + unknown type "demo"
        # Rep 4 (Mr. Andy Long) masks like rep 1 and stays its own row: a Sales Call 2 and a
        # follow-up that reuses activity id 2, both on deal 102; the undone call is left out.
        ("2024-02", 4, "M***. A*** L***", 1, 2, 0, 1, 1),
        ("2024-03", 2, "D***. A*** L*** M***", 2, 2, 1, 0, 1),  # deals 999 and 102
        ("2024-03", 3, "B*** C***", 1, 1, 0, 0, 1),
    ]  # The activity due in 2025 is not done and counts nowhere.


def test_data_quality_issues_list_what_the_reports_cannot_resolve(built: tuple[str, str]) -> None:
    database, output = built
    rows = query(
        database,
        "select issue_type, source_file, source_column, source_value "
        "from public_intermediate.int_data_quality_issues order by issue_type",
    )
    assert rows == [
        ("activity_unknown_deal", "activity.csv", "deal_id", "999"),
        ("activity_unknown_type", "activity.csv", "type", "demo"),
        ("reused_activity_id", "activity.csv", "activity_id", "2"),
        ("reused_deal_id", "deal_changes.csv", "deal_id", "2"),
        ("unknown_lost_reason", "deal_changes.csv", "new_value", "9"),
        ("unknown_stage_id", "deal_changes.csv", "new_value", "10"),
        ("unparseable_value", "deal_changes.csv", "new_value", "abc"),
    ]
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


def test_docs_describe_every_model_seed_macro_and_column(
    project: Path, built: tuple[str, str]
) -> None:
    database, _ = built
    result = run_dbt(project, database, "docs", "generate")
    assert result.returncode == 0, result.stdout[-3000:]
    manifest = json.loads((project / "target" / "manifest.json").read_text())
    catalog = json.loads((project / "target" / "catalog.json").read_text())
    ours = {
        uid: node
        for uid, node in manifest["nodes"].items()
        if node["package_name"] == "pipedrive_funnel"
        and node["resource_type"] in {"model", "seed", "analysis"}
    }
    assert len([n for n in ours.values() if n["resource_type"] == "model"]) == 19
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


def test_docs_site_is_served_on_localhost(project: Path, built: tuple[str, str]) -> None:
    database, _ = built
    with served_docs(project, database) as url:
        pages = {page: fetch_text(f"{url}/{page}") for page in ("index.html", "catalog.json")}
    assert "dbt" in pages["index.html"].lower()
    catalog = json.loads(pages["catalog.json"])
    for mart in MARTS:
        assert f"model.pipedrive_funnel.{mart}" in catalog["nodes"]
