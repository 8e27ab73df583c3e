"""TPOT 1.x: TPOTClassifier/TPOTRegressor evolving scikit-learn pipelines within the job's budget.

TPOT evaluates pipelines on a Dask cluster. The adapter starts that cluster itself (one worker
process per core, no dashboard, scratch space in the job's directory) and hands TPOT its client,
so the cluster is shut down when fit returns or fails: TPOT closes its own cluster only on success.

TPOT's import asks PyPI whether a newer version exists; a job has no network (Docker) and must
not wait for one, so that check is replaced by a no-op before tpot is imported.

TPOT's search overruns its ``max_time_mins``: it starts the clock only after building its first
population (seconds on a busy machine), then waits up to ``max_eval_time_mins`` for a running
pipeline, then refits the best one on all the data. So the search ends at 50% of the budget,
counted from the start of fit, one evaluation may take 15%, and the fit (with the refit and the
cluster's shutdown) gets 80% (``FIT_SHARE``; 60 s jobs measured 33-40 s of fit on a busy machine).
Below 10 minutes the search uses TPOT's ``linear-light`` space and a population of 20
(``SHORT_BUDGET_SETTINGS``): with its defaults a 60 s job evaluates next to nothing.
``config.params`` override both.

Categorical columns become object columns that TPOT's preprocessing imputes and one-hot
encodes; missing numeric values are imputed with the mean. Classes are passed as codes in
``config.class_labels`` order, so probability columns map back explicitly.
"""
from __future__ import annotations

import os
import sys
import time

import numpy as np
import psutil
import update_checker

update_checker.update_check = lambda *args, **kwargs: None  # no PyPI request on import (see above)

import dask  # noqa: E402
import tpot  # noqa: E402
from tpot.evolvers import BaseEvolver  # noqa: E402
from amlb_adapter import Fitted, object_columns  # noqa: E402
from dask.distributed import Client, LocalCluster  # noqa: E402

#: the runner's metric names -> scikit-learn scorer names TPOT maximises
METRICS = {"auc": "roc_auc", "logloss": "neg_log_loss", "acc": "accuracy", "balacc": "balanced_accuracy",
           "rmse": "neg_root_mean_squared_error", "mae": "neg_mean_absolute_error", "r2": "r2"}
#: shares of the budget: the whole fit; the evolution (TPOT then waits up to one evaluation limit
#: for the running pipelines and refits the best); the evaluation limit of one pipeline
FIT_SHARE, SEARCH_SHARE, EVAL_SHARE = 0.8, 0.5, 0.15
#: below this budget TPOT's defaults evaluate next to nothing (building 50 random pipelines alone
#: takes 15 s on a busy 2-core machine): a smaller population of faster pipelines instead
SHORT_BUDGET_S = 600
SHORT_BUDGET_SETTINGS = {"population_size": 20, "search_space": "linear-light"}


def version():
    return tpot.__version__




class _SearchDeadline:
    """TPOT starts its ``max_time_mins`` clock only after building the initial population (seconds
    on a busy machine): the evolver's clock is set, when its search starts, to what is left until
    the adapter's deadline."""

    deadline: float | None = None  # time.time() at which the search must end
    _optimize = BaseEvolver.optimize

    @classmethod
    def install(cls) -> None:
        def optimize(evolver, *args, **kwargs):
            if cls.deadline is not None:
                evolver.max_time_mins = max(1.0, cls.deadline - time.time()) / 60
                print(f"[TPOT adapter] first population built; {60 * evolver.max_time_mins:.1f} s of search left",
                      file=sys.stderr, flush=True)
            return cls._optimize(evolver, *args, **kwargs)

        BaseEvolver.optimize = optimize


_SearchDeadline.install()


def _log(start: float, message: str) -> None:
    print(f"[TPOT adapter] {time.monotonic() - start:6.1f} s: {message}", file=sys.stderr, flush=True)


def _start_cluster(config) -> tuple[LocalCluster, Client]:
    """Worker processes forked from this one: they start at once with tpot imported (and offline)."""
    scratch = os.path.join(config.work_dir, "dask-scratch-space")
    dask.config.set({"temporary-directory": config.work_dir, "distributed.worker.multiprocessing-method": "fork"})
    memory = int(config.memory_mb * 2**20 * 0.8 / config.cores) if config.memory_mb else "auto"
    cluster = LocalCluster(n_workers=config.cores, threads_per_worker=1, processes=True, memory_limit=memory,
                           dashboard_address=None, local_directory=scratch, silence_logs=50)
    return cluster, Client(cluster)


