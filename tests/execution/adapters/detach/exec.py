"""Leaves a detached grandchild (double fork + setsid) that sleeps forever, then succeeds."""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import faultkit  # noqa: E402


def fit(train, config):
    faultkit.record_process("job")
    ready_r, ready_w = os.pipe()
    child = os.fork()
    if child == 0:
        os.setsid()
        if os.fork() == 0:
            faultkit.record_process("detached")
            os.write(ready_w, b"x")
            faultkit.sleep_forever()
        os._exit(0)
    os.close(ready_w)
    os.waitpid(child, 0)
    os.read(ready_r, 1)  # the grandchild has recorded itself
    print(f"detach: left a detached grandchild behind (session of {child})", flush=True)
    return faultkit.priors_model(train, config)
