"""Plotly figures as plain ``{"data": [...], "layout": {...}}`` dicts, built from DataFrames.

The dicts are rendered by the bundled plotly.js in the browser; building them by hand
keeps the build fast (no figure validation) and puts every label through
:func:`~amlb.site.render.plot_text`, because plotly interprets HTML-like tags in labels.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from amlb.site.render import plot_text

#: A qualitative palette (colour-blind friendly first 8, then more) for frameworks.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#B59A00", "#000000",
           "#8C564B", "#7F7F7F", "#17BECF", "#BCBD22", "#9467BD", "#1F77B4", "#FF7F0E", "#2CA02C")
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"


def colour_map(frameworks: Sequence[str]) -> dict[str, str]:
    """One stable colour per framework name (sorted order), reused on every page."""
    return {fw: PALETTE[i % len(PALETTE)] for i, fw in enumerate(sorted(set(frameworks), key=str.lower))}


def base_layout(height: int = 420, **extra: Any) -> dict[str, Any]:
    """The layout every figure starts from."""
    layout: dict[str, Any] = {
        "height": height, "margin": {"l": 60, "r": 20, "t": 30, "b": 50},
        "font": {"family": FONT, "size": 13, "color": "#222"},
        "paper_bgcolor": "white", "plot_bgcolor": "white", "hovermode": "closest",
        "xaxis": {"gridcolor": "#e5e5e5", "zerolinecolor": "#bbb"},
        "yaxis": {"gridcolor": "#e5e5e5", "zerolinecolor": "#bbb"},
    }
    layout.update(extra)
    return layout


def _floats(values: Any) -> list[float | None]:
    return [float(v) if v is not None and np.isfinite(v) else None for v in pd.to_numeric(pd.Series(values), errors="coerce")]


def bt_worth_figure(board: pd.DataFrame, colours: Mapping[str, str]) -> dict[str, Any] | None:
    """Bradley-Terry worth per framework with its confidence interval (dot and whiskers)."""
    if "bt_worth" not in board or board["bt_worth"].isna().all():
        return None
    b = board.dropna(subset=["bt_worth"]).sort_values("bt_worth")
    names = [plot_text(f) for f in b["framework"]]
    worth = np.asarray(_floats(b["bt_worth"]), dtype=float)
    lo = np.asarray(_floats(b.get("bt_ci_low", b["bt_worth"])), dtype=float)
    hi = np.asarray(_floats(b.get("bt_ci_high", b["bt_worth"])), dtype=float)
    trace = {
        "type": "scatter", "mode": "markers", "x": worth.tolist(), "y": names,
        "marker": {"size": 10, "color": [colours.get(f, "#444") for f in b["framework"]]},
        "error_x": {"type": "data", "symmetric": False, "array": np.nan_to_num(hi - worth).tolist(),
                    "arrayminus": np.nan_to_num(worth - lo).tolist(), "color": "#666", "thickness": 1.5},
        "hovertemplate": "%{y}<br>worth %{x:.3f}<extra></extra>", "showlegend": False,
    }
    return {"data": [trace], "layout": base_layout(
        height=max(220, 28 * len(b) + 80), margin={"l": 190, "r": 20, "t": 20, "b": 50},
        xaxis={"title": {"text": "Bradley-Terry worth (95 % CI)"}, "gridcolor": "#e5e5e5", "rangemode": "tozero"},
        yaxis={"automargin": True, "type": "category"})}


def score_boxplot(scores: pd.DataFrame, colours: Mapping[str, str], clip_at: float = -1.0) -> dict[str, Any] | None:
    """Normalised score per task (mean over folds) as one horizontal box per framework."""
    if scores is None or scores.empty:
        return None
    per_task = scores.groupby(["framework", "task"], observed=True)["score"].mean().reset_index()
    order = per_task.groupby("framework", observed=True)["score"].median().sort_values().index.tolist()
    traces = []
    for fw in order:
        part = per_task[per_task["framework"] == fw]
        traces.append({
            "type": "box", "name": plot_text(fw), "x": _floats(part["score"]), "orientation": "h",
            "text": [plot_text(t) for t in part["task"]], "boxpoints": "all", "jitter": 0.4, "pointpos": 0,
            "marker": {"size": 4, "opacity": 0.55, "color": colours.get(fw, "#444")},
            "line": {"color": colours.get(fw, "#444"), "width": 1.5}, "fillcolor": "rgba(0,0,0,0)",
            "hovertemplate": "%{text}<br>score %{x:.3f}<extra>%{y}</extra>", "showlegend": False,
        })
    values = per_task["score"].replace([np.inf, -np.inf], np.nan).dropna()
    low = max(float(values.min()) if len(values) else 0.0, clip_at) - 0.05
    high = float(values.max()) + 0.05 if len(values) else 1.05
    return {"data": traces, "layout": base_layout(
        height=max(260, 34 * len(order) + 90), margin={"l": 190, "r": 20, "t": 20, "b": 60},
        xaxis={"title": {"text": f"normalised score per task (axis clipped at {clip_at:g})"},
               "range": [low, high], "gridcolor": "#e5e5e5", "zerolinecolor": "#999"},
        yaxis={"automargin": True, "type": "category"})}


def pareto_figure(points: pd.DataFrame, x: str, y: str, x_title: str, colours: Mapping[str, str],
                  y_title: str = "mean normalised score") -> dict[str, Any] | None:
    """Frameworks as points (x lower is better, log axis); the Pareto front joined by a step line."""
    p = points.replace([np.inf, -np.inf], np.nan).dropna(subset=[x, y])
    p = p[p[x] > 0]
    if p.empty:
        return None
    on_front = p["on_front"].astype(bool) if "on_front" in p else pd.Series(False, index=p.index)
    front = p[on_front].sort_values(x)
    traces: list[dict[str, Any]] = []
    if len(front) > 1:
        traces.append({"type": "scatter", "mode": "lines", "x": _floats(front[x]), "y": _floats(front[y]),
                       "line": {"shape": "hv", "color": "#999", "dash": "dot"}, "hoverinfo": "skip",
                       "name": "Pareto front", "showlegend": True})
    for fw, row in zip(p["framework"], p.itertuples()):
        is_front = bool(on_front.get(row.Index, False))
        traces.append({
            "type": "scatter", "mode": "markers+text" if is_front else "markers",
            "x": [float(getattr(row, x))], "y": [float(getattr(row, y))],
            "text": [plot_text(fw)] if is_front else None, "textposition": "top center", "textfont": {"size": 11},
            "marker": {"size": 13 if is_front else 10, "color": colours.get(fw, "#444"),
                       "symbol": "diamond" if is_front else "circle", "line": {"width": 1, "color": "#333"}},
            "name": plot_text(fw), "showlegend": True,
            "hovertemplate": f"<b>{plot_text(fw)}</b><br>%{{x:.3g}}<br>score %{{y:.3f}}"
                             f"{'<br>on the Pareto front' if is_front else ''}<extra></extra>",
        })
    return {"data": traces, "layout": base_layout(
        height=440, legend={"font": {"size": 11}, "itemclick": "toggle"}, margin={"l": 60, "r": 10, "t": 20, "b": 50},
        xaxis={"title": {"text": x_title + " (log scale, lower is better)"}, "type": "log", "gridcolor": "#e5e5e5"},
        yaxis={"title": {"text": y_title}, "gridcolor": "#e5e5e5"})}


def cd_diagram(mean_ranks: pd.Series, cd: float, groups: Sequence[Sequence[str]] | None,
               colours: Mapping[str, str], title: str = "") -> dict[str, Any] | None:
    """A critical-difference diagram (Demšar 2006) drawn with shapes and annotations.

    Frameworks hang from a rank axis (best on the left), the critical difference is
    drawn to scale above it, and thick bars join groups that are not significantly different.
    """
    ranks = pd.Series(mean_ranks).dropna().sort_values()
    k = len(ranks)
    if k < 2:
        return None
    lo, hi = 1, max(k, math.ceil(float(ranks.max())))
    half = math.ceil(k / 2)
    line_gap = 1.0
    shapes: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    for tick in range(lo, hi + 1):
        shapes.append(_line(tick, 0, tick, 0.25, "#333", 1))
        notes.append({"x": tick, "y": 0.35, "text": str(tick), "showarrow": False, "yanchor": "bottom"})
    shapes.append(_line(lo, 0, hi, 0, "#333", 1.5))
    bars = [list(g) for g in (groups or []) if len(list(g)) > 1]
    bar_rows = max(1, len(bars))
    label_top = -(bar_rows * 0.45 + 0.9)
    for i, (fw, rank) in enumerate(ranks.items()):
        left = i < half
        level = label_top - (i if left else k - 1 - i) * line_gap
        end_x = lo - 0.15 if left else hi + 0.15
        colour = colours.get(str(fw), "#333")
        shapes.append(_line(rank, 0, rank, level, colour, 1.5))
        shapes.append(_line(rank, level, end_x, level, colour, 1.5))
        notes.append({"x": end_x, "y": level, "showarrow": False, "xanchor": "right" if left else "left",
                      "text": f"{plot_text(fw)} ({rank:.2f})" if left else f"({rank:.2f}) {plot_text(fw)}",
                      "font": {"color": "#222"}})
    for j, members in enumerate(bars):
        r = ranks.reindex([m for m in members if m in ranks.index]).dropna()
        if len(r) > 1:
            y = -0.35 - j * 0.45
            shapes.append(_line(float(r.min()) - 0.03, y, float(r.max()) + 0.03, y, "#222", 5))
    if cd and np.isfinite(cd):
        shapes.append(_line(lo, 1.3, lo + cd, 1.3, "#c0392b", 2.5))
        notes.append({"x": lo + cd / 2, "y": 1.45, "text": f"CD = {cd:.2f}", "showarrow": False,
                      "yanchor": "bottom", "font": {"color": "#c0392b"}})
    bottom = label_top - (half - 1) * line_gap - 0.8
    # an invisible trace gives plotly axes to draw on and hover texts for the ranks
    trace = {"type": "scatter", "mode": "markers", "x": [float(v) for v in ranks.values], "y": [0] * k,
             "text": [plot_text(f) for f in ranks.index], "marker": {"size": 8, "color": "#333"},
             "hovertemplate": "%{text}<br>mean rank %{x:.2f}<extra></extra>", "showlegend": False}
    return {"data": [trace], "layout": base_layout(
        height=int(60 + 30 * (2.4 - bottom)), margin={"l": 230, "r": 230, "t": 10, "b": 10},
        xaxis={"range": [lo - 0.2, hi + 0.2], "visible": False, "fixedrange": True},
        yaxis={"range": [bottom, 2.2], "visible": False, "fixedrange": True},
        shapes=shapes, annotations=notes, title={"text": plot_text(title)} if title else None)}


def _line(x0: float, y0: float, x1: float, y1: float, colour: str, width: float) -> dict[str, Any]:
    return {"type": "line", "x0": x0, "y0": y0, "x1": x1, "y1": y1, "xref": "x", "yref": "y",
            "line": {"color": colour, "width": width}}


def task_scores_figure(rows: pd.DataFrame, colours: Mapping[str, str], metric: str) -> dict[str, Any] | None:
    """One task: every framework's result per fold (a dot per fold), one trace per constraint."""
    ok = rows.dropna(subset=["result"])
    if ok.empty:
        return None
    symbols = ("circle", "diamond", "square", "triangle-up", "x", "cross")
    order = ok.groupby("framework", observed=True)["result"].mean().sort_values().index.tolist()
    traces = []
    for i, (constraint, part) in enumerate(ok.groupby("constraint", observed=True, sort=True)):
        traces.append({
            "type": "scatter", "mode": "markers", "name": plot_text(constraint),
            "x": _floats(part["result"]), "y": [plot_text(f) for f in part["framework"]],
            "text": [f"fold {int(f)}" if pd.notna(f) else "" for f in part["fold"]],
            "marker": {"size": 9, "opacity": 0.75, "symbol": symbols[i % len(symbols)],
                       "color": [colours.get(f, "#444") for f in part["framework"]],
                       "line": {"width": 1, "color": "#333"}},
            "hovertemplate": "%{y}<br>%{text}: %{x:.4g}<extra>" + plot_text(constraint) + "</extra>",
        })
    return {"data": traces, "layout": base_layout(
        height=max(240, 30 * len(order) + 110), margin={"l": 190, "r": 20, "t": 20, "b": 60},
        legend={"orientation": "h", "y": -0.25},
        xaxis={"title": {"text": f"result ({plot_text(metric)}, higher is better)"}, "gridcolor": "#e5e5e5"},
        yaxis={"automargin": True, "type": "category", "categoryorder": "array",
               "categoryarray": [plot_text(f) for f in order]})}


