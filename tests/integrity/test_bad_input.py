"""Bad input gets one line saying what is wrong and what to do, exit 2, and nothing created."""
from __future__ import annotations

import time

import pytest

from tests.conftest import assert_bad_input, run_cli
from tests.integrity.conftest import IRIS


def _refused(tmp_path, args, *needles, cwd=None):
    out = tmp_path / "out"
    assert_bad_input(run_cli(*args, "-o", str(out), cwd=cwd or tmp_path), *needles)
    assert not out.exists()


@pytest.mark.parametrize("extra,needle", [
    (("-p", "0"), "--parallel must be at least 1"),
    (("-X", "job.cores=0"), "'job.cores' must be at least 1"),
    (("-X", "job.cores=-1"), "'job.cores' must be at least 1"),
    (("-X", "job.max_mem_size_mb=-5"), "'job.max_mem_size_mb' must be at least 1"),
    (("-X", "job.max_runtime_seconds=-5"), "'job.max_runtime_seconds' must be a finite number of seconds > 0"),
    (("-X", "job.max_runtime_seconds=.nan"), "'job.max_runtime_seconds' must be a finite number"),
    (("-X", "job.max_runtime_seconds=.inf"), "'job.max_runtime_seconds' must be a finite number"),
    (("-X", "job.time_tolerance_ratio=-2"), "'job.time_tolerance_ratio' must be a finite number >= 0"),
    (("-X", "seed=-1"), "'seed' must be auto or a whole number >= 0"),
    (("-X", "job.inference_batch_sizes=[0,-1]"), "'job.inference_batch_sizes' must be a list of whole numbers"),
    (("-u", "/nonexistent/amlb-user"), "the user directory /nonexistent/amlb-user does not exist"),
])
def test_numbers_out_of_range_are_refused(tmp_path, extra, needle):
    _refused(tmp_path, (*IRIS, *extra), needle)


def test_an_empty_framework_list_is_refused(tmp_path):
    _refused(tmp_path, (",", "example"), "no framework named in ','")


def test_constraint_and_task_limits_are_checked(tmp_path):
    user = tmp_path / "user"
    (user / "benchmarks").mkdir(parents=True)
    (user / "constraints.yaml").write_text("zero: {folds: 1, max_runtime_seconds: 0, cores: 1}\n")
    (user / "benchmarks" / "neg.yaml").write_text("- name: iris\n  builtin: iris\n  cores: 1.5\n")
    _refused(tmp_path, ("constantpredictor", "example", "zero", "-u", str(user)),
             "max_runtime_seconds of constraint 'zero' must be a finite number of seconds > 0")
    _refused(tmp_path, ("constantpredictor", "neg", "-u", str(user)), "cores of task 'iris'", "must be a whole number")


@pytest.mark.parametrize("definition,needle", [
    ("- name: iris\n  builtin: iris\n- name: iris\n  builtin: wine\n", "task 'iris' is defined twice"),
    ("- name: my task\n  builtin: iris\n- name: my_task\n  builtin: wine\n", "share the folder 'my_task'"),
    ("- name: Iris\n  builtin: iris\n- name: iris\n  builtin: wine\n", "share the folder"),
    ("- name: '..'\n  builtin: iris\n", "task name '..'"),
])
def test_task_names_must_be_unique_as_folders_and_safe(tmp_path, definition, needle):
    user = tmp_path / "user"
    (user / "benchmarks").mkdir(parents=True)
    (user / "benchmarks" / "mine.yaml").write_text(definition)
    _refused(tmp_path, ("constantpredictor", "mine", "-u", str(user)), needle)


def test_a_task_named_twice_with_t_is_refused(tmp_path):
    _refused(tmp_path, ("constantpredictor", "example", "-t", "iris", "IRIS"), "task 'IRIS' is given twice")


def test_a_framework_name_that_escapes_the_output_dir_is_refused(tmp_path):
    user = tmp_path / "user"
    user.mkdir()
    (user / "frameworks.yaml").write_text('"../../../victim":\n  extends: constantpredictor\n')
    _refused(tmp_path, ("../../../victim", "example", "-u", str(user)), "framework name '../../../victim'")
    assert not (tmp_path.parent / "victim").exists()


def test_a_yaml_alias_bomb_is_refused_before_it_is_built(tmp_path):
    bomb = tmp_path / "bomb.yaml"
    lines = ['job:\n  attempts: 2\na: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [{','.join(['*' + prev] * 9)}]\n")
    bomb.write_text("".join(lines))
    assert len(bomb.read_bytes()) < 700
    start = time.monotonic()
    _refused(tmp_path, (*IRIS, "--config", str(bomb)), "expands through YAML aliases", str(bomb))
    assert time.monotonic() - start < 10  # the expansion (9**9 values) was never built
    recursive = tmp_path / "recursive.yaml"
    recursive.write_text("job: &j\n  attempts: [*j]\n")
    _refused(tmp_path, (*IRIS, "--config", str(recursive)), "alias that refers to itself")


def test_yaml_with_modest_aliases_still_loads(tmp_path):
    user = tmp_path / "user"
    (user / "benchmarks").mkdir(parents=True)
    (user / "benchmarks" / "aliased.yaml").write_text(
        "- &base\n  name: iris\n  builtin: iris\n- <<: *base\n  name: wine\n  builtin: wine\n")
    out = tmp_path / "out"
    proc = run_cli("constantpredictor", "aliased", "-f", "0", "-u", str(user), "-o", str(out))
    assert proc.returncode == 0, proc.stderr[-2000:]
