"""Bradley-Terry trees of frameworks by task meta-features, as psychotree::bttree.

Model-based recursive partitioning (partykit's MOB) of the Bradley-Terry model with
Davidson's tie parameter (psychotools' btmodel), reproducing psychotree's tree:
same splits, split points, p-values and worths. See ``fluctuation`` (the tests),
``search`` (the split search) and ``tree`` (the growth).
"""
from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np
import pandas as pd

from amlb.analysis.mob.fluctuation import Variable
from amlb.analysis.mob.tree import NO_FINITE_ESTIMATE, BTNode, GrowSettings, TreeGrower
from amlb.analysis.load import join_meta
from amlb.analysis.paircomp import PairComparisons, build_comparisons
from amlb.errors import UserError


@dataclass
class BTTree:
    """A fitted Bradley-Terry tree.

    Attributes
    ----------
    frameworks
        Framework names in model order (sorted; the last is psychotree's reference).
    nodes
        Nodes in psychotree's id order (depth first, left child first).
    subjects
        The subjects used (``task`` [, ``fold``]) with ``node``: the terminal node of each.
    variables
        The partitioning variables, in the order of the meta-feature columns.
    dropped
        Subjects left out for a missing meta-feature.
    """

    frameworks: list[str]
    nodes: list[BTNode]
    subjects: pd.DataFrame
    variables: list[str]
    subject_kind: str
    settings: dict[str, Any] = field(default_factory=dict)
    dropped: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def terminal_nodes(self) -> list[BTNode]:
        return [n for n in self.nodes if n.terminal]

    def worths(self) -> pd.DataFrame:
        """Terminal node x framework table of worths."""
        return pd.DataFrame([n.worth for n in self.terminal_nodes], columns=self.frameworks,
                            index=pd.Index([n.id for n in self.terminal_nodes], name="node"))

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict: ``frameworks``, ``subject``, ``variables``, ``settings`` and
        ``nodes`` in id order, each with ``id``, ``depth`` (root 1), ``n`` (subjects),
        ``terminal``, ``split`` (``variable`` + ``split_point``, left = ``<=``; or
        ``variable`` + ``left_levels``/``right_levels``; None when terminal), ``p_value``
        (Bonferroni-adjusted, None where no test ran), ``worth`` (terminal nodes:
        framework -> worth, summing to 1), ``children`` (ids), ``tests`` (per variable:
        statistic and adjusted p-value; None where no test ran) and ``note`` (why a node
        larger than 2 x minsize was not tested, else None)."""
        nodes = []
        for n in self.nodes:
            nodes.append({
                "id": n.id, "depth": n.depth, "n": n.n, "terminal": n.terminal, "split": n.split,
                "p_value": n.p_value,
                "worth": {f: float(w) for f, w in zip(self.frameworks, n.worth)} if n.terminal else None,
                "children": list(n.children), "tests": n.tests, "note": n.note or None,
            })
        return {"frameworks": list(self.frameworks), "subject": self.subject_kind, "n_subjects": len(self.subjects),
                "n_dropped": len(self.dropped), "variables": list(self.variables),
                "settings": {k: (None if isinstance(v, float) and math.isinf(v) else v) for k, v in self.settings.items()},
                "nodes": nodes}

    def to_text(self, top: int = 3) -> str:
        """The tree as indented text, with the ``top`` frameworks by worth per terminal node."""
        by_id = {n.id: n for n in self.nodes}
        lines = [f"Bradley-Terry tree: {len(self.frameworks)} frameworks, {len(self.subjects)} subjects "
                 f"({self.subject_kind.replace('_', ' x ')}), {len(self.nodes)} nodes"]

        def condition(parent: BTNode, left: bool) -> str:
            s = parent.split or {}
            if "split_point" in s:
                return f"{s['variable']} {'<=' if left else '>'} {_fmt(s['split_point'])}"
            levels = s.get("left_levels" if left else "right_levels") or []
            return f"{s['variable']} in {{{', '.join(map(str, levels))}}}"

        def walk(node: BTNode, prefix: str, label: str) -> None:
            p = f", p = {node.p_value:.3g}" if node.p_value is not None else ""
            if node.terminal:
                order = np.argsort(-node.worth, kind="stable")[:top]
                best = ", ".join(f"{self.frameworks[i]} {node.worth[i]:.3f}" for i in order)
                mark = " *" if node.note else ""
                lines.append(f"{prefix}[{node.id}] {label}: n = {node.n}{p}; worth: {best}{mark}")
                return
            lines.append(f"{prefix}[{node.id}] {label} (n = {node.n}{p})")
            for child_id, left in zip(node.children, (True, False)):
                walk(by_id[child_id], prefix + "|   ", condition(node, left))

        walk(self.nodes[0], "", "root")
        noted = [n for n in self.nodes if n.note]
        if any(n.note.startswith(NO_FINITE_ESTIMATE) for n in noted):
            lines.append("* not tested: the node's Bradley-Terry model has no finite estimate; psychotree tests it on rounding noise "
                         "and may split it (its split changes with the BLAS library), amlb stops")
        for n in noted:
            if not n.note.startswith(NO_FINITE_ESTIMATE):
                lines.append(f"* node {n.id} not tested: {n.note}")
        return "\n".join(lines)


def _fmt(x: Any) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


@contextmanager
def _single_threaded_blas() -> Iterator[None]:
    """Run BLAS on one thread: the matrices are small, and threads only contend."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        yield
        return
    with threadpool_limits(1, user_api="blas"):
        yield


