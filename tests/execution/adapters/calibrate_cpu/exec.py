"""Burns a known CPU time: CHILD_CPU_S in a child and GRANDCHILD_CPU_S in a grandchild.

The child exits before the grandchild has finished, so the grandchild is an orphan for
most of its life: a meter that counts only waited-for processes misses it.
"""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import faultkit  # noqa: E402

CHILD_CPU_S = 1.0
GRANDCHILD_CPU_S = 2.0  # the job's true CPU time: CHILD_CPU_S + GRANDCHILD_CPU_S plus its bookkeeping


def _own_cpu_s() -> float:
    """CPU time of this process alone; a forked process's counters start at zero."""
    t = os.times()
    return t.user + t.system


def _exit_reporting(name: str, work_dir: str) -> None:
    Path(work_dir, f"{name}.cpu").write_text(repr(_own_cpu_s()))
    os._exit(0)


def fit(train, config):
    faultkit.record_process("job")
    done_r, done_w = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(done_r)
        faultkit.record_process("child")
        if os.fork() == 0:
            faultkit.record_process("grandchild")
            faultkit.burn_cpu(GRANDCHILD_CPU_S)
            _exit_reporting("grandchild", config.work_dir)  # closes done_w: the job sees EOF
        os.close(done_w)
        faultkit.burn_cpu(CHILD_CPU_S)
        _exit_reporting("child", config.work_dir)  # leaves the grandchild burning, re-parented to the worker
    os.close(done_w)
    os.waitpid(child, 0)
    os.read(done_r, 1)  # EOF: the grandchild exited
    print(f"calibrate_cpu: child burned {CHILD_CPU_S} CPU-s, grandchild {GRANDCHILD_CPU_S} CPU-s", flush=True)
    model = faultkit.priors_model(train, config)
    # the true CPU time, measured by each process itself: what the job process used from its fork to the
    # end of fit, plus the child's and the grandchild's whole lives; only predict, writing and exit follow
    model.info["tree_cpu_s"] = sum(float(Path(config.work_dir, f"{n}.cpu").read_text()) for n in ("child", "grandchild"))
    model.info["job_cpu_s_at_fit_end"] = _own_cpu_s()
    return model
