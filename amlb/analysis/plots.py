"""Static images of an analysis (PNG or SVG) for readers who do not build the site.

:func:`write_plots` draws, from what :func:`amlb.analysis.report.write_analysis` computed:

- ``cd_diagram``: the critical-difference diagram (mean ranks, Nemenyi CD, cliques);
- ``bttree``: the Bradley-Terry tree (splits on top, a worth bar chart per leaf);
- ``pareto_<infer|train|energy>``: normalised score against a cost, the front joined;
- ``failures``: jobs per framework by status (ok, timeout, memory_limit, ...).

matplotlib is an optional dependency (``pip install 'amlb[plots]'``), imported only here and
only when plotting; figures are drawn on :class:`matplotlib.figure.Figure` directly (the Agg
canvas, no pyplot, no display). Without it the plots are skipped with one note.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

FORMATS = ("png", "svg")
DPI = 150
#: colour-blind friendly first (Okabe-Ito), then more
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#B59A00", "#000000",
           "#8C564B", "#7F7F7F", "#17BECF", "#BCBD22", "#9467BD", "#1F77B4", "#FF7F0E", "#2CA02C")
STATUS_COLOURS = {"ok": "#009E73", "timeout": "#E69F00", "memory_limit": "#D55E00", "framework_error": "#CC79A7",
                  "crash": "#000000", "invalid_predictions": "#56B4E9", "setup_error": "#7F7F7F",
                  "data_error": "#B59A00", "infrastructure_error": "#8C564B"}
PARETO_LABELS = {"infer": "median inference time per 1000 rows (s)",
                 "train": "median training time per 1000 rows (s)",
                 "energy": "energy per job (kWh)"}
MISSING = "plots skipped: matplotlib is not installed (pip install 'amlb[plots]')"


@dataclass
class PlotsWritten:
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _figure_class() -> Any:
    from matplotlib.figure import Figure  # noqa: PLC0415 - optional, and only when plotting

    return Figure


def colours(frameworks: Sequence[str]) -> dict[str, str]:
    """One stable colour per framework (sorted by name)."""
    return {fw: PALETTE[i % len(PALETTE)] for i, fw in enumerate(sorted(set(frameworks), key=str.lower))}


def _save(fig: Any, out: Path, stem: str, formats: Sequence[str], written: PlotsWritten) -> None:
    from matplotlib import rc_context  # noqa: PLC0415

    # SVG text stays text (searchable, selectable); no creation date, so the same analysis gives the same file
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "amlb"}):
        for fmt in formats:
            name = f"{stem}.{fmt}"
            fig.savefig(out / name, format=fmt, dpi=DPI, bbox_inches="tight",
                        metadata={"Date": None} if fmt == "svg" else None)
            written.files.append(name)


def _text_safe(name: Any) -> str:
    """A label drawn as written: '$' would start matplotlib's math mode."""
    return str(name).replace("$", r"\$")


