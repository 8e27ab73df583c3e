"""Kills its warm worker on the first attempt and then sleeps forever as an orphan.

The runner must record an infrastructure_error, kill the orphan, and run the next
attempt on a fresh worker, where this adapter behaves (a marker file in
$AMLB_TEST_STATE_DIR remembers the first attempt).
"""
import os
import signal
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import faultkit  # noqa: E402


def fit(train, config):
    faultkit.record_process("job")
    state = os.environ.get("AMLB_TEST_STATE_DIR")
    marker = Path(state) / f"kill_worker.{config.seed}.done" if state else None
    if marker is None or not marker.exists():
        if marker is not None:
            marker.write_text(str(os.getpid()))
        if os.fork() == 0:  # a forked helper: carries only the worker's marker in /proc/PID/environ
            faultkit.record_process("forked_helper")
            faultkit.sleep_forever()
        helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"], start_new_session=True)
        faultkit.record_process("exec_helper", pid=helper.pid)
        print(f"kill_worker: killing the worker {os.getppid()}", flush=True)
        os.kill(os.getppid(), signal.SIGKILL)
        faultkit.sleep_forever()
    print("kill_worker: second attempt, behaving", flush=True)
    return faultkit.priors_model(train, config)