def partitioning_variables(meta: pd.DataFrame) -> list[Variable]:
    """Variables from meta-feature columns: numeric as floats, the rest as categorical
    (levels sorted by code point). Missing values are NaN / code -1."""
    out = []
    for name in meta.columns:
        col = meta[name]
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            out.append(Variable(str(name), col.to_numpy(dtype=float)))
        else:
            text = col.astype(object).where(col.notna(), None)
            levels = sorted({str(x) for x in text if x is not None})
            codes = np.array([levels.index(str(x)) if x is not None else -1 for x in text], dtype=int)
            out.append(Variable(str(name), codes, levels))
    return out


def bttree(scores: pd.DataFrame, meta: pd.DataFrame, maxdepth: float = math.inf, minsize: int | None = None,
           alpha: float = 0.05, subject: str | None = None) -> BTTree:
    """Fit a Bradley-Terry tree exactly as psychotree::bttree does.

    Parameters
    ----------
    scores
        Long scores: ``task``, optional ``fold``, ``framework``, ``score`` (higher is better).
    meta
        ``task`` plus one column per meta-feature (numeric, or text = categorical), in
        the order the variables are tested (first wins on equal p-values).
    maxdepth
        Maximum depth (the root has depth 1).
    minsize
        Minimum subjects per node; None: psychotree's default ceil(10 * parameters / pairs).
    alpha
        Significance level of the Bonferroni-adjusted instability tests.
    subject
        "task_fold" (default with a fold column) or "task" (folds averaged).

    Subjects are sorted by task (code point order) and fold; subjects with a missing
    meta-feature are dropped (as R's ``na.omit``), but their comparisons still decide
    whether the model has a tie parameter (as ``paircomp`` does).

    One deliberate difference: a node whose BT model has no finite estimate (no tie in
    the node while the data has ties, or a framework that never loses or never wins
    there) is not tested and stays terminal (``note`` says why). psychotree tests such
    nodes on rounding noise (the tie parameter runs off to -inf in glm.fit): its tests
    then fail or split at random, and its tree below them changes with the BLAS R is
    linked to. Everywhere else the tree, split points, p-values and worths are
    psychotree's.
    """
    if not 0 < alpha <= 1:
        raise UserError(f"alpha must be in (0, 1], got {alpha}", "pass e.g. --alpha 0.05")
    if minsize is not None and minsize < 1:
        raise UserError(f"minsize must be a positive integer, got {minsize}", "pass e.g. --minsize 20")
    if not maxdepth >= 1:
        raise UserError(f"maxdepth must be at least 1, got {maxdepth}", "pass e.g. --maxdepth 3")
    if "task" not in meta.columns or meta.shape[1] < 2:
        raise UserError("meta-features need a task column and at least one meta-feature column",
                        "give a CSV with task and one column per meta-feature")
    pc = build_comparisons(scores, subject)
    kind = "task_fold" if "fold" in pc.subjects.columns else "task"
    joined = join_meta(list(pc.subjects["task"]), meta).drop(columns="task")
    variables = partitioning_variables(joined)
    complete = np.ones(pc.n, dtype=bool)
    for v in variables:
        complete &= (v.values >= 0) if v.is_factor else ~np.isnan(v.values)
    dropped = pc.subjects[~complete].reset_index(drop=True)
    rows = np.flatnonzero(complete)
    if len(rows) == 0:
        raise UserError("no subject has all meta-features", "check that meta-feature task names match the scores")
    pc = pc.subset(rows)
    variables = [Variable(v.name, v.values[rows], v.levels) for v in variables]
    settings = GrowSettings(alpha=alpha, maxdepth=maxdepth, minsize=minsize)
    grower = TreeGrower(pc, variables, settings)
    with _single_threaded_blas():
        nodes = grower.grow()
    subjects = pc.subjects.copy()
    node_of = np.zeros(pc.n, dtype=int)
    for n in nodes:
        if n.terminal:
            node_of[n.rows] = n.id
    subjects["node"] = node_of
    return BTTree(pc.frameworks, nodes, subjects, [v.name for v in variables], kind,
                  {"alpha": alpha, "maxdepth": maxdepth, "minsize": grower.minsize, "minsize_given": minsize},
                  dropped)


__all__ = ["BTTree", "BTNode", "bttree", "partitioning_variables"]