def cd_figure(mean_ranks: Mapping[str, float], cd: float, groups: Sequence[Sequence[str]], n_tasks: int,
              alpha: float) -> Any:
    """Demšar's critical-difference diagram: rank axis on top (1 = best, left), names below."""
    ranks = pd.Series(mean_ranks, dtype=float).sort_values()
    k = len(ranks)
    left, right = ranks.iloc[: (k + 1) // 2], ranks.iloc[(k + 1) // 2:][::-1]
    bar_rows = len(groups)
    rows = max(len(left), len(right))
    fig = _figure_class()(figsize=(8, 1.6 + 0.18 * bar_rows + 0.32 * rows))
    ax = fig.add_axes((0.2, 0.0, 0.6, 1.0))
    ax.set_axis_off()
    lo, hi = 1.0, float(max(k, 2))
    ax.plot([lo, hi], [0, 0], color="black", lw=1)
    for r in range(1, int(hi) + 1):
        ax.plot([r, r], [0, -0.08], color="black", lw=1)
        ax.text(r, -0.14, str(r), ha="center", va="bottom", fontsize=9)
    if np.isfinite(cd) and cd > 0:
        ax.plot([lo, lo + cd], [-0.55, -0.55], color="#c0392b", lw=2.5)
        for x in (lo, lo + cd):
            ax.plot([x, x], [-0.5, -0.6], color="#c0392b", lw=1.5)
        ax.text(lo + cd / 2, -0.62, f"CD = {cd:.2f} (Nemenyi, α = {alpha:g}, {n_tasks} tasks)", ha="center",
                va="bottom", fontsize=9, color="#c0392b")
    for j, group in enumerate(groups):
        members = ranks[[g for g in group if g in ranks.index]]
        if len(members):
            y = 0.15 + 0.18 * j
            ax.plot([members.min() - 0.03, members.max() + 0.03], [y, y], color="#444", lw=4,
                    solid_capstyle="round")
    top = 0.3 + 0.18 * bar_rows
    for side, part in (("left", left), ("right", right)):
        for i, (fw, r) in enumerate(part.items()):
            y = top + 0.32 * i
            edge = lo - 0.25 if side == "left" else hi + 0.25
            ax.plot([r, r, edge], [0, y, y], color="#555", lw=1)
            ax.text(edge + (-0.05 if side == "left" else 0.05), y, f"{_text_safe(fw)} ({r:.2f})",
                    ha="right" if side == "left" else "left", va="center", fontsize=10)
    ax.set_xlim(lo - 0.3, hi + 0.3)
    ax.set_ylim(top + 0.32 * rows, -0.9)
    ax.text(0.5 * (lo + hi), -0.36, "mean rank (1 = best)", ha="center", va="bottom", fontsize=9, color="#444")
    return fig


def _condition(split: Mapping[str, Any], left: bool) -> str:
    if split.get("split_point") is not None:
        point = split["split_point"]
        return ("≤ " if left else "> ") + (f"{point:g}" if isinstance(point, float) else str(point))
    text = ", ".join(map(str, split.get("left_levels" if left else "right_levels") or []))
    return "∈ {" + (text if len(text) <= 30 else text[:29] + "…") + "}"


def bttree_figure(tree: Mapping[str, Any]) -> Any | None:
    """The tree of :meth:`amlb.analysis.BTTree.to_json`: split nodes on top, a worth panel per leaf."""
    nodes = {n["id"]: n for n in tree.get("nodes") or []}
    if not nodes:
        return None
    frameworks = list(tree["frameworks"])
    colour = colours(frameworks)
    leaves = [n["id"] for n in tree["nodes"] if n["terminal"]]
    inner_depth = max((n["depth"] for n in nodes.values() if not n["terminal"]), default=0)
    name_in = 0.5 + 0.075 * max(len(f) for f in frameworks)  # room for the names left of the first panel
    leaf_in, panel_in, level_in = 1.9, 0.22 * len(frameworks) + 0.7, 1.0
    width, height = name_in + leaf_in * len(leaves), panel_in + level_in * inner_depth + 0.5
    fig = _figure_class()(figsize=(width, height))
    canvas = fig.add_axes((0, 0, 1, 1))
    canvas.set_axis_off()
    canvas.set_xlim(0, width)
    canvas.set_ylim(0, height)
    x_of: dict[int, float] = {}

    def place(node_id: int) -> float:
        node = nodes[node_id]
        if node["terminal"]:
            x_of[node_id] = name_in + leaf_in * (leaves.index(node_id) + 0.5)
        else:
            x_of[node_id] = sum(place(c) for c in node["children"]) / len(node["children"])
        return x_of[node_id]

    place(tree["nodes"][0]["id"])
    leaf_top = panel_in + 0.05

    def y_of(node: Mapping[str, Any]) -> float:
        return leaf_top if node["terminal"] else height - 0.35 - level_in * (node["depth"] - 1)

    for node in nodes.values():
        if node["terminal"]:
            continue
        x, y = x_of[node["id"]], y_of(node)
        for child_id, is_left in zip(node["children"], (True, False)):
            child = nodes[child_id]
            cx, cy = x_of[child_id], y_of(child)
            canvas.plot([x, cx], [y, cy], color="#888", lw=1, zorder=1)
            canvas.text((x + cx) / 2, (y + cy) / 2, _text_safe(_condition(node["split"] or {}, is_left)),
                        ha="center", va="center", fontsize=8, zorder=3,
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"})
        p = f"\np = {node['p_value']:.3g}" if node.get("p_value") is not None else ""
        canvas.text(x, y, f"{_text_safe(node['split']['variable'])}{p}\nn = {node['n']}", ha="center",
                    va="center", fontsize=9, zorder=4,
                    bbox={"boxstyle": "round,pad=0.3", "fc": "#eef3f8", "ec": "#446"})
    top = max((w for n in nodes.values() if n["terminal"] for w in n["worth"].values()), default=1.0) or 1.0
    for i, leaf_id in enumerate(leaves):
        node = nodes[leaf_id]
        x0 = name_in + leaf_in * i + 0.15
        panel = fig.add_axes((x0 / width, 0.35 / height, (leaf_in - 0.3) / width, (panel_in - 0.75) / height))
        worth = [node["worth"].get(f, 0.0) for f in frameworks]
        panel.barh(range(len(frameworks)), worth, color=[colour[f] for f in frameworks], height=0.7)
        panel.set_ylim(len(frameworks) - 0.5, -0.5)
        panel.set_xlim(0, top * 1.05)
        panel.set_yticks(range(len(frameworks)))
        panel.set_yticklabels([_text_safe(f) for f in frameworks] if i == 0 else [""] * len(frameworks), fontsize=8)
        panel.tick_params(axis="x", labelsize=7)
        panel.set_xlabel("worth", fontsize=8)
        mark = " *" if node.get("note") else ""
        canvas.text(x_of[leaf_id], leaf_top, f"node {leaf_id} (n = {node['n']}){mark}", ha="center",
                    va="bottom", fontsize=9, zorder=4, bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "#446"})
    if any(nodes[i].get("note") for i in leaves):
        canvas.text(0.1, 0.05, "* not tested: no finite Bradley-Terry estimate at this node (see bttree.json)",
                    fontsize=7, color="#444", va="bottom")
    return fig


def pareto_figure(front: pd.DataFrame, cost: str, label: str) -> Any | None:
    """Normalised score (up) against ``cost`` (lower is better); the front joined as a staircase."""
    d = front.dropna(subset=[cost, "mean_norm_score"])
    if d.empty:
        return None
    colour = colours(list(front["framework"]))
    fig = _figure_class()(figsize=(7, 4.5))
    ax = fig.add_subplot()
    on = d[d["on_front"].astype(bool)].sort_values(cost)
    if len(on) > 1:
        ax.step(on[cost], on["mean_norm_score"], where="post", color="#999", lw=1, zorder=1, label="Pareto front")
    for r in d.itertuples():
        fw, x, y, best = r.framework, getattr(r, cost), r.mean_norm_score, bool(r.on_front)
        ax.scatter([x], [y], s=60 if best else 35, color=colour[fw], edgecolor="black" if best else "none", zorder=2)
        ax.annotate(_text_safe(fw), (x, y), xytext=(5, 4), textcoords="offset points", fontsize=8)
    positive = d[cost][d[cost] > 0]
    if len(positive) == len(d) and positive.max() > 10 * positive.min():
        ax.set_xscale("log")
    ax.set_xlabel(f"{label} (lower is better)")
    ax.set_ylabel("mean normalised score (higher is better)")
    ax.grid(True, color="#e5e5e5", lw=0.8)
    ax.set_axisbelow(True)
    ax.set_title("score against cost: points with an edge are on the Pareto front", fontsize=10)
    return fig


def failures_figure(status_counts: pd.DataFrame) -> Any | None:
    """Jobs per framework by status (a stacked bar each): how often each kept its budget and finished."""
    if status_counts.empty:
        return None
    table = status_counts.pivot_table(index="framework", columns="status", values="jobs", aggfunc="sum", fill_value=0)
    order = [s for s in STATUS_COLOURS if s in table.columns] + sorted(set(table.columns) - set(STATUS_COLOURS))
    table = table[order].sort_index(key=lambda s: s.str.lower(), ascending=False)
    fig = _figure_class()(figsize=(7, 1.2 + 0.35 * len(table)))
    ax = fig.add_subplot()
    left = np.zeros(len(table))
    names = [_text_safe(f) for f in table.index]
    for status in order:
        values = table[status].to_numpy(dtype=float)
        ax.barh(names, values, left=left, color=STATUS_COLOURS.get(status, "#bbbbbb"), label=status, height=0.6)
        left += values
    ax.set_xlabel("jobs")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False)
    ax.set_title("jobs by status (timeout, memory_limit: over budget)", fontsize=10)
    ax.grid(True, axis="x", color="#e5e5e5", lw=0.8)
    ax.set_axisbelow(True)
    return fig


