"""H2OAutoML: a private H2O cluster per job, AutoML within the budget, predictions from its leader.

The adapter starts its own H2O JVM for each job, never an existing server: on a free port of
127.0.0.1 (not 54321, which ``h2o.init`` would share with any other H2O on the machine), with
``nthreads`` = the job's cores, a heap from the job's memory (headroom left for the JVM's own
overhead and the Python side) and every file of the JVM (ice root, logs, java.io.tmpdir) inside
the job's work dir. The JVM's start (~15 s) is paid from the fit's share of the budget, and
``max_runtime_secs`` ends the search a few seconds early because H2O overruns it slightly.

Predictions need the cluster, and the runner times inference after ``fit`` returns: the cluster
is shut down by ``Fitted.close`` at the end of the job (the job process ends with ``os._exit``,
so H2O's own atexit hook never runs). When the job is killed, the worker kills its process tree,
the JVM included. Data goes to H2O as CSV written by pandas (missing values as empty fields), with
categorical and text columns declared ``enum``; probabilities are mapped to the runner's class
order through the target's domain.
"""
from __future__ import annotations

import io
import os
import socket
import time
import warnings
from pathlib import Path

import h2o
import numpy as np
import pandas as pd
from amlb_adapter import Fitted
from h2o.automl import H2OAutoML

#: the runner's metric -> H2O's leaderboard sort_metric (r2 ranks as mse does; acc has no H2O sort metric:
#: mean_per_class_error is the nearest)
SORT_METRICS = {"auc": "AUC", "logloss": "logloss", "acc": "mean_per_class_error",
                "balacc": "mean_per_class_error", "rmse": "RMSE", "mae": "MAE", "r2": "MSE"}
#: the runner's metric -> H2O's early-stopping metric
STOPPING_METRICS = {"auc": "AUC", "logloss": "logloss", "acc": "misclassification",
                    "balacc": "mean_per_class_error", "rmse": "RMSE", "mae": "MAE", "r2": "MSE"}
#: leaderboard metrics H2O accepts per task type
VALID_SORT_METRICS = {"binary": {"AUC", "AUCPR", "logloss", "mean_per_class_error", "RMSE", "MSE"},
                      "multiclass": {"logloss", "mean_per_class_error", "RMSE", "MSE"},
                      "regression": {"RMSE", "MSE", "MAE", "RMSLE", "deviance"}}
FIT_SHARE = 0.8  # framework.yaml fit_share: fit() returns by 80% of the budget ...
MIN_RUNTIME_S = 10  # ... unless the JVM's start left H2OAutoML less than this (then fit overruns its share)
OVERRUN_S = 5.0  # H2OAutoML ends this much after max_runtime_secs (measured: ~4 s)
JVM_OVERHEAD_MB = 768
QUICK_JIT_BUDGET_S = 300  # below this budget the JVM skips its optimising compiler (faster start)  # JVM outside its heap, plus the Python side


def version():
    return h2o.__version__


def _free_port_pair() -> int:
    """A free port whose successor is free too (H2O listens on port and port + 1)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port >= 65535:
            continue
        try:
            with socket.socket() as s:
                s.bind(("127.0.0.1", port + 1))
            return port
        except OSError:
            continue
    raise RuntimeError("no free pair of ports on 127.0.0.1 for the H2O cluster")


def _jvm_args(config, work: Path) -> list[str]:
    """Files inside the work dir; for short budgets a JVM that starts fast rather than one that peaks late."""
    args = [f"-Djava.io.tmpdir={work / 'h2o_tmp'}", f"-Duser.home={os.environ.get('HOME', work)}", "-XX:-UsePerfData"]
    if config.budget_seconds < QUICK_JIT_BUDGET_S:
        args.append("-XX:TieredStopAtLevel=1")  # C1 only: H2O's start took 33 s instead of 43 s on one busy core
    if config.cores == 1:
        args.append("-XX:+UseSerialGC")  # no parallel GC threads competing for the one core
    return args


def _start_cluster(config) -> None:
    work = Path(config.work_dir)
    for sub in ("h2o_ice", "h2o_logs", "h2o_tmp"):
        (work / sub).mkdir(exist_ok=True)
    heap = f"{max(512, int(0.8 * (config.memory_mb - JVM_OVERHEAD_MB)))}M" if config.memory_mb else None
    h2o.init(ip="127.0.0.1", port=_free_port_pair(), as_port=True, name=f"amlb_{os.getpid()}_{time.time_ns()}",
             nthreads=config.cores, max_mem_size=heap, min_mem_size=heap, ice_root=str(work / "h2o_ice"),
             log_dir=str(work / "h2o_logs"), log_level="WARN", strict_version_check=True, ignore_config=True,
             jvm_custom_args=_jvm_args(config, work),
             bind_to_localhost=True, verbose=False, telemetry=False)
    h2o.no_progress()


def _stop_cluster() -> None:
    """Shut the cluster down, then make sure its JVM is gone (H2O's own shutdown may not kill it)."""
    try:
        server = h2o.connection().local_server
    except Exception:  # noqa: BLE001 - not connected: the JVM may still have been started
        server = None
    process = getattr(server, "_process", None)
    try:
        h2o.cluster().shutdown()
    except Exception:  # noqa: BLE001 - the JVM is stopped below either way
        pass
    if process is not None:
        try:
            process.wait(timeout=10)
        except Exception:  # noqa: BLE001
            process.kill()
            process.wait(timeout=10)
    if server is not None:
        server._process = None  # nothing left for H2O's atexit hook to stop


def _column_types(X: pd.DataFrame) -> dict[str, str]:
    return {name: "numeric" if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype)
            else "enum" for name, col in X.items()}


