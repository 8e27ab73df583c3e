"""AutoGluon: TabularPredictor.fit within the job's budget, on its cores and memory, for the task's metric.

The predictor lives in the job's work dir (``path``); ``num_cpus``, ``num_gpus=0``, ``memory_limit``
(GB, a soft limit AutoGluon uses to skip models that would not fit) come from the job, the
learner's ``random_state`` (holdout split, bagging folds) from its seed. ``config.params`` go to
``fit`` (``presets``, ``hyperparameters``, ...). ``fit`` returns within 80% of the budget
(``fit_share``), counted from its start: AutoGluon's ``time_limit`` covers its model fits, not
the post-fit steps and the final save that follow (up to 11 s more at a 60 s budget on a loaded
machine), so ``time_limit`` leaves room for them.

Bagging presets (best_quality, high_quality, good_quality, or ``num_bag_folds``) fit folds and
the DyStack sub-fit in Ray. Ray puts Unix sockets under its temp dir, whose path must stay short
(107 bytes): the adapter starts Ray itself before AutoGluon would, with a short symbolic link
under /tmp pointing to ``ray/`` in the work dir, so Ray's files stay in the job's directory; Ray
is shut down and the link removed when ``fit`` ends (predictions do not need Ray). Without a
bagging preset Ray is not started; with one core or a budget under 10 minutes neither: the folds run
in the job's process one after the other (Ray took 40 s to start on a busy machine, its fold workers
then did not finish a 120 s budget; on one core it would parallelise nothing) and DyStack is off (outside Ray, a DyStack sub-fit that trains nothing in its share leaves
AutoGluon 1.6.3's predictor "already fit" and the job fails). Probabilities are reordered to the runner's class order by label.
"""
from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path

import autogluon.tabular
import numpy as np
import pandas as pd
from amlb_adapter import Fitted
from autogluon.tabular import TabularPredictor

#: the runner's metric names -> AutoGluon's
METRICS = {"auc": "roc_auc", "logloss": "log_loss", "acc": "accuracy", "balacc": "balanced_accuracy",
           "rmse": "root_mean_squared_error", "mae": "mean_absolute_error", "r2": "r2"}
FIT_SHARE = 0.8  # framework.yaml fit_share
#: AutoGluon's time_limit covers its model fits only: its post-fit steps and the final save took up to
#: 11 s more on a loaded 2-core machine (60 s budget); the time_limit leaves them this much (at most a quarter)
POST_FIT_S = 12.0
#: presets that refit the best models on all the data after time_limit (high_quality, good_quality) leave it
#: 40% of the fit's share (AutoGluon_hq at 60 s: the refit and save took 26 s after a 36 s time_limit)
REFIT_SHARE = 0.4
REFIT_PRESETS = ("high", "good")
#: below this budget, or on one core, bagged folds are fitted without Ray: on a busy 2-core machine Ray took
#: 40 s to start and its fold workers did not finish a 120 s budget
RAY_MIN_BUDGET_S = 600
BAGGING_PRESETS = ("best", "high", "good", "extreme", "experimental", "interpretable")


def version():
    return autogluon.tabular.__version__


def _uses_bagging(params: dict) -> bool:
    presets = params.get("presets") or []
    presets = [presets] if isinstance(presets, str) else list(presets)
    return (any(str(p).startswith(BAGGING_PRESETS) for p in presets)
            or bool(params.get("num_bag_folds")) or bool(params.get("auto_stack")))


def _refits(params: dict) -> bool:
    presets = params.get("presets") or []
    presets = [presets] if isinstance(presets, str) else list(presets)
    return any(str(p).startswith(REFIT_PRESETS) for p in presets) or bool(params.get("refit_full"))


class _Ray:
    """Ray for one job: its files in the work dir, reached through a short link under /tmp."""

    def __init__(self, config):
        import ray  # noqa: PLC0415 - only with bagging presets

        self.ray = ray
        target = Path(config.work_dir) / "ray"
        target.mkdir(exist_ok=True)
        # a fresh unique name: mkdtemp makes it atomically, then it becomes the link
        self.link = Path(tempfile.mkdtemp(prefix="amlb-ray-", dir="/tmp"))
        self.link.rmdir()
        self.link.symlink_to(target)
        memory = (config.memory_mb or 4096) * 2**20
        ray.init(num_cpus=config.cores, num_gpus=0, include_dashboard=False, _temp_dir=str(self.link),
                 object_store_memory=max(100 * 2**20, int(0.2 * memory)), log_to_driver=False,
                 logging_level=logging.ERROR, configure_logging=False)

    def stop(self) -> None:
        try:
            self.ray.shutdown()
        finally:
            self.link.unlink(missing_ok=True)


def fit(train, config):
    started = time.monotonic()
    classification = config.class_labels is not None
    params = dict(config.params)
    label = config.target
    data = train.X.copy()
    data[label] = train.y.astype(str) if classification else train.y
    predictor = TabularPredictor(
        label=label, problem_type=config.type, eval_metric=METRICS.get(config.metric),
        path=str(Path(config.work_dir) / "autogluon"), verbosity=int(params.pop("verbosity", 2)),
        learner_kwargs={"random_state": config.seed})
    ray_session = None
    if _uses_bagging(params) and config.cores > 1 and config.budget_seconds >= RAY_MIN_BUDGET_S:
        ray_session = _Ray(config)
    elif _uses_bagging(params):  # Ray would parallelise nothing (one core) or cost most of a short budget
        params["ag_args_ensemble"] = {"fold_fitting_strategy": "sequential_local", **params.get("ag_args_ensemble", {})}
        # DyStack outside Ray: a sub-fit that trains nothing leaves the predictor "already fit" (AutoGluon 1.6.3)
        params.setdefault("dynamic_stacking", False)
    try:
        fit_seconds = FIT_SHARE * config.budget_seconds
        post_fit = REFIT_SHARE * fit_seconds if _refits(params) else min(POST_FIT_S, 0.25 * fit_seconds)
        time_limit = max(1.0, started + fit_seconds - post_fit - time.monotonic())
        print(f"[amlb AutoGluon] fit starts {time.monotonic() - started:.1f} s into the job's fit, "
              f"time_limit={time_limit:.1f} s", flush=True)
        predictor.fit(data, time_limit=time_limit, num_cpus=config.cores, num_gpus=0,
                      memory_limit=(config.memory_mb / 1024) if config.memory_mb else "auto", **params)
    finally:
        if ray_session is not None:
            ray_session.stop()

    def predict_proba(X_new: pd.DataFrame):
        proba = predictor.predict_proba(X_new, as_multiclass=True)
        out = np.zeros((len(X_new), len(config.class_labels)))
        for column in proba.columns:
            out[:, config.class_labels.index(str(column))] = proba[column].to_numpy()
        return out

    print(f"[amlb AutoGluon] fit returned after {time.monotonic() - started:.1f} s", flush=True)
    board = predictor.leaderboard(silent=True)
    print(f"[amlb AutoGluon] leaderboard after {time.monotonic() - started:.1f} s", flush=True)
    return Fitted(predict=lambda X_new: predictor.predict(X_new).to_numpy(),
                  predict_proba=predict_proba if classification else None,
                  models_count=len(board),
                  info={"best_model": predictor.model_best, "eval_metric": predictor.eval_metric.name,
                        "models": list(board["model"]), "ray": ray_session is not None})