def write_plots(out: Path, formats: Sequence[str], *, cd: Any = None, tree: Mapping[str, Any] | None = None,
                fronts: Mapping[str, tuple[pd.DataFrame, str]] | None = None,
                status_counts: pd.DataFrame | None = None) -> PlotsWritten:
    """Draw every figure whose data is there, in each of ``formats``; a missing matplotlib is one note.

    ``cd`` is a :class:`~amlb.analysis.ranking.CDResult`, ``tree`` a tree's JSON, ``fronts`` maps
    ``infer|train|energy`` to (pareto frame, cost column), ``status_counts`` has framework, status, jobs.
    """
    written = PlotsWritten()
    if not formats:
        return written
    try:
        figure_class = _figure_class()
    except ImportError:
        written.notes.append(MISSING)
        return written
    del figure_class
    figures: list[tuple[str, Any]] = []
    if cd is not None:
        figures.append(("cd_diagram", cd_figure(cd.mean_ranks.to_dict(), cd.cd, cd.groups, cd.n_tasks, cd.alpha)))
    if tree is not None:
        figures.append(("bttree", bttree_figure(tree)))
    for name, (front, column) in (fronts or {}).items():
        figures.append((f"pareto_{name}", pareto_figure(front, column, PARETO_LABELS.get(name, column))))
    if status_counts is not None:
        figures.append(("failures", failures_figure(status_counts)))
    for stem, fig in figures:
        if fig is not None:
            _save(fig, out, stem, formats, written)
    return written
