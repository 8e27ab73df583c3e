"""The NVML reader: none on this host, real arithmetic against a stand-in driver."""
from __future__ import annotations

import pytest
from metering_helpers import FakeNvml, start_busy

from amlb.metering import EnergyAccountant, EnergyConfig, describe_host
from amlb.metering.nvml import NvmlReader


def test_host_without_gpu_reports_none_cleanly() -> None:
    reader = NvmlReader()
    if reader.present:
        pytest.skip("this host has an NVIDIA GPU")
    assert not reader.available and reader.reason
    assert reader.read() is None
    host = describe_host()
    assert host.gpus == [] and host.nvml["available"] is False and host.nvml["reason"]


def test_disabled_gpu_metering() -> None:
    reader = NvmlReader(FakeNvml(["A100"], [True]), enabled=False)
    assert not reader.present and "disabled" in reader.reason


def test_sums_gpus_with_counters_and_lists_the_others() -> None:
    lib = FakeNvml(["Tesla V100", "Tesla K80", "A100"], [True, False, True])
    reader = NvmlReader(lib)
    assert reader.present and reader.available
    assert [d.energy_counter for d in reader.devices] == [True, False, True]
    before = reader.read()
    lib.energy_mj[0] += 1500
    lib.energy_mj[2] += 500
    assert reader.read() - before == pytest.approx(2.0)


def test_old_gpus_only_give_method_none() -> None:
    host = describe_host(nvml_lib=FakeNvml(["Tesla K80"], [False]))
    acc = EnergyAccountant(EnergyConfig(), host)
    window = acc.job_started()
    row = acc.job_finished(window, start_busy(0.05).finish())
    assert row["energy_gpu_kwh"] is None
    assert row["energy_method"].endswith("+none") and row["energy_estimated"] is True


def test_gpu_energy_is_attributed_and_shared_between_open_jobs() -> None:
    lib = FakeNvml(["A100"], [True])
    acc = EnergyAccountant(EnergyConfig(), describe_host(nvml_lib=lib))
    outer = acc.job_started()
    a = acc.job_started()
    lib.energy_mj[0] += 3_600_000  # 3.6 kJ = 1 Wh while only job a (and the outer window) run
    b = acc.job_started()
    lib.energy_mj[0] += 7_200_000  # 2 Wh while a and b run
    row_a = acc.job_finished(a, start_busy(0.02).finish())
    row_b = acc.job_finished(b, start_busy(0.02).finish())
    total = acc.machine_energy(outer)
    assert total.gpu_j == pytest.approx(10_800)
    # the outer window counts as an open job: a gets 1/2 of 1 Wh and 1/3 of 2 Wh, b 1/3 of 2 Wh
    assert row_a["energy_gpu_kwh"] == pytest.approx((0.5 + 2 / 3) / 1000)
    assert row_b["energy_gpu_kwh"] == pytest.approx((2 / 3) / 1000)
    assert "nvml" in row_a["energy_method"]
