"""The host record against what the kernel reports."""
from __future__ import annotations

import json
import os
import platform

from amlb.metering import EnergyAccountant, EnergyConfig, describe_host


def test_host_record_matches_the_machine() -> None:
    host = describe_host()
    assert host.cores == os.cpu_count()
    with open("/proc/meminfo") as f:
        mem_kb = int(next(line for line in f if line.startswith("MemTotal:")).split()[1])
    assert abs(host.ram_gb - mem_kb / 2**20) < 0.01
    with open("/proc/cpuinfo") as f:
        models = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
    if models:
        assert host.cpu_model == models[0]
    assert host.arch == platform.machine() and host.os.startswith(platform.system())
    assert host.virtualisation
    assert host.power_model["cpu_power_w"] > 0 and host.power_model["cpu_power_source"]
    record = host.to_dict()
    json.dumps(record)  # storable as the run's metadata
    assert "rapl_reader" not in record and "nvml_reader" not in record
    assert {"cpu_model", "cores", "ram_gb", "gpus", "virtualisation", "os", "power_model", "rapl", "nvml"} <= set(record)


def test_accountant_records_the_model_it_uses_in_the_host() -> None:
    host = describe_host()
    EnergyAccountant(EnergyConfig(country="FRA", pue=1.3, cpu_power_w=42.0), host)
    record = host.to_dict()
    assert record["power_model"]["cpu_power_w"] == 42.0 and record["power_model"]["cpu_method"] == "user"
    assert record["carbon"]["country"] == "FRA" and record["carbon"]["pue"] == 1.3
