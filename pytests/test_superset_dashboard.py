"""The Superset dashboard, set up by `pipedrive-bi serve` (what `make bi` runs) on a fresh build of
the committed sample, read in Chromium: every chart renders without an error and shows the marts'
numbers, steps in funnel order. Screenshots go to screenshots/ (ignored by git).
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from pipedrive_funnel.bi.cli import DASHBOARD_PATH
from pipedrive_funnel.database import Server
from pipedrive_funnel.local_server import free_port
from pipedrive_funnel.reports import MARTS
from pipedrive_funnel.scratch_db import scratch_database

from browser import chromium_page
from builds import Build, database_copy
from conftest import REPO_ROOT
from dashboard_page import (
    CHART_DRAWN,
    CHARTS,
    DRAW_TIMEOUT_MS,
    FUNNEL_ORDER,
    STAGE_STEPS,
    funnel_tooltips,
    month_tooltip,
    open_dashboard,
    read_tile,
    table_rows,
)
from marts import query
from superset_site import ADMIN, PIPEDRIVE_BI, Site, log_in, run_setup, wait_for_health


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, sample_build: Build) -> Iterator[Site]:
    """Superset serving the dashboard on a copy of the session's build of the sample (Superset's
    setup adds a login role and its own connections)."""
    workdir = tmp_path_factory.mktemp("superset")
    with database_copy(sample_build.database) as database:
        port = free_port()
        home = workdir / "superset_home"
        env = {
            **os.environ,
            "DBT_PG_DATABASE": database,
            "SUPERSET_HOME": str(home),
            "SUPERSET_ADMIN_USER": ADMIN[0],
            "SUPERSET_ADMIN_PASSWORD": ADMIN[1],
            # the suite's throwaway server is not the project's own: no default password there
            "SUPERSET_DB_PASSWORD": "bi-superset-test",
        }
        log = (workdir / "serve.log").open("w")
        started = time.monotonic()
        serve = subprocess.Popen(
            [PIPEDRIVE_BI, "serve", "--port", str(port)],
            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            wait_for_health(url, serve, workdir / "serve.log")
            print(f"\npipedrive-bi serve answered after {time.monotonic() - started:.1f} s")
            yield Site(url, database, env, home, workdir / "serve.log")
        finally:
            serve.terminate()
            serve.wait(timeout=60)
            log.close()


def _latest(database: str, mart: str) -> object:
    return query(database, f"select max(month) from public_marts.{mart}")[0][0]


def _change(latest: int, previous: int) -> str:
    """The tiles' change from the month before, as Superset prints it (+0.0%)."""
    return f"{(latest - previous) / abs(previous):+.1%} vs previous month"


def _expected_tiles(database: str, months: tuple[str, str] | None = None) -> dict[str, list[str]]:
    """Each tile's month, value and change from the month before, from the marts: the latest
    month (of `months`, first day to first day after, if given) and the one before it."""
    where = f"between '{months[0]}' and '{months[1]}'" if months else "is not null"
    funnel = (
        "select to_char(month, 'YYYY-MM'), deals_count from public_marts.rep_sales_funnel_monthly "
        f"where month {where} and funnel_step = %s order by 1 desc"
    )
    monthly = {
        "Deals entering the funnel": query(database, funnel.replace("%s", "'1'")),
        "Lost deals": query(database, funnel.replace("%s", "'Lost'")),
        "Sales calls done": query(
            database,
            "select month, sum(sales_call_1_completed + sales_call_2_completed)::int from "
            f"public_marts.rep_sales_rep_performance_monthly where month_start {where} "
            "group by 1 order by 1 desc",
        ),
    }
    tiles = {}
    for tile, rows in monthly.items():
        (month, value), *earlier = rows
        tiles[tile] = [month, f"{value:,}"] + [_change(value, earlier[0][1])] * bool(earlier)
    return tiles


def _sums(database: str, mart: str, where: str = "true") -> dict[str, tuple[str, int]]:
    """funnel_step: (kpi_name, the sum of deals_count) over the mart's rows matching `where`."""
    rows = query(
        database,
        f"select funnel_step, kpi_name, sum(deals_count)::int from public_marts.{mart} "
        f"where {where} group by 1, 2",
    )
    return {step: (kpi, deals) for step, kpi, deals in rows}


