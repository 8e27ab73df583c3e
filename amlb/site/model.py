"""The site model: everything loaded and analysed once, then read by every page builder."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from amlb.site.compute import Overview
from amlb.site.data import Source
from amlb.site.render import SlugRegistry

BASELINES = frozenset({"constantpredictor", "RandomForest", "TunedRandomForest"})
NAV: tuple[tuple[str, str, str], ...] = (
    ("index.html", "Overview", "home"), ("energy.html", "Energy", "energy"), ("failures.html", "Failures", "failures"),
    ("tasks/index.html", "Tasks", "tasks"), ("frameworks/index.html", "Frameworks", "frameworks"),
    ("methodology.html", "Methodology & hardware", "methodology"), ("downloads.html", "Downloads", "downloads"),
)


@dataclass
class SiteModel:
    """Results (one row per job, as loaded), meta-features, sources and analysed overviews."""

    results: pd.DataFrame
    kinds: pd.Series  # failure kind per results row ("" for successful jobs)
    budget: pd.DataFrame  # budget compliance per framework (amlb.analysis.budget), read by several pages
    meta: pd.DataFrame
    sources: list[Source]
    overviews: list[Overview]
    colours: dict[str, str]
    title: str
    generated: str
    version: str
    tree_depth: int = 3
    baseline_only: list[Overview] = field(default_factory=list)  # groups with one framework: no page
    task_slugs: SlugRegistry = field(default_factory=SlugRegistry)
    framework_slugs: SlugRegistry = field(default_factory=SlugRegistry)

    def task_href(self, task: Any) -> str:
        return f"tasks/{self.task_slugs(task)}.html"

    def framework_href(self, framework: Any) -> str:
        return f"frameworks/{self.framework_slugs(framework)}.html"

    @staticmethod
    def overview_href(ov: Overview) -> str:
        return f"overview/{ov.slug}.html"

    def common(self, active: str, has_plots: bool = False) -> dict[str, Any]:
        """Context every page template needs."""
        return {"site_title": self.title, "version": self.version, "generated": self.generated, "nav": NAV,
                "active": active, "has_plots": has_plots, "n_sources": len(self.sources)}

    def source_name(self, source: Source) -> str:
        """A short display name of a results file: its last two path parts."""
        parts = Path(source.path).parts
        return "/".join(parts[-2:]) if len(parts) >= 2 else source.path

    def hardware_of(self, rows: pd.DataFrame) -> list[str]:
        """Distinct hardware lines of the sources the rows come from (files named when they differ)."""
        used = set(rows["source"].unique())
        by_hardware: dict[str, list[str]] = {}
        for s in self.sources:
            if s.path in used:
                by_hardware.setdefault(s.hardware, []).append(self.source_name(s))
        if len(by_hardware) == 1:
            return list(by_hardware)
        return [f"{', '.join(names)}: {hw}" for hw, names in by_hardware.items()]

    def hosts_of(self, rows: pd.DataFrame) -> list[dict[str, Any]]:
        used = set(rows["source"].unique())
        hosts: list[dict[str, Any]] = []
        for s in self.sources:
            if s.path in used and s.host and s.host not in hosts:
                hosts.append(s.host)
        return hosts


def energy_kind(rows: pd.DataFrame) -> str:
    """``measured``, ``estimated``, ``mixed`` or ``none`` for the metered rows among ``rows``."""
    if "energy_kwh" not in rows:
        return "none"
    metered = rows[pd.to_numeric(rows["energy_kwh"], errors="coerce").notna()]
    if metered.empty:
        return "none"
    if "energy_estimated" in metered:
        flags = metered["energy_estimated"].astype(str).str.strip().str.lower().isin(["true", "1", "1.0", "yes"])
    elif "energy_method" in metered:
        flags = ~metered["energy_method"].astype(str).str.lower().str.match(r"^(rapl|nvml)")
    else:
        return "estimated"
    if flags.all():
        return "estimated"
    return "measured" if not flags.any() else "mixed"


def has_energy(rows: pd.DataFrame) -> bool:
    return "energy_kwh" in rows and pd.to_numeric(rows["energy_kwh"], errors="coerce").notna().any()
