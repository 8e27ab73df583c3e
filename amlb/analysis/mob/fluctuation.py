"""Parameter-instability (fluctuation) tests of a node, as partykit's MOB runs them.

Numeric variables get the supLM test with Hansen's (1997) p-value approximation
(Estrella's for more than 40 parameters), categorical ones the chi-square test of
the level sums; p-values are computed on the log scale, Bonferroni-adjusted over
the variables that could be tested.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
from scipy import special
from scipy.linalg import eigh, lapack

TRIM = 0.1  # mob_control()$trim
RANK_TOL = 1e-11  # relative singular value below which the score covariance counts as singular


class TestFailed(Exception):
    """The tests cannot run (the score covariance is not positive definite)."""


@dataclass
class Variable:
    """A partitioning variable over the subjects of the whole data.

    ``values`` holds floats for numeric variables, level codes (0-based, into
    ``levels``) for categorical ones.
    """

    name: str
    values: np.ndarray
    levels: list[str] | None = None

    @property
    def is_factor(self) -> bool:
        return self.levels is not None


@dataclass
class NodeTests:
    """Test results of one node: statistic, log p-value (NaN: not tested) per variable."""

    statistic: np.ndarray
    log_p: np.ndarray

    @property
    def best(self) -> int | None:
        """The variable with the smallest p-value (the first on ties), None if none was tested."""
        if np.isnan(self.log_p).all():
            return None
        return int(np.nanargmin(self.log_p))

    def adjusted_p(self) -> np.ndarray:
        """Bonferroni-adjusted p-values, as partykit: 1-(1-p)^m above 0.001, else min(1, m p)."""
        p = np.exp(self.log_p)
        m = int((~np.isnan(p)).sum())
        with np.errstate(invalid="ignore"):
            small = np.minimum(1.0, m * p)
            large = 1.0 - (1.0 - p) ** m
            return np.where(~np.isnan(p) & (p > 0.001), large, small)


@lru_cache(maxsize=1)
def hansen_table() -> np.ndarray:
    """Hansen's (1997) supLM coefficients: 1000 x 3 (b0, b1, df), 25 rows per k = 1..40."""
    text = resources.files("amlb.analysis.mob").joinpath("hansen1997_suplm.csv").read_text()
    rows = [line.split(",") for line in text.strip().splitlines()[1:]]
    return np.array([[float(r[2]), float(r[3]), float(r[4])] for r in rows])


def log_chi2_sf(x: np.ndarray | float, df: np.ndarray | float) -> np.ndarray:
    """log P(chi2_df > x), accurate far into the tail (as R's ``pchisq(log.p = TRUE)``)."""
    x = np.asarray(x, dtype=float)
    df = np.asarray(df, dtype=float)
    x, df = np.broadcast_arrays(x, df)
    a, h = df / 2.0, x / 2.0
    q = special.gammaincc(a, h)
    with np.errstate(divide="ignore"):
        out = np.log(q)
    tail = (q < 1e-250) & (h > a + 1.0)
    if tail.any():
        out = np.array(out, dtype=float)
        out[tail] = _log_gammaincc_cf(a[tail], h[tail])
    return out


