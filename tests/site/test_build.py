"""The built site as files: pages, assets, downloads, escaping, output-folder safety, the CLI."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from amlb.errors import UserError
from amlb.site import build_site
from tests.site.conftest import HOSTILE_FORMULA, HOSTILE_FRAMEWORK, HOSTILE_INFO, HOSTILE_TASK

RAW_MARKERS = ("<script>window", "<img src=x", "<svg onload", "<b onmouseover", "</title><!--")


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_site_has_every_kind_of_page(site: Path):
    names = {p.relative_to(site).as_posix() for p in pages(site)}
    for required in ("index.html", "energy.html", "failures.html", "methodology.html", "downloads.html",
                     "tasks/index.html", "frameworks/index.html"):
        assert required in names
    overviews = [n for n in names if n.startswith("overview/")]
    # hostile AMLB file: binary; our sample run: binary, multiclass, regression
    assert len(overviews) == 4
    # one page per task name: credit-g and kc1 are in both inputs and share their page
    assert len([n for n in names if n.startswith("tasks/")]) == 1 + 6 + 6 - 2
    for p in pages(site):
        if p.parent.name in ("tasks", "frameworks", "overview"):
            assert re.fullmatch(r"[a-z0-9][a-z0-9-]*\.html", p.name), p.name


def test_untrusted_strings_never_appear_as_markup(site: Path):
    for p in pages(site):
        text = p.read_text(encoding="utf-8")
        for marker in RAW_MARKERS:
            assert marker not in text, f"{marker!r} unescaped in {p.relative_to(site)}"
        # JSON in script blocks cannot end the block early
        for block in re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', text, flags=re.DOTALL):
            assert "<" not in block and ">" not in block
    failures = (site / "failures.html").read_text(encoding="utf-8")
    assert "&lt;/script&gt;&lt;script&gt;window.__xss=3" in failures  # the message is shown, as text
    assert "&lt;b onmouseover=" in (site / "frameworks" / "index.html").read_text(encoding="utf-8")


def test_plotly_is_bundled_once_and_nothing_is_fetched(site: Path):
    bundle = site / "assets" / "plotly.min.js"
    assert bundle.stat().st_size > 1_000_000
    for p in pages(site):
        text = p.read_text(encoding="utf-8")
        assert "cdn." not in text and "fetch(" not in text
        assert len(text) < 1_000_000, "plotly.js must not be inlined into pages"
        for src in re.findall(r'<script src="([^"]+)"', text):
            assert not src.startswith(("http:", "https:", "//")), src
            assert (p.parent / src).resolve().is_file(), src
    assert "fetch(" not in (site / "assets" / "site.js").read_text()


def test_overview_carries_the_analyses(site: Path):
    amlb_page = next(p for p in (site / "overview").iterdir() if p.name.startswith("amlb-hostile"))
    text = amlb_page.read_text(encoding="utf-8")
    for fig in ("fig-worth", "fig-cd", "fig-box", "fig-pareto-infer", "fig-pareto-train"):
        assert f'id="{fig}-data"' in text, fig
    assert "AWS EC2 m5.2xlarge" in text  # hardware stated next to the results
    assert "No energy data" in text  # AMLB files have none
    ours = next(p for p in (site / "overview").iterdir() if p.name.startswith("sample-1h8c-binary"))
    ours_text = ours.read_text(encoding="utf-8")
    assert 'id="fig-pareto-energy-data"' in ours_text
    assert "synthetic sample" in ours_text  # the run's host record
    assert "estimated" in ours_text


def test_energy_page_has_badges_and_statement(site: Path):
    text = (site / "energy.html").read_text(encoding="utf-8")
    assert 'class="badge estimated"' in text
    assert "Carbon impact statement" in text
    assert "No energy data" in text and "amlb-hostile" in text


def test_downloads_hold_all_rows(site: Path, inputs: dict[str, Path]):
    csv_rows = pd.read_csv(site / "downloads" / "results.csv")
    parquet_rows = pd.read_parquet(site / "downloads" / "results.parquet")
    expected = len(pd.read_csv(inputs["amlb"])) + len(pd.read_csv(inputs["run"] / "results.csv"))
    assert len(csv_rows) == len(parquet_rows) == expected
    assert HOSTILE_TASK in set(parquet_rows["task"]) and HOSTILE_FRAMEWORK in set(csv_rows["framework"])
    assert HOSTILE_INFO in set(parquet_rows["info"])
    assert {"energy_kwh", "mf_n_rows", "source", "benchmark"} <= set(parquet_rows.columns)
    assert (site / "downloads" / "leaderboards.csv").is_file()


def test_csv_downloads_cannot_run_as_spreadsheet_formulas(site: Path):
    for name in ("results.csv", "meta-features.csv", "leaderboards.csv"):
        table = pd.read_csv(site / "downloads" / name, dtype=str, keep_default_na=False)
        for column in table.columns:
            assert not column.startswith(("=", "+", "-", "@")), (name, column)
            cells = table[column]
            starts = cells[cells.str.startswith(("=", "+", "-", "@", "\t", "\r"))]
            formulas = starts[pd.to_numeric(starts, errors="coerce").isna()]  # -0.5 is a number, not a formula
            assert formulas.empty, (name, column, formulas.tolist()[:3])
    results = pd.read_csv(site / "downloads" / "results.csv")
    assert "'" + HOSTILE_FORMULA in set(results["info"])  # kept, as inert text
    assert HOSTILE_FORMULA in set(pd.read_parquet(site / "downloads" / "results.parquet")["info"])  # exact


def test_rebuild_replaces_the_site_and_refuses_foreign_folders(tmp_path: Path, inputs: dict[str, Path]):
    out = tmp_path / "site"
    build_site([inputs["amlb"]], out)
    stale = out / "tasks" / "stale-page.html"
    stale.write_text("old")
    build_site([inputs["amlb"], inputs["meta"]], out)
    assert not stale.exists() and (out / "index.html").is_file()
    foreign = tmp_path / "documents"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("keep me")
    with pytest.raises(UserError, match="not empty"):
        build_site([inputs["amlb"]], foreign)
    assert (foreign / "thesis.tex").read_text() == "keep me"


def test_cli_builds_and_reports_bad_input(tmp_path: Path, inputs: dict[str, Path]):
    out = tmp_path / "cli-site"
    done = subprocess.run([sys.executable, "-m", "amlb", "site", str(inputs["amlb"]), "-o", str(out)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert "pages" in done.stdout and (out / "index.html").is_file()
    junk = tmp_path / "junk.csv"
    junk.write_text("a,b\n1,2\n")
    bad = subprocess.run([sys.executable, "-m", "amlb", "site", str(junk), "-o", str(tmp_path / "x")],
                         capture_output=True, text=True, timeout=300, check=False)
    assert bad.returncode == 2 and "amlb: error:" in bad.stderr


def test_publish_script_pushes_the_site_alone_to_a_branch(tmp_path: Path, site: Path):
    if shutil.which("git") is None:
        pytest.skip("git not installed")
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    script = Path(__file__).resolve().parents[2] / "scripts" / "publish_site.sh"
    done = subprocess.run(["bash", str(script), str(site), str(remote), "gh-pages"], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path, check=False)
    assert done.returncode == 0, done.stderr
    files = subprocess.run(["git", f"--git-dir={remote}", "ls-tree", "-r", "--name-only", "gh-pages"],
                           capture_output=True, text=True, check=True).stdout.split()
    assert "index.html" in files and ".nojekyll" in files and "assets/plotly.min.js" in files
    assert ".amlb-site" not in files
    refused = subprocess.run(["bash", str(script), str(tmp_path), str(remote)], capture_output=True, text=True,
                             timeout=60, cwd=tmp_path, check=False)
    assert refused.returncode == 2


def test_failures_page_shows_each_frameworks_budget_compliance(site: Path, inputs: dict[str, Path]):
    from amlb.analysis.budget import budget_compliance
    from amlb.analysis.load import load_results

    expected = budget_compliance(load_results([inputs["run"]]))
    assert len(expected) > 1
    page = (site / "failures.html").read_text(encoding="utf-8")
    section = page[page.index('id="budget"'):page.index("<h2>Messages")]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section))
    for r in expected.itertuples():
        assert re.search(rf"{re.escape(r.framework)} {r.budget_s} {r.jobs} {r.fit_within} / {r.jobs} "
                         rf"{r.job_within} / {r.jobs} {r.killed_for_time} ", text), (r, text[:600])


def test_framework_pages_show_their_own_budget_compliance(site: Path, inputs: dict[str, Path]):
    from amlb.analysis.budget import DEFAULT_SLACK, budget_compliance
    from amlb.analysis.load import load_results
    from amlb.site.render import slugify

    expected = budget_compliance(load_results([inputs["run"]]))
    assert len(expected) > 1
    for r in expected.itertuples():
        page = (site / "frameworks" / f"{slugify(r.framework)}.html").read_text(encoding="utf-8")
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
        assert (f"Of {r.jobs} jobs with a {r.budget_s} s budget: {r.fit_within} trained within the budget, "
                f"{r.job_within} ended within the budget × {DEFAULT_SLACK}, {r.killed_for_time} killed for time."
                ) in text, (r, text[:600])
    # frameworks only in the AMLB file record no budget: their pages have no such section
    for name in ("autoA", "autoB"):
        assert "Budget compliance" not in (site / "frameworks" / f"{slugify(name)}.html").read_text(encoding="utf-8")
