"""Import of AMLB's and amlb's results files; meta-features."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from amlb.analysis import join_meta, load_meta, load_results, meta_from_results
from amlb.errors import UserError
from amlb.record import JobRecord, Status


def test_amlb_files_load_typed(amlb_results, amlb_dir):
    df = amlb_results
    assert len(df) == 18459 + 7920
    assert list(df.columns[:12]) == ["source", "task", "framework", "constraint", "fold", "type", "result", "metric",
                                     "status", "info", "training_duration", "predict_duration"]
    assert df["fold"].dtype == np.int64 and df["result"].dtype == float
    assert set(df["type"]) == {"binary", "multiclass", "regression"}
    assert set(df["status"]) == {"ok", "failed"}
    assert (df["status"] == "failed").sum() == df["result"].isna().sum() > 0
    assert set(df["source"]) == {str(amlb_dir / "classification.csv"), str(amlb_dir / "regression.csv")}
    assert "models_ensemble_count" in df.columns  # other columns are kept
    assert not df["info"].str.contains("\n").any()


def _record(task: str, framework: str, fold: int, result: float | None, status: Status) -> JobRecord:
    return JobRecord(
        id=f"openml.org/t/{task}", task=task, framework=framework, constraint="test", fold=fold, type="binary",
        result=result, metric="auc", training_duration=12.5, predict_duration=0.5, info="" if result else "boom",
        status=status, metrics={"auc": result} if result else {}, infer_seconds_per_row={1: 1e-3, 1000: 2e-5},
        energy={"energy_kwh": 0.002, "co2e_kg": 0.001},
        meta_features={"n_rows": 1000, "n_features": 8, "n_classes": 2},
    )


def test_our_results_directory(tmp_path):
    rows = [_record("iris", "flaml", 0, 0.9, Status.OK).to_row(),
            _record("iris", "flaml", 1, None, Status.TIMEOUT).to_row(),
            _record("kc1", "constantpredictor", 0, 0.5, Status.OK).to_row()]
    rows[2]["mf_n_rows"] = 2109
    pd.DataFrame(rows).to_csv(tmp_path / "results.csv", index=False)
    df = load_results([tmp_path])
    assert list(df["status"]) == ["ok", "timeout", "ok"]
    assert math.isnan(df["result"].iloc[1])
    assert df["infer_s_per_row_1000"].dtype == float and df["energy_kwh"].iloc[0] == pytest.approx(0.002)
    assert df["source"].iloc[0] == str(tmp_path / "results.csv")
    meta = meta_from_results(df)
    assert list(meta["task"]) == ["iris", "kc1"]
    assert list(meta.columns) == ["task", "n_rows", "n_features", "n_classes"]
    assert meta.set_index("task").loc["kc1", "n_rows"] == 2109


def test_bad_paths_are_user_errors(tmp_path):
    with pytest.raises(UserError, match="not found"):
        load_results([tmp_path / "nope.csv"])
    with pytest.raises(UserError, match="no results.csv"):
        load_results([tmp_path])
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    with pytest.raises(UserError, match="not an AMLB results file"):
        load_results([tmp_path / "x.csv"])


def test_metadata_file_joins_by_name(amlb_dir, amlb_clf_1h):
    meta = load_meta(amlb_dir / "dataset_metadata.csv")
    assert meta.columns[0] == "task" and "did" not in meta.columns and "status" not in meta.columns
    assert len(meta) == 104 and meta["NumberOfInstances"].dtype == float
    tasks = sorted(amlb_clf_1h["task"].unique())
    joined = join_meta(tasks, meta)
    assert joined["NumberOfInstances"].notna().all()  # numerai28_6 finds numerai28.6
    assert joined.set_index("task").loc["numerai28_6", "NumberOfInstances"] == 96320


def test_join_meta_prefers_a_row_with_values_over_an_empty_exact_match():
    import numpy as np
    import pandas as pd

    from amlb.analysis.load import join_meta
    from amlb.analysis.leaderboard import task_rows

    meta = pd.DataFrame({"task": ["numerai28_6", "numerai28.6"], "NumberOfInstances": [np.nan, 96320.0]})
    joined = join_meta(["numerai28_6"], meta)
    assert joined["NumberOfInstances"].iloc[0] == 96320.0
    # a second row-count column fills what the first leaves empty
    df = pd.DataFrame({"task": ["a", "b"], "framework": ["x", "x"], "mf_n_rows": [10.0, np.nan]})
    both = pd.DataFrame({"task": ["a", "b"], "NumberOfInstances": [10.0, 20.0]})
    assert task_rows(df, both).tolist() == [10.0, 20.0]
