"""The Bradley-Terry tree as one plotly figure: split nodes on top, a worth panel per leaf.

Input is :meth:`amlb.analysis.BTTree.to_json`: nodes in depth-first order with their
``children``; terminal nodes carry a ``worth`` per framework. Leaves are laid out left to
right in that order, each inner node above the middle of its children, and every leaf gets
its own small bar chart (shared framework order, names shown on the first panel only).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from amlb.site.figures import FONT
from amlb.site.render import plot_text

ROW_PX = 20  # height of one framework's bar in a leaf panel
LEVEL_PX = 95  # vertical distance between split levels


def _condition(split: Mapping[str, Any], left: bool) -> str:
    if split.get("split_point") is not None:
        point = split["split_point"]
        text = f"{point:g}" if isinstance(point, float) else str(point)
        return ("≤ " if left else "> ") + text
    levels = [str(x) for x in (split.get("left_levels" if left else "right_levels") or [])]
    text = ", ".join(levels)
    return "∈ {" + (text if len(text) <= 40 else text[:39] + "…") + "}"


def bttree_figure(tree: Mapping[str, Any], colours: Mapping[str, str]) -> dict[str, Any] | None:
    """The figure dict of a tree (``None`` when it has no nodes)."""
    nodes = {n["id"]: n for n in tree.get("nodes") or []}
    if not nodes:
        return None
    frameworks = list(tree["frameworks"])
    root = tree["nodes"][0]["id"]
    leaves = [n["id"] for n in tree["nodes"] if n["terminal"]]
    slot = {node_id: i for i, node_id in enumerate(leaves)}
    x_of: dict[int, float] = {}

    def place(node_id: int) -> float:
        node = nodes[node_id]
        if node["terminal"]:
            x_of[node_id] = (slot[node_id] + 0.5) / len(leaves)
        else:
            x_of[node_id] = sum(place(c) for c in node["children"]) / len(node["children"])
        return x_of[node_id]

    place(root)
    inner_depth = max((n["depth"] for n in nodes.values() if not n["terminal"]), default=0)
    panel_px = ROW_PX * len(frameworks) + 50
    inner_px = LEVEL_PX * inner_depth + 30
    total_px = panel_px + inner_px
    panel_top = panel_px / total_px
    leaf_title_y = panel_top + 12 / total_px

    def y_of(node: Mapping[str, Any]) -> float:
        if node["terminal"]:
            return leaf_title_y
        return 1.0 - (20 + LEVEL_PX * (node["depth"] - 1)) / total_px

    shapes: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    for node in nodes.values():
        if node["terminal"]:
            continue
        x0, y0 = x_of[node["id"]], y_of(node)
        for child_id, left in zip(node["children"], (True, False)):
            child = nodes[child_id]
            x1, y1 = x_of[child_id], y_of(child) + (18 / total_px if child["terminal"] else 0.0)
            shapes.append({"type": "line", "xref": "paper", "yref": "paper", "x0": x0, "y0": y0, "x1": x1, "y1": y1,
                           "line": {"color": "#888", "width": 1.2}, "layer": "below"})
            notes.append({"xref": "paper", "yref": "paper", "x": (x0 + x1) / 2, "y": (y0 + y1) / 2,
                          "text": plot_text(_condition(node["split"] or {}, left)), "showarrow": False,
                          "font": {"size": 11, "color": "#333"}, "bgcolor": "rgba(255,255,255,0.9)"})
        p = node.get("p_value")
        p_text = "" if p is None else ("p < 0.001" if p < 0.001 else f"p = {p:.3f}")
        notes.append({"xref": "paper", "yref": "paper", "x": x0, "y": y0, "showarrow": False,
                      "text": f"<b>{plot_text((node['split'] or {}).get('variable', '?'))}</b><br>"
                              f"{p_text} · n = {node['n']}",
                      "bgcolor": "#eef3fb", "bordercolor": "#5b7db1", "borderwidth": 1, "borderpad": 5,
                      "font": {"size": 12}})
    traces = []
    layout: dict[str, Any] = {
        "height": total_px + 70, "margin": {"l": 200, "r": 15, "t": 10, "b": 50},
        "font": {"family": FONT, "size": 12, "color": "#222"}, "paper_bgcolor": "white", "plot_bgcolor": "white",
        "showlegend": False, "hovermode": "closest",
    }
    max_worth = max((max(n["worth"].values()) for n in nodes.values() if n["terminal"] and n.get("worth")), default=1.0)
    labels = [plot_text(f) for f in frameworks]
    gap = 0.12 / len(leaves) if len(leaves) > 1 else 0.0
    for i, leaf_id in enumerate(leaves):
        leaf = nodes[leaf_id]
        suffix = "" if i == 0 else str(i + 1)
        worth = leaf.get("worth") or {}
        traces.append({
            "type": "bar", "orientation": "h", "x": [worth.get(f) for f in frameworks], "y": labels,
            "xaxis": f"x{suffix}", "yaxis": f"y{suffix}",
            "marker": {"color": [colours.get(f, "#5b7db1") for f in frameworks]},
            "hovertemplate": "%{y}: worth %{x:.3f}<extra>node " + str(leaf_id) + "</extra>",
        })
        layout[f"xaxis{suffix}"] = {"domain": [i / len(leaves) + gap / 2, (i + 1) / len(leaves) - gap / 2],
                                    "anchor": f"y{suffix}", "range": [0, max_worth * 1.05], "gridcolor": "#e5e5e5",
                                    "tickfont": {"size": 10}, "nticks": 4,
                                    "title": {"text": "worth", "font": {"size": 11}}}
        layout[f"yaxis{suffix}"] = {"domain": [0, panel_top], "anchor": f"x{suffix}", "type": "category",
                                    "categoryorder": "array", "categoryarray": labels[::-1],
                                    "showticklabels": i == 0, "automargin": True}
        notes.append({"xref": "paper", "yref": "paper", "x": x_of[leaf_id], "y": leaf_title_y, "yanchor": "bottom",
                      "showarrow": False, "text": f"<b>node {leaf_id}</b> · n = {leaf['n']}",
                      "font": {"size": 12}})
    layout["shapes"] = shapes
    layout["annotations"] = notes
    return {"data": traces, "layout": layout}
