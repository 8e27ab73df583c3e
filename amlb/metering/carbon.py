"""Carbon intensity of electricity from codecarbon's bundled offline data, or the user's own figure.

There is never a silent default location. Without ``energy.country`` (and without
``energy.carbon_intensity_g_per_kwh``) the intensity is *unset*: rows get ``co2e_kg`` empty,
``carbon_intensity_g_per_kwh`` empty and ``carbon_intensity_source`` =
:data:`UNSET_SOURCE`; energy (kWh) is still reported, and CO2e can be computed later from it.
A country or region codecarbon has no data for is an error, not a fallback.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from amlb.errors import UserError

if TYPE_CHECKING:
    import pandas as pd

UNSET_SOURCE = "unset: no energy.country configured"
_REGIONAL = {"USA": "usa", "CAN": "can"}
_NORDIC = {"SWE", "NOR", "FIN"}


@dataclass(frozen=True)
class CarbonIntensity:
    """Grams CO2e per kWh, and where the figure comes from."""

    g_per_kwh: float | None
    source: str
    country: str | None = None
    region: str | None = None

    @property
    def is_set(self) -> bool:
        return self.g_per_kwh is not None


def _codecarbon_version() -> str:
    try:
        from codecarbon._version import __version__

        return str(__version__)
    except ImportError:
        return "?"


def world_average_g_per_kwh() -> float | None:
    """codecarbon's world average (for indicative figures only, always labelled as such)."""
    try:
        from codecarbon.input import DataSource

        return float(DataSource().get_carbon_intensity_per_source_data()["world_average"])
    except Exception:  # noqa: BLE001
        return None


@lru_cache(maxsize=32)
def resolve_intensity(country: str | None, region: str | None = None,
                      override_g_per_kwh: float | None = None) -> CarbonIntensity:
    """The carbon intensity for the configured location (cached per process).

    Raises
    ------
    UserError
        For a country or region codecarbon has no data for.
    """
    if override_g_per_kwh is not None:
        if override_g_per_kwh < 0:
            raise UserError(f"energy.carbon_intensity_g_per_kwh is negative ({override_g_per_kwh})",
                            "set the grid's intensity in g CO2e per kWh")
        return CarbonIntensity(float(override_g_per_kwh), "user: energy.carbon_intensity_g_per_kwh",
                               country.upper() if country else None, region)
    if not country:
        if region:
            raise UserError(f"energy.region is set ({region!r}) but energy.country is not",
                            "set energy.country to the ISO 3166 alpha-3 code, e.g. USA")
        return CarbonIntensity(None, UNSET_SOURCE)

    from codecarbon.core.emissions import Emissions
    from codecarbon.core.units import Energy
    from codecarbon.external.geography import GeoMetadata
    from codecarbon.input import DataSource

    data = DataSource()
    mix = data.get_global_energy_mix_data()
    iso = _country_code(country, mix)
    emissions = Emissions(data)
    one_kwh = Energy(kWh=1.0)
    version = _codecarbon_version()
    if not region:
        entry = mix[iso]
        g = emissions.get_country_emissions(one_kwh, GeoMetadata(country_iso_code=iso)) * 1000
        return CarbonIntensity(g, f"codecarbon {version} energy mix: {entry.get('country_name', iso)} "
                                  f"{entry.get('year', '')}".rstrip(), iso, None)
    key, label = _region_entry(data, iso, region)
    g = emissions.get_region_emissions(one_kwh, GeoMetadata(country_iso_code=iso, region=key)) * 1000
    return CarbonIntensity(g, f"codecarbon {version} {label}", iso, region)


def _country_code(country: str, mix: dict) -> str:
    text = country.strip()
    if text.upper() in mix:
        return text.upper()
    by_name = {str(v.get("country_name", "")).lower(): k for k, v in mix.items()}
    if text.lower() in by_name:
        return by_name[text.lower()]
    raise UserError(f"codecarbon has no carbon-intensity data for country {country!r}",
                    "set energy.country to an ISO 3166 alpha-3 code such as DEU, FRA or USA, "
                    "or set energy.carbon_intensity_g_per_kwh")


def _region_entry(data: object, iso: str, region: str) -> tuple[str, str]:
    """codecarbon's key for ``region`` and a description of the data, or a UserError."""
    wanted = " ".join(region.lower().split())
    known: list[str] = []
    if iso in _REGIONAL:
        table = data.get_country_emissions_data(_REGIONAL[iso]) if iso == "USA" \
            else data.get_country_energy_mix_data(_REGIONAL[iso])
        known = [k for k in table if not k.startswith("_")]
        if wanted in known:
            if iso == "USA":
                src = table.get("_source", {})
                return wanted, f"{src.get('name', 'US regional data')} ({wanted})"
            return wanted, f"Canadian provincial energy mix 2023 ({wanted}; fossil sources only)"
    elif iso in _NORDIC:
        from codecarbon.core.emissions import _NORDIC_REGIONS_BY_COUNTRY

        table = data.get_nordic_country_energy_mix_data()["data"]
        known = [k for k in table if k in _NORDIC_REGIONS_BY_COUNTRY.get(iso, ())]
        if wanted.upper() in known:
            entry = table[wanted.upper()]
            return wanted.upper(), f"Nordic bidding zone {wanted.upper()} {entry.get('year', '')}".rstrip()
    elif iso == "CHN":
        table = data.get_china_provincial_emissions_data()["data"]
        for code, entry in table.items():
            known.append(entry["names"][0])
            if wanted in entry["names"] or wanted.upper() == code:
                return entry["names"][0], f"China provincial factor {entry.get('year', '')} ({entry['description']})"
    else:
        raise UserError(f"codecarbon has no regional carbon data for {iso} (region {region!r})",
                        "remove energy.region to use the national figure; regions exist for USA, CAN, CHN, SWE, "
                        "NOR, FIN")
    sample = ", ".join(sorted(known)[:6])
    raise UserError(f"codecarbon has no carbon data for region {region!r} of {iso}",
                    f"use one of its regions (e.g. {sample}) or remove energy.region")


def with_carbon(results: "pd.DataFrame", intensity: CarbonIntensity, pue: float) -> "pd.DataFrame":
    """``results`` with CO2e recomputed from each row's energy at ``intensity`` and ``pue``.

    For results metered without a location (CO2e unset) or at another location: the energy
    figures stay as measured; only the carbon columns change, and say where the figure comes from.
    """
    if pue < 1.0:
        raise UserError(f"PUE must be at least 1.0, got {pue}", "give the data centre's PUE, e.g. 1.2")
    if not intensity.is_set:
        raise UserError("no carbon intensity given", "give --country ISO3 (e.g. DEU) or --carbon-intensity G_PER_KWH")
    out = results.copy()
    out["carbon_intensity_g_per_kwh"] = intensity.g_per_kwh
    out["carbon_intensity_source"] = intensity.source + " (applied afterwards by amlb energy)"
    out["pue"] = pue
    out["co2e_kg"] = out["energy_kwh"].astype("float64") * pue * intensity.g_per_kwh / 1000.0
    return out
