"""The declared power model: CPU and RAM power where no counter measures them.

CPU: codecarbon's TDP database (``data/hardware/cpu_power.csv``, matched with codecarbon's own
matcher) times the number of sockets; for a CPU it does not know, codecarbon's default of
4 W per hardware thread; or ``energy.cpu_power_w``. Of that power, a fixed share
(:data:`STATIC_FRACTION`, codecarbon's 10 % floor) is drawn whatever the load and the rest
grows linearly with the machine's busy CPU-seconds. codecarbon's machine mode uses a cubic
load curve instead; a linear curve is what makes per-job shares add up exactly.

RAM: codecarbon's DIMM model (about 5 W per estimated x86 DIMM) for the machine's total RAM,
or ``energy.ram_power_w_per_gb``.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from amlb.metering.api import METHOD_RAM_MODEL, METHOD_TDP, METHOD_USER, EnergyConfig

#: share of the CPU power drawn at idle (codecarbon: "minimum power consumption is 10% of TDP")
STATIC_FRACTION = 0.1
#: codecarbon's watts per hardware thread for a CPU missing from its TDP database
DEFAULT_W_PER_THREAD = 4.0


@dataclass(frozen=True)
class PowerModel:
    """Machine-wide powers used where counters are missing, and where they came from."""

    cpu_power_w: float  # CPU power of the whole machine at full load
    cpu_power_source: str
    cpu_method: str  # model:tdp | user
    ram_power_w: float  # RAM power of the whole machine
    ram_w_per_gb: float
    ram_power_source: str
    ram_method: str  # model:ram | user
    static_fraction: float = STATIC_FRACTION

    @property
    def cpu_static_w(self) -> float:
        return self.cpu_power_w * self.static_fraction

    def cpu_dynamic_j_per_cpu_s(self, logical_cpus: int) -> float:
        """Dynamic CPU energy per busy CPU-second (joules)."""
        return self.cpu_power_w * (1.0 - self.static_fraction) / max(1, logical_cpus)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@lru_cache(maxsize=16)
def cpu_tdp(cpu_model: str) -> tuple[float | None, str | None]:
    """TDP (W) of one package of ``cpu_model`` from codecarbon's database, and the matched name."""
    if not cpu_model:
        return None, None
    try:
        from codecarbon.core.cpu import TDP
        from codecarbon.input import DataSource

        table = DataSource().get_cpu_power_data()
        matcher = object.__new__(TDP)  # TDP() would probe the CPU itself; we only want its matcher
        match = matcher._get_matching_cpu(cpu_model, table)
    except Exception:  # noqa: BLE001 - a codecarbon API change must not stop a benchmark
        return None, None
    if not match:
        return None, None
    try:  # a few rows of the table are malformed (e.g. "27.29.5")
        return float(table.loc[table["Name"] == match, "TDP"].iloc[0]), str(match)
    except (TypeError, ValueError):
        return None, None


@lru_cache(maxsize=16)
def ram_power_w(total_gb: float, arm: bool = False) -> tuple[float, str]:
    """RAM power (W) of a machine with ``total_gb`` from codecarbon's DIMM model, and its description."""
    try:
        from codecarbon.external.ram import RAM

        ram = RAM(tracking_mode="machine")
        ram.is_arm_cpu = arm
        dimms = ram._estimate_dimm_count(total_gb)
        watts = float(ram._calculate_ram_power(total_gb))
        return watts, f"codecarbon RAM model: {dimms} estimated DIMMs for {total_gb:.1f} GB"
    except Exception:  # noqa: BLE001
        dimms = max(2, math.ceil(total_gb / 8))
        return 5.0 * dimms, f"5 W x {dimms} estimated DIMMs (codecarbon's RAM model could not be loaded)"


def build_power_model(cfg: EnergyConfig, cpu_model: str, logical_cpus: int, sockets: int,
                      ram_gb: float, arm: bool = False) -> PowerModel:
    """The power model for a host, with the user's overrides from ``cfg``."""
    if cfg.cpu_power_w is not None:
        cpu_w, cpu_source, cpu_method = float(cfg.cpu_power_w), "user: energy.cpu_power_w", METHOD_USER
    else:
        tdp, match = cpu_tdp(cpu_model)
        if tdp is not None:
            cpu_w = tdp * max(1, sockets)
            cpu_source = (f"codecarbon TDP database: '{match}' {tdp:g} W"
                          + (f" x {sockets} sockets" if sockets > 1 else ""))
        else:
            cpu_w = DEFAULT_W_PER_THREAD * max(1, logical_cpus)
            cpu_source = (f"codecarbon default {DEFAULT_W_PER_THREAD:g} W x {logical_cpus} threads "
                          f"(CPU '{cpu_model or 'unknown'}' not in its TDP database)")
        cpu_method = METHOD_TDP
    if cfg.ram_power_w_per_gb is not None:
        per_gb = float(cfg.ram_power_w_per_gb)
        ram_w, ram_source, ram_method = per_gb * ram_gb, "user: energy.ram_power_w_per_gb", METHOD_USER
    else:
        ram_w, ram_source = ram_power_w(round(ram_gb, 1), arm)
        per_gb = ram_w / ram_gb if ram_gb > 0 else 0.0
        ram_method = METHOD_RAM_MODEL
    return PowerModel(cpu_power_w=cpu_w, cpu_power_source=cpu_source, cpu_method=cpu_method,
                      ram_power_w=ram_w, ram_w_per_gb=per_gb, ram_power_source=ram_source, ram_method=ram_method)
