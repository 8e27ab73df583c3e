"""The opened task (:class:`CachedTask`) and the steps every source shares: decide
target and type once, compute meta-features, write the split table, all cached in a
task folder whose ``task.json`` marks it complete.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from amlb.datasets import cache, folds, metafeatures
from amlb.datasets.api import FoldFiles, TaskSpec
from amlb.datasets.prepare import TargetChoice, choose, task_frame
from amlb.errors import UserError

#: bump when the cached layout or typing changes: old cache entries are then ignored
FORMAT_VERSION = 1


@dataclass
class CachedTask:
    """A task whose dataset is in the Parquet cache (implements ``TaskData``)."""

    spec: TaskSpec
    id: str
    type: str
    target: str
    n_folds: int
    class_labels: list[str] | None
    meta_features: dict[str, Any]
    features: list[str]
    folds_dir: Path
    n_repeats: int = 1
    data_path: Path | None = None  # None: fold files are converted up front (explicit train/test files)
    splits_path: Path | None = None
    info: dict[str, Any] = field(default_factory=dict)  # how it was built, for `amlb datasets info`

    @property
    def choice(self) -> TargetChoice:
        return TargetChoice(self.target, self.type, self.class_labels, "", "")

    def fold(self, i: int, repeat: int = 0) -> FoldFiles:
        """Files of fold ``i`` (0-based) of repeat ``repeat``, written to the cache on first use."""
        if not isinstance(i, (int, np.integer)) or not 0 <= i < self.n_folds:
            raise UserError(f"{self.id}: no fold {i}", f"folds are 0..{self.n_folds - 1}")
        if not isinstance(repeat, (int, np.integer)) or not 0 <= repeat < self.n_repeats:
            raise UserError(f"{self.id}: no repeat {repeat}", f"repeats are 0..{self.n_repeats - 1}")
        if self.data_path is None or self.splits_path is None:
            files = folds.fold_paths(self.folds_dir, int(i))
            if not files.test_target.exists():
                raise UserError(f"{self.id}: fold {i} is missing from the cache at {self.folds_dir}", "open the task again")
            return files
        return folds.write_fold(self.data_path, self.splits_path, self.features, self.choice, self.folds_dir, int(i),
                                int(repeat))


def task_from_json(spec: TaskSpec, task_dir: Path, meta: dict[str, Any], data_path: Path | None) -> CachedTask:
    """Rebuild a :class:`CachedTask` from its ``task.json``."""
    return CachedTask(
        spec=spec,
        id=meta["id"],
        type=meta["type"],
        target=meta["target"],
        n_folds=int(meta["n_folds"]),
        n_repeats=int(meta.get("n_repeats", 1)),  # task folders built before repeats hold repeat 0 only
        class_labels=meta["class_labels"],
        meta_features=meta["meta_features"],
        features=meta["features"],
        folds_dir=task_dir / "folds",
        data_path=data_path,
        splits_path=(task_dir / "splits.parquet") if data_path is not None else None,
        info=meta["info"],
    )


def task_meta(task_id: str, name: str, choice: TargetChoice, features: list[str], n_folds: int,
              meta_features: dict[str, Any], info: dict[str, Any], n_repeats: int = 1) -> dict[str, Any]:
    """The content of a ``task.json``."""
    return {
        "id": task_id,
        "name": name,
        "type": choice.type,
        "target": choice.target,
        "class_labels": choice.class_labels,
        "n_folds": n_folds,
        "n_repeats": n_repeats,
        "features": features,
        "meta_features": meta_features,
        "info": {"target_note": choice.target_note, "type_note": choice.type_note, "notes": choice.notes, **info},
    }


SplitMaker = Callable[[pd.DataFrame, TargetChoice], pd.DataFrame]
MetaMaker = Callable[[pd.DataFrame, TargetChoice, dict[str, Any]], tuple[dict[str, Any], str]]


def open_split_task(
    spec: TaskSpec,
    task_id: str,
    task_dir: Path,
    data_path: Path,
    n_folds: int,
    declared_target: str | None,
    declared_type: str | None,
    make_splits: SplitMaker,
    default_target: str | None = None,
    default_note: str = "",
    exclude: tuple[str, ...] = (),
    info: dict[str, Any] | None = None,
    make_meta: MetaMaker | None = None,
    type_note: str = "declared in the task definition",
    n_repeats: int = 1,
) -> CachedTask:
    """Open (building once) a task over a cached ``data.parquet``.

    Parameters
    ----------
    make_splits
        Gives the split table for the typed dataset and chosen target (with a ``repeat`` column
        when ``n_repeats`` > 1).
    exclude
        Columns that are no features (ignored attributes, row ids).
    make_meta
        Gives (meta-features, where they came from); default: computed.
    """
    task_json = task_dir / "task.json"
    splits_path = task_dir / "splits.parquet"

    def build() -> None:
        frame = pd.read_parquet(data_path)
        features = [c for c in frame.columns if c not in exclude]
        choice = choose(frame, spec.name, declared_target, declared_type, default_target, default_note, type_note=type_note)
        features = [c for c in features if c != choice.target]
        splits = make_splits(frame, choice)
        kept = frame.loc[frame[choice.target].notna(), [*features, choice.target]]
        typed = task_frame(kept, features, choice)
        computed = metafeatures.compute(typed, choice.target, choice.type)
        if make_meta is not None:
            meta_features, meta_source = make_meta(frame, choice, computed)
        else:
            meta_features, meta_source = computed, "computed from the data"
        details = {
            "rows_in_dataset": int(len(frame)),
            "data_path": str(data_path),
            "meta_features_source": meta_source,
            "excluded_columns": list(exclude),
            **(info or {}),
        }
        cache.write_parquet(splits, splits_path)
        cache.write_json(task_meta(task_id, spec.name, choice, features, n_folds, meta_features, details, n_repeats),
                         task_json)

    cache.ensure([splits_path, task_json], build)
    return task_from_json(spec, task_dir, cache.read_json(task_json), data_path)


def seeded_splits(n_folds: int, seed: int, name: str) -> SplitMaker:
    """A :data:`SplitMaker` for seeded k-fold splits (stratified for classification),
    over the rows whose target is present."""

    def make(frame: pd.DataFrame, choice: TargetChoice) -> pd.DataFrame:
        present = np.flatnonzero(frame[choice.target].notna().to_numpy())
        target = frame[choice.target].iloc[present].reset_index(drop=True)
        table = folds.kfold_splits(target, n_folds, stratified=choice.type != "regression", seed=seed, name=name)
        table["row"] = present[table["row"].to_numpy()]
        return table

    return make


def seeded_task_dir(dataset_dir: Path, target: str | None, task_type: str | None, n_folds: int, seed: int) -> Path:
    """The task folder of a seeded k-fold task over a cached dataset."""
    key = f"task-{cache.safe_name(target or 'auto')}-{task_type or 'auto'}-k{n_folds}-s{seed}"
    return dataset_dir / key
