"""Run a command that starts runaway processes so that none of them can outlive the test.

Where user and PID namespaces are available (most Linux hosts, root or not), the command runs as
PID 1's child of a fresh PID namespace whose init dies with the test's direct child: the kernel
then kills every process left in the namespace, however it forked, setsid'ed or re-parented.
Elsewhere the command gets its own process group, which is killed (repeatedly, until empty)
whatever happens; a setsid'ed daemon can escape that, so tests that start one should skip there.
"""
from __future__ import annotations

import functools
import os
import shutil
import signal
import subprocess
import time

UNSHARE = ["unshare", "--user", "--map-root-user", "--pid", "--fork", "--kill-child", "--mount-proc"]


@functools.cache
def pid_namespaces_work() -> bool:
    if shutil.which("unshare") is None:
        return False
    try:
        return subprocess.run([*UNSHARE, "true"], capture_output=True, timeout=30, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def run_contained(args: list[str], timeout: float) -> subprocess.CompletedProcess:
    """``subprocess.run(args)`` (output captured as text) with every process it starts contained."""
    if pid_namespaces_work():
        args = [*UNSHARE, *args]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
        return subprocess.CompletedProcess(args, proc.returncode, out, err)
    finally:
        _kill_group(proc.pid)
        proc.kill()
        proc.wait()


def _kill_group(pgid: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            return
        time.sleep(0.05)
