"""The dashboard as Chromium shows it: its charts (the catalogue), and what each shows, read off
the page (tables, ECharts' tooltips, big-number tiles)."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Page

from pipedrive_funnel.bi.cli import DASHBOARD_PATH

from browser import BrowserPage

# A chart has drawn when it shows a canvas, table rows or an error. The first dashboard after
# Superset starts can take over a minute while the suite's other worker builds (measured: a
# 60 s wait timed out once in five runs), hence three minutes.
CHART_DRAWN = 'canvas, table tbody tr, [role="alert"]'
DRAW_TIMEOUT_MS = 180_000
FUNNEL_ORDER = ["1", "2", "2.1", "3", "3.1", "4", "5", "6", "7", "8", "9", "Lost"]
CHARTS = (
    "Deals entering the funnel",
    "Lost deals",
    "Sales calls done",
    "Deals entering each step",
    "Sales calls and losses",
    "Funnel steps by month",
    "Cohort conversion funnel",
    "Step-to-step conversion by cohort",
    "Deals per step over the months",
    "Lost deals per month",
    "Sales rep leaderboard",
)
STAGE_STEPS = [step for step in FUNNEL_ORDER if step not in ("2.1", "3.1", "Lost")]


def open_dashboard(browser: BrowserPage, url: str) -> float:
    """Open the dashboard and wait until every chart has drawn (a canvas or table rows) and
    shows no error."""
    page = browser.page
    started = time.monotonic()
    page.goto(f"{url}{DASHBOARD_PATH}")
    for name in CHARTS:
        chart = page.locator(f'[data-test-chart-name="{name}"]')
        chart.locator(CHART_DRAWN).first.wait_for(state="visible", timeout=DRAW_TIMEOUT_MS)
        errors = chart.locator('[role="alert"]')
        assert errors.count() == 0, f"the chart {name!r} shows: {errors.first.inner_text()}"
    page.wait_for_load_state("networkidle")
    return time.monotonic() - started


def table_rows(page: Page, chart: str) -> list[list[str]]:
    rows = page.locator(f'[data-test-chart-name="{chart}"] table tbody tr')
    return [[cell.strip() for cell in row.locator("td").all_inner_texts()] for row in rows.all()]


# ECharts' tooltips are divs appended to the page's body, one per chart.
VISIBLE_TOOLTIPS = """() => Array.from(document.querySelectorAll('body > div'))
    .filter(e => getComputedStyle(e).position === 'absolute' && e.offsetParent !== null)
    .map(e => e.innerText)"""

# A funnel segment's tooltip: "<step>, <KPI>", then the metric and its value, then its share.
FUNNEL_TOOLTIP = re.compile(
    r"^(?P<name>[^\n\t]+)[\n\t]+[^\n\t]+[\n\t]+(?P<value>[\d,]+)\b.*%", re.S
)


def funnel_tooltips(page: Page, chart: str, segments: int) -> list[tuple[str, int]]:
    """Hover each segment of a funnel chart from top to bottom and read ECharts' tooltip:
    (name, deals). Only a visible tooltip counts: each chart keeps its own tooltip element."""
    canvas = page.locator(f'[data-test-chart-name="{chart}"] canvas').first
    box = canvas.bounding_box()
    assert box is not None
    page.mouse.move(0, 0)  # away from every chart, until no funnel tooltip shows
    page.wait_for_function(f"() => !({VISIBLE_TOOLTIPS})().some(t => t.includes('%'))")
    seen: list[tuple[str, int]] = []
    previous = ""
    for index in range(segments):
        y = box["y"] + box["height"] * (2 * index + 1) / (2 * segments)
        page.mouse.move(box["x"] + box["width"] / 2, y)
        deadline = time.monotonic() + 10
        while True:
            shown = [t.strip() for t in page.evaluate(VISIBLE_TOOLTIPS)]
            found = [m for t in shown if t != previous and (m := FUNNEL_TOOLTIP.match(t))]
            if found:
                break
            assert time.monotonic() < deadline, f"no new tooltip after {previous!r}: {shown}"
            time.sleep(0.1)
        previous = found[0].group(0).strip()
        seen.append((found[0]["name"].strip(), int(found[0]["value"].replace(",", ""))))
    return seen


def month_tooltip(page: Page, chart: str, month: str) -> list[tuple[str, str]]:
    """Sweep the mouse right to left across a time-series chart until ECharts' tooltip shows
    `month` (YYYY-MM); return its rows as (series, value as shown), without the total."""
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
                return [(name, value) for name, value in rows if name != "Total"]
    raise AssertionError(f"no tooltip for {month} in the chart {chart!r}")


def read_tile(page: Page, chart: str) -> list[str]:
    """A big-number tile as shown: its month, value and change (after its title and the count
    of the filters applied to it)."""
    text = page.locator(f'[data-test-chart-name="{chart}"]').inner_text()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    months = [index for index, line in enumerate(lines) if re.fullmatch(r"\d{4}-\d{2}", line)]
    return lines[months[0] :] if months else lines
