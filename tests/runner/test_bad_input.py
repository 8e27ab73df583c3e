"""Bad input: one line saying what is wrong and what to do, exit code 2, no traceback, nothing written."""
from __future__ import annotations

import pytest

from tests.conftest import run_cli


def _assert_user_error(proc, *needles: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("amlb: error:")]
    assert len(errors) == 1, proc.stderr
    for needle in needles:
        assert needle in errors[0], errors[0]


def test_unknown_framework_suggests_the_closest_names():
    _assert_user_error(run_cli("RandomForrest", "example"), "unknown framework 'RandomForrest'", "RandomForest")


def test_unknown_benchmark_and_constraint():
    _assert_user_error(run_cli("RandomForest", "exampel"), "unknown benchmark 'exampel'", "example")
    _assert_user_error(run_cli("RandomForest", "example", "1h9c"), "unknown constraint '1h9c'", "1h8c")


def test_malformed_yaml_names_file_and_line(tmp_path):
    (tmp_path / "config.yaml").write_text("job:\n  cores: [1,\n  attempts: 2\n")
    _assert_user_error(run_cli("RandomForest", "example", "-u", str(tmp_path)), "malformed YAML",
                       str(tmp_path / "config.yaml"), "line")


def test_unknown_config_key_in_a_file_names_file_key_and_line(tmp_path):
    (tmp_path / "config.yaml").write_text("seed: 1\njob:\n  attemps: 3\n")
    _assert_user_error(run_cli("RandomForest", "example", "-u", str(tmp_path)), "'job.attemps'", "line 3",
                       "job.attempts")


def test_wrong_type_and_unknown_override():
    _assert_user_error(run_cli("RandomForest", "example", "-X", "job.cores=two"), "job.cores", "int")
    _assert_user_error(run_cli("RandomForest", "example", "-X", "jobs.cores=1"), "unknown config key 'jobs'")


def test_fold_out_of_range(tmp_path):
    out = tmp_path / "out"
    _assert_user_error(run_cli("constantpredictor", "example", "-t", "iris", "-f", "5", "-o", str(out)),
                       "fold 5 is out of range", "-f")
    assert not (out / "results.db").exists()


def test_output_dir_not_writable(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    _assert_user_error(run_cli("constantpredictor", "example", "-o", str(blocker / "sub")),
                       "cannot write to the output directory", "-o")


@pytest.mark.parametrize("args,needle", [
    (("constantpredictor", "example", "-t", "nosuchtask"), "task 'nosuchtask' is not in benchmark"),
    (("constantpredictor", "example", "--parallel", "3"), "--parallel 3"),
    (("constantpredictor", "example", "1h8c"), "needs 8 cores"),
])
def test_impossible_plans(args, needle):
    _assert_user_error(run_cli(*args), needle)


@pytest.mark.parametrize("entry,needle", [
    ("installer: conda", "installer must be pip or uv"),
    ("fit_share: 1.5", "fit_share must be a number in (0, 1]"),
])
def test_bad_framework_definition_values(tmp_path, entry, needle):
    (tmp_path / "frameworks.yaml").write_text(f"MyForest:\n  extends: RandomForest\n  {entry}\n")
    _assert_user_error(run_cli("MyForest", "example", "-u", str(tmp_path), "-o", str(tmp_path / "out")),
                       "framework 'MyForest'", needle)
    assert not (tmp_path / "out").exists()
