"""Contexts of the home page, the overview pages and the energy page."""
from __future__ import annotations

from typing import Any

import pandas as pd
from markupsafe import Markup

from amlb.site import figures
from amlb.site.bttree_fig import bttree_figure
from amlb.site.compute import IMPUTATION_TEXT, NORMALISATION_TEXT, PARETO_AXES, Overview
from amlb.site.model import BASELINES, SiteModel, energy_kind, has_energy
from amlb.site.render import clean_json


def _value(x: Any) -> float | None:
    v = clean_json(x)
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _own_rows(ov: Overview) -> pd.DataFrame:
    """The group's rows without the constant predictor's borrowed ones."""
    if "borrowed_from" in ov.rows:
        return ov.rows[ov.rows["borrowed_from"].isna()]
    return ov.rows


def index_context(model: SiteModel) -> dict[str, Any]:
    df = model.results
    benchmarks = []
    for bench in sorted(df["benchmark"].unique(), key=str.lower):
        rows = df[df["benchmark"] == bench]
        cards = []
        for ov in (o for o in model.overviews if o.benchmark == bench):
            top = []
            if ov.board is not None:
                top = [{"framework": r.framework, "mean_rank": r.mean_rank, "mean_norm_score": r.mean_norm_score}
                       for r in ov.board.head(5).itertuples()]
            cards.append({"constraint": ov.constraint, "type": ov.type, "href": model.overview_href(ov),
                          "n_tasks": ov.n_tasks, "n_frameworks": len(ov.frameworks), "top": top,
                          "borrowed": ov.borrowed_from,
                          "empty": "; ".join(ov.notes) or "no leaderboard"})
        alone = {}
        for ov in (o for o in model.baseline_only if o.benchmark == bench):
            alone.setdefault((ov.constraint, ", ".join(ov.frameworks)), []).append(ov.type)
        benchmarks.append({"name": bench, "overviews": cards,
                           "alone": [{"constraint": c, "framework": f, "types": ", ".join(t)} for (c, f), t in alone.items()], "hardware": model.hardware_of(rows),
                           "n_tasks": rows["task"].nunique(), "n_frameworks": rows["framework"].nunique(),
                           "jobs": len(rows)})
    totals = {"benchmarks": len(benchmarks), "frameworks": df["framework"].nunique(), "tasks": df["task"].nunique(),
              "jobs": len(df), "failures": int((df["status"] != "ok").sum())}
    sources = [{"name": model.source_name(s), "benchmark": s.benchmark, "rows": s.rows, "hardware": s.hardware}
               for s in model.sources]
    return {**model.common("home"), "benchmarks": benchmarks, "totals": totals, "sources": sources}


def _board_rows(model: SiteModel, ov: Overview) -> list[dict[str, Any]]:
    rows = []
    own = _own_rows(ov)
    by_fw = dict(tuple(own.groupby("framework", sort=False)))
    for r in ov.board.itertuples():
        fw_rows = by_fw.get(r.framework, own.iloc[:0])
        kind = energy_kind(fw_rows)
        rows.append({
            "framework": r.framework, "href": model.framework_href(r.framework), "baseline": r.framework in BASELINES,
            "mean_norm_score": _value(r.mean_norm_score), "mean_rank": _value(r.mean_rank),
            "score_ci_low": _value(r.norm_score_ci_low), "score_ci_high": _value(r.norm_score_ci_high),
            "rank_ci_low": _value(r.rank_ci_low), "rank_ci_high": _value(r.rank_ci_high), "missing": int(r.missing),
            "bt_worth": _value(r.bt_worth), "bt_ci_low": _value(r.bt_ci_low), "bt_ci_high": _value(r.bt_ci_high),
            "failures": int(r.failures), "imputed_pct": _value(r.imputed_pct),
            "train": _value(r.median_train_s_per_1k_rows), "infer": _value(r.median_infer_s_per_1k_rows),
            "energy_kwh": _value(r.energy_kwh_per_job), "energy_kind": kind,
        })
    return rows


def _task_set(ov: Overview) -> dict[str, Any]:
    """The task set of the leaderboard, its flagged scales and the pairwise win rates, for the page."""
    lb = ov.analysis
    if lb is None:
        return {"task_set": "", "left_out": [], "flagged": [], "win_rates": None}
    flagged = [{"task": r.task, "flag": r.flag, "clipped": r.clipped} for r in lb.flagged.itertuples()]
    order = list(ov.board["framework"])
    wr = lb.win_rates.set_index(["framework", "opponent"])
    matrix = [{"framework": a, "cells": [None if a == b else {
        "rate": float(wr.at[(a, b), "win_rate"]), "low": float(wr.at[(a, b), "ci_low"]),
        "high": float(wr.at[(a, b), "ci_high"])} for b in order]} for a in order]
    return {"task_set": lb.taskset.summary(), "left_out": list(lb.taskset.dropped.items()), "flagged": flagged,
            "win_rates": {"order": order, "rows": matrix, "tasks": len(lb.taskset.tasks)}}


