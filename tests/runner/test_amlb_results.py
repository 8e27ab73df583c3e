"""AMLB's tools read our results.csv: a real run with ok rows, a framework that fails on some folds
and a task whose data cannot be prepared, read the way AMLB's report code reads results.

The reading below re-implements, from its documented behaviour, what AMLB's
``amlb_report.results.prepare_results`` does (openml/automlbenchmark): concatenate the
``results.csv`` files, lower-case task and framework, index rows by (task, fold, framework),
which must be unique; add a ``missing`` row for every (task, fold < nfolds, framework) without
one; impute a failed result with the constant predictor's result on the same task and fold
unless every fold of that task failed for the framework (then no imputation); normalise per
task and fold between two reference frameworks (``(r - zero) / (one - zero)``, negated when
the metric starts with ``neg_`` and ``one < 0 <= zero``: it calls ``metric.startswith`` on every
row, so a row without a metric crashes it). And what ``amlb.results.Scoreboard`` needs: its
fixed columns.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import run_cli

pytestmark = pytest.mark.slow

#: amlb.results.Scoreboard's fixed columns, in its order
SCOREBOARD_FIXED = ["id", "task", "framework", "constraint", "fold", "type", "result", "metric", "mode", "version",
                    "params", "app_version", "utc", "duration", "training_duration", "predict_duration",
                    "models_count", "seed", "info"]

#: a framework that fails on odd seeds: with ``seed: auto`` fold 1 of each task (seed 43) fails, fold 0 runs
HALF_FAIL = '''
import numpy as np
import pandas as pd
from amlb_adapter import Fitted


def fit(train, config):
    if config.seed % 2:
        raise RuntimeError(f"fails on odd seeds, this one is {config.seed}")
    if config.class_labels:
        priors = train.y.value_counts(normalize=True).reindex(config.class_labels, fill_value=0.0).to_numpy()
        label = config.class_labels[int(np.argmin(priors))]  # no better than the constant predictor
        return Fitted(predict=lambda X: np.full(len(X), label, dtype=object),
                      predict_proba=lambda X: np.tile(priors[::-1], (len(X), 1)))
    median = float(pd.to_numeric(train.y).median())
    return Fitted(predict=lambda X: np.full(len(X), median))
'''
FRAMEWORK_YAML = 'version: "1.0"\nrequirements: [numpy==2.4.6, pandas==3.1.1, pyarrow==26.0.1]\n'
BENCHMARK = """
- name: iris
  builtin: iris
- name: diabetes
  builtin: diabetes
- name: breast_cancer
  builtin: breast_cancer
- name: broken
  builtin: iris
  target: no_such_column   # its data cannot be prepared: data_error rows, type and metric from the definition
  type: multiclass
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("amlb-results")
    user = root / "user"
    (user / "frameworks" / "HalfFail").mkdir(parents=True)
    (user / "frameworks" / "HalfFail" / "framework.yaml").write_text(FRAMEWORK_YAML)
    (user / "frameworks" / "HalfFail" / "exec.py").write_text(HALF_FAIL)
    (user / "benchmarks").mkdir()
    (user / "benchmarks" / "mixed.yaml").write_text(BENCHMARK)
    (user / "constraints.yaml").write_text("quick: {folds: 2, max_runtime_seconds: 4, cores: 1, max_mem_size_mb: 2048}\n")
    out = root / "run"
    proc = run_cli("constantpredictor,RandomForest,HalfFail", "mixed", "quick", "-u", str(user), "-o", str(out))
    # failed jobs and data errors: the run finishes, says so, and exits 1; the results are complete
    assert proc.returncode == 1 and "broken" in proc.stderr, proc.stderr[-3000:]
    return out


def amlb_report_prepare(files: list[Path], nfolds: int, imputation: str, zero: str, one: str) -> pd.DataFrame:
    """AMLB's report preparation (see the module docstring), on its own terms."""
    results = pd.concat([pd.read_csv(f) for f in files], ignore_index=True)
    results["task"] = results["task"].str.lower()
    results["framework"] = results["framework"].str.lower()
    results["fold"] = results["fold"].apply(int)
    done = results.set_index(["task", "fold", "framework"])
    assert done.index.is_unique, done[done.index.duplicated(keep=False)]
    tasks, frameworks = sorted(results.task.unique()), sorted(results.framework.unique())
    missing = [(t, f, fw) for t in tasks for f in range(nfolds) for fw in frameworks if (t, f, fw) not in done.index]
    results = pd.concat([results, pd.DataFrame(missing, columns=["task", "fold", "framework"]).assign(info="missing")],
                        ignore_index=True)

    def ref(framework: str, row: pd.Series, column: str) -> float:
        return results.loc[(results.framework == framework) & (results.task == row.task)
                           & (results.fold == row.fold)][column].item()

    def impute(row: pd.Series) -> float:
        if pd.notna(row.result):
            return row.result
        if results.loc[(results.task == row.task) & (results.framework == row.framework)]["result"].isna().all():
            return np.nan
        return ref(imputation, row, "result")

    results["imp_result"] = [impute(row) for _, row in results.iterrows()]

    def normalise(row: pd.Series) -> float:
        z, o = ref(zero, row, "imp_result"), ref(one, row, "imp_result")
        norm = (row.imp_result - z) / (o - z)
        return -norm if row["metric"].startswith("neg_") and o < 0 <= z else norm

    results["norm_result"] = [normalise(row) for _, row in results.iterrows()]
    return results


