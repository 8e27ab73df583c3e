"""Green-AI accounting: energy and CO2e per job, a host record per run, impact statements.

Energy comes from measured counters where the host has them (RAPL for CPU and DRAM, NVML for
NVIDIA GPUs) and otherwise from a declared power model (codecarbon's TDP database and RAM
model, or powers set in the configuration). Every row says which (``energy_method``,
``energy_estimated``). Jobs running side by side share the machine's energy by CPU-seconds
(dynamic) and allotted cores x wall time (static); the shares never add up to more than the
machine's energy. CO2e uses an explicit location (codecarbon's offline data) or a user figure,
and PUE; with no location configured CO2e is left empty and the rows say so.

Usage::

    host = describe_host()
    accountant = EnergyAccountant(EnergyConfig(country="DEU"), host)
    window = accountant.job_started()
    ...  # run the job, measure its ResourceUsage
    record.energy = accountant.job_finished(window, usage)
"""
from __future__ import annotations

from amlb.metering.accountant import Attribution, EnergyAccountant, JobWindow
from amlb.metering.api import ENERGY_COLUMNS, EnergyConfig, ResourceUsage
from amlb.metering.carbon import UNSET_SOURCE, CarbonIntensity, resolve_intensity
from amlb.metering.host import HostInfo, describe_host

__all__ = [
    "ENERGY_COLUMNS", "UNSET_SOURCE", "Attribution", "CarbonIntensity", "EnergyAccountant", "EnergyConfig",
    "HostInfo", "JobWindow", "ResourceUsage", "describe_host", "energy_table", "impact_statement",
    "load_results", "resolve_intensity",
]

_STATEMENT = ("energy_table", "impact_statement", "load_results")


def __getattr__(name: str):
    if name in _STATEMENT:  # pandas-based reporting: not loaded with the runner
        from amlb.metering import statement

        return getattr(statement, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