def overview_context(model: SiteModel, ov: Overview) -> dict[str, Any]:
    own = _own_rows(ov)
    figs: dict[str, Any] = {"worth": None, "cd": None, "box": None, "tree": None}
    notes = list(ov.notes)
    if ov.borrowed_from:
        notes.insert(0, f"constantpredictor results are taken from constraint {ov.borrowed_from} "
                        "(AMLB runs the constant predictor once; it does not depend on the time budget)")
    cd = None
    if ov.board is not None:
        figs["worth"] = figures.bt_worth_figure(ov.board, model.colours)
    if ov.scores is not None:
        figs["box"] = figures.score_boxplot(ov.scores, model.colours)
    if ov.cd is not None:
        figs["cd"] = figures.cd_diagram(ov.cd.mean_ranks, ov.cd.cd, ov.cd.groups, model.colours)
        p = float(ov.cd.p_value)
        cd = {"statistic": ov.cd.statistic, "p_value_text": "< 0.001" if p < 0.001 else f"= {p:.3f}",
              "n_tasks": ov.cd.n_tasks, "k": ov.cd.k, "alpha": ov.cd.alpha, "cd": ov.cd.cd}
    tree_text = ""
    if ov.tree is not None:
        figs["tree"] = bttree_figure(ov.tree.to_json(), model.colours)
        tree_text = ov.tree.to_text()
    pareto = []
    energy = has_energy(own)
    for column, title, key in PARETO_AXES:
        fig = None
        if key in ov.pareto:
            fig = figures.pareto_figure(ov.pareto[key], column, "mean_norm_score", title, model.colours)
        empty = "no data for this plot"
        if key == "pareto-energy" and not energy:
            empty = "No energy data: these results were produced without energy accounting."
        pareto.append({"key": key, "title": "Score vs " + title.split(",")[0], "fig": fig, "empty": empty})
    folds = int(own.groupby("task")["fold"].nunique().max()) if len(own) else 0
    return {
        **model.common("home", has_plots=True), "ov": ov, **_task_set(ov), "board": _board_rows(model, ov) if ov.board is not None else [],
        "figs": figs, "cd": cd, "tree_text": tree_text, "pareto": pareto, "notes": notes,
        "hardware": model.hardware_of(own), "folds": folds, "jobs": len(own),
        "failures": int((own["status"] != "ok").sum()), "method": ov.method,
        "method_text": NORMALISATION_TEXT.get(ov.method, ""), "impute_text": IMPUTATION_TEXT.get(ov.impute, ""),
        "tree_depth": model.tree_depth,
        "all_overviews": [{"path": model.overview_href(o), "title": o.title} for o in model.overviews],
    }


def _energy_table(rows: pd.DataFrame) -> pd.DataFrame:
    try:
        from amlb.metering import energy_table
    except ImportError:
        energy_table = None
    if energy_table is not None:
        return energy_table(rows)
    kwh = pd.to_numeric(rows["energy_kwh"], errors="coerce")
    co2 = pd.to_numeric(rows.get("co2e_kg", pd.Series(float("nan"), rows.index)), errors="coerce")
    out = pd.DataFrame({"framework": rows["framework"], "kwh": kwh, "co2": co2}).groupby("framework")
    return pd.DataFrame({"jobs": out.size(), "jobs_metered": out["kwh"].count(), "energy_kwh": out["kwh"].sum(min_count=1),
                         "energy_kwh_per_job": out["kwh"].mean(), "co2e_kg": out["co2"].sum(min_count=1),
                         "co2e_kg_per_job": out["co2"].mean(), "method": ""}).reset_index()


def _statement(rows: pd.DataFrame, hosts: list[dict[str, Any]]) -> Markup | None:
    """The carbon impact statement (Markdown from amlb.metering) as HTML; raw HTML in it is escaped."""
    try:
        from markdown_it import MarkdownIt

        from amlb.metering import impact_statement
    except ImportError:
        return None
    if "energy_estimated" in rows:  # the loader reads the flag as a number; the statement expects true/false
        flag = rows["energy_estimated"].astype(str).str.strip().str.lower().isin(["true", "1", "1.0", "yes"])
        rows = rows.assign(energy_estimated=flag.where(rows["energy_estimated"].notna(), None))
    text = impact_statement(rows, hosts, fmt="markdown")
    return Markup(MarkdownIt("commonmark", {"html": False}).enable("table").render(text))


_KIND_COLOUR = {"measured": "#1b7f4b", "estimated": "#d98a1c", "mixed": "#7b5cc4", "none": "#999999"}


def energy_context(model: SiteModel) -> dict[str, Any]:
    groups, without = [], []
    df = model.results
    for (bench, constraint), rows in df.groupby(["benchmark", "constraint"], sort=True):
        group: dict[str, Any] = {"benchmark": bench, "constraint": constraint, "hardware": model.hardware_of(rows),
                                 "rows": [], "fig": None, "statement": None}
        if not has_energy(rows):
            without.append({"benchmark": bench, "constraint": constraint, "hardware": model.hardware_of(rows)})
            continue
        table = _energy_table(rows).sort_values("energy_kwh_per_job", na_position="last")
        by_fw = dict(tuple(rows.groupby("framework", sort=False)))
        for r in table.itertuples():
            group["rows"].append({
                "framework": r.framework, "href": model.framework_href(r.framework), "jobs": int(r.jobs),
                "jobs_metered": int(r.jobs_metered), "energy_kwh": _value(r.energy_kwh),
                "wh_per_job": _value(r.energy_kwh_per_job * 1000), "co2e_kg": _value(r.co2e_kg),
                "g_per_job": _value(r.co2e_kg_per_job * 1000), "method": str(r.method),
                "kind": energy_kind(by_fw[r.framework])})
        ordered = group["rows"][::-1]
        group["fig"] = figures.bar_figure(
            [r["framework"] for r in ordered], [r["wh_per_job"] for r in ordered], "mean energy per job, Wh",
            [_KIND_COLOUR[r["kind"]] for r in ordered], [f"{r['kind']}: {r['method']}" for r in ordered])
        group["statement"] = _statement(rows, model.hosts_of(rows))
        groups.append(group)
    return {**model.common("energy", has_plots=any(g["fig"] for g in groups)), "groups": groups, "without": without}
