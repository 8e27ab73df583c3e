"""The accountant with real busy processes side by side, on this host's model and on a RAPL tree."""
from __future__ import annotations

import gc
from pathlib import Path

import pytest
from metering_helpers import set_energy, start_busy

from amlb.metering import ENERGY_COLUMNS, UNSET_SOURCE, EnergyAccountant, EnergyConfig, describe_host
from amlb.metering.accountant import J_PER_KWH, read_busy_seconds


@pytest.fixture(scope="module")
def host():
    return describe_host()


def _sum(rows: list[dict], key: str) -> float:
    return sum(r[key] or 0.0 for r in rows)


def test_two_jobs_side_by_side_add_up_and_split_by_cpu_share(host) -> None:
    acc = EnergyAccountant(EnergyConfig(country="DEU"), host)
    outer = acc.job_started()
    wa, wb = acc.job_started(), acc.job_started()
    a, b = start_busy(0.8, cpu=0), start_busy(0.4, cpu=1 % host.cores)
    ua, ub = a.finish(), b.finish()
    att_a, att_b = acc.attribute(wa, ua), acc.attribute(wb, ub)
    machine = acc.machine_energy(outer)
    machine_j = machine.cpu_static_j + machine.cpu_dynamic_j + machine.ram_j + (machine.gpu_j or 0.0)

    assert att_a.total_j + att_b.total_j <= machine_j + 1e-9
    assert att_a.share.cpu_j + att_b.share.cpu_j <= machine.cpu_static_j + machine.cpu_dynamic_j + 1e-9
    # dynamic energy follows the measured CPU-seconds (busy loops: about 2:1)
    assert ua.cpu_s / ub.cpu_s == pytest.approx(2.0, rel=0.25)
    assert att_a.share.cpu_dynamic_j / att_b.share.cpu_dynamic_j == pytest.approx(ua.cpu_s / ub.cpu_s, rel=0.05)
    # ... at the model's energy per CPU-second, wherever the machine's busy time covers it
    rho = acc.power.cpu_dynamic_j_per_cpu_s(host.cores)
    assert att_a.share.cpu_dynamic_j == pytest.approx(rho * ua.cpu_s, rel=0.05)
    # static power by allotted cores x wall time
    static_w = acc.power.cpu_static_w / host.cores
    assert att_a.share.cpu_static_j == pytest.approx(static_w * ua.wall_s, rel=0.05)
    assert att_b.share.cpu_static_j == pytest.approx(static_w * ub.wall_s, rel=0.05)


def test_more_jobs_than_cores_never_exceed_the_machine(host) -> None:
    acc = EnergyAccountant(EnergyConfig(), host)
    outer = acc.job_started()
    windows = [acc.job_started() for _ in range(3)]
    procs = [start_busy(0.3) for _ in range(3)]
    usages = [p.finish(cores=host.cores, memory_mb=int(host.ram_gb * 1024)) for p in procs]
    shares = [acc.attribute(w, u).share for w, u in zip(windows, usages)]
    machine = acc.machine_energy(outer)
    assert sum(s.cpu_static_j for s in shares) <= machine.cpu_static_j + 1e-9
    assert sum(s.cpu_dynamic_j for s in shares) <= machine.cpu_dynamic_j + 1e-9
    assert sum(s.ram_j for s in shares) <= machine.ram_j + 1e-9
    assert machine.busy_s <= host.cores * machine.dt + 1e-6


def test_columns_and_phases(host) -> None:
    acc = EnergyAccountant(EnergyConfig(country="usa", region="california", pue=1.5), host)
    window = acc.job_started()
    busy = start_busy(0.2)
    usage = busy.finish(phases={"fit": {"wall_s": 0.1, "cpu_s": 0.1}, "predict": {"wall_s": 0.05, "cpu_s": 0.05}})
    row = acc.job_finished(window, usage)
    assert set(ENERGY_COLUMNS) <= set(row)
    assert row["energy_kwh"] == pytest.approx(row["energy_cpu_kwh"] + row["energy_ram_kwh"] + row["energy_gpu_kwh"])
    assert row["co2e_kg"] == pytest.approx(row["energy_kwh"] * 1.5 * row["carbon_intensity_g_per_kwh"] / 1000)
    assert row["country"] == "USA" and row["region"] == "california" and row["pue"] == 1.5
    if not host.rapl["available"] and not host.gpus:
        assert row["energy_method"] == "model:tdp+model:ram" and row["energy_estimated"] is True
        assert row["energy_gpu_kwh"] == 0.0
    assert 0 < row["energy_fit_kwh"] < row["energy_kwh"]
    assert 0 < row["energy_predict_kwh"] < row["energy_fit_kwh"]
    assert row["energy_fit_kwh"] + row["energy_predict_kwh"] <= row["energy_kwh"]


