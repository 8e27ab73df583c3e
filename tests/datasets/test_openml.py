"""OpenML through the real openml-python code: offline against an on-disk cache built in
openml-python's layout, and online against a local server that answers like OpenML."""
from __future__ import annotations

import shutil
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from conftest import breast_cancer_task, penguins_mass_task, penguins_task
from openml_files import FakeOpenML, openml_qualities, write_openml_cache

from amlb.datasets import META_FEATURES, TaskSpec, open_task, resolve_benchmark
from amlb.datasets import metafeatures
from amlb.errors import DataError, UserError


@pytest.fixture
def offline_cache(cfg, no_network):
    """Three tasks in openml-python's cache for www.openml.org; the network is blocked."""
    tasks = [breast_cancer_task(), penguins_task(), penguins_mass_task()]
    write_openml_cache(cfg.openml_cache_dir, tasks)
    return {t.task_id: t for t in tasks}


def openml_split(task_id: int, fold: int):
    """openml-python's own reading of the cached splits (liac-arff), for comparison."""
    import openml

    task = openml.tasks.get_task(task_id, download_data=False)
    return task.download_split().get(repeat=0, fold=fold)


def test_tasks_open_from_the_cache_without_network(cfg, offline_cache, no_network):
    expected = {9001: ("binary", "Class", 10), 9002: ("multiclass", "species", 5), 9003: ("regression", "body_mass_g", 4)}
    for tid, (kind, target, n_folds) in expected.items():
        task = open_task(TaskSpec(name=f"t{tid}", openml_task_id=tid), cfg)
        assert (task.id, task.type, task.target, task.n_folds) == (f"openml.org/t/{tid}", kind, target, n_folds)
        assert tuple(task.meta_features) == META_FEATURES
        files = task.fold(0)
        assert pd.read_parquet(files.test_target).columns.tolist() == [target]
    assert no_network.attempts == []


def test_fold_i_is_openml_split_i_of_repeat_0(cfg, offline_cache):
    fake = offline_cache[9001]
    task = open_task(TaskSpec(name="bc", openml_task_id=9001), cfg)
    for fold in (0, 7):
        train_rows, test_rows = openml_split(9001, fold)
        train = pd.read_parquet(task.fold(fold).train)
        test = pd.read_parquet(task.fold(fold).test)
        expected_test = fake.frame.drop(columns=["Class"]).iloc[np.sort(test_rows)].reset_index(drop=True)
        pd.testing.assert_frame_equal(test, expected_test, check_dtype=False)
        assert len(train) == len(train_rows)
        np.testing.assert_array_equal(pd.read_parquet(task.fold(fold).test_target)["Class"].astype(str),
                                      fake.frame["Class"].iloc[np.sort(test_rows)].astype(str))


def test_categoricals_missing_values_ignored_and_row_id_columns(cfg, offline_cache):
    task = open_task(TaskSpec(name="penguins", openml_task_id=9002), cfg)
    assert "year" not in task.features and "row_id" not in task.features  # ignore / row id attributes
    train = pd.read_parquet(task.fold(4).train)
    island = train["island"]
    assert isinstance(island.dtype, pd.CategoricalDtype)
    assert list(island.cat.categories) == ["Biscoe Isl'd", "Dream Isl'd", "Torgersen Isl'd"]  # quoted in the ARFF
    assert train["sex"].isna().any() and train["bill_length_mm"].isna().any()
    assert task.class_labels == ["Adelie", "Chinstrap", "Gentoo"]
    assert list(train["species"].cat.categories) == task.class_labels


def test_regression_task_from_openml_parquet(cfg, offline_cache):
    task = open_task(TaskSpec(name="mass", openml_task_id=9003), cfg)
    assert task.info["converted_from"].endswith("dataset_8003.pq")
    train = pd.read_parquet(task.fold(3).train)
    assert train["body_mass_g"].dtype == "float64" and task.class_labels is None
    assert isinstance(train["species"].dtype, pd.CategoricalDtype)


def test_meta_features_from_qualities_mean_what_the_computed_ones_mean(cfg, offline_cache):
    """OpenML counts the target among the features; the mapped qualities equal our own counts."""
    for tid in (9001, 9003):
        task = open_task(TaskSpec(name=str(tid), openml_task_id=tid), cfg)
        assert task.info["meta_features_source"].startswith("OpenML data qualities")
        train, test = (pd.read_parquet(task.fold(0).train), pd.read_parquet(task.fold(0).test))
        whole = pd.concat([train, test.assign(**{task.target: pd.read_parquet(task.fold(0).test_target)[task.target]})])
        assert metafeatures.compute(whole, task.target, task.type) == task.meta_features
    qualities = openml_qualities(offline_cache[9001])
    task = open_task(TaskSpec(name="bc", openml_task_id=9001), cfg)
    assert task.meta_features["n_features"] == qualities["NumberOfFeatures"] - 1


