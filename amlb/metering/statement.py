"""Per-framework energy tables and carbon impact statements (Markdown and LaTeX) of results."""
from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from amlb.errors import UserError

#: EPA: a typical passenger vehicle emits about 400 g CO2 per mile (= 248.5 g per km)
CAR_G_CO2_PER_KM = 400 / 1.609344
CAR_SOURCE = "US EPA, typical passenger vehicle: about 400 g CO2 per mile"


# --- loading ------------------------------------------------------------------------------
def _results_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if path.is_dir():
        if (path / "results.csv").is_file():
            return [path / "results.csv"]
        found = sorted(path.rglob("results.csv"))
        if found:
            return found
        raise UserError(f"no results.csv in {path}", "give a results.csv file or a run's output directory")
    raise UserError(f"{path} does not exist", "give a results.csv file or a run's output directory")


def _host_of(results_csv: Path) -> dict[str, Any] | None:
    db = results_csv.parent / "results.db"
    if not db.is_file():
        return None
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            row = con.execute("SELECT value FROM meta WHERE key = 'host'").fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return None
    return json.loads(row[0]) if row else None


def load_results(paths: Iterable[str | Path]) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Read results.csv files (or run directories holding them); return the rows and distinct hosts."""
    frames: list[pd.DataFrame] = []
    hosts: list[dict[str, Any]] = []
    for raw in paths:
        for csv in _results_files(Path(raw)):
            try:
                frame = pd.read_csv(csv)
            except (OSError, ValueError, pd.errors.ParserError) as e:
                raise UserError(f"cannot read {csv}: {e}", "check that it is a results.csv written by amlb") from None
            frame["results_file"] = str(csv)
            frames.append(frame)
            host = _host_of(csv)
            if host and host not in hosts:
                hosts.append(host)
    if not frames:
        raise UserError("no results given", "name results.csv files or run directories")
    return pd.concat(frames, ignore_index=True), hosts


# --- tables -------------------------------------------------------------------------------
def _check(results: pd.DataFrame) -> None:
    if "energy_kwh" not in results.columns:
        raise UserError("these results have no energy columns (energy_kwh)",
                        "they were produced without energy accounting; rerun them with this amlb")


def energy_table(results: pd.DataFrame) -> pd.DataFrame:
    """Per framework: jobs, kWh and CO2e in total and per job, and the energy methods."""
    _check(results)
    df = results.copy()
    df["energy_kwh"] = pd.to_numeric(df["energy_kwh"], errors="coerce")
    df["co2e_kg"] = pd.to_numeric(df.get("co2e_kg"), errors="coerce") if "co2e_kg" in df else float("nan")
    method = df["energy_method"].fillna("none").astype(str) if "energy_method" in df else pd.Series("?", df.index)
    df["_method"] = method
    rows = []
    for framework, g in df.groupby("framework", sort=True):
        measured = g["energy_kwh"].notna()
        with_co2 = g["co2e_kg"].notna()
        rows.append({
            "framework": framework,
            "jobs": len(g),
            "jobs_metered": int(measured.sum()),
            "energy_kwh": g["energy_kwh"].sum(min_count=1),
            "energy_kwh_per_job": g.loc[measured, "energy_kwh"].mean() if measured.any() else float("nan"),
            "co2e_kg": g["co2e_kg"].sum(min_count=1),
            "co2e_kg_per_job": g.loc[with_co2, "co2e_kg"].mean() if with_co2.any() else float("nan"),
            "jobs_with_co2e": int(with_co2.sum()),
            "method": ", ".join(sorted(g.loc[measured, "_method"].unique())) or "none",
        })
    return pd.DataFrame(rows)


def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _num(x: Any, digits: int = 3) -> str:
    """A number with ``digits`` significant digits, without exponent notation; '-' for missing."""
    if _missing(x):
        return "-"
    x = float(x)
    if x == 0:
        return "0"
    text = f"{x:.{digits}g}"
    if "e" in text:
        text = f"{x:.{max(0, digits - 1 - int(f'{x:e}'.split('e')[1]))}f}"
    return text


def _energy(kwh: Any) -> str:
    """Energy in kWh, or in Wh below 1 kWh."""
    if _missing(kwh):
        return "-"
    return f"{_num(kwh)} kWh" if abs(kwh) >= 1 else f"{_num(kwh * 1000)} Wh"


def _mass(kg: Any) -> str:
    """CO2e in kg, or in g below 1 kg."""
    if _missing(kg):
        return "-"
    return f"{_num(kg)} kg CO2e" if abs(kg) >= 1 else f"{_num(kg * 1000)} g CO2e"


def _cells(table: pd.DataFrame) -> tuple[list[str], list[list[str]], list[str]]:
    """Header, one row per framework and the total row; totals in kWh/kg, or Wh/g for small sets."""
    total_kwh, total_kg = table["energy_kwh"].sum(min_count=1), table["co2e_kg"].sum(min_count=1)
    e_unit, e_scale = ("kWh", 1.0) if total_kwh >= 1 else ("Wh", 1000.0)
    c_unit, c_scale = ("kg CO2e", 1.0) if total_kg >= 1 else ("g CO2e", 1000.0)
    header = ["Framework", "Jobs", e_unit, "Wh/job", c_unit, "g CO2e/job", "Method"]
    rows = [[str(r.framework), f"{r.jobs_metered}/{r.jobs}" if r.jobs_metered != r.jobs else str(r.jobs),
             _num(r.energy_kwh * e_scale), _num(r.energy_kwh_per_job * 1000), _num(r.co2e_kg * c_scale),
             _num(r.co2e_kg_per_job * 1000), str(r.method)] for r in table.itertuples()]
    total = ["Whole benchmark", str(int(table["jobs"].sum())), _num(total_kwh * e_scale), "",
             _num(total_kg * c_scale), "", ""]
    return header, rows, total


def format_table(table: pd.DataFrame) -> str:
    """The energy table as aligned plain text, with a total line."""
    header, rows, total = _cells(table)
    header = [h.lower() if i in (0, 1, 6) else h for i, h in enumerate(header)]
    total[0] = "TOTAL"
    every = [header] + rows + [total]
    widths = [max(len(row[i]) for row in every) for i in range(len(header))]

    def fmt(row: list[str]) -> str:
        return "  ".join(c.ljust(w) if i in (0, 6) else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))).rstrip()

    rule = fmt(["-" * w for w in widths])
    return "\n".join([fmt(header), rule, *(fmt(r) for r in rows), rule, fmt(total)])


# --- statement ----------------------------------------------------------------------------
def _distinct(results: pd.DataFrame, column: str) -> list[Any]:
    if column not in results.columns:
        return []
    return [v for v in results[column].dropna().unique().tolist() if v != ""]


def _hardware(host: dict[str, Any]) -> str:
    gpus = ", ".join(g.get("name", "?") for g in host.get("gpus") or []) or "no GPU"
    return (f"{host.get('cpu_model', '?')} ({host.get('cores', '?')} logical CPUs, "
            f"{host.get('sockets', 1)} socket(s)), {host.get('ram_gb', '?')} GB RAM, {gpus}; "
            f"virtualisation: {host.get('virtualisation', '?')}; {host.get('os', '?')}")


def _power(host: dict[str, Any]) -> str:
    pm = host.get("power_model") or {}
    if not pm:
        return "not recorded"
    return (f"CPU {pm.get('cpu_energy', pm.get('cpu_method'))} ({_num(pm.get('cpu_power_w'))} W: "
            f"{pm.get('cpu_power_source')}), RAM {pm.get('ram_energy', pm.get('ram_method'))} "
            f"({_num(pm.get('ram_power_w'))} W: {pm.get('ram_power_source')}), GPU {pm.get('gpu_energy', '?')}")


def _facts(results: pd.DataFrame, hosts: list[dict[str, Any]]) -> dict[str, Any]:
    _check(results)
    energy = pd.to_numeric(results["energy_kwh"], errors="coerce")
    co2 = pd.to_numeric(results["co2e_kg"], errors="coerce") if "co2e_kg" in results else energy * float("nan")
    pue = pd.to_numeric(results["pue"], errors="coerce") if "pue" in results else pd.Series(1.0, results.index)
    estimated = results["energy_estimated"].astype(str).str.lower().isin(["true", "1", "1.0"]) \
        if "energy_estimated" in results else pd.Series(True, results.index)
    methods = results.loc[energy.notna()].get("energy_method", pd.Series(dtype=str)).fillna("none")
    intensities: list[tuple[Any, Any]] = []
    columns = ["carbon_intensity_g_per_kwh", "carbon_intensity_source"]
    if set(columns) <= set(results.columns):
        pairs = results.loc[energy.notna(), columns].drop_duplicates()
        intensities = list(pairs.itertuples(index=False, name=None))
    return {
        "jobs": len(results), "metered": int(energy.notna().sum()),
        "frameworks": sorted(results["framework"].dropna().astype(str).unique()) if "framework" in results else [],
        "kwh": float(energy.sum()), "facility_kwh": float((energy * pue.fillna(1.0)).sum()),
        "co2_kg": float(co2.sum()) if co2.notna().any() else None, "with_co2": int(co2.notna().sum()),
        "no_co2_kwh": float(energy[co2.isna()].sum()),
        "estimated": int(estimated[energy.notna()].sum()),
        "methods": methods.value_counts().to_dict(),
        "intensities": intensities, "pues": sorted(set(pue.dropna().tolist())),
        "hosts": hosts, "table": energy_table(results),
    }


def impact_statement(results: pd.DataFrame, host: dict[str, Any] | list[dict[str, Any]] | None = None,
                     fmt: str = "markdown") -> str:
    """A carbon impact statement of a run or a results set, in Markdown or LaTeX."""
    hosts = host if isinstance(host, list) else ([host] if host else [])
    f = _facts(results, hosts)
    if fmt in ("markdown", "md"):
        return _markdown(f)
    if fmt in ("latex", "tex"):
        return _latex(f)
    raise UserError(f"unknown statement format {fmt!r}", "use md or latex")


def _sentences(f: dict[str, Any], bold: tuple[str, str]) -> list[str]:
    b0, b1 = bold
    fw = ", ".join(f["frameworks"]) or "?"
    out = [f"This benchmark ran {f['jobs']} jobs of {len(f['frameworks'])} framework(s) ({fw}); "
           f"{f['metered']} were metered. They used {b0}{_energy(f['kwh'])}{b1} of electricity at the machine"
           + (f" ({_energy(f['facility_kwh'])} at the facility with a PUE of "
              f"{', '.join(_num(p) for p in f['pues'])})" if f["pues"] and f["pues"] != [1.0] else "")
           + "."]
    if f["co2_kg"] is not None:
        km = f["co2_kg"] * 1000 / CAR_G_CO2_PER_KM
        out.append(f"This corresponds to an estimated {b0}{_mass(f['co2_kg'])}{b1} "
                   f"({f['with_co2']} of {f['metered']} jobs), as much as driving a passenger car for about "
                   f"{_num(km) + ' km' if km >= 1 else _num(km * 1000) + ' m'} ({CAR_SOURCE}).")
    for value, source in f["intensities"]:
        if not _missing(value):
            out.append(f"Carbon intensity: {_num(value, 5)} g CO2e/kWh ({source}).")
        else:
            out.append(f"Carbon intensity: not set ({source}); CO2e of {_energy(f['no_co2_kwh'])} is not computed.")
    methods = "; ".join(f"{m}: {n} jobs" for m, n in f["methods"].items()) or "none"
    kind = ("all figures are estimates from a power model, not measurements" if f["estimated"] == f["metered"]
            else f"{f['estimated']} of {f['metered']} jobs include estimated components")
    out.append(f"Energy method: {methods} ({kind}).")
    return out


def _markdown(f: dict[str, Any]) -> str:
    lines = ["## Carbon impact statement", "", " ".join(_sentences(f, ("**", "**"))), ""]
    header, rows, total = _cells(f["table"])
    lines += ["| " + " | ".join(header) + " |", "|---|" + "---:|" * 5 + "---|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    lines.append("| **" + total[0] + "** | " + " | ".join(total[1:]) + " |")
    lines.append("")
    if not f["hosts"]:
        lines.append("Hardware: not recorded.")
    for h in f["hosts"]:
        lines += [f"- Hardware: {_hardware(h)}", f"- Power model: {_power(h)}"]
    return "\n".join(lines) + "\n"


_TEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
        "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def _tex(text: Any) -> str:
    return "".join(_TEX.get(c, c) for c in str(text)).replace("CO2e", r"CO\textsubscript{2}e")


def _latex(f: dict[str, Any]) -> str:
    body = " ".join(_tex(s) for s in _sentences(f, ("\x00", "\x01")))
    body = body.replace("\x00", r"\textbf{").replace("\x01", "}")
    lines = [r"\paragraph{Carbon impact statement.}", body, "", r"\begin{table}[t]", r"\centering",
             r"\begin{tabular}{lrrrrrl}", r"\toprule"]
    header, rows, total = _cells(f["table"])
    lines.append(" & ".join(_tex(h) for h in header) + r" \\")
    lines.append(r"\midrule")
    lines += [" & ".join(_tex(c) for c in r) + r" \\" for r in rows]
    lines += [r"\midrule", " & ".join(_tex(c) for c in total) + r" \\", r"\bottomrule", r"\end{tabular}"]
    caption = "; ".join(f"{_hardware(h)}. Power model: {_power(h)}" for h in f["hosts"]) or "Hardware not recorded"
    lines += [r"\caption{Energy and emissions per framework. " + _tex(caption) + "}", r"\end{table}"]
    return "\n".join(lines) + "\n"
