"""The RAPL reader against a directory laid out like /sys/class/powercap."""
from __future__ import annotations

from pathlib import Path

import pytest
from metering_helpers import set_energy, write_zone

from amlb.metering.rapl import RaplReader, counter_delta, discover_zones


def test_zones_package_and_dram_without_double_counting(powercap: Path) -> None:
    zones, reason = discover_zones(powercap)
    assert reason == ""
    assert sorted((z.path.name, z.kind) for z in zones) == [
        ("intel-rapl:0", "package"), ("intel-rapl:0:2", "dram"), ("intel-rapl:1", "package")]


def test_reads_deltas_summed_per_kind(powercap: Path) -> None:
    reader = RaplReader(powercap)
    assert reader.available and reader.has_dram
    assert reader.read() == {"package": 0.0, "dram": 0.0}
    set_energy(powercap / "intel-rapl:0", 1_000_000 + 5_000_000)  # +5 J
    set_energy(powercap / "intel-rapl:1", 3_000_000 + 2_500_000)  # +2.5 J
    set_energy(powercap / "intel-rapl:0:2", 2_000_000 + 1_000_000)  # +1 J
    set_energy(powercap / "intel-rapl:2", 99_000_000)  # psys: ignored
    set_energy(powercap / "intel-rapl:0:0", 99_000_000)  # core: inside the package, ignored
    assert reader.read() == pytest.approx({"package": 7.5, "dram": 1.0})


def test_wrap_around_at_max_energy_range(tmp_path: Path) -> None:
    max_range = 262_143_328_850
    zone = write_zone(tmp_path, "intel-rapl:0", "package-0", max_range - 3_000_000, max_range_uj=max_range)
    reader = RaplReader(tmp_path)
    set_energy(zone, 2_000_000)  # wrapped: 3 J to the top, 2 J after zero
    assert reader.read()["package"] == pytest.approx(5.0)
    # two wraps are caught when read in between (what the background refresh is for)
    set_energy(zone, max_range - 1_000_000)
    assert reader.read()["package"] == pytest.approx(5.0 + (max_range - 3_000_000) / 1e6)
    set_energy(zone, 4_000_000)
    assert reader.read()["package"] == pytest.approx(5.0 + (max_range - 3_000_000) / 1e6 + 5.0)


def test_counter_delta_edge_cases() -> None:
    assert counter_delta(10, 25, 100) == 15
    assert counter_delta(90, 5, 100) == 15  # wrap
    assert counter_delta(90, 5, 0) == 0  # unknown range: a wrap cannot be told from a reset
    assert counter_delta(500, 5, 100) == 0  # above the range: a reset, not a wrap


def test_absent_or_unusable_powercap_is_reported(tmp_path: Path) -> None:
    reader = RaplReader(tmp_path / "nothing")
    assert not reader.available and "absent" in reader.reason
    assert reader.read() == {}
    write_zone(tmp_path / "pc", "intel-rapl:0", "psys", 5)  # only a platform zone: no package
    zones, reason = discover_zones(tmp_path / "pc")
    assert zones == [] and "no RAPL package zone" in reason


def test_refresh_interval_keeps_below_one_wrap(powercap: Path) -> None:
    reader = RaplReader(powercap)
    interval = reader.refresh_interval_s()
    smallest_range_j = 65532610987 / 1e6  # the DRAM zone
    assert 1.0 <= interval <= 60.0
    assert interval * 1000.0 < smallest_range_j  # even at 1 kW the counter cannot wrap between reads
    reader.start_refresh()
    reader.close()


def test_this_host_has_no_rapl_or_reports_why() -> None:
    reader = RaplReader()
    assert reader.available or reader.reason