def _stop_cluster(cluster: LocalCluster, client: Client) -> None:
    """Close the cluster without waiting for a pipeline still running in a worker, then kill what is left."""
    try:
        client.close(timeout=2)
        cluster.close(timeout=2)
    except Exception as e:  # noqa: BLE001 - the processes are killed below in any case
        print(f"[TPOT adapter] closing the Dask cluster: {type(e).__name__}: {e}", file=sys.stderr)
    for child in psutil.Process().children(recursive=True):
        try:
            child.kill()
        except psutil.NoSuchProcess:
            pass


def fit(train, config):
    start = time.monotonic()
    classification = config.class_labels is not None
    scorer = METRICS.get(config.metric, "roc_auc" if classification else "neg_root_mean_squared_error")
    if scorer == "roc_auc" and config.type == "multiclass":
        scorer = "roc_auc_ovr"
    X = object_columns(train.X)
    if classification:
        codes = {label: i for i, label in enumerate(config.class_labels)}
        y = train.y.astype(str).map(codes).to_numpy()
    else:
        y = train.y.to_numpy(dtype="float64")
    cluster, client = _start_cluster(config)
    _log(start, f"Dask cluster of {config.cores} worker(s) started")
    try:
        search_s = max(1.0, SEARCH_SHARE * config.budget_seconds - (time.monotonic() - start))
        _SearchDeadline.deadline = time.time() + search_s
        settings = {"scorers": [scorer], "scorers_weights": [1.0], "n_jobs": config.cores, "client": client,
                    "max_time_mins": search_s / 60, "max_eval_time_mins": EVAL_SHARE * config.budget_seconds / 60,
                    "preprocessing": True, "random_state": config.seed, "verbose": 0,
                    **(SHORT_BUDGET_SETTINGS if config.budget_seconds < SHORT_BUDGET_S else {}), **config.params}
        estimator = (tpot.TPOTClassifier if classification else tpot.TPOTRegressor)(**settings)
        try:
            estimator.fit(X, y)
        except Exception as e:
            if "No individuals could be evaluated" in str(e):
                raise RuntimeError(f"TPOT evaluated no pipeline in its {search_s:.0f} s search "
                                   f"(give it a larger budget): {e}") from e
            raise
        _log(start, f"search and refit done (search time {search_s:.0f} s)")
    finally:
        _stop_cluster(cluster, client)
        _log(start, "Dask cluster closed")
    if not hasattr(estimator, "fitted_pipeline_"):
        raise RuntimeError("TPOT could not refit any of its best pipelines on the whole training set")
    pipeline = estimator.fitted_pipeline_

    def predict(X_new):
        pred = pipeline.predict(object_columns(X_new))
        return np.asarray(config.class_labels)[np.asarray(pred, dtype=int)] if classification else pred

    def predict_proba(X_new):
        out = np.zeros((len(X_new), len(config.class_labels)))
        columns = np.asarray(pipeline.classes_, dtype=int)  # codes of the classes TPOT saw, in its order
        if hasattr(pipeline, "predict_proba"):
            out[:, columns] = pipeline.predict_proba(object_columns(X_new))
        else:  # e.g. LinearSVC: certain predictions
            out[np.arange(len(X_new)), np.asarray(pipeline.predict(object_columns(X_new)), dtype=int)] = 1.0
        return out

    evaluated = estimator.evaluated_individuals
    scored = int(evaluated[estimator.objective_names].notna().all(axis=1).sum()) if evaluated is not None else None
    return Fitted(predict=predict, predict_proba=predict_proba if classification else None,
                  models_count=scored,  # pipelines evaluated with a score
                  info={"scorer": scorer, "best_pipeline": str(pipeline)[:500],
                        "search_seconds": round(search_s, 1), "cv": estimator.cv,
                        "search_space": str(settings.get("search_space", "linear")),
                        "population_size": settings.get("population_size", 50)})
