"""Fixtures: a fresh cache configuration, a network guard, and OpenML test tasks built
from bundled data (scikit-learn's breast_cancer, palmerpenguins)."""
from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer

from amlb.datasets.api import DatasetsConfig
from openml_files import FakeTask


@pytest.fixture
def cfg(tmp_path: Path) -> DatasetsConfig:
    return DatasetsConfig(cache_dir=tmp_path / "amlb-data", openml_cache_dir=tmp_path / "openml-cache")


class NetworkGuard:
    """Refuses every connection and name lookup (except to allowed local ports) and records them."""

    def __init__(self) -> None:
        self.attempts: list[object] = []
        self.allowed_ports: set[int] = set()

    def _allowed(self, address: object) -> bool:
        return isinstance(address, tuple) and address[0] in ("127.0.0.1", "localhost") and address[1] in self.allowed_ports


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> NetworkGuard:
    """Make any network use fail at once (and be recorded); openml-python retries once only."""
    import openml

    guard = NetworkGuard()
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def connect(sock: socket.socket, address: object) -> None:
        if guard._allowed(address):
            return real_connect(sock, address)
        guard.attempts.append(address)
        raise OSError(101, "Network is unreachable (blocked by the test)")

    def getaddrinfo(host: str, port: object, *args: object, **kwargs: object) -> list:
        if host in ("127.0.0.1", "localhost") and port in guard.allowed_ports:
            return real_getaddrinfo(host, port, *args, **kwargs)
        guard.attempts.append((host, port))
        raise socket.gaierror(-3, "Temporary failure in name resolution (blocked by the test)")

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(openml.config, "connection_n_retries", 1)
    monkeypatch.setenv("no_proxy", "*")
    return guard


def breast_cancer_task(task_id: int = 9001, dataset_id: int = 8001) -> FakeTask:
    bunch = load_breast_cancer(as_frame=True)
    frame = bunch.frame.copy()
    frame["target"] = pd.Categorical.from_codes(frame["target"], categories=list(bunch.target_names))
    frame = frame.rename(columns={"target": "Class"})
    return FakeTask(task_id, dataset_id, "breast-cancer-test", frame, "Class", classification=True)


def penguins_frame() -> pd.DataFrame:
    from palmerpenguins import load_penguins

    frame = load_penguins()
    for column in ("species", "island", "sex"):
        frame[column] = frame[column].astype("category")
    frame["island"] = frame["island"].cat.rename_categories(lambda c: f"{c} Isl'd")  # needs ARFF quoting
    frame.insert(0, "row_id", np.arange(len(frame), dtype=float))
    frame["year"] = frame["year"].astype(float)
    return frame


def penguins_task(task_id: int = 9002, dataset_id: int = 8002, parquet: bool = False) -> FakeTask:
    """Species: categorical features with missing values, an ignored attribute and a row id."""
    return FakeTask(task_id, dataset_id, "penguins-test", penguins_frame(), "species", classification=True,
                    n_folds=5, ignore=["year"], row_id="row_id", parquet=parquet)


def penguins_mass_task(task_id: int = 9003, dataset_id: int = 8003) -> FakeTask:
    """Regression on body mass (rows without it dropped), from OpenML's Parquet file."""
    frame = penguins_frame().drop(columns=["row_id"])
    frame = frame[frame["body_mass_g"].notna()].reset_index(drop=True)
    frame = frame[[c for c in frame.columns if c != "body_mass_g"] + ["body_mass_g"]]
    return FakeTask(task_id, dataset_id, "penguins-mass-test", frame, "body_mass_g", classification=False,
                    n_folds=4, n_repeats=1, parquet=True)
