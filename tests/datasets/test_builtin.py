"""Built-in datasets: offline, typed fold files, seeded stratified folds, written once."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from amlb.datasets import META_FEATURES, TaskSpec, open_task
from amlb.datasets.builtin import BUILTINS, DEFAULT_FOLDS
from amlb.errors import UserError

EXPECTED = {  # name: (type, target, rows, class labels)
    "iris": ("multiclass", "target", 150, ["setosa", "versicolor", "virginica"]),
    "breast_cancer": ("binary", "target", 569, ["malignant", "benign"]),
    "wine": ("multiclass", "target", 178, ["class_0", "class_1", "class_2"]),
    "diabetes": ("regression", "target", 442, None),
    "penguins": ("multiclass", "species", 344, ["Adelie", "Chinstrap", "Gentoo"]),
    "penguins_sex": ("binary", "sex", 333, ["female", "male"]),
}


def read_fold(files) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return pd.read_parquet(files.train), pd.read_parquet(files.test), pd.read_parquet(files.test_target)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_builtin_opens_offline_with_typed_folds(name, cfg, no_network):
    kind, target, rows, labels = EXPECTED[name]
    task = open_task(TaskSpec(name=name, builtin=name), cfg)
    assert (task.id, task.type, task.target, task.n_folds, task.class_labels) == (f"builtin/{name}", kind, target, DEFAULT_FOLDS, labels)
    assert tuple(task.meta_features) == META_FEATURES and task.meta_features["n_rows"] == rows
    seen_test_rows = 0
    for i in range(task.n_folds):
        train, test, test_target = read_fold(task.fold(i))
        assert list(train.columns) == task.features + [target]
        assert list(test.columns) == task.features and list(test_target.columns) == [target]
        assert len(test) == len(test_target) and len(train) + len(test) == rows
        seen_test_rows += len(test)
        column = train[target]
        if labels is None:
            assert column.dtype == "float64"
        else:
            assert isinstance(column.dtype, pd.CategoricalDtype) and list(column.cat.categories) == labels
            assert list(test_target[target].cat.categories) == labels
    assert seen_test_rows == rows  # the test parts partition the dataset
    assert no_network.attempts == []


def test_folds_are_stratified_and_disjoint(cfg):
    task = open_task(TaskSpec(name="iris", builtin="iris", folds=5), cfg)
    assert task.n_folds == 5
    tests = [pd.read_parquet(task.fold(i).test) for i in range(5)]
    for i in range(5):
        counts = pd.read_parquet(task.fold(i).test_target)["target"].value_counts()
        assert set(counts) == {10}  # 50 per class / 5 folds
    rows = pd.concat(tests).round(6).drop_duplicates()
    assert len(pd.concat(tests)) == 150 and len(rows) >= 147  # iris has 3 duplicate rows


def test_penguins_keep_categoricals_and_missing_values(cfg):
    for name, categorical in (("penguins", {"island", "sex"}), ("penguins_sex", {"species", "island", "clutch_completion"})):
        task = open_task(TaskSpec(name=name, builtin=name), cfg)
        train, _, _ = read_fold(task.fold(1))
        found = {c for c in task.features if isinstance(train[c].dtype, pd.CategoricalDtype)}
        assert found == categorical
        assert task.meta_features["n_missing_values"] > 0
        assert task.meta_features["n_categorical_features"] == len(categorical)


def test_fold_files_written_once_and_reused(cfg):
    spec = TaskSpec(name="wine", builtin="wine")
    files = open_task(spec, cfg).fold(0)
    stamps = [os.stat(p).st_mtime_ns for p in (files.train, files.test, files.test_target)]
    again = open_task(spec, cfg).fold(0)
    assert again == files
    assert [os.stat(p).st_mtime_ns for p in (files.train, files.test, files.test_target)] == stamps


def test_same_seed_same_folds_in_another_cache(cfg, tmp_path):
    from dataclasses import replace

    first = pd.read_parquet(open_task(TaskSpec(name="b", builtin="breast_cancer"), cfg).fold(2).test)
    other = replace(cfg, cache_dir=tmp_path / "elsewhere")
    second = pd.read_parquet(open_task(TaskSpec(name="b", builtin="breast_cancer"), other).fold(2).test)
    pd.testing.assert_frame_equal(first, second)


def test_two_processes_writing_one_fold(cfg):
    """Both get complete, identical files; no temporary file is left behind."""
    code = (
        "import sys, hashlib; from pathlib import Path;"
        "from amlb.datasets import open_task, TaskSpec, DatasetsConfig;"
        "cfg = DatasetsConfig(cache_dir=Path(sys.argv[1]), openml_cache_dir=Path(sys.argv[2]));"
        "f = open_task(TaskSpec(name='p', builtin='penguins', folds=4), cfg).fold(3);"
        "print(hashlib.sha1(f.train.read_bytes() + f.test_target.read_bytes()).hexdigest())"
    )
    procs = [subprocess.Popen([sys.executable, "-c", code, str(cfg.cache_dir), str(cfg.openml_cache_dir)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    digests = {out.strip() for out, _ in outputs}
    assert len(digests) == 1
    leftovers = [p for p in Path(cfg.cache_dir).rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


def test_unknown_builtin_and_bad_fold(cfg):
    with pytest.raises(UserError, match="unknown builtin dataset 'irises'.*iris"):
        open_task(TaskSpec(name="x", builtin="irises"), cfg)
    task = open_task(TaskSpec(name="iris", builtin="iris"), cfg)
    with pytest.raises(UserError, match="no fold 3"):
        task.fold(3)


def test_task_needs_exactly_one_source(cfg):
    with pytest.raises(UserError, match="exactly one of"):
        open_task(TaskSpec(name="x", builtin="iris", openml_task_id=59), cfg)
    with pytest.raises(UserError, match="exactly one of"):
        open_task(TaskSpec(name="x"), cfg)


def test_every_builtin_is_covered():
    assert set(BUILTINS) == set(EXPECTED)


def test_another_target_of_a_builtin(cfg):
    task = open_task(TaskSpec(name="p", builtin="penguins", extra={"target": "island"}), cfg)
    assert (task.target, task.type) == ("island", "multiclass")
    assert task.info["target_note"] == "declared in the task definition"
    assert task.info["type_note"].startswith("inferred: the target is categorical with 3 classes")
    assert "species" in task.features


def test_fold_folder_handed_to_jobs_does_not_hold_the_test_answers(tmp_path):
    from amlb.datasets import open_task
    from amlb.datasets.api import DatasetsConfig, TaskSpec

    cfg = DatasetsConfig(cache_dir=tmp_path / "data", openml_cache_dir=tmp_path / "openml")
    files = open_task(TaskSpec(name="iris", builtin="iris"), cfg).fold(0)
    assert files.test_target.is_file()
    assert files.train.parent == files.test.parent
    assert files.train.parent not in files.test_target.parents
    assert sorted(p.name for p in files.train.parent.rglob("*")) == ["test.parquet", "train.parquet"]
