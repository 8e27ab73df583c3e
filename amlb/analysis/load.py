"""Import of AMLB-format results files into one typed results table.

Reads AMLB's own ``results.csv`` files and the ``results.csv`` our runner writes
(see :mod:`amlb.record`): both share AMLB's columns; ours add ``status``, the
resource and energy columns, ``infer_s_per_row_<batch>`` and the task
meta-features ``mf_*``.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from amlb.errors import UserError

#: columns every loaded results table has, in this order (the rest follow as found)
CORE_COLUMNS: tuple[str, ...] = (
    "source", "task", "framework", "constraint", "fold", "type", "result", "metric",
    "status", "info", "training_duration", "predict_duration",
)
#: columns converted to float when present
FLOAT_COLUMNS: tuple[str, ...] = (
    "result", "duration", "training_duration", "predict_duration", "models_count",
    "acc", "auc", "balacc", "logloss", "r2", "rmse", "mae", "energy_kwh", "co2e_kg",
    "budget_seconds", "overrun_seconds", "wall_seconds", "cpu_user_s", "cpu_sys_s", "peak_rss_mb",
)
#: text columns (missing values become "")
TEXT_COLUMNS: tuple[str, ...] = ("id", "task", "framework", "constraint", "type", "metric", "info", "version", "params")
#: columns of a metadata file that describe the file, not the dataset (OpenML's listing)
ADMIN_META_COLUMNS: frozenset[str] = frozenset({"did", "id", "version", "uploader", "status", "format", "file_id", "default_target_attribute"})
#: metric name (as in ``metric``) -> task type, used when ``type`` is missing
_TYPE_BY_METRIC = {"auc": "binary", "neg_logloss": "multiclass", "logloss": "multiclass", "neg_rmse": "regression", "rmse": "regression", "r2": "regression", "neg_mae": "regression", "mae": "regression"}


def _resolve(path: str | Path) -> Path:
    """The results.csv a path stands for (a file, or a directory holding one)."""
    p = Path(path)
    if p.is_dir():
        for candidate in (p / "results.csv", p / "scores" / "results.csv"):
            if candidate.is_file():
                return candidate
        raise UserError(f"no results.csv in directory {p}", "give a results file or a directory containing results.csv")
    if not p.is_file():
        raise UserError(f"results file not found: {p}", "check the path")
    return p


def load_results(paths: Sequence[str | Path]) -> pd.DataFrame:
    """Load AMLB-format results files into one typed table, one row per job.

    Parameters
    ----------
    paths
        ``results.csv`` files (AMLB's or our runner's) or directories containing one.

    Returns
    -------
    pandas.DataFrame
        Columns: ``source`` (the file the row came from), ``task``, ``framework``,
        ``constraint``, ``fold`` (int), ``type`` (binary / multiclass / regression),
        ``result`` (float, main metric with lower-is-better metrics negated, NaN if the
        job failed), ``metric``, ``status`` ("ok" or a failure status; rows without a
        status column: "ok" when ``result`` is present, else "failed"), ``info`` (str),
        ``training_duration``, ``predict_duration`` (seconds, NaN if unknown), then every
        other column found (``version``, ``params``, ``energy_*``, ``co2e_kg``,
        ``infer_s_per_row_<batch>``, ``mf_*`` ...).
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    if not paths:
        raise UserError("no results files given", "pass at least one results.csv or results directory")
    frames = [_read_one(_resolve(p)) for p in paths]
    df = pd.concat(frames, ignore_index=True, sort=False)
    rest = [c for c in df.columns if c not in CORE_COLUMNS]
    return df[list(CORE_COLUMNS) + rest]


