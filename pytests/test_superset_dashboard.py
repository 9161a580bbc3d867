"""The Superset dashboard, set up by `pipedrive-bi serve` (what `make bi` runs) on a fresh build of
the committed sample, read in Chromium: every chart renders without an error and shows the marts'
numbers, steps in funnel order. Screenshots go to screenshots/ (ignored by git).
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from pipedrive_funnel.bi.cli import DASHBOARD_PATH
from pipedrive_funnel.database import Server
from pipedrive_funnel.local_server import free_port
from pipedrive_funnel.scratch_db import scratch_database

from browser import BrowserPage, chromium_page
from conftest import REPO_ROOT
from dbt_helpers import built_database, query

PIPEDRIVE_BI = str(Path(sys.executable).with_name("pipedrive-bi"))
FUNNEL_ORDER = ["1", "2", "2.1", "3", "3.1", "4", "5", "6", "7", "8", "9", "Lost"]
CHARTS = (
    "Funnel for the month",
    "Funnel steps for the month",
    "Deals per step over the months",
    "Lost deals per month",
    "Sales rep leaderboard",
)
ADMIN = ("admin", "test-admin-password")


@dataclass(frozen=True)
class Site:
    url: str
    database: str
    env: dict[str, str]
    home: Path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    workdir = tmp_path_factory.mktemp("superset")
    with built_database(workdir / "project") as (database, _project):
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
            _wait_for_health(url, serve, workdir / "serve.log")
            print(f"\npipedrive-bi serve answered after {time.monotonic() - started:.1f} s")
            yield Site(url, database, env, home)
        finally:
            serve.terminate()
            serve.wait(timeout=60)
            log.close()


def _wait_for_health(url: str, serve: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 300
    while True:
        assert serve.poll() is None, f"pipedrive-bi serve exited:\n{log.read_text()[-3000:]}"
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        assert time.monotonic() < deadline, f"Superset did not answer:\n{log.read_text()[-3000:]}"
        time.sleep(1)


def _setup(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`pipedrive-bi setup` in the repository with `env`; output captured, not checked."""
    return subprocess.run(
        [PIPEDRIVE_BI, "setup"], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
        check=False,
    )  # fmt: skip


def _log_in(page: Page, url: str) -> None:
    page.goto(f"{url}/login/")
    page.fill("#username", ADMIN[0])
    page.fill("#password", ADMIN[1])
    page.keyboard.press("Enter")
    page.wait_for_url("**/superset/welcome/**")


def _open_dashboard(browser: BrowserPage, url: str) -> float:
    """Open the dashboard and wait until every chart has drawn (a canvas or table rows) and
    shows no error."""
    page = browser.page
    started = time.monotonic()
    page.goto(f"{url}{DASHBOARD_PATH}")
    for name in CHARTS:
        chart = page.locator(f'[data-test-chart-name="{name}"]')
        chart.locator('canvas, table tbody tr, [role="alert"]').first.wait_for(state="visible")
        errors = chart.locator('[role="alert"]')
        assert errors.count() == 0, f"the chart {name!r} shows: {errors.first.inner_text()}"
    page.wait_for_load_state("networkidle")
    return time.monotonic() - started


def _latest(database: str, mart: str) -> object:
    return query(database, f"select max(month) from public_marts.{mart}")[0][0]


def _table_rows(page: Page, chart: str) -> list[list[str]]:
    rows = page.locator(f'[data-test-chart-name="{chart}"] table tbody tr')
    return [[cell.strip() for cell in row.locator("td").all_inner_texts()] for row in rows.all()]


def _funnel_tooltips(page: Page, segments: int) -> list[tuple[str, int]]:
    """Hover each funnel segment from top to bottom and read ECharts' tooltip: (name, deals)."""
    canvas = page.locator('[data-test-chart-name="Funnel for the month"] canvas').first
    box = canvas.bounding_box()
    assert box is not None
    seen: list[tuple[str, int]] = []
    previous = ""
    for index in range(segments):
        y = box["y"] + box["height"] * (2 * index + 1) / (2 * segments)
        page.mouse.move(box["x"] + box["width"] / 2, y)
        tooltip = page.locator("div", has_text=re.compile(r"\d+\.\d\d%")).filter(
            has=page.locator("xpath=self::*[contains(@style, 'position: absolute')]")
        )
        tooltip.last.wait_for(state="visible")
        deadline = time.monotonic() + 10
        while (text := tooltip.last.inner_text().strip()) == previous:
            assert time.monotonic() < deadline, f"the tooltip still shows {previous!r}"
            time.sleep(0.1)
        previous = text
        name, _metric, value = re.split(r"\n|\t", text)[:3]
        seen.append((name.strip(), int(value.replace(",", ""))))
    return seen


# ECharts' tooltips are divs appended to the page's body, one per chart.
VISIBLE_TOOLTIPS = """() => Array.from(document.querySelectorAll('body > div'))
    .filter(e => getComputedStyle(e).position === 'absolute' && e.offsetParent !== null)
    .map(e => e.innerText)"""


def _month_tooltip(page: Page, chart: str, month: str) -> list[tuple[str, int]]:
    """Sweep the mouse right to left across a time-series chart until ECharts' tooltip shows
    `month` (YYYY-MM); return its rows as (series, value), without the total."""
    box = page.locator(f'[data-test-chart-name="{chart}"] canvas').first.bounding_box()
    assert box is not None
    page.mouse.move(0, 0)  # away from every chart, until the last chart's tooltip is gone
    page.wait_for_function(
        f"() => !({VISIBLE_TOOLTIPS})().some(t => /^\\d{{4}}-\\d{{2}}\\n/.test(t))"
    )
    for step in range(98, 20, -1):
        page.mouse.move(box["x"] + box["width"] * step / 100, box["y"] + box["height"] / 2)
        for text in page.evaluate(VISIBLE_TOOLTIPS):
            lines = text.strip().split("\n")
            if lines[0] == month and all("\t" in line for line in lines[1:]):
                rows = [line.rsplit("\t", 1) for line in lines[1:]]
                return [
                    (name, int(value.replace(",", ""))) for name, value in rows if name != "Total"
                ]
    raise AssertionError(f"no tooltip for {month} in the chart {chart!r}")


