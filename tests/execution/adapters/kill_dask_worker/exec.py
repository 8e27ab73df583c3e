"""Kills the Dask worker process that runs its job: on fold 0 once, on fold 1 every time.

The job process's parent is the warm worker, whose parent is the process that started it: a
Dask worker on a cluster run. Dask must reschedule the job elsewhere (fold 0 then succeeds; a
marker in $AMLB_TEST_STATE_DIR remembers the first kill) or give up on it (fold 1). It refuses
to run unless $AMLB_TEST_KILL_DASK_WORKER is set, so it can never kill a local runner.
"""
import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import faultkit  # noqa: E402


def _parent_of(pid):
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat[stat.rfind(")") + 2:].split()[1])


def fit(train, config):
    if not os.environ.get("AMLB_TEST_KILL_DASK_WORKER"):
        raise RuntimeError("kill_dask_worker runs only in the Dask tests (AMLB_TEST_KILL_DASK_WORKER unset)")
    fold = int(Path(config.work_dir).parts[-3].removeprefix("fold"))  # .../foldK/attemptN/work
    marker = Path(os.environ["AMLB_TEST_STATE_DIR"]) / f"kill_dask_worker.fold{fold}.killed"
    if fold == 1 or not marker.exists():
        marker.write_text(str(os.getpid()))
        dask_worker = _parent_of(os.getppid())
        print(f"kill_dask_worker: killing the Dask worker {dask_worker}", flush=True)
        os.kill(dask_worker, signal.SIGKILL)
        os._exit(3)
    print("kill_dask_worker: rescheduled, behaving", flush=True)
    faultkit.record_process("behaved")
    return faultkit.priors_model(train, config)
