"""Built-in datasets: shipped inside installed packages, usable with no network.

scikit-learn's bundled iris, breast_cancer, wine, diabetes and palmerpenguins'
bundled CSVs (``penguins``: species; ``penguins_sex``: sex, from the raw CSV; both
with categorical features and missing values). Folds: seeded k-fold (stratified for classification),
:data:`DEFAULT_FOLDS` unless the task asks for another number.
"""
from __future__ import annotations

import importlib.metadata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from amlb.datasets import cache
from amlb.datasets.api import DatasetsConfig, TaskSpec
from amlb.datasets.folds import FOLD_SEED
from amlb.datasets.task import FORMAT_VERSION, CachedTask, open_split_task, seeded_splits, seeded_task_dir
from amlb.errors import UserError

#: folds of a built-in dataset when the task does not say (few, so the example suite stays short)
DEFAULT_FOLDS = 3


@dataclass(frozen=True)
class Builtin:
    """A dataset an installed package ships."""

    load: Callable[[], pd.DataFrame]
    target: str
    type: str
    package: str
    description: str


def _sklearn(loader_name: str, classification: bool) -> Callable[[], pd.DataFrame]:
    def load() -> pd.DataFrame:
        import sklearn.datasets

        bunch = getattr(sklearn.datasets, loader_name)(as_frame=True)
        frame = bunch.frame.copy()
        if classification:
            names = [str(n) for n in bunch.target_names]
            frame["target"] = pd.Categorical.from_codes(frame["target"].astype(int), categories=names)
        else:
            frame["target"] = frame["target"].astype("float64")
        return frame

    return load


def _read_penguins(file_name: str) -> pd.DataFrame:
    from importlib.resources import files

    with (files("palmerpenguins") / "data" / file_name).open("rb") as handle:
        return pd.read_csv(handle, na_values=["NA", ""], keep_default_na=False)


def _penguins() -> pd.DataFrame:
    frame = _read_penguins("penguins.csv")
    for column in ("species", "island", "sex"):
        frame[column] = frame[column].astype("category")
    return frame


def _penguins_sex() -> pd.DataFrame:
    """From the raw CSV: it also has the blood isotope measurements, which are missing
    for some birds (the clean CSV has no missing values once sex is known)."""
    raw = _read_penguins("penguins-raw.csv")
    raw = raw[raw["Sex"].notna()].reset_index(drop=True)
    return pd.DataFrame({
        "species": raw["Species"].str.split().str[0].astype("category"),
        "island": raw["Island"].astype("category"),
        "clutch_completion": raw["Clutch Completion"].astype("category"),
        "bill_length_mm": raw["Culmen Length (mm)"].astype("float64"),
        "bill_depth_mm": raw["Culmen Depth (mm)"].astype("float64"),
        "flipper_length_mm": raw["Flipper Length (mm)"].astype("float64"),
        "body_mass_g": raw["Body Mass (g)"].astype("float64"),
        "delta_15_n": raw["Delta 15 N (o/oo)"].astype("float64"),
        "delta_13_c": raw["Delta 13 C (o/oo)"].astype("float64"),
        "year": pd.to_datetime(raw["Date Egg"]).dt.year.astype("int64"),
        "sex": raw["Sex"].str.lower().astype("category"),
    })


BUILTINS: dict[str, Builtin] = {
    "iris": Builtin(_sklearn("load_iris", True), "target", "multiclass", "scikit-learn", "iris flowers, 150 rows, 3 classes"),
    "breast_cancer": Builtin(_sklearn("load_breast_cancer", True), "target", "binary", "scikit-learn",
                             "Wisconsin breast cancer, 569 rows, malignant/benign"),
    "wine": Builtin(_sklearn("load_wine", True), "target", "multiclass", "scikit-learn", "wine cultivars, 178 rows, 3 classes"),
    "diabetes": Builtin(_sklearn("load_diabetes", False), "target", "regression", "scikit-learn",
                        "diabetes progression, 442 rows, regression"),
    "penguins": Builtin(_penguins, "species", "multiclass", "palmerpenguins",
                        "Palmer penguins species, 344 rows, categorical features with missing values"),
    "penguins_sex": Builtin(_penguins_sex, "sex", "binary", "palmerpenguins",
                            "Palmer penguins sex from the raw CSV (rows without sex dropped), 333 rows, "
                            "categorical features, missing blood isotope values"),
}


def builtin_names() -> list[str]:
    """Names accepted as ``builtin:`` in a task definition."""
    return sorted(BUILTINS)


def lookup(name: str) -> Builtin:
    """The built-in dataset ``name``; UserError naming the choices if unknown."""
    try:
        return BUILTINS[name]
    except KeyError:
        raise UserError(f"unknown builtin dataset {name!r}", f"use one of {', '.join(builtin_names())}") from None


def dataset_dir(name: str, cfg: DatasetsConfig) -> Path:
    """Cache folder of the converted built-in dataset (keyed by package version)."""
    builtin = lookup(name)
    version = importlib.metadata.version(builtin.package)
    return Path(cfg.cache_dir) / "builtin" / cache.safe_name(name) / f"f{FORMAT_VERSION}-{builtin.package}-{version}"


def ensure_dataset(name: str, cfg: DatasetsConfig) -> Path:
    """Convert the built-in dataset to Parquet once; return the Parquet path."""
    data_path = dataset_dir(name, cfg) / "data.parquet"
    cache.ensure([data_path], lambda: cache.write_parquet(lookup(name).load(), data_path))
    return data_path


def open_builtin(spec: TaskSpec, cfg: DatasetsConfig) -> CachedTask:
    """Open a task over a built-in dataset (the task may override target and folds)."""
    assert spec.builtin is not None
    builtin = lookup(spec.builtin)
    data_path = ensure_dataset(spec.builtin, cfg)
    # folds: 1 (AMLB's test runs) is one fold of the default split: k-fold needs k >= 2
    n_folds = spec.folds if spec.folds and spec.folds >= 2 else DEFAULT_FOLDS
    seed = int(spec.extra.get("fold_seed", FOLD_SEED))
    target = spec.extra.get("target") or builtin.target
    task_type = spec.extra.get("type") or (builtin.type if target == builtin.target else None)
    task_dir = seeded_task_dir(data_path.parent, target, task_type, n_folds, seed)
    return open_split_task(
        spec,
        task_id=f"builtin/{spec.builtin}",
        task_dir=task_dir,
        data_path=data_path,
        n_folds=n_folds,
        declared_target=spec.extra.get("target"),
        declared_type=task_type,
        default_target=builtin.target,
        default_note="the built-in dataset's target",
        type_note="declared in the task definition" if spec.extra.get("type") else "the built-in dataset's type",
        make_splits=seeded_splits(n_folds, seed, spec.name),
        info={
            "source": f"builtin ({builtin.package} {importlib.metadata.version(builtin.package)})",
            "description": builtin.description,
            "folds": f"seeded {'stratified ' if task_type != 'regression' else ''}{n_folds}-fold (seed {seed})",
        },
    )
