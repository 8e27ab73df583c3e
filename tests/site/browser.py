"""Helpers for driving the built site in headless Chromium (used by the browser tests)."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

from amlb.site.headless import PLOTS_DRAWN

#: JS: per plot box, its id, height and number of drawn marks (points, boxes, bars, shapes)
PLOT_MARKS = """() => Array.from(document.querySelectorAll('div.plot[data-figure]')).map(b => ({
    id: b.id, height: b.getBoundingClientRect().height,
    marks: b.querySelectorAll('path.point, path.box, .shapelayer path, .barlayer path, .scatterlayer path.js-line').length}))"""
LINKS = """() => Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))
    .concat(Array.from(document.querySelectorAll('select.jump option')).map(o => o.value))"""


class PageWatcher:
    """A browser page that records console errors and uncaught exceptions."""

    def __init__(self, browser):
        self.page = browser.new_page(viewport={"width": 1360, "height": 900})
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))

    def open(self, url: str, timeout_ms: int = 15000) -> None:
        self.page.goto(url, wait_until="load", timeout=timeout_ms)
        self.page.wait_for_function(PLOTS_DRAWN, timeout=timeout_ms)

    def close(self) -> None:
        self.page.close()


def broken_links(page_file: Path, hrefs: list[str], site: Path) -> list[str]:
    """Internal links of a page whose target file (or #anchor in it) does not exist."""
    broken = []
    for href in hrefs:
        if not href or href.startswith(("http:", "https:", "mailto:", "data:")):
            continue
        path_part, _, fragment = href.partition("#")
        target = (page_file.parent / unquote(path_part)).resolve() if path_part else page_file
        if not target.is_file() or site.resolve() not in target.parents:
            broken.append(f"{page_file.name}: {href}")
            continue
        if fragment and target.suffix == ".html":
            text = target.read_text(encoding="utf-8")
            if not re.search(rf'id="{re.escape(fragment)}"', text):
                broken.append(f"{page_file.name}: {href} (no such anchor)")
    return broken
