"""Build the static results site: load, analyse, render every page, copy assets and downloads.

The output is a folder of plain HTML files that works from ``file://`` (no fetch of
local files: every page carries its own data in JSON script blocks) and offline
(plotly.js is written once to ``assets/`` instead of loaded from a CDN).
"""
from __future__ import annotations

import datetime as _dt
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd

from amlb import __version__, analysis
from amlb.analysis.baselines import borrow_constant_predictor
from amlb.analysis.budget import budget_compliance
from amlb.errors import UserError
from amlb.site import data, pages_detail, pages_overview
from amlb.site.compute import Overview, analyse
from amlb.site.figures import colour_map
from amlb.site.model import SiteModel
from amlb.site.render import make_environment, slugify, write_page

#: a file in every built site: a folder holding it may be rebuilt in place
MARKER = ".amlb-site"
#: folders of generated pages, emptied before a rebuild so no stale page survives
GENERATED_DIRS = ("overview", "tasks", "frameworks", "assets", "downloads")


@dataclass
class BuildReport:
    """What a build wrote, and how long it took."""

    out_dir: Path
    pages: list[str] = field(default_factory=list)
    seconds: float = 0.0
    rows: int = 0
    overviews: int = 0
    notes: list[str] = field(default_factory=list)


def load_model(inputs: Sequence[str | Path], title: str, tree_depth: int = 3) -> SiteModel:
    """Read the inputs and run every analysis the site shows."""
    paths = data.classify_inputs(inputs)
    results = analysis.load_results(paths.results)
    if results.empty:
        raise UserError("the results files hold no rows", "check the inputs")
    sources = data.describe_sources(results)
    results = data.add_benchmark_column(results, sources)
    metas = [analysis.load_meta(p) for p in paths.meta] + [analysis.meta_from_results(results)]
    meta = _merge_meta(metas)
    kinds = data.failure_kind(results).where(results["status"] != "ok", "")
    grouped, borrowed = borrow_constant_predictor(results, by=("benchmark", "type", "constraint"))
    overviews: list[Overview] = []
    baseline_only: list[Overview] = []
    for (bench, constraint, typ), rows in grouped.groupby(["benchmark", "constraint", "type"], sort=True):
        ov = Overview(bench, constraint, typ, slugify(f"{bench}-{constraint}-{typ}"), rows,
                      borrowed_from=borrowed.get((bench, typ, constraint)))
        if ov.comparable:
            overviews.append(analyse(ov, meta, tree_depth=tree_depth))
        else:
            baseline_only.append(ov)
    return SiteModel(results=results, kinds=kinds, budget=budget_compliance(results), meta=meta, sources=sources,
                     overviews=overviews, colours=colour_map(results["framework"].unique()), title=title,
                     generated=_dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                     version=__version__, tree_depth=tree_depth, baseline_only=baseline_only)


def _merge_meta(metas: list[pd.DataFrame]) -> pd.DataFrame:
    """One row per task: the first known value of each meta-feature over the tables."""
    useful = [m for m in metas if len(m.columns) > 1 and len(m)]
    if not useful:
        return metas[-1] if metas else pd.DataFrame({"task": []})
    merged = pd.concat(useful, ignore_index=True, sort=False)
    # a task row with no value at all would hide the same task under another spelling
    merged = merged[merged.drop(columns="task").notna().any(axis=1)]
    return merged.groupby("task", sort=True).first().reset_index()


def prepare_output(out_dir: Path) -> None:
    """Create ``out_dir``, or empty the generated parts of a site built there before.

    A non-empty folder that is not a built site is refused, so a typo cannot wipe a
    folder of other files.
    """
    if out_dir.exists():
        if not out_dir.is_dir():
            raise UserError(f"{out_dir} exists and is not a folder", "choose another -o")
        if any(out_dir.iterdir()) and not (out_dir / MARKER).is_file():
            raise UserError(f"{out_dir} is not empty and holds no site built by amlb",
                            "choose an empty or new folder with -o")
        for name in GENERATED_DIRS:
            shutil.rmtree(out_dir / name, ignore_errors=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / MARKER).write_text("built by `amlb site`; this folder is replaced on the next build\n")
    (out_dir / ".nojekyll").write_text("")  # GitHub Pages: serve files as they are


def write_assets(out_dir: Path) -> None:
    """site.css, site.js and the plotly.js bundle (written once, shared by every page)."""
    from plotly.offline import get_plotlyjs

    assets = out_dir / "assets"
    assets.mkdir(parents=True, exist_ok=True)
    static = resources.files("amlb.site") / "static"
    for name in ("site.css", "site.js"):
        (assets / name).write_text(static.joinpath(name).read_text(encoding="utf-8"), encoding="utf-8")
    (assets / "plotly.min.js").write_text(get_plotlyjs(), encoding="utf-8")