def test_dashboard_renders_every_chart_with_the_numbers_of_the_marts(site: Site) -> None:
    database = site.database
    month = _latest(database, "rep_sales_funnel_monthly")
    latest = month.strftime("%Y-%m")
    funnel = dict(
        query(
            database,
            "select funnel_step, deals_count || ' ' || kpi_name "
            f"from public_marts.rep_sales_funnel_monthly where month = '{month}'",
        )
    )
    steps = [step for step in FUNNEL_ORDER if step in funnel]
    entered = _sums(database, "rep_sales_funnel_monthly")
    reached = _sums(database, "rep_sales_funnel_conversion_monthly")
    cohort = query(
        database,
        "select to_char(cohort_month, 'YYYY-MM') from public_marts."
        "rep_sales_funnel_conversion_monthly group by 1 order by 1 desc offset 6 limit 1",
    )[0][0]
    rates = dict(
        query(
            database,
            "select funnel_step || ', ' || kpi_name, conversion_from_previous_step from "
            "public_marts.rep_sales_funnel_conversion_monthly where conversion_from_previous_step "
            f"is not null and to_char(cohort_month, 'YYYY-MM') = '{cohort}'",
        )
    )
    reps = query(
        database,
        "select sales_rep_name, sales_rep_id::text, sum(activities_completed)::text, "
        "sum(sales_call_1_completed)::text, sum(sales_call_2_completed)::text, "
        "sum(deals_worked)::text from public_marts.rep_sales_rep_performance_monthly "
        "group by 1, 2 order by sum(activities_completed) desc",
    )
    with chromium_page(height=3200) as browser:
        page = browser.page
        chart_answers: list[int] = []
        page.on(
            "response",
            lambda r: "/api/v1/chart/data" in r.url and chart_answers.append(r.status),
        )
        log_in(page, site.url)
        seconds = open_dashboard(browser, site.url)
        shot = browser.screenshot("superset_dashboard")
        print(f"\ndashboard drawn in {seconds:.1f} s; screenshot {shot}")

        # No chart shows an error, and every query of the charts and filters succeeded.
        assert page.locator('[data-test="chart-grid-component"] [role="alert"]').count() == 0
        assert page.get_by_text(re.compile("Unexpected error|Error:|error occurred")).count() == 0
        assert len(chart_answers) >= len(CHARTS)
        assert set(chart_answers) == {200}
        browser.assert_all_requests_stayed_local_and_succeeded()
        bar = page.locator('[data-test="filter-bar"]').inner_text()
        assert "Months" in bar and "No filter" in bar and "Sales rep" in bar

        # The tiles: the latest month, its value and the change from the month before.
        for tile, expected in _expected_tiles(database).items():
            assert read_tile(page, tile) == expected, tile

        # The funnel of the stage steps, summed over all months (no range picked), read from its
        # tooltips top to bottom; the sales calls and Lost beside it, in funnel order.
        assert funnel_tooltips(page, "Deals entering each step", len(STAGE_STEPS)) == [
            (f"{step}, {entered[step][0]}", entered[step][1]) for step in STAGE_STEPS
        ]
        assert table_rows(page, "Sales calls and losses") == [
            [step, entered[step][0], f"{entered[step][1]:,}"] for step in ("2.1", "3.1", "Lost")
        ]

        # The steps table: the latest month first, every step in funnel order.
        table = table_rows(page, "Funnel steps by month")[: len(steps)]
        assert [row[1] for row in table] == steps
        for month_text, step, kpi, deals in table:
            assert month_text == latest
            assert f"{deals} {kpi}" == funnel[step]

        # The cohort funnel only narrows: each stage step's deals over all cohorts.
        cohort_funnel = funnel_tooltips(page, "Cohort conversion funnel", len(STAGE_STEPS))
        assert cohort_funnel == [
            (f"{step}, {reached[step][0]}", reached[step][1]) for step in STAGE_STEPS
        ]
        counts = [deals for _, deals in cohort_funnel]
        assert counts == sorted(counts, reverse=True)
        browser.screenshot("superset_cohort_funnel_tooltip")

        # Step-to-step conversion of one cohort, read from its tooltip (as 78.9%).
        shown = month_tooltip(page, "Step-to-step conversion by cohort", cohort)
        assert [name for name, _ in shown] == sorted(rates)
        for name, value in shown:
            assert abs(float(value.rstrip("%")) - float(rates[name]) * 100) <= 0.05 + 1e-9, name

        # The trends at the latest month: one line per step in funnel order, and the Lost bar.
        expected = []
        for step in steps:
            if step != "Lost":
                deals, kpi = funnel[step].split(" ", 1)
                expected.append((f"{step}, {kpi}", deals))
        assert month_tooltip(page, "Deals per step over the months", latest) == expected
        lost = funnel["Lost"].split(" ", 1)[0]
        assert month_tooltip(page, "Lost deals per month", latest) == [("Deals", lost)]

        # The leaderboard over all months: every rep, the top rep's sums first.
        search = page.locator('[data-test-chart-name="Sales rep leaderboard"] input').first
        expect(search).to_have_attribute("placeholder", re.compile(rf"^{len(reps)} records"))
        top = table_rows(page, "Sales rep leaderboard")[0]
        assert tuple(top) in {row for row in reps if row[2] == reps[0][2]}
        print(f"Tiles: {_expected_tiles(database)}")
        print(f"Cohort funnel (all cohorts): {cohort_funnel}; cohort {cohort}: {shown}")
        print(f"Rep leaderboard: {len(reps)} reps, top {top}")
    # the setup's steps were named, and the pages logged no warning about a spinner file
    served = site.log.read_text()
    assert "roles and permissions" in served and "the dashboard: 16 files" in served
    assert "spinner" not in served


