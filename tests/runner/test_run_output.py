"""What a run tells its user: exit codes, the plan, data problems, and the progress on an 80-column terminal."""
from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pandas as pd

from tests.conftest import cli_args, run_cli, scratch_cwd

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _benchmark(user: Path, *tasks: str) -> None:
    (user / "benchmarks").mkdir(parents=True, exist_ok=True)
    (user / "benchmarks" / "mine.yaml").write_text("".join(tasks))


def _csv(path: Path, rows: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x,z,y\n" + "".join(f"{i},{(i * 7) % 5},{'ab'[i % 2]}\n" for i in range(rows)))


def test_a_missing_data_file_fails_its_task_the_other_tasks_run_and_the_exit_code_is_1(tmp_path):
    user = tmp_path / "user"
    _csv(user / "data" / "both.csv", 40)  # in USERDIR and beside the benchmark file: USERDIR's is used
    _csv(user / "benchmarks" / "data" / "both.csv", 60)
    _csv(user / "benchmarks" / "data" / "beside.csv", 50)  # only beside the benchmark file
    _benchmark(user,
               "- name: iris\n  builtin: iris\n",
               "- name: mywine\n  dataset: {path: data/mywine.csv, target: y}\n",
               "- name: both\n  dataset: {path: data/both.csv, target: y}\n",
               "- name: beside\n  dataset: {path: data/beside.csv, target: y}\n",
               "- name: wine\n  builtin: wine\n  folds: 3\n")
    out = tmp_path / "out"
    proc = run_cli("constantpredictor", "mine", "-u", str(user), "-o", str(out),
                   "-X", f"data.cache_dir={tmp_path / 'cache'}")
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode == 1, proc.stderr[-3000:]  # the run finished, some jobs failed
    rows = pd.read_csv(out / "results.csv")
    by_task = rows.groupby("task")["status"].apply(lambda s: sorted(s)).to_dict()
    assert by_task == {"iris": ["ok"] * 2, "both": ["ok"] * 2, "beside": ["ok"] * 2, "wine": ["ok"] * 3,
                       "mywine": ["data_error"] * 2}, rows[["task", "fold", "status", "info"]].to_string()
    assert set(rows.loc[rows.task == "both", "mf_n_rows"]) == {40}
    info = rows.loc[rows.task == "mywine", "info"].iloc[0]
    assert info.startswith("data file not found: data/mywine.csv (a relative path is looked up in "
                           f"{user}, then {user / 'benchmarks'}, then "), info
    # the task is named once: in the row's task column, once in the message
    text = proc.stdout + proc.stderr + " ".join(rows["info"].fillna(""))
    assert "mywine: mywine" not in text and "mywine.csv: mywine" not in text
    errors = [line for line in proc.stderr.splitlines() if line.startswith("amlb: error:")]
    assert len(errors) == 1 and errors[0].startswith("amlb: error: data of task mywine: data file not found"), \
        proc.stderr
    assert f"amlb: 2 of 11 job(s) failed (exit code 1): amlb show {out} --failures" in proc.stderr
    # the plan says where the folds come from: wine's own `folds: 3` instead of the constraint's 2
    plan = next(line for line in proc.stderr.splitlines() if line.startswith("plan: "))
    assert plan.startswith("plan: 11 jobs = 1 framework x 5 tasks x folds 0-1 (constraint example); "
                           "wine folds 0-2 (its own `folds: 3` in the benchmark, instead of the constraint's 2)"), plan


def test_all_jobs_ok_is_exit_0_and_the_help_lists_the_exit_codes(tmp_path):
    out = tmp_path / "out"
    proc = run_cli("constantpredictor", "example", "-t", "iris", "-f", "0", "-o", str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "failed (exit code 1)" not in proc.stderr
    rows = pd.read_csv(out / "results.csv")
    if rows["energy_kwh"].notna().all() and rows["co2e_kg"].isna().all():  # metered, no location set
        assert f"CO2e is blank (no location was set): amlb energy {out} --country XXX" in proc.stdout, proc.stdout
    helped = subprocess.run([sys.executable, "-m", "amlb", "run", "--help"], capture_output=True, text=True,
                            timeout=60, cwd=Path(__file__).resolve().parents[2], env={**os.environ, "COLUMNS": "80"})
    assert helped.returncode == 0
    codes = helped.stdout[helped.stdout.index("exit codes:"):]
    assert [line.split()[0] for line in codes.splitlines()[1:] if not line.startswith("     ")] == \
        ["0", "1", "2", "130"], codes
    assert max(len(line) for line in codes.splitlines()) <= 80


def _run_on_terminal(args: list[str], columns: int, timeout: float) -> tuple[int, str]:
    """Run ``args`` with a pseudo-terminal of ``columns`` columns as stdin, stdout and stderr; its
    exit code and everything it wrote (escape sequences included)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, cwd=scratch_cwd(),
                            env={**os.environ, "COLUMNS": str(columns), "TERM": "xterm"}, start_new_session=True)
    os.close(slave)
    output = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 1.0)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the terminal closed: every writer is gone
                break
            if not chunk:
                break
            output += chunk
        return proc.wait(timeout=max(1.0, deadline - time.monotonic())), output.decode(errors="replace")
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        os.close(master)


def test_progress_at_80_columns_cuts_nothing_and_commands_copy_whole(tmp_path):
    user = tmp_path / "user"
    _benchmark(user, "- name: iris\n  builtin: iris\n",
               "- name: mywine\n  dataset: {path: data/a_data_file_whose_name_is_long_enough_to_wrap.csv}\n")
    out = tmp_path / ("an_output_folder_whose_name_alone_is_longer_than_half_of_the_terminal_" * 2) / "run"
    code, raw = _run_on_terminal(cli_args("constantpredictor", "mine", "-u", str(user), "-o", str(out)), 80, 600)
    lines = [ANSI.sub("", line).strip() for line in re.split(r"\r\n|\r|\n", raw)]
    assert code == 1, "\n".join(lines[-40:])
    assert "Traceback" not in raw
    # commands and paths on one line each, whole (the terminal wraps them, a copy pastes whole)
    assert f"build the results site: amlb site {out} -o {out / 'site'}" in lines, lines[-12:]
    assert f"results: {out / 'results.csv'}  (store: {out / 'results.db'}, job logs: {out / 'jobs'})" in lines
    co2 = [line for line in lines if line.startswith("CO2e is blank")]
    assert all(f"amlb energy {out} --country XXX" in line for line in co2)
    # a failed job: its line names the fold, its message follows on a line of its own, whole
    assert "[1/4] constantpredictor mywine fold 0: data_error (0.0 s)" in lines, lines
    messages = [line for line in lines if line.startswith("data file not found: data/a_data_file_whose")]
    assert len(messages) == 1, lines  # fold 1's failure has the same message: not repeated
    message = messages[0]
    assert message.endswith(f"then {scratch_cwd()}): check the path in the benchmark definition"), message
    assert any(line.startswith("[4/4] constantpredictor iris fold 1: neg_logloss=") for line in lines), lines
    # the live status has an ETA, said to be an estimate; setup steps leave it once the jobs go
    assert re.search(r"ETA ~\d+ (s|min|h) \(estimate\)", "\n".join(lines)), lines
    first_job = raw.index("[1/4]")
    assert "setting up constantpredictor" in raw[:first_job]
    assert "setting up" not in raw[first_job:]


def test_the_eta_counts_budgets_until_a_framework_has_finished_jobs_then_their_mean_duration():
    from amlb.progress import EtaEstimate  # noqa: PLC0415

    eta = EtaEstimate({"A 0": ("A", 60.0), "A 1": ("A", 60.0), "B 0": ("B", 30.0)}, slots=2)
    assert eta.seconds_left({}) == (60 + 60 + 30) / 2
    eta.finished("A 0", 10.0)
    assert eta.seconds_left({"A 1": 4.0}) == ((10 - 4) + 30) / 2  # A 1 is expected to take A's mean, 10 s
    assert eta.seconds_left({"A 1": 25.0, "B 0": 1.0}) == (0 + 29) / 2  # an overdue job counts 0, not less
    eta.finished("A 1", 20.0)
    eta.finished("B 0", 5.0)
    assert eta.seconds_left({}) is None  # nothing left: no ETA shown
