"""``amlb energy RESULTS...``: per-framework energy and CO2e of results, or their impact statement."""
from __future__ import annotations

import argparse

HELP = "per-framework energy and CO2 table of results (--statement md|latex: carbon impact statement)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results", nargs="+", metavar="RESULTS",
                        help="results.csv files, or run directories holding results.csv (searched recursively)")
    parser.add_argument("--statement", choices=("md", "markdown", "latex"), default=None,
                        help="print the carbon impact statement (Markdown or LaTeX) instead of the table")
    where = parser.add_argument_group("CO2e for results metered without a location (or at another one)")
    where.add_argument("--country", help="ISO 3166 alpha-3 code of the grid, e.g. DEU (codecarbon's offline data)")
    where.add_argument("--region", help="a region of --country where data exists (e.g. a US state)")
    where.add_argument("--carbon-intensity", type=float, metavar="G_PER_KWH", help="your grid's g CO2e per kWh")
    where.add_argument("--pue", type=float, help="data centre power usage effectiveness (default: as recorded, else 1.0)")


def execute(args: argparse.Namespace) -> int:
    from amlb.metering.statement import (
        energy_table,
        format_table,
        impact_statement,
        load_results,
    )

    results, hosts = load_results(args.results)
    if args.country or args.carbon_intensity is not None or args.region:
        from amlb.metering.carbon import resolve_intensity, with_carbon  # noqa: PLC0415

        recorded = results["pue"].dropna() if "pue" in results else []
        pue = args.pue if args.pue is not None else (float(recorded.iloc[0]) if len(recorded) else 1.0)
        results = with_carbon(results, resolve_intensity(args.country, args.region, args.carbon_intensity), pue)
    elif args.pue is not None:
        from amlb.errors import UserError  # noqa: PLC0415

        raise UserError("--pue needs a carbon intensity", "add --country ISO3 or --carbon-intensity G_PER_KWH")
    if args.statement:
        print(impact_statement(results, hosts, "latex" if args.statement == "latex" else "markdown"), end="")
        return 0
    print(format_table(energy_table(results)))
    for note in _notes(results):
        print(note)
    return 0


def _notes(results) -> list[str]:
    notes: list[str] = []
    metered = results[results["energy_kwh"].notna()]
    if "carbon_intensity_source" in metered:
        for (value, source), g in metered.groupby(
                [metered["carbon_intensity_g_per_kwh"].astype(str), metered["carbon_intensity_source"].astype(str)]):
            shown = "unset" if value in ("nan", "None", "") else f"{float(value):.4g} g CO2e/kWh"
            notes.append(f"carbon intensity: {shown} ({source}) for {len(g)} jobs")
    if "pue" in metered and metered["pue"].notna().any():
        notes.append("PUE: " + ", ".join(f"{p:g}" for p in sorted(metered["pue"].dropna().unique())))
    if "energy_estimated" in metered and len(metered):
        estimated = metered["energy_estimated"].astype(str).str.lower().isin(["true", "1"]).sum()
        notes.append(f"estimated (power model, not measured): {estimated} of {len(metered)} jobs; "
                     "energy excludes PUE, CO2e includes it")
    return notes
