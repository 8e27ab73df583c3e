"""``amlb energy RESULTS...``: per-framework energy and CO2e of results, or their impact statement."""
from __future__ import annotations

import argparse

HELP = "per-framework energy and CO2 table of results (--statement md|latex: carbon impact statement)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results", nargs="+", metavar="RESULTS",
                        help="results.csv files, or run directories holding results.csv (searched recursively)")
    parser.add_argument("--statement", choices=("md", "markdown", "latex"), default=None,
                        help="print the carbon impact statement (Markdown or LaTeX) instead of the table")


def execute(args: argparse.Namespace) -> int:
    from amlb.metering.statement import (
        energy_table,
        format_table,
        impact_statement,
        load_results,
    )

    results, hosts = load_results(args.results)
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
