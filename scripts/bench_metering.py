#!/usr/bin/env python
"""Cost of energy metering per job: wall and CPU time of ``job_started`` + ``job_finished``.

Usage::

    python scripts/bench_metering.py [--jobs 500] [--parallel 2] [--fake-rapl]

``--parallel`` keeps that many job windows open at once (jobs side by side); ``--fake-rapl``
reads a powercap tree built in a temporary directory, to include the RAPL reading path on
hosts without RAPL. One-time costs (host description, accountant set-up) are printed apart.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from amlb.metering import EnergyAccountant, EnergyConfig, ResourceUsage, describe_host


def _fake_powercap(root: Path) -> Path:
    for entry, name in (("intel-rapl:0", "package-0"), ("intel-rapl:0:2", "dram"), ("intel-rapl:1", "package-1")):
        zone = root / entry
        zone.mkdir(parents=True)
        (zone / "name").write_text(name + "\n")
        (zone / "energy_uj").write_text("123456789\n")
        (zone / "max_energy_range_uj").write_text("262143328850\n")
    return root


def _usage() -> ResourceUsage:
    return ResourceUsage(wall_s=60.0, cpu_user_s=55.0, cpu_sys_s=2.0, peak_rss_mb=900.0, cores_allotted=1,
                         memory_limit_mb=2048, phases={"fit": {"wall_s": 50.0, "cpu_s": 48.0},
                                                       "predict": {"wall_s": 2.0, "cpu_s": 1.9}})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--parallel", type=int, default=2, help="job windows open at the same time")
    parser.add_argument("--fake-rapl", action="store_true", help="read a powercap tree built in a temp directory")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        powercap = _fake_powercap(Path(tmp) / "powercap") if args.fake_rapl else None
        t0, c0 = time.perf_counter(), time.process_time()
        host = describe_host(powercap_root=powercap)
        t1, c1 = time.perf_counter(), time.process_time()
        acc = EnergyAccountant(EnergyConfig(country="DEU", pue=1.2), host)
        t2, c2 = time.perf_counter(), time.process_time()
        print(f"host: {host.cpu_model}, {host.cores} CPUs, RAPL {host.rapl['available']}, "
              f"NVML {host.nvml['available']}")
        print(f"one-time: describe_host {1000 * (t1 - t0):.1f} ms wall / {1000 * (c1 - c0):.1f} ms CPU; "
              f"EnergyAccountant() {1000 * (t2 - t1):.1f} ms wall / {1000 * (c2 - c1):.1f} ms CPU")

        usage = _usage()
        walls: list[float] = []
        cpus: list[float] = []
        open_windows = [acc.job_started() for _ in range(max(0, args.parallel - 1))]
        for i in range(args.jobs):
            w0, p0 = time.perf_counter(), time.process_time()
            window = acc.job_started()
            s1, q1 = time.perf_counter(), time.process_time()
            time.sleep(0.001)  # the job (not timed)
            s2, q2 = time.perf_counter(), time.process_time()
            row = acc.job_finished(window, usage)
            w3, p3 = time.perf_counter(), time.process_time()
            walls.append((s1 - w0) + (w3 - s2))
            cpus.append((q1 - p0) + (p3 - q2))
            if open_windows:  # rotate the other open windows: jobs start and finish side by side
                acc.job_finished(open_windows.pop(0), usage)
                open_windows.append(acc.job_started())
        acc.close()

    def ms(values: list[float], q: float) -> float:
        return 1000 * statistics.quantiles(values, n=100)[int(q) - 1] if q < 100 else 1000 * max(values)

    print(f"per job (job_started + job_finished), {args.jobs} jobs, {args.parallel} side by side:")
    print(f"  wall: median {ms(walls, 50):.3f} ms, p95 {ms(walls, 95):.3f} ms, max {ms(walls, 100):.3f} ms")
    print(f"  CPU:  median {ms(cpus, 50):.3f} ms, p95 {ms(cpus, 95):.3f} ms, max {ms(cpus, 100):.3f} ms")
    print(f"  = {100 * statistics.median(cpus) / usage.wall_s:.5f} % of the CPU of a {usage.wall_s:.0f} s job; "
          f"{100 * statistics.median(cpus) / 1.0:.3f} % of a 1 s job")
    print(f"  columns: {sorted(row)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
