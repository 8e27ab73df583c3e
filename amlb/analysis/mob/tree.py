"""Growing the Bradley-Terry tree: partykit's ``mob_grow`` with psychotree's model."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from amlb.analysis import btfit
from amlb.analysis.mob.fluctuation import TestFailed, Variable, fluctuation_tests
from amlb.analysis.mob.search import Split, find_split
from amlb.analysis.paircomp import PairComparisons


#: the start of the note of a node left untested because its BT model has no finite estimate
NO_FINITE_ESTIMATE = "no finite estimate"


@dataclass
class BTNode:
    """One node of the tree (ids depth-first, left child first; the root has depth 1)."""

    id: int
    depth: int
    rows: np.ndarray  # indices of the node's subjects
    coefficients: np.ndarray  # (theta_1 .. theta_{k-1}[, nu]), the last framework is 0
    objective: float  # -log-likelihood of the node model
    worth: np.ndarray  # worth per framework, summing to 1
    terminal: bool = True
    split: dict[str, Any] | None = None
    p_value: float | None = None  # Bonferroni-adjusted p-value of the best variable
    tests: list[dict[str, Any]] | None = None  # per variable: statistic, adjusted p-value
    children: list[int] = field(default_factory=list)
    note: str = ""  # why no test ran, where that is not the size or depth limit

    @property
    def n(self) -> int:
        return len(self.rows)


@dataclass
class GrowSettings:
    alpha: float = 0.05
    maxdepth: float = math.inf
    minsize: int | None = None


class TreeGrower:
    """Grows the tree over paired comparisons and partitioning variables."""

    def __init__(self, pc: PairComparisons, variables: list[Variable], settings: GrowSettings):
        self.pc = pc
        self.variables = variables
        self.settings = settings
        self.design = btfit.design(pc.k, pc.has_ties)
        self.counts = pc.counts()
        if not pc.has_ties:
            self.counts[:, :, 2] = 0.0
        self.minsize = settings.minsize
        self.nodes: list[BTNode] = []

    def grow(self) -> list[BTNode]:
        self.nodes = []
        self._grow(np.arange(self.pc.n), depth=1)
        self.nodes.sort(key=lambda node: node.id)
        return self.nodes

    def _fit(self, rows: np.ndarray) -> tuple[np.ndarray, float]:
        total = self.counts[rows].sum(axis=0)[None]
        coef, _, _ = btfit.irls(total, self.design)
        return coef[0], float(-btfit.log_likelihood(coef, total, self.design)[0])

    def _grow(self, rows: np.ndarray, depth: int) -> int:
        node_id = len(self.nodes) + 1
        coef, objective = self._fit(rows)
        node = BTNode(node_id, depth, rows, coef, objective, btfit.worth(coef, self.pc.k)[0])
        self.nodes.append(node)
        if self.minsize is None:
            self.minsize = int(math.ceil(10 * self.design.npar / self.design.n_pairs))
        if len(rows) < 2 * self.minsize or depth >= self.settings.maxdepth:
            return node_id
        if not btfit.has_finite_estimate(self.counts[rows].sum(axis=0), self.design):
            # The BT model of this node has no finite estimate (e.g. no tie in the node but a
            # tie parameter in the model): psychotree's tests then run on rounding noise and
            # either fail or split at random; amlb stops here, as partykit does when they fail.
            node.note = f"{NO_FINITE_ESTIMATE}: instability tests not computable"
            return node_id
        psi = btfit.estfun(coef, self.pc.outcomes[rows], self.design)
        try:
            tests = fluctuation_tests(psi, self.variables, rows, self.minsize)
        except TestFailed as e:
            node.note = f"instability tests not computable: {e}"
            return node_id
        adjusted = tests.adjusted_p()
        node.tests = [{"variable": v.name, "statistic": float(tests.statistic[i]),
                       "p_value": None if np.isnan(adjusted[i]) else float(adjusted[i])}
                      for i, v in enumerate(self.variables)]
        best = tests.best
        if best is None:
            return node_id
        node.p_value = float(adjusted[best])
        if adjusted[best] > self.settings.alpha:
            return node_id
        split = find_split(self.counts, rows, self.variables[best], best, self.minsize, self.design)
        if split is None:
            return node_id
        node.terminal = False
        node.split = _split_json(split, self.variables[best])
        for side in (split.left, ~split.left):
            node.children.append(self._grow(rows[side], depth + 1))
        return node_id


def _split_json(split: Split, var: Variable) -> dict[str, Any]:
    if var.is_factor:
        return {"variable": var.name, "left_levels": split.left_levels, "right_levels": split.right_levels}
    point = split.split_point
    if point is not None and float(point).is_integer() and abs(point) < 2 ** 53:
        point = int(point)
    return {"variable": var.name, "split_point": point}


__all__ = ["NO_FINITE_ESTIMATE", "BTNode", "GrowSettings", "TreeGrower"]