def test_open_needs_only_our_cache_once_converted(cfg, offline_cache, no_network):
    first = open_task(TaskSpec(name="bc", openml_task_id=9001), cfg)
    shutil.rmtree(cfg.openml_cache_dir)
    again = open_task(TaskSpec(name="bc", openml_task_id=9001), cfg)
    assert again.meta_features == first.meta_features
    assert pd.read_parquet(again.fold(9).test).shape[0] > 0
    assert no_network.attempts == []


def test_fewer_folds_than_the_task_has(cfg, offline_cache):
    assert open_task(TaskSpec(name="bc", openml_task_id=9001, folds=2), cfg).n_folds == 2
    with pytest.raises(UserError, match="has 10 folds, 11 asked"):
        open_task(TaskSpec(name="bc", openml_task_id=9001, folds=11), cfg)


def test_dataset_id_gets_seeded_folds_over_the_default_target(cfg, offline_cache):
    task = open_task(TaskSpec(name="bcd", openml_dataset_id=8001, folds=3), cfg)
    assert (task.id, task.target, task.type, task.n_folds) == ("openml.org/d/8001", "Class", "binary", 3)
    assert "default target" in task.info["target_note"]
    counts = pd.read_parquet(task.fold(0).test_target)["Class"].value_counts()
    assert abs(counts["benign"] / counts.sum() - 357 / 569) < 0.01  # stratified


def test_not_cached_and_offline_says_prefetch(cfg, offline_cache, no_network):
    with pytest.raises(DataError) as error:
        open_task(TaskSpec(name="x", openml_task_id=424242), cfg)
    line = error.value.one_line()
    assert "not in the cache" in line and "unreachable" in line and "amlb datasets prefetch openml/t/424242" in line
    assert "\n" not in line and no_network.attempts  # it did try, and was refused
    assert not (cfg.cache_dir / "openml" / "t" / "424242").exists()  # nothing half-written
    with pytest.raises(DataError, match="prefetch openml/s/271"):
        resolve_benchmark("openml/s/271", cfg)


@pytest.fixture
def server(no_network):
    tasks = [breast_cancer_task(), penguins_task()]
    with FakeOpenML(tasks, suites={271: [9001, 9002]}) as fake:
        no_network.allowed_ports.add(int(fake.base_url.rsplit(":", 1)[1]))
        yield fake


def test_online_download_through_openml_python(cfg, server, tmp_path):
    online = replace(cfg, openml_server=server.api_url)
    task = open_task(TaskSpec(name="bc", openml_task_id=9001), online)
    assert any(r.startswith("/api_splits/get/9001") for r in server.requests)
    assert any(r.startswith("/data/v1/download/8001") for r in server.requests)
    # the same task from a hand-built offline cache gives the same fold files
    offline = replace(cfg, cache_dir=tmp_path / "other", openml_cache_dir=tmp_path / "other-openml")
    write_openml_cache(offline.openml_cache_dir, [breast_cancer_task()])
    reference = open_task(TaskSpec(name="bc", openml_task_id=9001), offline)
    for name in ("train", "test", "test_target"):
        pd.testing.assert_frame_equal(pd.read_parquet(getattr(task.fold(5), name)),
                                      pd.read_parquet(getattr(reference.fold(5), name)))


def test_suite_and_task_names_then_offline(cfg, server, no_network):
    online = replace(cfg, openml_server=server.api_url)
    specs = resolve_benchmark("openml/s/271", online)
    assert [(s.name, s.openml_task_id) for s in specs] == [("breast-cancer-test", 9001), ("penguins-test", 9002)]
    [single] = resolve_benchmark("openml/t/9002", online)
    assert (single.name, single.openml_task_id) == ("penguins-test", 9002)
    no_network.allowed_ports.clear()  # offline from here: the suite listing is in our cache
    assert resolve_benchmark("openml/s/271", online) == specs
    assert resolve_benchmark("iris", online) is None


def test_unknown_id_is_one_clear_line(cfg, server):
    online = replace(cfg, openml_server=server.api_url)
    with pytest.raises(DataError, match=r"OpenML task 31337: OpenML says 'Unknown task' \(code 151\): check the id"):
        open_task(TaskSpec(name="x", openml_task_id=31337), online)
    with pytest.raises(DataError, match="Unknown dataset"):
        open_task(TaskSpec(name="x", openml_dataset_id=31337), online)
    with pytest.raises(DataError, match="Unknown study"):
        resolve_benchmark("openml/s/999", online)
