"""The warm worker's process-tree killer, on real runaway process trees (no runner involved)."""
from __future__ import annotations

import json
import sys
import textwrap

from tests.conftest import ROOT
from tests.containment import run_contained

SCRIPT = textwrap.dedent("""
    import json, os, signal, sys, time
    sys.path.insert(0, sys.argv[1])
    import worker

    assert worker._prctl(worker.PR_SET_CHILD_SUBREAPER, 1)
    reaper = worker.Reaper()

    def chain():  # forks a child and exits, again and again: always being re-parented to us
        while True:
            if os.fork():
                os._exit(0)
            time.sleep(0.002)

    def daemon():  # double fork + setsid, sleeping forever
        os.setsid()
        if os.fork() == 0:
            time.sleep(3600)
        os._exit(0)

    def stubborn():  # ignores SIGTERM, with a child that does the same
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        os.fork()
        time.sleep(3600)

    rounds = []
    for _ in range(int(sys.argv[2])):
        job = os.fork()
        if job == 0:
            time.sleep(3600)
        reaper.watch(job)
        for target in (chain, chain, daemon, stubborn):
            if os.fork() == 0:
                target()
        time.sleep(0.2)
        killed = worker.kill_tree_and_reap(os.getpid(), reaper)
        time.sleep(0.1)
        reaper.reap()
        left = [p for p in worker.descendants_of(os.getpid())]
        status = reaper.result[0] if reaper.result else None
        rounds.append({"killed": killed, "left": left,
                       "job_signal": os.WTERMSIG(status) if status is not None and os.WIFSIGNALED(status) else None})
    print(json.dumps(rounds))
""")


def test_kill_tree_and_reap_leaves_nothing_of_runaway_trees_and_keeps_the_job_status():
    # fork chains run away by design: contained so that none outlives the test, even on a timeout
    proc = run_contained([sys.executable, "-c", SCRIPT, str(ROOT / "frameworks" / "shared"), "5"], timeout=600)
    assert proc.returncode == 0, proc.stderr
    for r in json.loads(proc.stdout):
        assert r["left"] == []
        assert r["killed"] >= 6  # the job, two chain links, the daemon, the stubborn pair
        assert r["job_signal"] == 9  # the job's status is kept for the caller, not lost to the reaping
