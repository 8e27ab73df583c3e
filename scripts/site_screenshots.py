"""Screenshots of a built results site for the docs: the top of each overview page (down to its
leaderboard) and its critical-difference diagram, the budget-compliance table, and the energy page.

    python scripts/site_screenshots.py SITE_DIR OUT_DIR [--prefix release-]

Needs playwright (pip install playwright) and a Chromium (Debian's /usr/bin/chromium, or
$AMLB_CHROMIUM). Writes PNGs named PREFIX<page>.png into OUT_DIR and prints their paths.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from amlb.site.headless import CHROMIUM_ARGS, PLOTS_DRAWN, find_chromium  # noqa: E402

WIDTH = 1280
MAX_HEIGHT = 2200


def shoot(browser, page_file: Path, target: Path, top: str | None = None, bottom: str | None = None) -> None:
    """A PNG of ``page_file`` from the element ``top`` (CSS selector; default the page's top) down to the
    bottom of ``bottom`` (default: ``top``'s element, else the page), at most MAX_HEIGHT pixels."""
    page = browser.new_page(viewport={"width": WIDTH, "height": 900}, device_scale_factor=1)
    page.goto(page_file.as_uri(), wait_until="load")
    page.wait_for_function(PLOTS_DRAWN)
    page.wait_for_timeout(400)
    box = "(s) => { const e = document.querySelector(s); if (!e) return null; const r = e.getBoundingClientRect();" \
          " return [r.top + window.scrollY, r.bottom + window.scrollY]; }"
    y0 = 0.0
    y1 = page.evaluate("() => document.body.scrollHeight")
    if top:
        found = page.evaluate(box, top)
        if found:
            y0, y1 = found[0] - 8, found[1] + 8
    if bottom:
        found = page.evaluate(box, bottom)
        if found:
            y1 = found[1] + 8
    height = min(int(y1 - y0), MAX_HEIGHT)
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target), clip={"x": 0, "y": max(0, y0), "width": WIDTH, "height": height}, full_page=True)
    page.close()
    print(target)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("site", type=Path, help="a site built by `amlb site`")
    parser.add_argument("out", type=Path, help="folder for the PNGs")
    parser.add_argument("--prefix", default="", help="file name prefix, e.g. release-")
    args = parser.parse_args()
    chromium = find_chromium()
    if chromium is None:
        print("no Chromium found: apt-get install chromium, or set AMLB_CHROMIUM", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=list(CHROMIUM_ARGS))
        for overview in sorted((args.site / "overview").glob("*.html")):
            shoot(browser, overview, args.out / f"{args.prefix}{overview.stem}.png", bottom="#leaderboard")
            shoot(browser, overview, args.out / f"{args.prefix}{overview.stem}-cd.png", top="#cd")
        shoot(browser, args.site / "failures.html", args.out / f"{args.prefix}budget.png", top="#budget")
        shoot(browser, args.site / "energy.html", args.out / f"{args.prefix}energy.png")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
