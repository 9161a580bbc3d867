"""The dbt docs site in Chromium: both marts with every column and its description, and the
lineage graph ending in the Superset dashboard's exposure. Screenshots go to screenshots/.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from pipedrive_funnel.reports import REPORTS

from browser import chromium_page
from builds import Build
from served import fetch_text, served_docs

EXPOSURE = "exposure.pipedrive_funnel.sales_funnel_dashboard"
# dbt-docs' own index.html asks for URLs holding unrendered template code, such as
# "${require('./assets/favicons/favicon.ico')}"; they answer 404 whatever the project.
DBT_DOCS_TEMPLATE_URLS = r"/(\$|%24)?%7B"


@pytest.fixture(scope="module")
def docs_url(handmade_build: Build) -> Iterator[str]:
    with served_docs(handmade_build.project) as url:
        yield url


def _plain(markdown: str) -> str:
    """A description as the site shows it: Markdown marks dropped, white space collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"[`*]", "", markdown)).strip()


@pytest.mark.parametrize("mart", REPORTS)
def test_mart_page_shows_every_column_with_its_description(docs_url: str, mart: str) -> None:
    manifest = json.loads(fetch_text(f"{docs_url}/manifest.json"))
    columns = manifest["nodes"][f"model.pipedrive_funnel.{mart}"]["columns"]
    with chromium_page(height=1400) as browser:
        page = browser.page
        page.goto(f"{docs_url}/#!/model/model.pipedrive_funnel.{mart}")
        expect(page.locator("body")).to_contain_text(f"{mart} table")
        shown = _plain(page.locator("body").inner_text())
        for name, column in columns.items():
            assert column["description"], name
            assert f"{name} " in shown
            assert _plain(column["description"]) in shown, name
        references = page.locator("reference-list")
        references.locator(".nav-tabs a", has_text="Exposures").click()
        expect(references.locator(f'a[href="#!/exposure/{EXPOSURE}"]')).to_have_text(
            "sales_funnel_dashboard"
        )
        browser.screenshot(f"docs_{mart}")
        browser.assert_all_requests_stayed_local_and_succeeded(DBT_DOCS_TEMPLATE_URLS)


def test_the_site_opens_on_the_project_overview(docs_url: str) -> None:
    with chromium_page(height=1200) as browser:
        page = browser.page
        page.goto(f"{docs_url}/#!/overview")
        body = page.locator("body")
        expect(body).to_contain_text("Pipedrive sales funnel")
        shown = body.inner_text()
        assert "Welcome!" not in shown
        for mart in REPORTS:
            assert mart in shown
        assert "/superset/dashboard/sales-funnel/" in shown
        browser.screenshot("docs_overview")
        page.get_by_role("link", name="rep_sales_funnel_conversion_monthly").first.click()
        expect(body).to_contain_text("rep_sales_funnel_conversion_monthly table")
        browser.assert_all_requests_stayed_local_and_succeeded(DBT_DOCS_TEMPLATE_URLS)


def test_lineage_graph_ends_in_the_dashboard_exposure(docs_url: str) -> None:
    with chromium_page(height=1000) as browser:
        page = browser.page
        page.goto(f"{docs_url}/#!/exposure/{EXPOSURE}?g_v=1")
        graph = page.locator("#cy")
        expect(graph).to_be_visible()
        page.wait_for_function(
            "id => { const c = document.getElementById('cy'); "
            "return c && c._cyreg && c._cyreg.cy.getElementById(id).length === 1; }",
            arg=EXPOSURE,
        )
        lineage = page.evaluate(
            """id => {
                const cy = document.getElementById('cy')._cyreg.cy;
                const node = cy.getElementById(id);
                return {
                    label: node.data('label'),
                    visible: node.visible(),
                    parents: node.incomers('node').map(n => n.id()).sort(),
                    children: node.outgoers('node').map(n => n.id()),
                    upstream: node.predecessors('node').map(n => n.id()).sort(),
                };
            }""",
            EXPOSURE,
        )
        browser.screenshot("docs_lineage_to_exposure")
        browser.assert_all_requests_stayed_local_and_succeeded(DBT_DOCS_TEMPLATE_URLS)
    assert lineage["label"] == "Sales funnel (Superset dashboard)"
    assert lineage["visible"]
    assert lineage["parents"] == sorted(f"model.pipedrive_funnel.{mart}" for mart in REPORTS)
    assert lineage["children"] == []
    # The graph draws the whole lineage: every node the manifest lists upstream of the exposure,
    # from the export's seeds and the funnel mapping through staging and intermediate.
    assert lineage["upstream"] == sorted(_upstream(docs_url, EXPOSURE))
    layers = {node.split(".")[-1].split("_")[0] for node in lineage["upstream"]}
    assert {"stg", "int", "rep", "funnel", "deal"} <= layers


def _upstream(docs_url: str, node: str) -> set[str]:
    parents = json.loads(fetch_text(f"{docs_url}/manifest.json"))["parent_map"]
    seen: set[str] = set()
    pending = [node]
    while pending:
        for parent in parents.get(pending.pop(), []):
            if parent not in seen:
                seen.add(parent)
                pending.append(parent)
    return seen
