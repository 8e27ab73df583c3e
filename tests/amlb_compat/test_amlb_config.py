"""AMLB's config.yaml and constraints.yaml read by amlb's configuration stage (in process: quick)."""
from __future__ import annotations

from pathlib import Path

import pytest

from amlb.config import load_config
from amlb.constraints import load_constraint


def _user(root: Path, config: str, constraints: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "config.yaml").write_text(config)
    if constraints:
        (root / "constraints.yaml").write_text(constraints)
    return root


def test_constraint_defaults_and_file_order(tmp_path):
    user = _user(tmp_path / "u", """\
benchmarks:
  constraints_file:
    - '{root}/resources/constraints.yaml'
    - '{user}/constraints.yaml'
  defaults:
    max_runtime_seconds: 123
    cores: 1
    max_mem_size_mb: -1
    min_vol_size_mb: -1
""", "bare: {folds: 1}\ntest: {folds: 2, max_runtime_seconds: 600, cores: 4}\n")
    config = load_config(user)
    bare = load_constraint("BARE", config)
    assert (bare.name, bare.folds, bare.max_runtime_seconds, bare.cores) == ("bare", 1, 123.0, 1)
    assert bare.memory_auto and bare.max_mem_size_mb >= 1
    test = load_constraint("test", config)  # the user's file comes after amlb's, as listed: it wins
    assert (test.folds, test.max_runtime_seconds, test.cores) == (2, 600.0, 4)


def test_inference_measurements_map_only_when_enabled(tmp_path):
    off = load_config(_user(tmp_path / "off", "inference_time_measurements:\n  enabled: false\n"
                                              "  batch_sizes: [1, 10000]\n  repeats: 10\n"))
    assert off["job"]["inference_batch_sizes"] == [1, 10, 100, 1000]
    on = load_config(_user(tmp_path / "on", "inference_time_measurements:\n  enabled: true\n"
                                            "  batch_sizes: [1, 5]\n  repeats: 2\n"))
    assert (on["job"]["inference_batch_sizes"], on["job"]["inference_repeats"]) == ([1, 5], 2)


def test_amlb_and_amlb_own_keys_mix(tmp_path, capsys):
    user = _user(tmp_path / "u", """\
project_repository: x
input_dir: '{user}/data'
output_dir: /tmp/somewhere
seed: 7
job_scheduler: {parallel_jobs: 2, max_parallel_jobs: 10}
docker:
  run_as: user
  base_images: {"3.9": amlb/base:bullseye}
openml: {apikey: abc, infer_dtypes: false}
job: {attempts: 3}
""")
    config = load_config(user)
    assert config["input_dir"] == f"{user}/data" and config["output_dir"] == "/tmp/somewhere"
    assert (config["seed"], config["parallel"], config["job"]["attempts"]) == (7, 2, 3)
    assert config["docker"]["base_images"]["3.9"] == "amlb/base:bullseye"
    assert config["openml"]["apikey"] == "abc"
    lines = [x for x in capsys.readouterr().err.splitlines() if "warning" in x]
    assert len(lines) == 1
    for key in ("project_repository", "job_scheduler.*", "docker.*", "openml.*"):
        assert key in lines[0]


@pytest.mark.parametrize("own,amlb_dir,expected", [(True, True, "amlb"), (False, True, "automlbenchmark"),
                                                    (False, False, None)])
def test_default_user_dir_precedence(tmp_path, monkeypatch, own, amlb_dir, expected):
    monkeypatch.setenv("HOME", str(tmp_path))
    for name, present in (("amlb", own), ("automlbenchmark", amlb_dir)):
        if present:
            _user(tmp_path / ".config" / name, f"seed: {len(name)}\n")
    config = load_config()
    if expected is None:
        assert config["seed"] == "auto" and config["user_dir"] == "~/.config/amlb"  # the defaults
    else:
        assert config["user_dir"] == str(tmp_path / ".config" / expected) and config["seed"] == len(expected)
