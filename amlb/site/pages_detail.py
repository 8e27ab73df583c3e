"""Contexts of the task, framework, failures and methodology pages."""
from __future__ import annotations

import math
import platform
import re
from collections.abc import Iterator
from typing import Any

import pandas as pd

from amlb.analysis.budget import DEFAULT_SLACK
from amlb.site import figures
from amlb.site.model import BASELINES, SiteModel
from amlb.site.render import clean_json, first_lines, unique_sorted

OPENML_TASK = re.compile(r"^(?:https?://)?(?:www\.)?openml\.org/t/(\d+)$")
#: meta-feature names that give a dataset's rows and features, ours first
ROW_KEYS = ("n_rows", "NumberOfInstances")
FEATURE_KEYS = ("n_features", "NumberOfFeatures")
#: the columns task pages read (a narrow frame keeps row iteration fast)
TASK_COLUMNS = ("task", "benchmark", "constraint", "framework", "fold", "type", "metric", "id", "source", "status",
                "info", "result", "training_duration")


def _value(x: Any) -> float | None:
    v = clean_json(x)
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def norm_scores_by_task(model: SiteModel) -> dict[tuple[str, str, str, str], float]:
    """(benchmark, constraint, task, framework) -> mean normalised score over folds."""
    out: dict[tuple[str, str, str, str], float] = {}
    for ov in model.overviews:
        if ov.scores is None:
            continue
        means = ov.scores.groupby(["task", "framework"])["score"].mean()
        for (task, fw), v in means.items():
            out[(ov.benchmark, ov.constraint, task, fw)] = v
    return out


def meta_rows(model: SiteModel) -> dict[str, dict[str, Any]]:
    """Task -> its known meta-features (missing ones left out)."""
    from amlb.analysis import join_meta

    tasks = sorted(model.results["task"].unique())
    if model.meta.shape[1] < 2:
        return {t: {} for t in tasks}
    joined = join_meta(tasks, model.meta).set_index("task")
    return {t: {k: v for k, v in row.items() if _present(v)} for t, row in joined.iterrows()}


def _present(v: Any) -> bool:
    return v is not None and not (isinstance(v, float) and math.isnan(v)) and str(v) != ""


def _first_key(meta: dict[str, Any], keys: tuple[str, ...]) -> Any:
    return next((meta[k] for k in keys if k in meta), None)