def stacked_bar(counts: pd.DataFrame, x_title: str, colour_of: Mapping[str, str] | None = None) -> dict[str, Any] | None:
    """Rows are bars (e.g. frameworks), columns are stacked segments (e.g. failure types)."""
    if counts is None or counts.empty or counts.to_numpy().sum() == 0:
        return None
    counts = counts.loc[counts.sum(axis=1).sort_values().index]
    traces = []
    for i, column in enumerate(counts.columns):
        traces.append({"type": "bar", "orientation": "h", "name": plot_text(column),
                       "x": [int(v) for v in counts[column]], "y": [plot_text(r) for r in counts.index],
                       "marker": {"color": (colour_of or {}).get(column, PALETTE[i % len(PALETTE)])},
                       "hovertemplate": "%{y}: %{x}<extra>" + plot_text(column) + "</extra>"})
    return {"data": traces, "layout": base_layout(
        height=max(240, 28 * len(counts) + 120), barmode="stack", margin={"l": 190, "r": 20, "t": 20, "b": 60},
        legend={"orientation": "h", "y": -0.2},
        xaxis={"title": {"text": x_title}, "gridcolor": "#e5e5e5"}, yaxis={"automargin": True, "type": "category"})}


def bar_figure(labels: Sequence[str], values: Sequence[float], x_title: str, colours: Sequence[str],
               hover: Sequence[str] | None = None) -> dict[str, Any] | None:
    """A horizontal bar chart (labels are escaped here)."""
    vals = _floats(values)
    if not any(v is not None for v in vals):
        return None
    trace = {"type": "bar", "orientation": "h", "x": vals, "y": [plot_text(v) for v in labels],
             "marker": {"color": list(colours)}, "showlegend": False,
             "customdata": [plot_text(h) for h in hover] if hover else None,
             "hovertemplate": "%{y}: %{x:.3g}" + ("<br>%{customdata}" if hover else "") + "<extra></extra>"}
    return {"data": [trace], "layout": base_layout(
        height=max(220, 28 * len(labels) + 90), margin={"l": 190, "r": 20, "t": 20, "b": 60},
        xaxis={"title": {"text": x_title}, "gridcolor": "#e5e5e5"},
        yaxis={"automargin": True, "type": "category"})}
