"""Folds: seeded (stratified) k-fold splits, and fold files cut from a cached dataset.

A split table has one row per (fold, row, role): ``fold`` (0-based), ``row``
(position in ``data.parquet``) and ``test`` (True for test rows, False for
training rows). OpenML tasks bring their own table; other datasets get a seeded
k-fold one, stratified for classification.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from amlb.datasets import cache
from amlb.datasets.api import FoldFiles
from amlb.datasets.prepare import TargetChoice, task_frame
from amlb.errors import DataError

#: seed of the k-fold splits of datasets without predefined splits
FOLD_SEED = 0


def kfold_splits(target: pd.Series, n_folds: int, stratified: bool, seed: int = FOLD_SEED, name: str = "") -> pd.DataFrame:
    """A seeded k-fold split table for ``target`` (stratified by its values if asked).

    Raises
    ------
    DataError
        Fewer rows than folds, or (stratified) a class with fewer members than folds.
    """
    from sklearn.model_selection import KFold, StratifiedKFold

    n_rows = len(target)
    if n_folds < 2:
        raise DataError(f"{name}: {n_folds} fold(s) asked", "use folds >= 2")
    if n_rows < n_folds:
        raise DataError(f"{name}: {n_rows} rows cannot make {n_folds} folds", "use fewer folds")
    if stratified:
        counts = target.value_counts()
        small = counts[counts < n_folds]
        if len(small):
            label, size = small.index[0], int(small.iloc[0])
            raise DataError(
                f"{name}: class {label!r} has {size} member(s), fewer than the {n_folds} folds",
                "use fewer folds (TaskSpec folds:) or drop or merge the rare class",
            )
        splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
        parts = splitter.split(np.zeros(n_rows), target.astype(str).to_numpy())
    else:
        parts = KFold(n_splits=n_folds, shuffle=True, random_state=seed).split(np.zeros(n_rows))
    tables = []
    for fold, (train_rows, test_rows) in enumerate(parts):
        tables.append(split_table(fold, train_rows, test_rows))
    return pd.concat(tables, ignore_index=True)


def split_table(fold: int, train_rows: np.ndarray, test_rows: np.ndarray) -> pd.DataFrame:
    """The split table rows of one fold."""
    rows = np.concatenate([np.asarray(train_rows, dtype=np.int64), np.asarray(test_rows, dtype=np.int64)])
    is_test = np.concatenate([np.zeros(len(train_rows), bool), np.ones(len(test_rows), bool)])
    return pd.DataFrame({"fold": np.full(len(rows), fold, dtype=np.int32), "row": rows, "test": is_test})


def fold_paths(folds_dir: Path, i: int, repeat: int = 0) -> FoldFiles:
    """Where fold ``i`` of repeat ``repeat`` has its files (repeat 0: ``i/``, as before repeats; else ``rR-i/``).

    The test target is kept outside the fold's folder: that folder is what a job sees (Docker
    mounts it read-only), and the answers must not be in it.
    """
    name = str(i) if not repeat else f"r{repeat}-{i}"
    base = folds_dir / name
    return FoldFiles(train=base / "train.parquet", test=base / "test.parquet",
                     test_target=folds_dir / "truth" / name / "test_target.parquet")


def write_fold(data_path: Path, splits_path: Path, features: list[str], choice: TargetChoice, folds_dir: Path, i: int,
               repeat: int = 0) -> FoldFiles:
    """Write fold ``i`` of repeat ``repeat`` once (atomically, under a lock) and return its files.

    Rows come from the split table (positions in ``data_path``; a table without a ``repeat``
    column has repeat 0 only); the target is typed for the task and rows with a missing target
    are left out.
    """
    files = fold_paths(folds_dir, i, repeat)
    # test_target last: its presence marks the fold complete
    paths = [files.train, files.test, files.test_target]

    def build() -> None:
        splits = pd.read_parquet(splits_path, filters=[("fold", "==", i)])
        if "repeat" in splits.columns:
            splits = splits.loc[splits["repeat"].to_numpy() == repeat]
        elif repeat:
            splits = splits.iloc[:0]
        if splits.empty:
            raise DataError(f"fold {i} of repeat {repeat} is not defined for this task",
                            "ask for folds and repeats the task has")
        data = pd.read_parquet(data_path, columns=[*features, choice.target])
        train_rows = splits.loc[~splits["test"], "row"].to_numpy()
        test_rows = splits.loc[splits["test"], "row"].to_numpy()
        train = task_frame(data.iloc[train_rows], features, choice).reset_index(drop=True)
        test = task_frame(data.iloc[test_rows], features, choice).reset_index(drop=True)
        cache.write_parquet(train, files.train)
        cache.write_parquet(test.drop(columns=[choice.target]), files.test)
        cache.write_parquet(test[[choice.target]], files.test_target)

    cache.ensure(paths, build)
    return files