def _fmt_meta(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return f"{int(v):,}"
    return str(v)


def tasks_index_context(model: SiteModel, meta_rows: dict[str, dict[str, Any]]) -> dict[str, Any]:
    norm = norm_scores_by_task(model)
    best: dict[str, tuple[float, str]] = {}
    for (_, _, task, fw), v in norm.items():
        if not math.isnan(v) and (task not in best or v > best[task][0]):
            best[task] = (v, fw)
    rows = []
    for task, part in model.results.groupby("task", sort=False):
        meta = meta_rows.get(task, {})
        b = best.get(task)
        rows.append({"name": task, "href": model.task_href(task), "type": ", ".join(unique_sorted(part["type"])),
                     "benchmarks": ", ".join(unique_sorted(part["benchmark"])),
                     "n_rows": _value(_first_key(meta, ROW_KEYS)), "n_features": _value(_first_key(meta, FEATURE_KEYS)),
                     "frameworks": part["framework"].nunique(), "jobs": len(part),
                     "failures": int((part["status"] != "ok").sum()),
                     "best": f"{b[1]} ({b[0]:.3f})" if b else ""})
    rows.sort(key=lambda r: str(r["name"]).lower())
    return {**model.common("tasks"), "tasks": rows}


def task_pages(model: SiteModel, meta_rows: dict[str, dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(page path, context) of every task page."""
    norm = norm_scores_by_task(model)
    overview_of = {(o.benchmark, o.constraint, o.type): model.overview_href(o) for o in model.overviews if o.board is not None}
    narrow = model.results[[c for c in TASK_COLUMNS if c in model.results.columns]].assign(kind=model.kinds)
    for task, part in narrow.groupby("task", sort=False):
        ids = []
        for raw in unique_sorted(part["id"]) if "id" in part else []:
            m = OPENML_TASK.match(raw)
            ids.append({"text": raw, "url": f"https://www.openml.org/t/{m.group(1)}" if m else None})
        metric = ", ".join(unique_sorted(part["metric"])) or "result"
        constraints = []
        for (bench, constraint), rows in part.groupby(["benchmark", "constraint"], sort=True):
            folds = sorted(rows["fold"].unique())
            table = []
            for fw, fw_rows in rows.groupby("framework", sort=False):
                by_fold = {int(r.fold): r for r in fw_rows.itertuples()}
                cells = []
                for f in folds:
                    r = by_fold.get(int(f))
                    if r is None:
                        cells.append({"failed": True, "status": "—", "info": "no job"})
                    elif r.status != "ok":
                        cells.append({"failed": True, "status": r.status, "info": first_lines(r.info, 300)})
                    else:
                        cells.append({"failed": False, "value": _value(r.result)})
                ok = fw_rows[fw_rows["status"] == "ok"]
                table.append({"framework": fw, "href": model.framework_href(fw), "cells": cells,
                              "mean": _value(ok["result"].mean()) if len(ok) else None,
                              "norm": _value(norm.get((bench, constraint, task, fw))),
                              "train": _value(ok["training_duration"].mean()) if len(ok) else None})
            table.sort(key=lambda r: -(r["mean"] if r["mean"] is not None else -math.inf))
            failed = rows[rows["status"] != "ok"]
            constraints.append({
                "benchmark": bench, "constraint": constraint, "folds": [int(f) for f in folds], "rows": table,
                "hardware": model.hardware_of(rows),
                "overview": overview_of.get((bench, constraint, str(rows["type"].iloc[0]))),
                "failures": _grouped_failures(failed)})
        meta = [(k, _fmt_meta(v)) for k, v in meta_rows.get(task, {}).items()]
        ctx = {**model.common("tasks", has_plots=True),
               "task": {"name": task, "type": ", ".join(unique_sorted(part["type"])), "ids": ids, "metric": metric},
               "fig": figures.task_scores_figure(part.assign(constraint=part["benchmark"] + " · " + part["constraint"]),
                                                 model.colours, metric), "meta": meta, "constraints": constraints}
        yield model.task_href(task), ctx


def _grouped_failures(failed: pd.DataFrame) -> list[dict[str, Any]]:
    """Failed jobs of one task and constraint, identical messages of a framework grouped."""
    out = []
    for (fw, kind, info), g in failed.groupby(["framework", "kind", "info"], sort=True):
        out.append({"framework": fw, "kind": kind, "info": first_lines(info, 2000),
                    "folds": ", ".join(str(int(f)) for f in sorted(g["fold"]))})
    return out


def frameworks_index_context(model: SiteModel) -> dict[str, Any]:
    rows = []
    for fw, part in model.results.groupby("framework", sort=False):
        failures = int((part["status"] != "ok").sum())
        rows.append({"name": fw, "href": model.framework_href(fw), "baseline": fw in BASELINES,
                     "versions": ", ".join(unique_sorted(part.get("version", []))),
                     "benchmarks": ", ".join(unique_sorted(part["benchmark"])), "tasks": part["task"].nunique(),
                     "jobs": len(part), "failures": failures, "failed_pct": 100.0 * failures / len(part)})
    rows.sort(key=lambda r: (r["baseline"], str(r["name"]).lower()))
    return {**model.common("frameworks"), "frameworks": rows}


def framework_pages(model: SiteModel) -> Iterator[tuple[str, dict[str, Any]]]:
    """(page path, context) of every framework page."""
    norm = norm_scores_by_task(model)
    budget = {r["framework"]: r for r in model.budget.to_dict("records")}
    for fw, part in model.results.groupby("framework", sort=False):
        standings, box_rows = [], []
        for ov in model.overviews:
            if ov.board is None or fw not in set(ov.board["framework"]):
                continue
            board = ov.board.reset_index(drop=True)
            i = int(board.index[board["framework"] == fw][0])
            r = board.iloc[i]
            standings.append({"title": ov.title, "href": model.overview_href(ov), "position": i + 1, "of": len(board),
                              "mean_norm_score": _value(r["mean_norm_score"]), "mean_rank": _value(r["mean_rank"]),
                              "bt_worth": _value(r["bt_worth"]), "failures": int(r["failures"]),
                              "imputed_pct": _value(r["imputed_pct"])})
            if ov.scores is not None:
                s = ov.scores[ov.scores["framework"] == fw].assign(framework=f"{ov.constraint} · {ov.type}")
                box_rows.append(s)
        fig = figures.score_boxplot(pd.concat(box_rows), {}) if box_rows else None
        tasks = []
        for (task, bench, constraint, typ), rows in part.groupby(["task", "benchmark", "constraint", "type"], sort=True):
            ok = rows[rows["status"] == "ok"]
            tasks.append({"task": task, "href": model.task_href(task), "group": f"{bench} · {constraint}", "type": typ,
                          "ok": len(ok), "total": len(rows), "mean": _value(ok["result"].mean()) if len(ok) else None,
                          "metric": ", ".join(unique_sorted(rows["metric"])),
                          "norm": _value(norm.get((bench, constraint, task, fw))),
                          "train": _value(ok["training_duration"].mean()) if len(ok) else None})
        kinds = model.kinds.reindex(part.index)
        failure_kinds = kinds[part["status"] != "ok"].value_counts()
        used_sources = [s for s in model.sources if s.path in set(part["source"])]
        info = {"name": fw, "baseline": fw in BASELINES,
                "versions": ", ".join(unique_sorted(part.get("version", []))),
                "params": unique_sorted(part.get("params", [])),
                "modes": ", ".join(unique_sorted(part.get("mode", []))),
                "environments": unique_sorted(part.get("environment", [])),
                "app_versions": ", ".join(unique_sorted(part.get("app_version", []))),
                "hardware": sorted({s.hardware for s in used_sources})}
        ctx = {**model.common("frameworks", has_plots=fig is not None), "fw": info, "standings": standings,
               "fig": fig, "tasks": tasks, "failure_kinds": list(failure_kinds.items()),
               "budget": budget.get(fw), "budget_slack": DEFAULT_SLACK}
        yield model.framework_href(fw), ctx


def failures_context(model: SiteModel) -> dict[str, Any]:
    df = model.results
    failed = df[df["status"] != "ok"].assign(kind=model.kinds)
    counts = pd.crosstab(failed["framework"], failed["kind"]) if len(failed) else pd.DataFrame()
    kinds = list(counts.sum().sort_values(ascending=False).index) if len(counts) else []
    jobs = df.groupby("framework").size()
    by_framework = []
    for fw in sorted(counts.index, key=lambda f: -int(counts.loc[f].sum())) if len(counts) else []:
        total = int(counts.loc[fw].sum())
        by_framework.append({"framework": fw, "href": model.framework_href(fw),
                             "counts": [int(counts.loc[fw, k]) for k in kinds], "total": total,
                             "pct": 100.0 * total / int(jobs[fw])})
    messages = []
    if len(failed):
        for (fw, kind, info), g in failed.groupby(["framework", "kind", "info"], sort=False):
            task_names = unique_sorted(g["task"])
            message = str(info)
            messages.append({"framework": fw, "href": model.framework_href(fw), "kind": kind, "count": len(g),
                             "constraints": ", ".join(unique_sorted(g["constraint"])),
                             "tasks": [{"name": t, "href": model.task_href(t)} for t in task_names[:5]],
                             "more_tasks": max(0, len(task_names) - 5), "message": message,
                             "long": len(message) > 160, "short": first_lines(message, 150)})
        messages.sort(key=lambda m: (-m["count"], str(m["framework"]).lower()))
    fig = figures.stacked_bar(counts[kinds], "failed jobs") if len(counts) else None
    budget = [{**r, "href": model.framework_href(r["framework"])} for r in model.budget.to_dict("records")]
    return {**model.common("failures", has_plots=fig is not None), "fig": fig, "kinds": kinds,
            "by_framework": by_framework, "messages": messages, "total_failures": len(failed), "total_jobs": len(df),
            "budget": budget, "budget_slack": DEFAULT_SLACK}


def methodology_context(model: SiteModel) -> dict[str, Any]:
    import jinja2
    import numpy
    from plotly.offline import get_plotlyjs_version

    sources = []
    for s in model.sources:
        details: list[tuple[str, str]] = []
        if s.run:
            for key in ("constraint", "mode", "frameworks", "parallel", "app_version"):
                if key in s.run:
                    value = s.run[key]
                    details.append((f"run {key}", ", ".join(map(str, value)) if isinstance(value, list) else str(value)))
        if s.host:
            for key in ("arch", "physical_cores", "sockets", "python", "codecarbon"):
                if s.host.get(key) not in (None, ""):
                    details.append((key.replace("_", " "), str(s.host[key])))
            power = s.host.get("power_model") or {}
            if power:
                details.append(("power model", ", ".join(f"{k}: {v}" for k, v in power.items())))
            carbon = s.host.get("carbon") or {}
            if carbon:
                details.append(("carbon intensity", ", ".join(f"{k}: {v}" for k, v in carbon.items())))
        if s.modes:
            details.append(("mode(s)", ", ".join(s.modes)))
        sources.append({"name": model.source_name(s), "benchmark": s.benchmark, "rows": s.rows,
                        "hardware": s.hardware, "details": details, "sha256": s.sha256})
    software = [("amlb", model.version), ("Python", platform.python_version()), ("pandas", pd.__version__),
                ("numpy", numpy.__version__), ("plotly.js (bundled)", get_plotlyjs_version()),
                ("Jinja2", jinja2.__version__)]
    return {**model.common("methodology"), "sources": sources, "software": software, "tree_depth": model.tree_depth}
