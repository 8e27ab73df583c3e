"""The Bradley-Terry model with Davidson's tie parameter, fitted as psychotools does.

psychotools' ``btmodel(type = "loglin")`` fits a Poisson GLM with one nuisance
intercept per pair by ``glm.fit`` (IRLS from ``mu = y + 0.1``, stopping when the
relative change of the deviance drops below 1e-8, at most 25 iterations, ``mu``
floored at machine epsilon). This module runs the same iterations, for a batch of
count tables at once: the pair intercepts are profiled out by weighted centring
within each pair, which gives the same iterates as the full design. Stopping where
``glm.fit`` stops matters when a parameter has no finite estimate (a framework
that never loses, no tie in a node): the returned values are then glm.fit's.

Parameters are (theta_1 ... theta_{k-1}, nu): log-worths of all but the last
framework (the reference, theta_k = 0), then the tie parameter if modelled.
For pair (i, j): eta = (theta_i, theta_j, nu + (theta_i + theta_j)/2) and the
outcome probabilities are softmax(eta).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from amlb.analysis.paircomp import pair_index

EPSILON = 1e-8  # glm.control()$epsilon
MAXIT = 25  # glm.control()$maxit
DOUBLE_EPS = np.finfo(float).eps


@dataclass(frozen=True)
class Design:
    """The model matrix of k objects (without the pair intercepts)."""

    k: int
    undecided: bool
    i: np.ndarray  # (P,) first object of each pair
    j: np.ndarray  # (P,) second object
    rows: np.ndarray  # (P, m, npar): m = 3 outcome rows per pair (2 without ties)
    rows_outer: np.ndarray  # (P*m, npar*npar): outer product of each row with itself
    gradp_ct: np.ndarray  # (3, 3): observed part of the score rows, columns (i, j, nu)

    @property
    def npar(self) -> int:
        return self.k - 1 + int(self.undecided)

    @property
    def n_pairs(self) -> int:
        return len(self.i)

    @property
    def m(self) -> int:
        return 3 if self.undecided else 2


@lru_cache(maxsize=16)
def design(k: int, undecided: bool) -> Design:
    """The (cached) design of the loglinear BT model for k objects."""
    i, j = pair_index(k)
    npar = k - 1 + int(undecided)
    m = 3 if undecided else 2
    rows = np.zeros((len(i), m, npar))
    p = np.arange(len(i))
    ref = k - 1
    for obj, out in ((i, 0), (j, 1)):
        mask = obj != ref
        rows[p[mask], out, obj[mask]] = 1.0
        if undecided:
            rows[p[mask], 2, obj[mask]] = 0.5
    if undecided:
        rows[:, 2, npar - 1] = 1.0
    flat = rows.reshape(-1, npar)
    outer = (flat[:, :, None] * flat[:, None, :]).reshape(len(flat), npar * npar)
    ct = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.5, 0.5, 1.0]])
    return Design(k, undecided, i, j, rows, outer, ct)


def _pair_sums(w3: np.ndarray, des: Design) -> np.ndarray:
    """(B, P, npar): sum over the outcome rows of each pair of weight x design row."""
    B, P, _ = w3.shape
    npar = des.npar
    out = np.zeros((B, P * npar))
    tie_half = 0.5 * w3[:, :, 2] if des.undecided else 0.0
    first = w3[:, :, 0] + tie_half
    second = w3[:, :, 1] + tie_half
    p = np.arange(P)
    ref = des.k - 1
    mi, mj = des.i != ref, des.j != ref
    out[:, p[mi] * npar + des.i[mi]] = first[:, mi]
    out[:, p[mj] * npar + des.j[mj]] = second[:, mj]
    if des.undecided:
        out[:, p * npar + npar - 1] = w3[:, :, 2]
    return out.reshape(B, P, npar)


def _deviance(y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Poisson deviance per batch row (as ``poisson()$dev.resids`` summed)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(y > 0, y * np.log(y / mu), 0.0)
    return (2.0 * (term - (y - mu))).sum(axis=1)


def irls(counts: np.ndarray, des: Design) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fit a batch of count tables by glm.fit's IRLS.

    Parameters
    ----------
    counts
        (B, P, 3) counts per pair: (i preferred, j preferred, tie).
    des
        The design; without the tie parameter the tie counts must be 0.

    Returns
    -------
    coef, converged, iterations
        (B, npar) coefficients, (B,) bool, (B,) int.
    """
    B, P, _ = counts.shape
    m, npar = des.m, des.npar
    y = counts[:, :, :m].reshape(B, P * m)
    A = des.rows  # (P, m, npar)
    Aflat = A.reshape(P * m, npar)
    mu = y + 0.1
    eta = np.log(mu)
    mu = np.maximum(np.exp(eta), DOUBLE_EPS)
    devold = _deviance(y, mu)
    coef = np.zeros((B, npar))
    converged = np.zeros(B, dtype=bool)
    iterations = np.zeros(B, dtype=int)
    active = np.arange(B)
    AflatT = np.ascontiguousarray(Aflat.T)
    for it in range(1, MAXIT + 1):
        ya, mua, etaa = y[active], mu[active], eta[active]
        w = mua  # working weights: mu.eta^2 / variance = mu
        z = etaa + (ya - mua) / mua
        w3 = w.reshape(-1, P, m)
        wsum = w3.sum(axis=2)  # (b, P)
        abar = _pair_sums(w3, des) / wsum[:, :, None]
        zbar = (w3 * z.reshape(-1, P, m)).sum(axis=2) / wsum
        # normal equations of the within-pair centred weighted least squares
        M = (w @ des.rows_outer).reshape(-1, npar, npar)
        weighted = abar * wsum[:, :, None]
        M -= np.matmul(weighted.transpose(0, 2, 1), abar)
        v = (w * z) @ Aflat - np.matmul(weighted.transpose(0, 2, 1), zbar[:, :, None])[:, :, 0]
        b = _solve(M, v)
        intercept = zbar - np.matmul(abar, b[:, :, None])[:, :, 0]
        etaa = b @ AflatT + np.repeat(intercept, m, axis=1)
        mua = np.maximum(np.exp(etaa), DOUBLE_EPS)
        dev = _deviance(ya, mua)
        eta[active], mu[active], coef[active] = etaa, mua, b
        iterations[active] = it
        done = np.abs(dev - devold[active]) / (np.abs(dev) + 0.1) < EPSILON
        converged[active[done]] = True
        devold[active] = dev
        active = active[~done]
        if active.size == 0:
            break
    return coef, converged, iterations


