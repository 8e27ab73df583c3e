"""Fixtures of the metering tests."""
from __future__ import annotations

from pathlib import Path

import pytest
from metering_helpers import write_zone


@pytest.fixture
def powercap(tmp_path: Path) -> Path:
    """A tree laid out like a 2-socket Intel host's /sys/class/powercap."""
    root = tmp_path / "powercap"
    (root / "intel-rapl").mkdir(parents=True)  # the control type: no counter
    write_zone(root, "intel-rapl:0", "package-0", 1_000_000)
    write_zone(root, "intel-rapl:0:0", "core", 500_000)
    write_zone(root, "intel-rapl:0:1", "uncore", 100_000)
    write_zone(root, "intel-rapl:0:2", "dram", 2_000_000, max_range_uj=65532610987)
    write_zone(root, "intel-rapl:1", "package-1", 3_000_000)
    write_zone(root, "intel-rapl:2", "psys", 9_000_000)
    write_zone(root, "intel-rapl-mmio:0", "package-0", 1_000_000)  # MMIO mirror of package-0
    return root