def _read_one(path: Path) -> pd.DataFrame:
    try:
        df = pd.read_csv(path, low_memory=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as e:
        raise UserError(f"cannot read results file {path}: {e}", "give an AMLB-format results.csv") from None
    missing = [c for c in ("task", "framework", "fold", "result") if c not in df.columns]
    if missing:
        raise UserError(f"{path} is not an AMLB results file (no column {', '.join(missing)})",
                        "give a results.csv written by AMLB or amlb")
    df.insert(0, "source", str(path))
    for c in FLOAT_COLUMNS:
        if c in df.columns:
            df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    for c in df.columns:
        if c.startswith(("infer_s_per_row_", "infer_batch_size_", "energy_")) and c not in TEXT_COLUMNS:
            converted = pd.to_numeric(df[c], errors="coerce")
            if converted.notna().sum() >= df[c].notna().sum():
                df[c] = converted.astype(float)
    for c in ("training_duration", "predict_duration"):
        if c not in df.columns:
            df[c] = np.nan
    fold = pd.to_numeric(df["fold"], errors="coerce")
    if fold.isna().any():
        raise UserError(f"{path}: non-numeric fold values", "fold must be an integer")
    df["fold"] = fold.astype(int)
    _repeats_as_folds(df)
    for c in TEXT_COLUMNS:
        if c not in df.columns:
            df[c] = ""
        df[c] = df[c].astype(object).where(df[c].notna(), "").astype(str)
    df["info"] = df["info"].str.replace(r"\s*\n\s*", " ", regex=True)
    if "constraint" in df.columns:
        df["constraint"] = df["constraint"].fillna("")
    unknown_type = df["type"] == ""
    if unknown_type.any():
        df.loc[unknown_type, "type"] = df.loc[unknown_type, "metric"].map(_TYPE_BY_METRIC).fillna("")
    has_result = df["result"].notna()
    if "status" in df.columns:
        status = df["status"].fillna("").astype(str).str.strip()
        status = status.where(status != "", np.where(has_result, "ok", "failed"))
        # a row claiming success without a result is a failure all the same
        status = status.where(~((status == "ok") & ~has_result), "failed")
        df["status"] = status
    else:
        df["status"] = np.where(has_result, "ok", "failed")
    df.loc[df["status"] != "ok", "result"] = np.nan
    return df


def _repeats_as_folds(df: pd.DataFrame) -> None:
    """A repeat of a repeated cross-validation is another fold sample: with a ``repeat`` column
    (our runner's), ``fold`` becomes ``repeat * folds + fold`` per task (``folds``: the task's highest
    fold + 1) and the fold within its repeat is kept in ``fold_in_repeat``. Without repeats nothing changes."""
    if "repeat" not in df.columns:
        return
    repeat = pd.to_numeric(df["repeat"], errors="coerce").fillna(0).astype(int)
    df["repeat"] = repeat
    if not (repeat > 0).any():
        return
    folds = df.groupby(["source", "task"])["fold"].transform("max") + 1
    df["fold_in_repeat"] = df["fold"]
    df["fold"] = repeat * folds + df["fold"]


def _name_key(name: str) -> str:
    """A spelling-insensitive key for dataset names (``numerai28.6`` == ``numerai28_6``)."""
    return re.sub(r"[^0-9a-z]+", "_", str(name).lower()).strip("_")


def load_meta(path: str | Path) -> pd.DataFrame:
    """Load task meta-features from a CSV file.

    The task column is ``task`` (or ``name``, as in OpenML's dataset listing).
    Columns that describe the listing rather than the dataset (``did``, ``version``,
    ``uploader``, ``status``, ``format`` ...) are dropped.

    Returns
    -------
    pandas.DataFrame
        ``task`` then one column per meta-feature (numeric, or text for categorical).
    """
    p = Path(path)
    if not p.is_file():
        raise UserError(f"meta-feature file not found: {p}", "check the path")
    meta = pd.read_csv(p)
    if "task" not in meta.columns:
        if "name" not in meta.columns:
            raise UserError(f"{p} has no task column", "name the dataset column `task` (or `name`)")
        meta = meta.rename(columns={"name": "task"})
    meta = meta.drop(columns=[c for c in meta.columns if c in ADMIN_META_COLUMNS])
    meta["task"] = meta["task"].astype(str)
    if meta["task"].duplicated().any():
        dup = meta.loc[meta["task"].duplicated(), "task"].iloc[0]
        raise UserError(f"{p}: task {dup!r} appears more than once", "give one row per task")
    return _typed_meta(meta[["task"] + [c for c in meta.columns if c != "task"]])


def _typed_meta(meta: pd.DataFrame) -> pd.DataFrame:
    """Numeric columns as float, the others as text (NaN stays missing)."""
    out = meta.copy()
    for c in out.columns:
        if c == "task":
            continue
        if pd.api.types.is_bool_dtype(out[c]):
            out[c] = out[c].astype(str)
        elif pd.api.types.is_numeric_dtype(out[c]):
            out[c] = out[c].astype(float)
        else:
            converted = pd.to_numeric(out[c], errors="coerce")
            if converted.notna().sum() == out[c].notna().sum():
                out[c] = converted.astype(float)
            else:
                out[c] = out[c].astype(object).where(out[c].notna(), None)
    return out.reset_index(drop=True)


def meta_from_results(df: pd.DataFrame) -> pd.DataFrame:
    """The task meta-features carried by our runner's rows (``mf_*`` columns).

    Returns
    -------
    pandas.DataFrame
        ``task`` and one column per ``mf_*`` column with the prefix stripped, one row
        per task (the first non-missing value of each column). Empty (only ``task``)
        when the rows carry no meta-features.
    """
    cols = [c for c in df.columns if c.startswith("mf_")]
    if not cols:
        return pd.DataFrame({"task": pd.Series(sorted(df["task"].unique()), dtype=object)})
    meta = df[["task"] + cols].groupby("task", sort=True).first().reset_index()
    meta = meta.rename(columns={c: c[3:] for c in cols})
    return _typed_meta(meta)


def join_meta(tasks: Sequence[str], meta: pd.DataFrame) -> pd.DataFrame:
    """Meta-feature rows for ``tasks``, in that order, matching names by spelling key.

    A task matches the meta row of the same name, else the row whose name differs only
    in punctuation or case (``numerai28_6`` finds ``numerai28.6``). Tasks without a
    match get missing values.
    """
    meta = meta.reset_index(drop=True)
    has_values = meta.drop(columns="task").notna().any(axis=1).to_numpy()
    # rows that carry values win over empty rows of the same (or a differently spelled) name
    order = [i for i in range(len(meta)) if has_values[i]] + [i for i in range(len(meta)) if not has_values[i]]
    exact: dict[str, int] = {}
    keyed: dict[str, int] = {}
    for i in order:
        t = meta["task"].iat[i]
        exact.setdefault(t, i)
        keyed.setdefault(_name_key(t), i)
    exact = {t: i for t, i in exact.items() if has_values[i]}
    rows = [exact.get(t, keyed.get(_name_key(t), -1)) for t in tasks]
    idx = np.asarray(rows, dtype=int)
    values = meta.drop(columns="task")
    out = values.reindex(np.where(idx >= 0, idx, len(meta))).reset_index(drop=True)
    out.insert(0, "task", list(tasks))
    return out