def test_no_country_leaves_co2_empty_and_says_so(host) -> None:
    acc = EnergyAccountant(EnergyConfig(), host)
    row = acc.job_finished(acc.job_started(), start_busy(0.05).finish())
    assert row["co2e_kg"] is None and row["carbon_intensity_g_per_kwh"] is None
    assert row["carbon_intensity_source"] == UNSET_SOURCE and row["energy_kwh"] > 0
    user = EnergyAccountant(EnergyConfig(carbon_intensity_g_per_kwh=100.0), host)
    row = user.job_finished(user.job_started(), start_busy(0.05).finish())
    assert row["carbon_intensity_source"].startswith("user") and row["co2e_kg"] == pytest.approx(
        row["energy_kwh"] * 0.1)


def test_user_powers_replace_the_model(host) -> None:
    acc = EnergyAccountant(EnergyConfig(cpu_power_w=100.0, ram_power_w_per_gb=1.0), host)
    window = acc.job_started()
    usage = start_busy(0.2).finish(cores=1, memory_mb=2048)
    att = acc.attribute(window, usage)
    assert att.share.cpu_dynamic_j == pytest.approx(90.0 / host.cores * usage.cpu_s, rel=0.05)
    assert att.share.ram_j == pytest.approx(2.0 * usage.wall_s, rel=0.05)
    if not host.rapl["available"]:
        assert acc.columns(att)["energy_method"] == "user"
    assert host.power_model["cpu_power_source"].startswith("user")


def test_finishing_twice_is_an_error_and_lost_windows_do_not_pin_memory(host) -> None:
    acc = EnergyAccountant(EnergyConfig(), host)
    window = acc.job_started()
    acc.job_finished(window, start_busy(0.01).finish())
    with pytest.raises(ValueError, match="already finished"):
        acc.job_finished(window, start_busy(0.01).finish())
    lost = acc.job_started()
    del lost
    gc.collect()
    for _ in range(50):
        acc.job_finished(acc.job_started(), start_busy(0.0).finish())
    assert len(acc._ledger._segments) <= 2


def test_rapl_counters_are_used_when_present(powercap: Path) -> None:
    host = describe_host(powercap_root=powercap)
    assert host.rapl["available"] and len(host.rapl["zones"]) == 3
    acc = EnergyAccountant(EnergyConfig(country="FRA"), host)
    outer = acc.job_started()
    window = acc.job_started()
    busy = start_busy(0.3, cpu=0)
    set_energy(powercap / "intel-rapl:0", 1_000_000 + 40_000_000)  # +40 J on package 0
    set_energy(powercap / "intel-rapl:1", 3_000_000 + 20_000_000)  # +20 J on package 1
    set_energy(powercap / "intel-rapl:0:2", 2_000_000 + 6_000_000)  # +6 J DRAM
    usage = busy.finish(cores=1, memory_mb=1024)
    att = acc.attribute(window, usage)
    row = acc.columns(att)
    machine = acc.machine_energy(outer)
    assert machine.cpu_static_j + machine.cpu_dynamic_j == pytest.approx(60.0)
    assert machine.ram_j == pytest.approx(6.0)
    assert row["energy_method"] == "rapl" and row["energy_estimated"] is False
    # static: the model's idle power, capped by what was measured; the rest is dynamic by CPU share
    static = min(acc.power.cpu_static_w * machine.dt, 60.0)
    assert row["energy_cpu_kwh"] * J_PER_KWH <= 60.0
    assert att.share.cpu_dynamic_j == pytest.approx((60.0 - static) * att.share.cpu_s_matched / machine.busy_s,
                                                    rel=0.02)
    assert att.share.ram_j == pytest.approx(6.0 * min(1.0, 1.0 / host.ram_gb) * usage.wall_s / att.share.window_s,
                                            rel=0.02)
    acc.close()


def test_proc_stat_busy_time_grows_with_work() -> None:
    before = read_busy_seconds()
    start_busy(0.2).finish()
    assert read_busy_seconds() - before >= 0.15