def _filtered_url(site: Site, months: str, rep: str) -> str:
    """The dashboard with its Months and Sales rep filters set (Superset's native_filters
    parameter, rison)."""
    state = (
        f"(NATIVE_FILTER-months:(extraFormData:(time_range:'{months}'),"
        f"filterState:(value:'{months}'),id:NATIVE_FILTER-months,ownState:()),"
        f"NATIVE_FILTER-sales-rep:(extraFormData:(filters:!((col:sales_rep_name,op:IN,"
        f"val:!('{rep}')))),filterState:(value:!('{rep}')),id:NATIVE_FILTER-sales-rep,"
        "ownState:()))"
    )
    return f"{site.url}{DASHBOARD_PATH}?native_filters={urllib.parse.quote(state)}"


def test_the_month_range_and_rep_filters_drive_the_charts(site: Site) -> None:
    database = site.database
    first, last = "2024-05-01", "2024-06-01"  # May and June 2024
    rep_id, rep = query(
        database,
        "select sales_rep_id, sales_rep_name from public_marts.rep_sales_rep_performance_monthly "
        f"where month_start between '{first}' and '{last}' and sales_rep_name not like '%''%' "
        "group by 1, 2 order by sum(activities_completed) desc, 1 limit 1",
    )[0]
    in_range = f"month between '{first}' and '{last}'"
    entered = _sums(database, "rep_sales_funnel_monthly", in_range)
    reached = _sums(database, "rep_sales_funnel_conversion_monthly", f"cohort_{in_range}")
    rep_calls = query(
        database,
        "select sum(sales_call_1_completed + sales_call_2_completed)::int from "
        "public_marts.rep_sales_rep_performance_monthly "
        f"where month_start = '{last}' and sales_rep_name = '{rep}'",
    )[0][0]
    activities = query(
        database,
        "select sales_rep_name, sales_rep_id::text, sum(activities_completed)::text, "
        "sum(sales_call_1_completed)::text, sum(sales_call_2_completed)::text, "
        "sum(deals_worked)::text from public_marts.rep_sales_rep_performance_monthly "
        f"where month_start between '{first}' and '{last}' and sales_rep_name = '{rep}' "
        "group by 1, 2 order by sum(activities_completed) desc, 2",
    )
    with chromium_page(height=3200) as browser:
        page = browser.page
        log_in(page, site.url)
        page.goto(_filtered_url(site, "2024-05-01 : 2024-07-01", rep))
        for name in CHARTS:
            chart = page.locator(f'[data-test-chart-name="{name}"]')
            chart.locator(CHART_DRAWN).first.wait_for(state="visible", timeout=DRAW_TIMEOUT_MS)
        page.wait_for_load_state("networkidle")
        browser.screenshot("superset_dashboard_filtered")
        assert page.locator('[data-test="chart-grid-component"] [role="alert"]').count() == 0

        # The tiles: June 2024 against May; the sales calls of the picked rep only.
        tiles = _expected_tiles(database, (first, last))
        for tile in ("Deals entering the funnel", "Lost deals"):
            assert read_tile(page, tile) == tiles[tile], tile
        assert read_tile(page, "Sales calls done")[:2] == ["2024-06", f"{rep_calls:,}"]

        # The funnel tables and charts: the two months only.
        assert table_rows(page, "Sales calls and losses") == [
            [step, entered[step][0], f"{entered[step][1]:,}"] for step in ("2.1", "3.1", "Lost")
        ]
        months = [row[0] for row in table_rows(page, "Funnel steps by month")]
        assert months[:12] == ["2024-06"] * 12  # June's twelve steps first, then May's
        assert set(months) == {"2024-06", "2024-05"}
        assert funnel_tooltips(page, "Cohort conversion funnel", len(STAGE_STEPS)) == [
            (f"{step}, {reached[step][0]}", reached[step][1]) for step in STAGE_STEPS
        ]

        # The leaderboard: the picked rep, over the two months.
        assert [tuple(row) for row in table_rows(page, "Sales rep leaderboard")] == activities
        print(f"\nMay-June 2024, rep {rep} ({rep_id}): {activities}; tiles {tiles}")