def _to_h2o(df: pd.DataFrame, types: dict[str, str]) -> h2o.H2OFrame:
    """Upload through a CSV written by pandas: missing values as empty fields, categoricals as their labels."""
    path = Path(os.environ.get("TMPDIR", ".")) / f"h2o_upload_{time.time_ns()}.csv"
    try:
        df.to_csv(path, index=False, na_rep="")
        return h2o.upload_file(str(path), col_types=[types[c] for c in df.columns], header=1)
    finally:
        path.unlink(missing_ok=True)


def fit(train, config):
    started = time.monotonic()
    classification = config.class_labels is not None
    types = _column_types(train.X)
    try:
        _start_cluster(config)
        cluster_start_s = time.monotonic() - started
        target = config.target
        data = train.X.copy()
        data[target] = train.y.astype(str) if classification else train.y
        frame = _to_h2o(data, {**types, target: "enum" if classification else "numeric"})
        domain = frame[target].levels()[0] if classification else None
        print(f"[amlb H2OAutoML] cluster up after {cluster_start_s:.1f} s, data uploaded after "
              f"{time.monotonic() - started:.1f} s", flush=True)
        runtime = max(MIN_RUNTIME_S, int(started + FIT_SHARE * config.budget_seconds - OVERRUN_S - time.monotonic()))
        settings = {"max_runtime_secs": runtime, "seed": config.seed,
                    "sort_metric": SORT_METRICS.get(config.metric, "AUTO"),
                    "stopping_metric": STOPPING_METRICS.get(config.metric, "AUTO"),
                    "project_name": f"amlb_{config.framework}_{os.getpid()}", "verbosity": "warn", **config.params}
        if settings["sort_metric"] not in VALID_SORT_METRICS[config.type]:
            settings["sort_metric"] = settings["stopping_metric"] = "AUTO"  # e.g. AUC on a multiclass task
        automl = H2OAutoML(**settings)
        automl.train(x=list(train.X.columns), y=target, training_frame=frame)
        leader = automl.leader
        if leader is None:
            raise RuntimeError(f"H2OAutoML trained no model in {runtime} s")
    except BaseException:
        _stop_cluster()
        raise

    last: dict = {}  # the runner asks for labels, then probabilities, of the same test set: predict once

    def predict_frame(X: pd.DataFrame) -> pd.DataFrame:
        if last.get("X") is X:
            return last["predictions"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rows = _to_h2o(X, types)
            out = leader.predict(rows)
            text = out.get_frame_data()
            h2o.remove([out, rows])
        last.update(X=X, predictions=pd.read_csv(io.StringIO(text), dtype={"predict": str} if classification else None))
        return last["predictions"]

    def predict(X: pd.DataFrame):
        return predict_frame(X)["predict"].to_numpy()

    def predict_proba(X: pd.DataFrame):
        pred = predict_frame(X)
        proba = np.zeros((len(X), len(config.class_labels)))
        for j, label in enumerate(domain):  # the columns after "predict" follow the target's domain
            proba[:, config.class_labels.index(label)] = pred.iloc[:, 1 + j].to_numpy()
        return proba

    models = automl.leaderboard.nrows
    print(automl.leaderboard.head(rows=10), flush=True)
    return Fitted(predict=predict, predict_proba=predict_proba if classification else None, models_count=models,
                  info={"leader": leader.model_id, "sort_metric": settings["sort_metric"],
                        "max_runtime_secs": runtime, "cluster_start_s": round(cluster_start_s, 1)},
                  close=_stop_cluster)
