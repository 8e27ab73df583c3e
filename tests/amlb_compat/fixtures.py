"""An AMLB user directory, written in AMLB's formats (config.yaml, constraints.yaml, frameworks.yaml,
benchmarks/), with data in every form AMLB's benchmark files accept, and a local HTTP server."""
from __future__ import annotations

import functools
import os
import signal
import socket
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pandas as pd
from sklearn.datasets import load_iris

CONFIG = """\
project_repository: https://github.com/openml/automlbenchmark
input_dir: '{user}/data'
seed: auto
frameworks:
  definition_file:
    - '{root}/resources/frameworks.yaml'
    - '{user}/frameworks.yaml'
benchmarks:
  definition_dir:
    - '{user}/benchmarks'
    - '{root}/resources/benchmarks'
  constraints_file:
    - '{root}/resources/constraints.yaml'
    - '{user}/constraints.yaml'
  os_mem_size_mb: 1024
  metrics:
    binary: [auc, logloss, acc, balacc]
    multiclass: [logloss, acc, balacc, mean_pce]
    regression: [rmse, r2, mae]
    timeseries: [mase, mape]
aws:
  ec2:
    instance_type: {series: t3}
  use_docker: false
docker:
  run_as: default
"""

CONSTRAINTS = """\
---
tiny:
  folds: 1
  max_runtime_seconds: 30
  cores: 1
  ec2_instance_type: c5.xlarge
manycores:
  folds: 1
  max_runtime_seconds: 30
  cores: 64
"""

FRAMEWORKS = """\
---
__dummy_framework_with_defaults:
  version: ''
  module:
  setup_args: ''
  params: {}
  image:
    author: automlbenchmark

RandomForest_small:
  module: frameworks.RandomForest
  version: stable
  setup_args: '1.0'
  project: https://scikit-learn.org
  image: {author: me}
  params:
    n_estimators: 30
    _save_artifacts: [models]
"""


def iris() -> pd.DataFrame:
    bunch = load_iris(as_frame=True)
    frame = bunch.frame.drop(columns="target")
    frame["species"] = pd.Categorical.from_codes(bunch.target, list(bunch.target_names))
    return frame.sample(frac=1, random_state=0).reset_index(drop=True)


def write_user_dir(root: Path) -> Path:
    """The user directory with its data: one file, a folder with one split, a folder with two
    numbered splits, both folders as .zip and .tgz archives."""
    user = root
    data = user / "data"
    for sub in ("single", "multi", "web"):
        (data / sub).mkdir(parents=True, exist_ok=True)
    frame = iris()
    frame.to_csv(data / "iris.csv", index=False)
    frame.iloc[:100].to_csv(data / "single" / "iris_train.csv", index=False)
    frame.iloc[100:].to_csv(data / "single" / "iris_test.csv", index=False)
    for i in range(2):
        test = frame.iloc[i * 75:(i + 1) * 75]
        frame.drop(test.index).to_csv(data / "multi" / f"iris_train_{i}.csv", index=False)
        test.to_csv(data / "multi" / f"iris_test_{i}.csv", index=False)
    with zipfile.ZipFile(user / "iris_single_fold.zip", "w") as zf:
        for f in sorted((data / "single").iterdir()):
            zf.write(f, f"single/{f.name}")
    with tarfile.open(user / "iris_multi_folds.tgz", "w:gz") as tf:
        tf.add(data / "multi", arcname="multi")
    (data / "web" / "iris_single_fold.zip").write_bytes((user / "iris_single_fold.zip").read_bytes())
    for f in (data / "multi").iterdir():
        (data / "web" / f.name).write_bytes(f.read_bytes())
    (user / "benchmarks").mkdir(exist_ok=True)
    (user / "config.yaml").write_text(CONFIG)
    (user / "constraints.yaml").write_text(CONSTRAINTS)
    (user / "frameworks.yaml").write_text(FRAMEWORKS)
    return user


def benchmark(port: int, openml_dataset_id: int) -> str:
    """Every dataset form and a metric list, in AMLB's benchmark format."""
    web = f"http://127.0.0.1:{port}"
    return f"""\
---
- name: __defaults__
  folds: 1
  max_runtime_seconds: 30
  ec2_instance_type: m5.large

- name: not_yet
  enabled: false
  openml_task_id: -1
  openml_data_id: 41147

- name: iris_string
  dataset: '{{user}}/data/iris.csv'
  metric: [logloss, acc, f1, auc_ovr, auc_ovo, balacc, max_pce, mean_pce]
  folds: 2  # seeded folds from one file: at least 2

- name: iris_folder
  dataset:
    path: '{{input}}/single'
    target: species

- name: iris_folder_minimal
  dataset: '{{user}}/data/multi'
  folds: 2

- name: iris_zip
  dataset:
    path: '{{user}}/iris_single_fold.zip'
    target: species

- name: iris.tgz
  dataset: '{{user}}/iris_multi_folds.tgz'
  quantile_levels: [0.1, 0.5, 0.9]

- name: iris_files
  dataset:
    train: ['{{user}}/data/multi/iris_train_0.csv', '{{user}}/data/multi/iris_train_1.csv']
    test: ['{{user}}/data/multi/iris_test_0.csv', '{{user}}/data/multi/iris_test_1.csv']
    target: species
  cores: -1
  max_mem_size_mb: -1

- name: iris_remote
  dataset: '{web}/iris_single_fold.zip'

- name: iris_remote_files
  dataset:
    train: ['{web}/iris_train_0.csv']
    test: ['{web}/iris_test_0.csv']
    target: species

- name: bc_openml
  openml_task_id: -1
  openml_data_id: {openml_dataset_id}
  metric: [auc, pr_auc, f1, f05, f2, logloss, acc]
  folds: 2

- name: diabetes
  builtin: diabetes
  metric: [rmse, mse, msle, rmsle, mape, mae, r2]
  folds: 2
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HttpServer:
    """``python -m http.server`` over a folder, in its own process group (killed on exit)."""

    def __init__(self, folder: Path):
        self.folder, self.port = folder, free_port()
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> HttpServer:
        self.proc = subprocess.Popen([sys.executable, "-m", "http.server", str(self.port), "--bind", "127.0.0.1",
                                      "--directory", str(self.folder)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.1)
        self.__exit__()
        raise RuntimeError("the local HTTP server did not start")

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=30)


@functools.cache
def offline_env(home: str) -> dict[str, str]:
    """The environment of a CLI run: HOME elsewhere (its ~/.config), the internet behind a dead proxy
    (the local server excepted), openml-python trying once."""
    env = {k: v for k, v in os.environ.items() if k not in ("XDG_CONFIG_HOME", "AMLB_USER_DIR")}
    env.update(HOME=home, HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9",
               NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    openml_config = Path(home) / ".config" / "openml" / "config"
    openml_config.parent.mkdir(parents=True, exist_ok=True)
    openml_config.write_text("connection_n_retries = 1\n")
    return env
