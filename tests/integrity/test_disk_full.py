"""A full disk mid-run: one line naming the filesystem, the run stops cleanly, --resume completes it."""
from __future__ import annotations

import os
import sqlite3
import subprocess

import pandas as pd
import pytest

from tests.conftest import run_cli


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MB tmpfs (needs root and mount)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_stops_the_run_with_one_line_and_resume_completes_it(small_disk, tmp_path):
    out = small_disk / "out"
    filler = small_disk / "filler"
    # leave room for the store and a few jobs (a job directory is ~20 KB), not for all 12
    filler.write_bytes(b"\0" * (2 * 2**20 - 260 * 2**10))
    args = ("constantpredictor", "example", "-o", str(out), "-X", "job.inference_batch_sizes=[1]")
    full = run_cli(*args)
    assert full.returncode == 1, full.stderr[-3000:]
    assert "Traceback" not in full.stderr, full.stderr[-3000:]
    errors = [line for line in full.stderr.splitlines() if line.startswith("amlb: error:")]
    assert len(errors) == 1, full.stderr[-3000:]
    assert f"the filesystem mounted at {small_disk} is full" in errors[0]
    assert f"--resume -o {out}" in errors[0]
    with sqlite3.connect(out / "results.db") as con:  # the store survived
        done = con.execute("SELECT COUNT(*) FROM attempts WHERE status = 'ok'").fetchone()[0]
    assert done < 12
    filler.unlink()
    again = run_cli(*args, "--resume")
    assert again.returncode == 0, again.stderr[-3000:]
    results = pd.read_csv(out / "results.csv")
    assert len(results) == 12 and set(results["status"]) == {"ok"}, results[["task", "fold", "status", "info"]]
