"""What the runner (local and Docker executors) writes into a job's log cannot be a FIFO or a link the job left there."""
from __future__ import annotations

import os

from amlb.jobfiles import append_line, open_log_for_append


def test_a_fifo_or_link_at_the_log_name_is_never_opened(tmp_path):
    os.mkfifo(tmp_path / "fifo.log")
    victim = tmp_path / "victim.txt"
    victim.write_text("keep\n")
    (tmp_path / "link.log").symlink_to(victim)
    for name in ("fifo.log", "link.log"):
        assert open_log_for_append(tmp_path / name) is None  # returns at once: no blocking open of a FIFO
        append_line(tmp_path / name, "[amlb] a line")
    assert victim.read_text() == "keep\n"


def test_a_regular_log_is_appended_to(tmp_path):
    log = tmp_path / "job.log"
    log.write_text("job output\n")
    with open_log_for_append(log) as f:
        f.write(b"container output\n")
    append_line(log, "[amlb] done")
    assert log.read_text() == "job output\ncontainer output\n[amlb] done\n"
