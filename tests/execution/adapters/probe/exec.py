"""Reports what its job process sees: CPU set, thread caps, directories, cgroups, session.

The report goes into the result's info (result.json). $AMLB_TEST_PROBE_SLEEP makes
fit last that many seconds (to overlap parallel jobs).
"""
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import faultkit  # noqa: E402

ENV_KEYS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "TMPDIR", "HOME", "XDG_CACHE_HOME",
            "AMLB_JOB_TAG", "AMLB_JOB_DEADLINE")
SUBPROCESS_REPORT = ("import json, os, tempfile; print(json.dumps({'affinity': sorted(os.sched_getaffinity(0)), "
                     "'tempdir': tempfile.gettempdir(), 'cwd': os.getcwd(), 'tag': os.environ.get('AMLB_JOB_TAG')}))")


def fit(train, config):
    faultkit.record_process("job")
    start = time.time()
    with tempfile.NamedTemporaryFile(delete=False) as f:
        temp_file = f.name
    sub = subprocess.run([sys.executable, "-c", SUBPROCESS_REPORT], capture_output=True, text=True, check=True)
    time.sleep(float(os.environ.get("AMLB_TEST_PROBE_SLEEP", "0")))
    model = faultkit.priors_model(train, config)
    model.info = {
        "affinity": sorted(os.sched_getaffinity(0)), "cores": config.cores, "work_dir": config.work_dir,
        "env": {k: os.environ.get(k) for k in ENV_KEYS}, "cwd": os.getcwd(), "tempdir": tempfile.gettempdir(),
        "temp_file": temp_file, "cgroup": Path("/proc/self/cgroup").read_text(), "pid": os.getpid(),
        "sid": os.getsid(0), "subprocess": json.loads(sub.stdout), "fit_start": start, "fit_end": time.time(),
    }
    t = os.times()  # this process and its waited-for subprocess, from the fork to the end of fit
    model.info["job_cpu_s_at_fit_end"] = t.user + t.system + t.children_user + t.children_system
    print("probe: " + json.dumps(model.info["affinity"]), flush=True)
    return model
