"""Node-by-node comparison of a tree's JSON with psychotree's (reference JSON)."""
from __future__ import annotations

import math
from typing import Any

NOISE_NOTE = "no finite estimate"


def _close(a: float | None, b: float | None, rel: float, abs_: float = 0.0) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def compare_trees(mine: dict[str, Any], ref: dict[str, Any], p_rel: float = 1e-6, worth_abs: float = 1e-6) -> dict[str, Any]:
    """Walk both trees from the root; return mismatches and the nodes skipped as noise.

    A node where amlb found no finite estimate of the node model (note "no finite
    estimate") is one where psychotree's tests run on rounding noise: there its
    outcome is not compared and its subtree is skipped (counted in ``noise``).
    """
    by_id_m = {n["id"]: n for n in mine["nodes"]}
    by_id_r = {n["id"]: n for n in ref["nodes"]}
    problems: list[str] = []
    noise: list[int] = []
    compared = 0
    if mine["frameworks"] != ref["frameworks"]:
        problems.append(f"frameworks differ: {mine['frameworks']} vs {ref['frameworks']}")

    def walk(mid: int, rid: int) -> None:
        nonlocal compared
        m, r = by_id_m[mid], by_id_r[rid]
        where = f"node {mid} (R {rid})"
        if (m["n"], m["depth"]) != (r["n"], r["depth"]):
            problems.append(f"{where}: n/depth {m['n']}/{m['depth']} vs {r['n']}/{r['depth']}")
            return
        if (m.get("note") or "").startswith(NOISE_NOTE):
            noise.append(rid)
            return
        compared += 1
        if m["terminal"] != r["terminal"] or m["split"] != r["split"]:
            problems.append(f"{where}: split {m['split']} vs {r['split']}")
            return
        if not _close(m["p_value"], r["p_value"], p_rel, 1e-300):
            problems.append(f"{where}: p {m['p_value']} vs {r['p_value']}")
        if (m["tests"] is None) != (r["tests"] is None):
            problems.append(f"{where}: tests ran {m['tests'] is not None} vs {r['tests'] is not None}")
        elif m["tests"]:
            for a, b in zip(m["tests"], r["tests"]):
                if a["variable"] != b["variable"] or not _close(a["statistic"], b["statistic"], p_rel, 1e-9) \
                        or not _close(a["p_value"], b["p_value"], p_rel, 1e-300):
                    problems.append(f"{where}: test {a} vs {b}")
        if m["terminal"]:
            diff = max(abs(m["worth"][f] - r["worth"][f]) for f in r["worth"])
            if diff > worth_abs:
                problems.append(f"{where}: worths differ by {diff:.3g}")
            return
        r_kids = [n["id"] for n in ref["nodes"] if n["id"] > rid]
        r_left = rid + 1
        # the right child of rid is the first node after the left subtree at depth+1
        r_right = next(n for n in r_kids if n > r_left and by_id_r[n]["depth"] == r["depth"] + 1)
        walk(m["children"][0], r_left)
        walk(m["children"][1], r_right)

    walk(1, 1)
    return {"problems": problems, "noise": noise, "compared": compared}