def test_setup_again_changes_nothing_and_reads_as_a_member_of_bi_reader(site: Site) -> None:
    again = run_setup(site.env)
    assert again.returncode == 0, again.stderr
    metadata = sqlite3.connect(site.home / "superset.db")
    try:
        counts = [
            metadata.execute(f"select count(*) from {table}").fetchone()[0]
            for table in ("dbs", "tables", "slices", "dashboards")
        ]
        uri = metadata.execute("select sqlalchemy_uri from dbs").fetchone()[0]
    finally:
        metadata.close()
    assert counts == [1, 3, 11, 1]
    server = Server.from_environment()
    assert uri == (
        f"postgresql+psycopg2://bi_superset:XXXXXXXXXX@{server.host}:{server.port}/{site.database}"
    )
    role = query(
        site.database,
        "select rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolinherit, "
        "pg_has_role('bi_superset', 'bi_reader', 'member') from pg_roles "
        "where rolname = 'bi_superset'",
    )
    assert role == [(True, False, False, False, True, True)]
    readable = query(
        site.database,
        "select n.nspname || '.' || c.relname from pg_class c "
        "join pg_namespace n on n.oid = c.relnamespace "
        "where c.relkind in ('r', 'v', 'm', 'p') and n.nspname not in ('pg_catalog', "
        "'information_schema') and has_table_privilege('bi_superset', c.oid, 'select') order by 1",
    )
    assert readable == [(f"public_marts.{mart}",) for mart in sorted(MARTS)]


def test_the_dashboard_needs_a_login(site: Site) -> None:
    with urllib.request.urlopen(f"{site.url}{DASHBOARD_PATH}") as answer:
        assert "/login/" in answer.url


def test_superset_missing_is_a_one_line_error(tmp_path: Path) -> None:
    env = {**os.environ, "SUPERSET_VENV": str(tmp_path / "nowhere"), "DBT_PG_PORT": "1"}
    result = run_setup(env)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert "make bi" in result.stderr
    assert str(tmp_path / "nowhere") in result.stderr  # checked before the database (port 1)


def test_setup_before_the_reports_are_built_says_make_build(tmp_path: Path) -> None:
    with scratch_database() as empty:
        env = {
            **os.environ, "DBT_PG_DATABASE": empty, "SUPERSET_HOME": str(tmp_path / "home"),
            "SUPERSET_DB_PASSWORD": "bi-superset-test",
        }  # fmt: skip
        result = run_setup(env)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert "public_marts.rep_sales_funnel_monthly does not exist in " in result.stderr
    assert f"/{empty}: build the reports first (make build)" in result.stderr
    assert not (tmp_path / "home").exists()  # nothing set up
