"""A cached dataset (data.parquet) loads as the frame that was written, in the fast form (float
columns without nulls and uncompressed, the others LZ4), and entries written before in the older
form load the same."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from amlb.datasets import cache


def mixed_frame(rows: int = 500) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    floats = rng.normal(size=rows)
    floats[::7] = np.nan
    small = rng.normal(size=rows).astype(np.float32)
    small[::5] = np.nan
    codes = rng.integers(0, 3, rows).astype(np.int8)
    codes[::11] = -1
    return pd.DataFrame({
        "f": floats,
        "f_full": rng.normal(size=rows),  # no missing value
        "f32": small,
        "i": np.arange(rows),
        "i_na": pd.array([None if k % 9 == 0 else k for k in range(rows)], dtype="Int64"),
        "f_na": pd.array([None if k % 4 == 0 else k / 3 for k in range(rows)], dtype="Float64"),  # pd.NA, not NaN
        "b": np.arange(rows) % 2 == 0,
        "c": pd.Categorical.from_codes(codes, categories=["x", "y", "z"]),
        "s": [f"s{k % 13}" for k in range(rows)],
        "target": pd.Categorical.from_codes(rng.integers(0, 2, rows).astype(np.int8), categories=["neg", "pos"]),
    })


def test_a_dataset_reads_back_as_written_with_its_floats_stored_without_nulls(tmp_path):
    frame = mixed_frame()
    path = tmp_path / "data.parquet"
    cache.write_dataset(frame, path)
    back = pd.read_parquet(path)
    pd.testing.assert_frame_equal(back, frame)
    assert back["f"].isna().sum() == frame["f"].isna().sum() > 0
    meta = pq.read_metadata(path).row_group(0)
    columns = {meta.column(i).path_in_schema: meta.column(i) for i in range(meta.num_columns)}
    assert columns["f"].statistics.null_count == 0 and columns["f32"].statistics.null_count == 0  # NaN values
    assert columns["f_na"].statistics.null_count > 0  # pandas' NA stays a null: read back as NA
    assert columns["c"].statistics.null_count > 0
    assert {name for name, c in columns.items() if c.compression == "UNCOMPRESSED"} == {"f", "f_full", "f32", "f_na"}
    assert {name for name, c in columns.items() if c.compression == "LZ4"} == {"i", "i_na", "b", "c", "s", "target"}
    some = pd.read_parquet(path, columns=["c", "f"])
    pd.testing.assert_frame_equal(some, frame[["c", "f"]])


def test_an_entry_written_before_reads_the_same(tmp_path):
    frame = mixed_frame()
    old, new = tmp_path / "old.parquet", tmp_path / "new.parquet"
    cache.write_parquet(frame, old)  # how data.parquet was written before: snappy, missing floats as nulls
    cache.write_dataset(frame, new)
    assert pq.read_metadata(old).row_group(0).column(0).statistics.null_count > 0
    pd.testing.assert_frame_equal(pd.read_parquet(old), pd.read_parquet(new))