def test_amlb_report_reads_imputes_and_normalises_our_results(run):
    csv = run / "results.csv"
    raw = pd.read_csv(csv)
    assert list(raw.columns[:len(SCOREBOARD_FIXED)]) == SCOREBOARD_FIXED
    assert len(raw) == 4 * 2 * 3  # tasks x folds x frameworks, complete
    prepared = amlb_report_prepare([csv], nfolds=2, imputation="constantpredictor", zero="constantpredictor",
                                   one="randomforest")
    assert (prepared["info"] != "missing").all()
    by = prepared.set_index(["task", "fold", "framework"])

    # ok rows are their own results; normalised, the constant predictor is 0 and the forest 1
    for task in ("iris", "diabetes", "breast_cancer"):
        for fold in (0, 1):
            assert by.loc[(task, fold, "constantpredictor"), "norm_result"] == pytest.approx(0.0)
            assert by.loc[(task, fold, "randomforest"), "norm_result"] == pytest.approx(1.0)
        # HalfFail: fold 0 ran (no better than the floor), fold 1 failed and takes the constant predictor's result
        ok, failed = by.loc[(task, 0, "halffail")], by.loc[(task, 1, "halffail")]
        assert ok["status"] == "ok" and failed["status"] == "framework_error"
        assert np.isnan(failed["result"]) and failed["imp_result"] == by.loc[(task, 1, "constantpredictor"), "result"]
        assert failed["norm_result"] == pytest.approx(0.0)
        cp, rf = by.loc[(task, 0, "constantpredictor"), "result"], by.loc[(task, 0, "randomforest"), "result"]
        assert ok["norm_result"] == pytest.approx((ok["result"] - cp) / (rf - cp)) and ok["norm_result"] < 0.5

    # the task whose data failed: every row typed and with its metric, nothing imputed, nothing crashes
    broken = prepared[prepared.task == "broken"]
    assert set(broken["status"]) == {"data_error"} and len(broken) == 6
    assert set(broken["type"]) == {"multiclass"} and set(broken["metric"]) == {"neg_logloss"}
    assert set(broken["id"]) == {"builtin/iris"}
    assert broken["imp_result"].isna().all() and broken["norm_result"].isna().all()

    # failed rows carry type and metric like ok rows of the same task
    for task, group in prepared.groupby("task"):
        assert group["type"].nunique() == 1 and group["metric"].nunique() == 1, task


def test_seeds_per_fold_and_amlb_inference_columns(run):
    results = pd.read_csv(run / "results.csv")
    assert set(results.loc[results.fold == 0, "seed"]) == {42} and set(results.loc[results.fold == 1, "seed"]) == {43}
    ok = results[results.status == "ok"]
    sizes = sorted(int(c.rsplit("_", 1)[1]) for c in results.columns if c.startswith("infer_batch_size_df_"))
    assert sizes == [1, 10, 100, 1000]
    for n in sizes:  # AMLB's column: seconds for a batch of n rows; ours: seconds per row
        measured = ok[f"infer_s_per_row_{n}"].notna()
        assert measured.any()
        np.testing.assert_allclose(ok.loc[measured, f"infer_batch_size_df_{n}"], ok.loc[measured, f"infer_s_per_row_{n}"] * n)
    assert results.loc[results.status != "ok", [f"infer_batch_size_df_{n}" for n in sizes]].isna().all().all()


def test_a_fixed_seed_is_every_jobs_seed(tmp_path):
    out = tmp_path / "run"
    proc = run_cli("constantpredictor", "example", "-t", "iris", "diabetes", "-X", "seed=5", "-o", str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = pd.read_csv(out / "results.csv")
    assert sorted(results["fold"]) == [0, 0, 1, 1] and set(results["seed"]) == {5}
