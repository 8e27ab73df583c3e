"""The claims ledger: shares follow CPU-seconds and core-seconds and never exceed the machine."""
from __future__ import annotations

import pytest

from amlb.metering.ledger import Ledger, Segment, distribute


def _segment(dt: float, busy: float, rho: float = 2.0, static_w: float = 1.0, ram_w: float = 4.0,
             gpu_j: float | None = None, open_jobs: int = 1) -> Segment:
    """A segment of a linear machine model: rho joules per busy CPU-second."""
    return Segment(dt, busy, static_w * dt, rho * busy, ram_w * dt, gpu_j, open_jobs)


def _ledger(segments: list[Segment], cpus: int = 2, ram_gb: float = 8.0) -> Ledger:
    ledger = Ledger(cpus, ram_gb)
    ledger.add_boundary(None)
    for s in segments:
        ledger.add_boundary(s)
    return ledger


def test_distribute_respects_capacities() -> None:
    assert distribute(3.0, [1.0, 2.0, 3.0]) == pytest.approx([0.5, 1.0, 1.5])
    assert distribute(10.0, [1.0, 2.0]) == [1.0, 2.0]
    assert distribute(1.0, [0.0, 0.0]) == [0.0, 0.0]


def test_staggered_windows_get_their_cpu_seconds() -> None:
    # job A runs [0, 10] on one core; job B runs [5, 10] on the other core
    ledger = _ledger([_segment(5, 5), _segment(5, 10)])
    a = ledger.claim(0, 2, wall_s=10, cpu_s=10, cores=1, memory_gb=2)
    b = ledger.claim(1, 2, wall_s=5, cpu_s=5, cores=1, memory_gb=2)
    assert a.cpu_dynamic_j == pytest.approx(2.0 * 10)
    assert b.cpu_dynamic_j == pytest.approx(2.0 * 5)
    assert a.cpu_static_j == pytest.approx(1.0 * 10 / 2)  # half the machine's static power for 10 s
    assert b.cpu_static_j == pytest.approx(1.0 * 5 / 2)
    assert a.ram_j == pytest.approx(4.0 * 10 * 2 / 8)


def test_order_of_finishing_does_not_matter_when_shares_fit() -> None:
    first = _ledger([_segment(5, 5), _segment(5, 10)])
    b1 = first.claim(1, 2, 5, 5, 1, 2)
    a1 = first.claim(0, 2, 10, 10, 1, 2)
    assert (a1.cpu_dynamic_j, b1.cpu_dynamic_j) == pytest.approx((20.0, 10.0))


def test_oversubscribed_jobs_never_exceed_the_machine() -> None:
    # three jobs each claiming the whole 2-CPU machine and more CPU than it was busy
    segments = [_segment(4, 6, gpu_j=40.0, open_jobs=2), _segment(6, 12, gpu_j=60.0, open_jobs=3)]
    ledger = _ledger(segments, cpus=2, ram_gb=8)
    machine = ledger.total(0, 2)
    shares = [ledger.claim(0, 2, 10, 20, cores=2, memory_gb=8),
              ledger.claim(0, 2, 10, 15, cores=4, memory_gb=64),
              ledger.claim(1, 2, 6, 10, cores=2, memory_gb=8)]
    assert sum(s.cpu_static_j for s in shares) <= machine.cpu_static_j + 1e-9
    assert sum(s.cpu_dynamic_j for s in shares) <= machine.cpu_dynamic_j + 1e-9
    assert sum(s.ram_j for s in shares) <= machine.ram_j + 1e-9
    assert sum(s.gpu_j or 0 for s in shares) <= machine.gpu_j + 1e-9
    assert shares[0].cpu_dynamic_j == pytest.approx(machine.cpu_dynamic_j)  # the first took all busy time
    assert shares[1].cpu_dynamic_j == 0 and shares[2].cpu_dynamic_j == 0


def test_measured_segments_with_different_energy_per_cpu_second() -> None:
    # RAPL-like: the second segment costs 5 J per CPU-second, the first 1 J
    segments = [_segment(5, 5, rho=1.0), _segment(5, 10, rho=5.0)]
    ledger = _ledger(segments)
    a = ledger.claim(0, 2, 10, 10, 1, 1)
    b = ledger.claim(1, 2, 5, 5, 1, 1)
    assert a.cpu_dynamic_j == pytest.approx(5 * 1.0 + 5 * 5.0)
    assert b.cpu_dynamic_j == pytest.approx(5 * 5.0)
    assert a.cpu_dynamic_j + b.cpu_dynamic_j <= ledger.total(0, 2).cpu_dynamic_j + 1e-9


def test_pruned_boundaries_cannot_be_claimed() -> None:
    ledger = _ledger([_segment(1, 1), _segment(1, 1)])
    ledger.prune(1)
    with pytest.raises(ValueError, match="pruned"):
        ledger.claim(0, 2, 2, 1, 1, 1)
    assert ledger.claim(1, 2, 1, 1, 1, 1).cpu_dynamic_j == pytest.approx(2.0)