def test_dashboard_renders_every_chart_with_the_numbers_of_the_marts(site: Site) -> None:
    month = _latest(site.database, "rep_sales_funnel_monthly")
    funnel = dict(
        query(
            site.database,
            "select funnel_step, deals_count || ' ' || kpi_name "
            f"from public_marts.rep_sales_funnel_monthly where month = '{month}'",
        )
    )
    steps = [step for step in FUNNEL_ORDER if step in funnel]
    rep_month = _latest(site.database, "rep_sales_rep_performance_monthly")
    reps = query(
        site.database,
        "select sales_rep_name, sales_rep_id::text, activities_completed::text, "
        "sales_call_1_completed::text, sales_call_2_completed::text, deals_worked::text "
        "from public_marts.rep_sales_rep_performance_monthly "
        f"where month = '{rep_month}' order by activities_completed desc",
    )
    with chromium_page() as browser:
        page = browser.page
        chart_answers: list[int] = []
        page.on(
            "response",
            lambda r: "/api/v1/chart/data" in r.url and chart_answers.append(r.status),
        )
        _log_in(page, site.url)
        seconds = _open_dashboard(browser, site.url)
        shot = browser.screenshot("superset_dashboard")
        print(f"\ndashboard drawn in {seconds:.1f} s; screenshot {shot}")

        # No chart shows an error, and every query of the charts and filters succeeded.
        assert page.locator('[data-test="chart-grid-component"] [role="alert"]').count() == 0
        assert page.get_by_text(re.compile("Unexpected error|Error:|error occurred")).count() == 0
        assert len(chart_answers) >= len(CHARTS)
        assert set(chart_answers) == {200}
        browser.assert_all_requests_stayed_local_and_succeeded()

        # Both month filters default to the latest month of their mart.
        funnel_filter = page.locator('[data-test="NATIVE_FILTER-funnel-month"]').inner_text()
        assert month.strftime("%Y-%m-%d") in funnel_filter
        assert rep_month in page.locator('[data-test="NATIVE_FILTER-rep-month"]').inner_text()

        # The steps table: that month only, every step in funnel order, the marts' counts.
        rows = page.locator('[data-test-chart-name="Funnel steps for the month"] table tbody tr')
        expect(rows).to_have_count(len(steps))
        table = _table_rows(page, "Funnel steps for the month")
        assert [row[1] for row in table] == steps
        for month_text, step, kpi, deals in table:
            assert month_text == month.strftime("%Y-%m")
            assert f"{deals} {kpi}" == funnel[step]

        # The funnel chart itself, read from its tooltips top to bottom: steps 1-9 with the
        # sales calls, in funnel order, without Lost.
        in_funnel = [step for step in steps if step != "Lost"]
        tooltips = _funnel_tooltips(page, len(in_funnel))
        expected = []
        for step in in_funnel:
            deals, kpi = funnel[step].split(" ", 1)
            expected.append((f"{step}, {kpi}", int(deals)))
        assert tooltips == expected
        browser.screenshot("superset_funnel_tooltip")

        # The trends, read from their tooltips at that month: one line per step in funnel order,
        # and the Lost bar.
        latest = month.strftime("%Y-%m")
        assert _month_tooltip(page, "Deals per step over the months", latest) == expected
        lost = int(funnel["Lost"].split(" ", 1)[0])
        assert _month_tooltip(page, "Lost deals per month", latest) == [("Deals", lost)]

        # The leaderboard: every rep of the month, the top rep's numbers first.
        search = page.locator('[data-test-chart-name="Sales rep leaderboard"] input').first
        expect(search).to_have_attribute("placeholder", re.compile(rf"^{len(reps)} records"))
        top = _table_rows(page, "Sales rep leaderboard")[0]
        top_activities = reps[0][2]
        assert top[2] == top_activities
        assert tuple(top) in {row for row in reps if row[2] == top_activities}
        print(f"Funnel month {month:%Y-%m}: {expected}; Lost {funnel.get('Lost')}")
        print(f"Rep month {rep_month}: {len(reps)} reps, top {top}")


def test_setup_again_changes_nothing_and_reads_as_a_member_of_bi_reader(site: Site) -> None:
    again = _setup(site.env)
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
    assert counts == [1, 2, 5, 1]
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
    assert readable == [
        ("public_marts.rep_sales_funnel_monthly",),
        ("public_marts.rep_sales_rep_performance_monthly",),
    ]


def test_the_dashboard_needs_a_login(site: Site) -> None:
    with urllib.request.urlopen(f"{site.url}{DASHBOARD_PATH}") as answer:
        assert "/login/" in answer.url


def test_superset_missing_is_a_one_line_error(tmp_path: Path) -> None:
    env = {**os.environ, "SUPERSET_VENV": str(tmp_path / "nowhere"), "DBT_PG_PORT": "1"}
    result = _setup(env)
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
        result = _setup(env)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert "public_marts.rep_sales_funnel_monthly does not exist in " in result.stderr
    assert f"/{empty}: build the reports first (make build)" in result.stderr
    assert not (tmp_path / "home").exists()  # nothing set up
