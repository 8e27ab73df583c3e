"""Carbon intensity and the power model against codecarbon's bundled data files."""
from __future__ import annotations

import csv
import json
from importlib.resources import files

import pytest

from amlb.errors import UserError
from amlb.metering import EnergyConfig, resolve_intensity
from amlb.metering.carbon import UNSET_SOURCE, world_average_g_per_kwh
from amlb.metering.power_model import DEFAULT_W_PER_THREAD, build_power_model, cpu_tdp

DATA = files("codecarbon") / "data"


def _json(path: str) -> dict:
    return json.loads((DATA / path).read_text())


def test_country_intensity_is_codecarbons_figure() -> None:
    mix = _json("private_infra/global_energy_mix.json")
    for iso in ("DEU", "FRA", "IND"):
        got = resolve_intensity(iso)
        assert got.g_per_kwh == pytest.approx(mix[iso]["carbon_intensity"])
        assert mix[iso]["country_name"] in got.source and str(mix[iso]["year"]) in got.source
    assert resolve_intensity("Germany").g_per_kwh == resolve_intensity("deu").g_per_kwh


def test_regional_intensity() -> None:
    usa = _json("private_infra/2023/usa_emissions.json")
    lbs_per_mwh_to_g_per_kwh = 453.59237 / 1000
    got = resolve_intensity("USA", "California")
    assert got.g_per_kwh == pytest.approx(usa["california"]["emissions"] * lbs_per_mwh_to_g_per_kwh, rel=1e-4)
    nordic = _json("private_infra/nordic_emissions.json")["data"]
    assert resolve_intensity("SWE", "se3").g_per_kwh == pytest.approx(nordic["SE3"]["emission_factor"])
    assert resolve_intensity("CAN", "quebec").g_per_kwh < resolve_intensity("CAN", "alberta").g_per_kwh


def test_no_silent_location() -> None:
    unset = resolve_intensity(None)
    assert unset.g_per_kwh is None and unset.source == UNSET_SOURCE
    with pytest.raises(UserError, match="country 'ATLANTIS'"):
        resolve_intensity("ATLANTIS")
    with pytest.raises(UserError, match="region 'gotham'"):
        resolve_intensity("USA", "gotham")
    with pytest.raises(UserError, match="no regional carbon data for DEU"):
        resolve_intensity("DEU", "bavaria")
    with pytest.raises(UserError, match="energy.country is not"):
        resolve_intensity(None, "california")
    assert resolve_intensity(None, None, 250.0).source.startswith("user")
    assert world_average_g_per_kwh() == _json("private_infra/carbon_intensity_per_source.json")["world_average"]


def test_cpu_tdp_from_codecarbons_database() -> None:
    with (DATA / "hardware" / "cpu_power.csv").open() as f:
        table = {row["Name"]: row["TDP"] for row in csv.DictReader(f)}
    tdp, match = cpu_tdp("Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz")
    assert match == "Intel Xeon Platinum 8375C" and tdp == float(table[match])
    assert cpu_tdp("Totally Unknown CPU 9000") == (None, None)
    assert table["Intel Celeron 1000A"] == "27.29.5"  # a malformed row: treated as an unknown CPU
    assert cpu_tdp("Intel Celeron 1000A") == (None, None)


def test_power_model_sources() -> None:
    known = build_power_model(EnergyConfig(), "AMD EPYC 7R13 Processor", 96, 2, 256.0)
    assert known.cpu_method == "model:tdp" and "x 2 sockets" in known.cpu_power_source
    assert known.cpu_power_w == 2 * cpu_tdp("AMD EPYC 7R13 Processor")[0]
    unknown = build_power_model(EnergyConfig(), "AMD EPYC", 2, 1, 23.5)
    assert unknown.cpu_power_w == 2 * DEFAULT_W_PER_THREAD and "not in its TDP database" in unknown.cpu_power_source
    assert unknown.ram_power_w == 20.0 and unknown.ram_method == "model:ram"  # codecarbon: 4 DIMMs x 5 W
    assert build_power_model(EnergyConfig(), "x", 2, 1, 8.0).ram_power_w == 10.0  # 2 DIMMs
    user = build_power_model(EnergyConfig(cpu_power_w=65, ram_power_w_per_gb=0.5), "AMD EPYC", 2, 1, 16.0)
    assert (user.cpu_power_w, user.cpu_method, user.ram_power_w, user.ram_method) == (65.0, "user", 8.0, "user")
    assert user.cpu_static_w == pytest.approx(6.5)
    assert user.cpu_dynamic_j_per_cpu_s(2) == pytest.approx(65 * 0.9 / 2)


def test_energy_config_from_the_config_section() -> None:
    section = {"country": "DEU", "region": None, "carbon_intensity_g_per_kwh": None, "pue": 1, "cpu_power_w": None,
               "ram_power_w_per_gb": None}
    cfg = EnergyConfig.from_mapping(section)
    assert cfg.country == "DEU" and cfg.pue == 1.0 and isinstance(cfg.pue, float) and cfg.gpu is True
