"""File datasets (CSV, Parquet, ARFF; one file or explicit folds) and the errors users meet."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from amlb.datasets import TaskSpec, open_task
from amlb.datasets.arff import write_arff
from amlb.errors import DataError, UserError


def mixed_frame(n: int = 120, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "age": rng.integers(18, 90, n).astype(float),
        "colour": pd.Categorical(rng.choice(["red", "green", "dark blue"], n)),
        "score": rng.normal(size=n),
        "label": rng.choice(["yes", "no"], n),
    })
    frame.loc[::7, "score"] = np.nan
    frame.loc[::11, "colour"] = np.nan
    return frame


def assert_nothing_half_written(cache_dir: Path) -> None:
    written = [p for p in cache_dir.rglob("*") if p.is_file() and not p.name.endswith(".lock")] if cache_dir.exists() else []
    assert written == []


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".arff"])
def test_single_file_with_inferred_target_and_type(cfg, tmp_path, suffix):
    path = tmp_path / f"data{suffix}"
    frame = mixed_frame()
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    elif suffix == ".parquet":
        frame.to_parquet(path)
    else:
        write_arff(frame.astype({"label": "category"}), path)
    task = open_task(TaskSpec(name="mixed", dataset={"path": str(path)}, folds=4), cfg)
    assert (task.id, task.target, task.type, task.n_folds) == ("file/mixed", "label", "binary", 4)
    assert "label" in task.info["target_note"] and "inferred" in task.info["target_note"]
    assert "categorical with 2 classes" in task.info["type_note"]
    train = pd.read_parquet(task.fold(0).train)
    assert isinstance(train["colour"].dtype, pd.CategoricalDtype) and train["colour"].isna().any()
    assert train["score"].dtype == "float64"
    assert task.meta_features["n_categorical_features"] == 1 and task.meta_features["n_rows"] == 120


def test_declared_target_and_type_and_relative_path(cfg, tmp_path):
    (tmp_path / "bench").mkdir()
    mixed_frame().to_csv(tmp_path / "bench" / "d.csv", index=False)
    spec = TaskSpec(name="reg", dataset={"path": "d.csv", "target": "age", "type": "regression"}, folds=3,
                    source_file=str(tmp_path / "bench" / "b.yaml"))
    task = open_task(spec, cfg)  # relative to the benchmark file's folder
    assert (task.target, task.type, task.info["target_note"]) == ("age", "regression", "declared in the task definition")
    assert pd.read_parquet(task.fold(2).test_target)["age"].dtype == "float64"
    other = open_task(replace(spec, source_file=""), replace(cfg, base_dir=tmp_path / "bench"))
    assert other.meta_features == task.meta_features


def test_integer_target_is_explained(cfg, tmp_path):
    frame = mixed_frame().assign(label=np.arange(120) % 5)
    frame.to_csv(tmp_path / "d.csv", index=False)
    task = open_task(TaskSpec(name="ints", dataset={"path": str(tmp_path / "d.csv")}, folds=3), cfg)
    assert task.type == "regression" and "declare `type: multiclass`" in task.info["type_note"]
    task = open_task(TaskSpec(name="ints", dataset={"path": str(tmp_path / "d.csv"), "type": "multiclass"}, folds=3), cfg)
    assert task.class_labels == ["0", "1", "2", "3", "4"]


def test_explicit_train_test_files_per_fold(cfg, tmp_path):
    frame = mixed_frame(90)
    train, test = [], []
    for i in range(3):
        part = np.arange(90) % 3 == i
        frame[~part].to_csv(tmp_path / f"train_{i}.csv", index=False)
        frame[part].to_csv(tmp_path / f"test_{i}.csv", index=False)
        train.append(str(tmp_path / f"train_{i}.csv"))
        test.append(str(tmp_path / f"test_{i}.csv"))
    task = open_task(TaskSpec(name="explicit", dataset={"train": train, "test": test, "target": "label"}), cfg)
    assert (task.n_folds, task.type, task.class_labels) == (3, "binary", ["no", "yes"])
    for i in range(3):
        files = task.fold(i)
        tr, te = pd.read_parquet(files.train), pd.read_parquet(files.test)
        assert (len(tr), len(te)) == (60, 30) and "label" not in te.columns
        assert list(tr["colour"].cat.categories) == list(te["colour"].cat.categories)
    assert open_task(TaskSpec(name="explicit", dataset={"train": train, "test": test}, folds=2), cfg).n_folds == 2


def test_edited_file_is_converted_again(cfg, tmp_path):
    path = tmp_path / "d.csv"
    mixed_frame(60).to_csv(path, index=False)
    spec = TaskSpec(name="e", dataset={"path": str(path)}, folds=2)
    assert open_task(spec, cfg).meta_features["n_rows"] == 60
    mixed_frame(80).to_csv(path, index=False)
    assert open_task(spec, cfg).meta_features["n_rows"] == 80


@pytest.mark.parametrize("content, dataset, error, message", [
    (None, {"path": "missing.csv"}, DataError, "data file not found"),  # its task's data_error, not a stop
    ("a,b\n1,2\n", {"path": "d.xlsx"}, UserError, "unsupported file format '.xlsx'"),
    ("a,b\n1,2\n", {"path": "d.csv", "target": "c"}, DataError, "target column 'c' not found"),
    ("a,b\n", {"path": "d.csv"}, DataError, "empty"),
    ("a,b\n1,\n2,\n3,\n", {"path": "d.csv", "target": "b"}, DataError, "missing in every row"),
    ("x,y\n" + "".join(f"{i},{'r' if i < 2 else 'c'}\n" for i in range(30)), {"path": "d.csv"}, DataError,
     "class 'r' has 2 member.*fewer than the 10 folds"),
    ("a,b\n1,2\n3,4,5,6\n", {"path": "d.csv"}, DataError, "unreadable csv file"),
    ("@relation x\n@attribute a numeric\n@data\n1,2,{\n", {"path": "d.arff"}, DataError, "unreadable ARFF"),
    ("not an arff", {"path": "d.arff"}, DataError, "not an ARFF file"),
    ("a\n1\n", {"path": "d.csv"}, DataError, "no feature columns"),
])
def test_clear_errors_and_nothing_half_written(cfg, tmp_path, content, dataset, error, message):
    if content is not None:
        (tmp_path / dataset["path"]).write_text(content)
    dataset = {**dataset, "path": str(tmp_path / dataset["path"])}
    with pytest.raises(error, match=message) as raised:
        open_task(TaskSpec(name="bad", dataset=dataset), cfg).fold(0)
    assert "\n" not in raised.value.one_line()
    folds = [p for p in Path(cfg.cache_dir).rglob("*.parquet") if "folds" in p.parts] if Path(cfg.cache_dir).exists() else []
    assert folds == [] and not list(Path(cfg.cache_dir).rglob("task.json"))
    assert not list(Path(cfg.cache_dir).rglob("*.tmp"))


def test_bad_dataset_entries(cfg, tmp_path):
    with pytest.raises(UserError, match="1 train file.*2 test file"):
        open_task(TaskSpec(name="x", dataset={"train": "a.csv", "test": ["a.csv", "b.csv"]}), cfg)
    with pytest.raises(UserError, match="unknown dataset key"):
        open_task(TaskSpec(name="x", dataset={"path": "a.csv", "trget": "y"}), cfg)
    with pytest.raises(UserError, match="URLs are not supported"):
        open_task(TaskSpec(name="x", dataset={"path": "s3://bucket/a.csv"}), cfg)  # http(s) URLs are downloaded
    assert_nothing_half_written(Path(cfg.cache_dir))
