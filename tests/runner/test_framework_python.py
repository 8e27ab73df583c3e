"""Frameworks that declare their Python version, in local mode, through the command line.

A framework whose Python is not on this machine gets a setup_error row per job and one line
saying how to run it (Docker mode); the other frameworks of the run go on.
"""
from __future__ import annotations

import sys

import pandas as pd
import pytest

from tests.conftest import cache_dir, run_cli

RUNNER_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


@pytest.fixture()
def user_dir(tmp_path):
    """Variants of the constant predictor that declare a Python: one nobody has, and the runner's."""
    folder = tmp_path / "user"
    folder.mkdir()
    (folder / "frameworks.yaml").write_text(
        "oldpython:\n  extends: constantpredictor\n  python: '3.0'\n"
        f"samepython:\n  extends: constantpredictor\n  python: '{RUNNER_PYTHON}'\n")
    return folder


@pytest.mark.slow
def test_a_framework_whose_python_is_missing_gets_setup_errors_and_the_others_run(user_dir, tmp_path):
    out = tmp_path / "run"
    proc = run_cli("constantpredictor,oldpython,samepython", "example", "-t", "iris", "penguins", "-f", "0",
                   "-u", str(user_dir), "-o", str(out), timeout=600)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "Traceback" not in proc.stdout + proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("amlb: error")]
    assert len(errors) == 1, proc.stderr
    assert "oldpython needs Python 3.0" in errors[0] and "-m docker" in errors[0]
    results = pd.read_csv(out / "results.csv").set_index(["framework", "task"])
    old = results.loc["oldpython"]
    assert list(old["status"]) == ["setup_error", "setup_error"]
    assert old["info"].str.contains("needs Python 3.0").all()
    assert set(results.loc["constantpredictor", "status"]) == {"ok"}
    same = results.loc["samepython"]
    assert set(same["status"]) == {"ok"}  # its Python is the runner's: the same environment
    assert set(same["environment"]) == set(results.loc["constantpredictor", "environment"])


@pytest.mark.slow
def test_an_interpreter_of_another_version_in_the_python_map_is_a_setup_error(user_dir, tmp_path):
    out = tmp_path / "run"
    proc = run_cli("oldpython", "example", "-t", "iris", "-f", "0", "-u", str(user_dir), "-o", str(out),
                   "-X", f'environments.pythons={{"3.0": {sys.executable}}}', timeout=600)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "Traceback" not in proc.stdout + proc.stderr
    results = pd.read_csv(out / "results.csv")
    assert list(results["status"]) == ["setup_error"]
    assert f"environments.pythons names {sys.executable}" in results["info"][0]
    assert f"is Python {RUNNER_PYTHON}." in results["info"][0]


@pytest.mark.parametrize("override, message", [
    ("environments.pythons={3.9: /usr/bin/python3.9}", "not a quoted Python version"),
    ('docker.base_images={"3.9": [a, b]}', "must be text"),
    ("docker.base_images=amlb/base:bullseye", "must map Python versions"),
])
def test_a_malformed_python_map_is_bad_input(override, message, tmp_path):
    out = tmp_path / "run"
    proc = run_cli("constantpredictor", "example", "-t", "iris", "-o", str(out), "-X", override, timeout=120)
    assert proc.returncode == 2
    assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_an_unquoted_framework_python_is_bad_input(tmp_path):
    user = tmp_path / "user"
    user.mkdir()
    (user / "frameworks.yaml").write_text("newpython:\n  extends: constantpredictor\n  python: 3.10\n")
    out = tmp_path / "run"
    proc = run_cli("newpython", "example", "-t", "iris", "-u", str(user), "-o", str(out), timeout=120)
    assert proc.returncode == 2
    assert "python is the number 3.1: quote it" in proc.stderr
    assert not out.exists()


@pytest.mark.slow
def test_post_install_commands_run_in_the_environment_and_key_it(tmp_path):
    """A variant with post_install gets its own environment, where the commands ran with its Python first on PATH."""
    user = tmp_path / "user"
    user.mkdir()
    (user / "frameworks.yaml").write_text(
        "constant_post:\n  extends: constantpredictor\n  post_install:\n"
        "    - python -c \"import sys, os; open(os.path.join(sys.prefix, 'post-install.txt'), 'w')"
        ".write(sys.prefix + ' ' + os.getcwd())\"\n")
    out = tmp_path / "run"
    proc = run_cli("constantpredictor,constant_post", "example", "-t", "iris", "-f", "0", "-u", str(user),
                   "-o", str(out), timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = pd.read_csv(out / "results.csv").set_index("framework")
    assert set(results["status"]) == {"ok"}
    plain, post = results.loc["constantpredictor", "environment"], results.loc["constant_post", "environment"]
    assert plain != post
    envs = cache_dir() / "envs"
    prefix, cwd = (envs / post / "post-install.txt").read_text().split(" ")
    assert prefix == str(envs / post)  # the environment's own python ran it
    assert cwd.endswith("frameworks/constantpredictor")  # in the adapter folder
    assert not (envs / plain / "post-install.txt").exists()
