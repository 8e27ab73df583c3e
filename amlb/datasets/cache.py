"""The Parquet data cache: atomic writes, one writer per entry, nothing half-written.

Layout under ``cache_dir``::

    <source>/<key>/<version>/data.parquet     the whole dataset, typed
    <source>/<key>/<version>/meta.json        target, type, labels, meta-features, notes
    <source>/<key>/<version>/splits/<scheme>.parquet   row index -> fold (test rows)
    <source>/<key>/<version>/folds/<scheme>/<i>/{train,test,test_target}.parquet

Every file is written to a temporary name in the same folder and renamed into
place (``os.replace`` is atomic), so a reader sees either nothing or the whole
file. An advisory lock (``fcntl.flock``) makes two processes that ask for the
same entry at once do the work once: the second waits, then finds the file.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd


def _temp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it to ``path`` on success.

    On error the temporary file is removed and ``path`` is left untouched.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_name(path)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock tied to ``path`` (a sibling ``.lock`` file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_file = path.with_name(f".{path.name}.lock")
    with open(lock_file, "a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` to ``path`` atomically (without the pandas index).

    What the frameworks read (fold files) is written so: snappy, missing values as nulls.
    """
    with atomic_path(path) as tmp:
        frame.to_parquet(tmp, index=False, engine="pyarrow", compression="snappy")


def write_dataset(frame: pd.DataFrame, path: Path) -> None:
    """Write a cached dataset (``data.parquet``, read by the runner only) atomically, to load fast.

    Float columns keep their missing values as NaN, not as nulls (read back, the same frame, without
    definition levels to decode and nulls to fill) and are not compressed: their repeated values are
    dictionary-encoded anyway, the rest hardly compresses, and decompressing them was a good part of
    the load. The other columns are compressed with LZ4, faster to decompress than snappy. Entries
    written before (snappy, nulls) read the same and stay valid.
    """
    import numpy as np  # noqa: PLC0415
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    table = pa.Table.from_pandas(frame, preserve_index=False)
    for i, dtype in enumerate(frame.dtypes):
        if isinstance(dtype, np.dtype) and dtype.kind == "f" and table.column(i).null_count:
            table = table.set_column(i, table.field(i), pa.array(frame.iloc[:, i].to_numpy(), type=table.field(i).type))
    codecs = {f.name: "none" if pa.types.is_floating(f.type) else "lz4" for f in table.schema}
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression=codecs)


def write_json(data: dict[str, Any], path: Path) -> None:
    """Write ``data`` as JSON to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=1, default=_json_default))


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def read_json(path: Path) -> dict[str, Any]:
    """Read a JSON file written by :func:`write_json`."""
    return json.loads(path.read_text())


def ensure(paths: list[Path], build: Callable[[], None]) -> bool:
    """Run ``build`` unless every path exists; do it under a lock, once.

    ``build`` must write each path atomically. The last path in ``paths`` must be
    written last: its presence marks the entry complete.

    Returns
    -------
    bool
        True when this call built the entry, False when it was already there.
    """
    if all(p.exists() for p in paths):
        return False
    with locked(paths[-1]):
        if all(p.exists() for p in paths):  # another process finished it meanwhile
            return False
        build()
    return True


def discard_if_unused(folder: Path) -> None:
    """Remove ``folder`` (and emptied parents up to two levels) if it holds only lock files."""
    for _ in range(3):
        try:
            entries = list(folder.iterdir())
        except FileNotFoundError:
            folder = folder.parent
            continue
        if any(not e.name.endswith(".lock") for e in entries):
            return
        for entry in entries:
            with contextlib.suppress(FileNotFoundError):
                entry.unlink()
        with contextlib.suppress(OSError):
            folder.rmdir()
        folder = folder.parent


def safe_name(text: str) -> str:
    """A file-system-safe version of ``text`` (letters, digits, ``-_.``)."""
    cleaned = "".join(c if c.isalnum() or c in "-_." else "_" for c in text)
    return cleaned.strip(".") or "_"