def _solve(M: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Batched solve of symmetric systems, equilibrated; least squares where singular."""
    d = np.sqrt(np.einsum("bkk->bk", M))
    d = np.where(d > 0, d, 1.0)
    Ms = M / d[:, :, None] / d[:, None, :]
    vs = v / d
    try:
        x = np.linalg.solve(Ms, vs[:, :, None])[:, :, 0]
    except np.linalg.LinAlgError:
        x = np.stack([np.linalg.lstsq(Ms[b], vs[b], rcond=None)[0] for b in range(len(Ms))])
    return x / d


def log_probabilities(coef: np.ndarray, des: Design) -> np.ndarray:
    """(B, P, 3) log-probabilities of (i preferred, j preferred, tie), as psychotools.

    Without the tie parameter the tie column is -inf.
    """
    coef = np.atleast_2d(coef)
    B = coef.shape[0]
    theta = np.zeros((B, des.k))
    theta[:, : des.k - 1] = coef[:, : des.k - 1]
    ti, tj = theta[:, des.i], theta[:, des.j]
    if des.undecided:
        nu = coef[:, -1][:, None]
        eta = np.stack([ti, tj, nu + (ti + tj) / 2.0], axis=-1)
    else:
        eta = np.stack([ti, tj, np.full_like(ti, -np.inf)], axis=-1)
    with np.errstate(divide="ignore"):
        return eta - np.log(np.exp(eta).sum(axis=-1, keepdims=True))


def log_likelihood(coef: np.ndarray, counts: np.ndarray, des: Design) -> np.ndarray:
    """(B,) multinomial log-likelihood (without the constant), psychotools' ``loglik``."""
    logp = log_probabilities(coef, des)
    c = counts if counts.ndim == 3 else counts[None]
    with np.errstate(invalid="ignore"):
        terms = np.where(c > 0, logp * c, 0.0)
    return terms.sum(axis=(1, 2))


def estfun(coef: np.ndarray, outcomes: np.ndarray, des: Design) -> np.ndarray:
    """Score contributions per subject (n x npar), psychotools' ``estfun.btmodel``.

    ``outcomes`` is the n x P array of +1 / -1 / 0 / NaN comparisons.
    """
    p = np.exp(log_probabilities(coef, des)[0])  # (P, 3)
    # score of each outcome row in columns (theta_i, theta_j, nu)
    expected = np.stack([p[:, 0] + 0.5 * p[:, 2], p[:, 1] + 0.5 * p[:, 2], p[:, 2]], axis=-1)  # (P, 3)
    grad = des.gradp_ct[None, :, :] - expected[:, None, :]  # (P, outcome, column)
    P = des.n_pairs
    gradp = np.zeros((P, 3, des.k + 1))
    rows = np.arange(P)
    gradp[rows, :, des.i] += grad[:, :, 0]
    gradp[rows, :, des.j] += grad[:, :, 1]
    gradp[:, :, des.k] = grad[:, :, 2]
    keep = [c for c in range(des.k + 1) if c != des.k - 1]
    if not des.undecided:
        keep = keep[:-1]
    gradp = gradp[:, :, keep].reshape(P * 3, -1)
    onehot = np.stack([outcomes == 1, outcomes == -1, outcomes == 0], axis=-1).reshape(len(outcomes), P * 3)
    return onehot.astype(np.float64) @ gradp


def fisher_information(coef: np.ndarray, counts: np.ndarray, des: Design) -> np.ndarray:
    """Expected information of (theta, nu) for node counts (P, 3) at ``coef``."""
    p = np.exp(log_probabilities(coef, des)[0])[:, : des.m]  # (P, m)
    n_pair = counts[:, : des.m].sum(axis=1)
    A = des.rows
    abar = np.einsum("po,pok->pk", p, A)
    second = np.einsum("po,pok,pol->pkl", p, A, A) - abar[:, :, None] * abar[:, None, :]
    return np.einsum("p,pkl->kl", n_pair, second)


def worth(coef: np.ndarray, k: int) -> np.ndarray:
    """Worths (summing to 1) from coefficients, as psychotools' ``itempar``."""
    coef = np.atleast_2d(coef)
    theta = np.zeros((coef.shape[0], k))
    theta[:, : k - 1] = coef[:, : k - 1]
    theta = theta - theta.mean(axis=1, keepdims=True)
    e = np.exp(theta)
    return e / e.sum(axis=1, keepdims=True)


def has_finite_estimate(counts: np.ndarray, des: Design) -> bool:
    """Whether the model has a finite maximum-likelihood estimate on (P, 3) node counts.

    With the tie parameter, the node needs a tie and a decided comparison. The worths
    are finite iff every framework can be reached from every other through "beat or
    tied" comparisons (the comparison graph is strongly connected).
    """
    wins_i, wins_j = counts[:, 0], counts[:, 1]
    ties = counts[:, 2] if des.undecided else np.zeros_like(wins_i)
    if des.undecided:
        n_ties = ties.sum()
        if n_ties == 0 or n_ties == counts.sum():
            return False
    # edge a -> b: a was not worse than b at least once
    forward = (wins_i + ties) > 0
    backward = (wins_j + ties) > 0
    src = np.concatenate([des.i[forward], des.j[backward]])
    dst = np.concatenate([des.j[forward], des.i[backward]])
    graph = csr_matrix((np.ones(len(src)), (src, dst)), shape=(des.k, des.k))
    n_comp, _ = connected_components(graph, directed=True, connection="strong")
    return n_comp == 1
