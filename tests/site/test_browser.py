"""The built site in a real headless Chromium: pages load cleanly, plots draw, links resolve,
and hostile strings from results files stay inert text."""
from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest

from amlb.site import slugify
from tests.site.browser import LINKS, PLOT_MARKS, PageWatcher, broken_links
from tests.site.conftest import HOSTILE_FRAMEWORK, HOSTILE_INFO, HOSTILE_TASK

pytestmark = pytest.mark.browser

#: JS: elements the hostile strings would have created had they been parsed as HTML
INJECTED = "() => document.querySelectorAll('img[src=\"x\"], svg[onload], b[onmouseover], script:not([src]):not([type])').length"


def test_every_page_loads_without_errors_and_draws_its_plots(browser, site: Path):
    watcher = PageWatcher(browser)
    problems, plots_seen = [], 0
    try:
        for page_file in sorted(site.rglob("*.html")):
            watcher.errors.clear()
            watcher.open(page_file.as_uri())
            name = page_file.relative_to(site).as_posix()
            problems += [f"{name}: {e}" for e in watcher.errors]
            for plot in watcher.page.evaluate(PLOT_MARKS):
                plots_seen += 1
                if plot["height"] < 100 or plot["marks"] == 0:
                    problems.append(f"{name}: plot {plot['id']} is empty ({plot})")
            problems += broken_links(page_file, watcher.page.evaluate(LINKS), site)
    finally:
        watcher.close()
    assert not problems, "\n".join(problems[:30])
    assert plots_seen >= 20


def test_overview_has_all_its_plots(browser, site: Path):
    page_file = next((site / "overview").glob("sample-1h8c-binary*.html"))
    watcher = PageWatcher(browser)
    try:
        watcher.open(page_file.as_uri())
        drawn = {p["id"] for p in watcher.page.evaluate(PLOT_MARKS) if p["marks"] > 0}
    finally:
        watcher.close()
    assert {"fig-worth", "fig-cd", "fig-box", "fig-pareto-infer", "fig-pareto-train", "fig-pareto-energy",
            "fig-tree"} <= drawn


def test_hostile_task_name_and_messages_render_as_inert_text(browser, site: Path):
    watcher = PageWatcher(browser)
    try:
        watcher.open((site / "tasks" / f"{slugify(HOSTILE_TASK)}.html").as_uri())
        page = watcher.page
        assert page.evaluate("() => window.__xss") is None
        assert page.evaluate(INJECTED) == 0
        assert page.locator("h1").inner_text() == HOSTILE_TASK
        assert page.title().startswith(HOSTILE_TASK)
        assert HOSTILE_INFO in page.locator("td.msg").first.inner_text()

        watcher.open((site / "failures.html").as_uri())
        assert page.evaluate("() => window.__xss") is None
        assert page.evaluate(INJECTED) == 0
        assert HOSTILE_INFO in page.locator("#messages").inner_text()

        overview = next((site / "overview").glob("amlb-hostile*.html"))
        watcher.open(overview.as_uri())
        assert page.evaluate("() => window.__xss") is None
        assert page.evaluate(INJECTED) == 0
        plot_texts = page.evaluate("() => Array.from(document.querySelectorAll('.plot text')).map(t => t.textContent)")
        assert HOSTILE_FRAMEWORK in plot_texts  # plotly shows the name literally, not as bold markup
        hovered = []
        for point in page.locator("#fig-box path.point").all()[:40]:  # hover labels carry task names too
            point.scroll_into_view_if_needed()
            box = point.bounding_box()
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=2)
            page.wait_for_timeout(200)
            hovered.append(page.evaluate("() => document.querySelector('#fig-box .hoverlayer')?.textContent || ''"))
            if HOSTILE_TASK in hovered[-1]:
                break
        assert any(HOSTILE_TASK in h for h in hovered), hovered
        assert page.evaluate("() => window.__xss") is None
        assert page.evaluate(INJECTED) == 0
    finally:
        errors = list(watcher.errors)
        watcher.close()
    assert not errors, errors


def test_leaderboard_sorts_by_a_clicked_column(browser, site: Path):
    page_file = next((site / "overview").glob("amlb-hostile*.html"))
    watcher = PageWatcher(browser)
    try:
        watcher.open(page_file.as_uri())
        header = watcher.page.locator("#board th", has_text="rank").first  # "mean rank", the 4th column
        column = "() => Array.from(document.querySelectorAll('#board tbody tr')).map(r => parseFloat(r.cells[3].dataset.v))"
        header.click()
        ascending = watcher.page.evaluate(column)
        header.click()
        descending = watcher.page.evaluate(column)
    finally:
        watcher.close()
    assert len(ascending) == 6
    assert ascending == sorted(ascending) and descending == sorted(ascending, reverse=True)


def test_site_served_over_http_loads_cleanly(browser, site: Path):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *a, **k: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    watcher = PageWatcher(browser)
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        for path in ("index.html", "energy.html", next((site / "overview").glob("*.html")).relative_to(site).as_posix()):
            watcher.open(base + path)
        assert not watcher.errors, watcher.errors
    finally:
        watcher.close()
        server.shutdown()
        server.server_close()
