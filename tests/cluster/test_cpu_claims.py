"""CPU claims: disjoint slots among processes of one machine, released when a holder dies."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from amlb.cluster.cpu_claims import claim_cpus, usable_cpus

HOLD = """
import sys, time
from amlb.cluster.cpu_claims import claim_cpus
with claim_cpus(int(sys.argv[1])) as cpus:
    print(",".join(map(str, cpus)), flush=True)
    time.sleep(600)
"""


def _holder(count: int, claims: str) -> tuple[subprocess.Popen, set[int]]:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(count)], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "AMLB_CPU_CLAIMS_DIR": claims})
    line = proc.stdout.readline().strip()
    assert line, "the holder claimed nothing"
    return proc, {int(c) for c in line.split(",")}


def test_a_claim_waits_while_another_process_holds_the_cpus_and_gets_them_when_it_dies(tmp_path, monkeypatch):
    monkeypatch.setenv("AMLB_CPU_CLAIMS_DIR", str(tmp_path))
    everything = len(usable_cpus())
    holder, held = _holder(everything, str(tmp_path))
    try:
        assert held == set(usable_cpus())
        with pytest.raises(TimeoutError), claim_cpus(1, timeout_s=0.6):
            pass
    finally:
        os.kill(holder.pid, signal.SIGKILL)  # no cleanup runs: the kernel must drop its locks
        holder.wait()
    start = time.monotonic()
    with claim_cpus(everything, timeout_s=5) as cpus:
        assert set(cpus) == held
    assert time.monotonic() - start < 1


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs 2 CPUs")
def test_two_processes_get_disjoint_cpus(tmp_path, monkeypatch):
    monkeypatch.setenv("AMLB_CPU_CLAIMS_DIR", str(tmp_path))
    first, cpus_first = _holder(1, str(tmp_path))
    second, cpus_second = _holder(1, str(tmp_path))
    try:
        assert len(cpus_first) == len(cpus_second) == 1 and not cpus_first & cpus_second
    finally:
        for p in (first, second):
            p.kill()
            p.wait()


def test_more_cpus_than_the_machine_has_is_an_error():
    with pytest.raises(ValueError, match="needs"), claim_cpus(len(usable_cpus()) + 1):
        pass
