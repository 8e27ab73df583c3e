"""Bradley-Terry worths of frameworks with Davidson's tie model, and their uncertainty."""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from amlb.analysis import btfit
from amlb.analysis.paircomp import build_comparisons, pair_index


@dataclass
class BTResult:
    """A fitted Bradley-Terry model.

    Attributes
    ----------
    worth
        Worth per framework (sorted by name), summing to 1: the probability of a
        framework beating another is worth_i / (worth_i + worth_j), less the tie share.
    se
        Standard errors of the worths (delta method from the inverse Fisher information).
    ci_low, ci_high
        Confidence limits at ``level``: worth * exp(-/+ z * se(log worth)), so they stay
        positive and are asymmetric.
    tie_param
        Davidson's tie parameter nu (log scale; NaN when the data has no tie).
    coefficients
        Log-worths relative to the last framework, then nu, as psychotools reports them.
    n_subjects
        Subjects (tasks, or task x fold) that entered the fit.
    finite
        False when the maximum-likelihood estimate does not exist (e.g. a framework never
        loses); the values are then glm.fit's stopping point and the errors meaningless.
    """

    worth: pd.Series
    se: pd.Series
    ci_low: pd.Series
    ci_high: pd.Series
    tie_param: float
    coefficients: pd.Series
    n_subjects: int
    loglik: float
    level: float = 0.95
    finite: bool = True

    def table(self) -> pd.DataFrame:
        """framework, worth, se, ci_low, ci_high; sorted by worth (best first)."""
        df = pd.DataFrame({"worth": self.worth, "se": self.se, "ci_low": self.ci_low, "ci_high": self.ci_high})
        return df.sort_values("worth", ascending=False).rename_axis("framework").reset_index()

    def to_json(self) -> dict:
        return {"frameworks": list(self.worth.index), "worth": _floats(self.worth), "se": _floats(self.se),
                "ci_low": _floats(self.ci_low), "ci_high": _floats(self.ci_high),
                "tie_param": None if np.isnan(self.tie_param) else float(self.tie_param),
                "n_subjects": self.n_subjects, "level": self.level, "finite": self.finite}


def _floats(s: pd.Series) -> dict[str, float | None]:
    return {str(k): (None if not np.isfinite(v) else float(v)) for k, v in s.items()}


def bt_model(scores: pd.DataFrame, subject: str = "task", level: float = 0.95) -> BTResult:
    """Fit the Bradley-Terry model (with ties) on paired comparisons of frameworks.

    Parameters
    ----------
    scores
        Long scores: ``task``, optional ``fold``, ``framework``, ``score`` (higher is better).
    subject
        "task": one comparison per pair and task (fold scores averaged first);
        "task_fold": one per pair, task and fold.
    level
        Confidence level of ``ci_low`` / ``ci_high``.
    """
    pc = build_comparisons(scores, subject)
    des = btfit.design(pc.k, pc.has_ties)
    counts = pc.counts().sum(axis=0)
    if not pc.has_ties:
        counts[:, 2] = 0.0
    coef, _, _ = btfit.irls(counts[None], des)
    coef = coef[0]
    finite = btfit.has_finite_estimate(counts, des)
    if not finite:
        warnings.warn("the Bradley-Terry estimate is not finite (a framework never loses or never wins)", stacklevel=2)
    info = btfit.fisher_information(coef, counts, des)
    try:
        vcov = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        vcov = np.full_like(info, np.nan)
    k = pc.k
    w = btfit.worth(coef, k)[0]
    v_theta = np.zeros((k, k))
    v_theta[: k - 1, : k - 1] = vcov[: k - 1, : k - 1]
    # d log w_i / d theta_m = delta_im - w_m;  d w_i / d theta_m = w_i (delta_im - w_m)
    grad_log = np.eye(k) - w[None, :]
    var_log = np.einsum("im,mn,in->i", grad_log, v_theta, grad_log)
    se_log = np.sqrt(np.clip(var_log, 0, None))
    z = stats.norm.ppf(0.5 + level / 2)
    idx = pd.Index(pc.frameworks, name="framework")
    names = pc.frameworks[:-1] + (["(undecided)"] if des.undecided else [])
    return BTResult(
        worth=pd.Series(w, index=idx, name="worth"),
        se=pd.Series(w * se_log, index=idx, name="se"),
        ci_low=pd.Series(w * np.exp(-z * se_log), index=idx, name="ci_low"),
        ci_high=pd.Series(w * np.exp(z * se_log), index=idx, name="ci_high"),
        tie_param=float(coef[-1]) if des.undecided else float("nan"),
        coefficients=pd.Series(coef, index=names, name="coefficient"),
        n_subjects=pc.n,
        loglik=float(btfit.log_likelihood(coef, counts, des)[0]),
        level=level,
        finite=finite,
    )


def boundary_frameworks(scores: pd.DataFrame, subject: str = "task") -> tuple[list[str], list[str]]:
    """Frameworks that never win (nor tie) and those that never lose (nor tie) a comparison:
    their worth sits at 0 or at the top of its range and has no finite estimate."""
    pc = build_comparisons(scores, subject)
    c = pc.counts().sum(axis=0)  # pairs x (i preferred, j preferred, tie)
    i, j = pair_index(pc.k)
    won = np.zeros(pc.k)
    lost = np.zeros(pc.k)
    tied = np.zeros(pc.k)
    for side, first in ((i, 0), (j, 1)):  # column 0: i preferred, column 1: j preferred
        np.add.at(won, side, c[:, first])
        np.add.at(lost, side, c[:, 1 - first])
        np.add.at(tied, side, c[:, 2])
    never_win = [f for f, w, t in zip(pc.frameworks, won, tied) if w + t == 0]
    never_lose = [f for f, lo, t in zip(pc.frameworks, lost, tied) if lo + t == 0]
    return never_win, never_lose