def write_downloads(model: SiteModel, out_dir: Path) -> list[dict[str, str]]:
    """The raw results (CSV, Parquet), the meta-features and the leaderboards."""
    folder = out_dir / "downloads"
    folder.mkdir(parents=True, exist_ok=True)
    spreadsheet_safe(model.results).to_csv(folder / "results.csv", index=False)
    _to_parquet(model.results, folder / "results.parquet")
    spreadsheet_safe(model.meta).to_csv(folder / "meta-features.csv", index=False)
    boards = [ov.board.assign(benchmark=ov.benchmark, constraint=ov.constraint, type=ov.type, normalisation=ov.method)
              for ov in model.overviews if ov.board is not None]
    files = [("results.csv", "all results, one row per job (CSV)"),
             ("results.parquet", "the same table as Parquet (typed columns)"),
             ("meta-features.csv", "task meta-features used by the Bradley-Terry trees and the per-row times")]
    if boards:
        spreadsheet_safe(pd.concat(boards, ignore_index=True)).to_csv(folder / "leaderboards.csv", index=False)
        files.append(("leaderboards.csv", "every leaderboard of the site, one row per group and framework"))
    return [{"name": name, "path": f"downloads/{name}", "description": text,
             "size": _size((folder / name).stat().st_size)} for name, text in files]


#: a spreadsheet reads a cell that starts with one of these as a formula (CSV injection)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(df: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells and column names cannot run as spreadsheet formulas: those that start
    like a formula (and are not a number such as ``-0.5``) get a leading apostrophe. The Parquet
    download stays exact."""
    def safe(v: object) -> object:
        return "'" + v if isinstance(v, str) and v.startswith(FORMULA_STARTS) and not _is_number(v) else v

    out = df.rename(columns=lambda c: safe(str(c)))
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c].dtype):
            out[c] = out[c].map(safe)
    return out


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _to_parquet(df: pd.DataFrame, path: Path) -> None:
    """Write Parquet; a text column holding mixed types is written as strings."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object:
            kinds = {type(v) for v in out[c].dropna()}
            if len(kinds) > 1:
                out[c] = out[c].map(lambda v: None if pd.isna(v) else str(v))
    out.to_parquet(path, index=False)


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


def build_site(inputs: Sequence[str | Path], out_dir: str | Path, title: str = "AutoML benchmark results",
               tree_depth: int = 3) -> BuildReport:
    """Build the site from results files, run directories and meta-feature files into ``out_dir``.

    Parameters
    ----------
    inputs
        AMLB results CSVs, run directories holding a ``results.csv``, and meta-feature
        CSVs (a ``name``/``task`` column and no ``framework`` column), in any order.
    out_dir
        Folder to write (created; a previous site there is replaced).
    title
        Site title shown in every page header.
    tree_depth
        Maximum depth of the Bradley-Terry trees.
    """
    start = time.perf_counter()
    out = Path(out_dir)
    model = load_model(inputs, title, tree_depth)
    prepare_output(out)
    write_assets(out)
    env = make_environment()
    report = BuildReport(out_dir=out, rows=len(model.results), overviews=len(model.overviews))
    pages = report.pages
    pages.append(write_page(env, "index.html", out, "index.html", **pages_overview.index_context(model)))
    for ov in model.overviews:
        pages.append(write_page(env, "overview.html", out, model.overview_href(ov),
                                **pages_overview.overview_context(model, ov)))
        report.notes += [f"{ov.title}: {n}" for n in ov.notes]
    pages.append(write_page(env, "energy.html", out, "energy.html", **pages_overview.energy_context(model)))
    pages.append(write_page(env, "failures.html", out, "failures.html", **pages_detail.failures_context(model)))
    meta_rows = pages_detail.meta_rows(model)
    pages.append(write_page(env, "tasks_index.html", out, "tasks/index.html",
                            **pages_detail.tasks_index_context(model, meta_rows)))
    for path, ctx in pages_detail.task_pages(model, meta_rows):
        pages.append(write_page(env, "task.html", out, path, **ctx))
    pages.append(write_page(env, "frameworks_index.html", out, "frameworks/index.html",
                            **pages_detail.frameworks_index_context(model)))
    for path, ctx in pages_detail.framework_pages(model):
        pages.append(write_page(env, "framework.html", out, path, **ctx))
    pages.append(write_page(env, "methodology.html", out, "methodology.html", **pages_detail.methodology_context(model)))
    files = write_downloads(model, out)
    sources = [{"name": model.source_name(s), "benchmark": s.benchmark, "rows": s.rows, "sha256": s.sha256}
               for s in model.sources]
    pages.append(write_page(env, "downloads.html", out, "downloads.html", **model.common("downloads"),
                            files=files, sources=sources))
    report.seconds = time.perf_counter() - start
    return report