def _log_gammaincc_cf(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """log Q(a, x) for x > a + 1 by the continued fraction (modified Lentz), in log space."""
    tiny = 1e-300
    b = x + 1.0 - a
    c = np.full_like(x, 1.0 / tiny)
    d = 1.0 / b
    h = d.copy()
    for i in range(1, 500):
        an = -i * (i - a)
        b = b + 2.0
        d = an * d + b
        d = np.where(np.abs(d) < tiny, tiny, d)
        c = b + an / c
        c = np.where(np.abs(c) < tiny, tiny, c)
        d = 1.0 / d
        delta = d * c
        h = h * delta
        if np.all(np.abs(delta - 1.0) < 1e-16):
            break
    return -x + a * np.log(x) - special.gammaln(a) + np.log(h)


def logp_suplm(x: float, k: int, lam: float) -> float:
    """log p-value of a supLM statistic ``x`` with ``k`` parameters and trimming ``lam``."""
    if k > 40:
        def estrella(xx: float) -> float:
            return (-math.lgamma(k / 2) + k / 2 * math.log(xx / 2) - xx / 2
                    + math.log(abs(math.log(lam) * (1 - k / xx) + 2 / xx)))
        if x <= 1.5 * k:
            return (x / (1.5 * k)) ** math.sqrt(k) * estrella(1.5 * k)
        return estrella(x)
    tau = lam if lam < 1 else 1.0 / (1.0 + math.sqrt(lam))
    beta = hansen_table()[(k - 1) * 25: k * 25]
    dummy = beta[:, 0] + beta[:, 1] * x
    dummy = dummy * (dummy > 0)
    pp = log_chi2_sf(dummy, beta[:, 2])
    with np.errstate(divide="ignore", invalid="ignore"):
        if tau == 0.5:
            return float(log_chi2_sf(x, k))
        if tau <= 0.01:
            return float(pp[24])
        if tau >= 0.49:
            chi = float(log_chi2_sf(x, k))
            p = _log((math.exp(_log(0.5 - tau) + pp[0]) + math.exp(_log(tau - 0.49) + chi)) * 100)
            if not math.isfinite(p):
                p = (pp[0] + chi) / 2
            return float(p)
        taua = (0.51 - tau) * 50
        tau1 = math.floor(taua)
        p = _log(math.exp(_log(tau1 + 1 - taua) + pp[tau1 - 1]) + math.exp(_log(taua - tau1) + pp[tau1]))
        if not math.isfinite(p):
            p = (pp[tau1 - 1] + pp[tau1]) / 2
        return float(p)


def _log(v: float) -> float:
    """R's log: -Inf at 0, NaN below, Inf at Inf."""
    if v > 0:
        return math.log(v)
    return -math.inf if v == 0 else math.nan


def decorrelated_process(psi: np.ndarray) -> np.ndarray:
    """The score process scaled by n^-1/2 and decorrelated (W in partykit's notation).

    Raises :class:`TestFailed` where partykit's ``chol`` or ``root.matrix`` fails.
    """
    n = psi.shape[0]
    process = psi / math.sqrt(n)
    meat = process.T @ process
    if not np.isfinite(meat).all():
        raise TestFailed("non-finite scores")
    # A singular covariance (fewer subjects than parameters, repeated score rows) makes
    # partykit's chol fail or pass by rounding; decide it from the scaled singular values.
    scale = np.sqrt(np.diag(meat))
    if (scale == 0).any() or n < meat.shape[0]:
        raise TestFailed("score covariance is singular")
    sv = np.linalg.svd(process / scale, compute_uv=False)
    if sv[-1] < RANK_TOL * sv[0]:
        raise TestFailed("score covariance is singular")
    if meat.shape == (1, 1):
        if meat[0, 0] <= 0:
            raise TestFailed("zero score variance")
        j12 = np.sqrt(1.0 / meat)
    else:
        chol, info = lapack.dpotrf(meat, lower=0, clean=1)
        if info != 0:
            raise TestFailed(f"leading minor of order {info} is not positive definite")
        inv, info = lapack.dpotri(chol, lower=0)
        if info != 0:
            raise TestFailed("singular score covariance")
        inv = np.triu(inv) + np.triu(inv, 1).T
        values, vectors = eigh(inv, driver="evr")
        if (values < 0).any():
            raise TestFailed("matrix is not positive semidefinite")
        j12 = vectors @ np.diag(np.sqrt(values)) @ vectors.T
    return process @ j12.T


def fluctuation_tests(psi: np.ndarray, variables: list[Variable], rows: np.ndarray, minsize: int) -> NodeTests:
    """Test every variable for instability of the node's parameters.

    Parameters
    ----------
    psi
        n x npar score contributions of the node's subjects.
    variables
        Partitioning variables over all subjects; ``rows`` selects the node's subjects.
    minsize
        The tree's minimum node size (it also trims the supLM test).
    """
    W = decorrelated_process(psi)
    n, k = W.shape
    m = len(variables)
    statistic = np.zeros(m)
    log_p = np.full(m, np.nan)
    start = max(math.ceil(n * TRIM), minsize)
    stop = n - start
    lam = ((n - start) * stop) / (start * (n - stop)) if start * (n - stop) != 0 else math.inf
    t = np.arange(1, n + 1)
    window = (t >= start) & (t <= stop)
    tt = t[window] / n
    for v, var in enumerate(variables):
        z = var.values[rows]
        if var.is_factor:
            present, codes = np.unique(z, return_inverse=True)
            if len(present) < 2:
                continue
            sums = np.zeros((len(present), k), dtype=np.longdouble)
            np.add.at(sums, codes, W.astype(np.longdouble))
            share = np.bincount(codes, minlength=len(present)) / n
            terms = sums.astype(np.float64) ** 2 / share[:, None]
            statistic[v] = float(terms.T.ravel().astype(np.longdouble).sum())
            log_p[v] = float(log_chi2_sf(statistic[v], k * (len(present) - 1)))
        else:
            if np.unique(z).size < 2:
                continue
            if not window.any():
                continue
            # R's cumsum and rowSums accumulate in long double: subjects in another order
            # but the same prefix give the same statistic (exact ties between variables)
            cum = np.cumsum(W[np.argsort(z, kind="stable")].astype(np.longdouble), axis=0).astype(np.float64)
            xx = (cum ** 2).astype(np.longdouble).sum(axis=1).astype(np.float64)[window]
            statistic[v] = float(np.max(xx / (tt * (1 - tt))))
            log_p[v] = logp_suplm(statistic[v], k, lam)
    return NodeTests(statistic, log_p)
