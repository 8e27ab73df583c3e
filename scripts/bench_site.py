#!/usr/bin/env python
"""Benchmark the results site: build time over AMLB 2021Q3 plus a run of ours, and the load
time of every page in headless Chromium from disk (targets: build <= 20 s, each page <= 2 s).

    python scripts/bench_site.py                      # 2021Q3 from ../shared, our newest run or a synthetic one
    python scripts/bench_site.py --run results/run1 --out /tmp/site --screenshot docs/img/overview.png

A page counts as loaded when its load event has fired and every plot on it is drawn.
Each page is opened in a fresh browser context (no cache shared with the previous page).
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from amlb.site import build_site
from amlb.site.headless import CHROMIUM_ARGS, PLOTS_DRAWN, find_chromium
from amlb.site.sample import write_sample_run

BUILD_TARGET_S, PAGE_TARGET_S = 20.0, 2.0


def find_our_run() -> Path | None:
    """The newest run directory under ./results holding a results.csv."""
    runs = sorted((REPO / "results").glob("*/results.csv"), key=lambda p: p.stat().st_mtime)
    return runs[-1].parent if runs else None


def load_times(site: Path, chromium: str, screenshot: Path | None, repeat: int = 1) -> list[tuple[str, float, int]]:
    """(page, seconds, plots) for every page of the site; seconds is the best of ``repeat`` loads."""
    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=list(CHROMIUM_ARGS))
        for page_file in sorted(site.rglob("*.html")):
            best, plots = float("inf"), 0
            for _ in range(repeat):
                context = browser.new_context(viewport={"width": 1360, "height": 900})
                page = context.new_page()
                start = time.perf_counter()
                page.goto(page_file.as_uri(), wait_until="load")
                page.wait_for_function(PLOTS_DRAWN, timeout=30000)
                best = min(best, time.perf_counter() - start)
                plots = page.evaluate("() => document.querySelectorAll('div.plot[data-figure] > .plot-container').length")
                context.close()
            results.append((page_file.relative_to(site).as_posix(), best, plots))
        if screenshot is not None:
            take_screenshot(browser, site, screenshot)
        browser.close()
    return results


def take_screenshot(browser, site: Path, target: Path) -> None:
    """The top of the first overview (AMLB 2021Q3 1h8c_gp3 binary when present) as a PNG."""
    pages = sorted((site / "overview").glob("*1h8c-gp3-binary*.html")) or sorted((site / "overview").glob("*.html"))
    page = browser.new_page(viewport={"width": 1360, "height": 900}, device_scale_factor=1)
    page.goto(pages[0].as_uri(), wait_until="load")
    page.wait_for_function(PLOTS_DRAWN)
    page.wait_for_timeout(500)
    target.parent.mkdir(parents=True, exist_ok=True)
    height = page.evaluate("() => document.querySelector('#cd').getBoundingClientRect().bottom + window.scrollY + 16")
    page.screenshot(path=str(target), clip={"x": 0, "y": 0, "width": 1360, "height": min(int(height), 2600)},
                    full_page=True)
    page.close()
    print(f"screenshot: {target}")


def main() -> int:
    default_amlb = REPO.parent / "shared" / "data" / "amlb-2021q3"
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--amlb", type=Path, default=default_amlb, help="folder with AMLB's 2021Q3 CSVs")
    parser.add_argument("--run", type=Path, help="a run directory of ours (default: newest under ./results, else synthetic)")
    parser.add_argument("--out", type=Path, help="where to build the site (default: a temporary folder)")
    parser.add_argument("--chromium", help="the Chromium binary (default: $AMLB_CHROMIUM, /usr/bin/chromium or PATH)")
    parser.add_argument("--screenshot", type=Path, help="also save a screenshot of an overview page here")
    parser.add_argument("--no-browser", action="store_true", help="measure the build only")
    parser.add_argument("--repeat", type=int, default=1,
                        help="load each page this many times and keep the fastest (the machine may be shared)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="amlb-bench-site-"))
    try:
        return run_benchmark(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)  # the synthetic run, and the site unless --out


def run_benchmark(args: argparse.Namespace, work: Path) -> int:
    """Build, then time every page; 0 when both targets are met."""
    amlb_files = sorted(args.amlb.glob("*.csv")) if args.amlb.is_dir() else []
    if not amlb_files:
        print(f"no AMLB 2021Q3 files in {args.amlb}: building from our run only")
    run = args.run or find_our_run()
    if run is None:
        run = write_sample_run(work / "synthetic-run", benchmark="synthetic", tasks=9, folds=10).parent
        print(f"no run of ours under {REPO / 'results'}: synthesised {run}")
    out = args.out or work / "site"
    start = time.perf_counter()
    report = build_site([run, *amlb_files], out)
    build_s = time.perf_counter() - start
    print(f"build: {build_s:.2f} s for {len(report.pages)} pages, {report.rows:,} result rows "
          f"({len(amlb_files)} AMLB files + {run}) -> {out}   [target <= {BUILD_TARGET_S:.0f} s]")
    if args.no_browser:
        return 0 if build_s <= BUILD_TARGET_S else 1
    chromium = args.chromium or find_chromium()
    if chromium is None or not Path(chromium).is_file():
        print(f"no chromium ({chromium or 'none found'}): page load times not measured")
        return 0 if build_s <= BUILD_TARGET_S else 1
    repeat = max(1, args.repeat)
    times = load_times(out, chromium, args.screenshot, repeat)
    print(f"\npage load times in Chromium from disk (load event + every plot drawn, best of {repeat}), slowest first:")
    print(f"{'seconds':>8}  {'plots':>5}  page")
    for name, seconds, plots in sorted(times, key=lambda t: -t[1]):
        print(f"{seconds:8.3f}  {plots:5d}  {name}")
    values = [t[1] for t in times]
    slow = [t for t in times if t[1] > PAGE_TARGET_S]
    print(f"\n{len(times)} pages: median {statistics.median(values):.3f} s, max {max(values):.3f} s, "
          f"{len(slow)} over {PAGE_TARGET_S:.0f} s   [target: each <= {PAGE_TARGET_S:.0f} s]")
    return 0 if build_s <= BUILD_TARGET_S and not slow else 1


if __name__ == "__main__":
    sys.exit(main())
