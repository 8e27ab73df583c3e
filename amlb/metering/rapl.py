"""Intel/AMD RAPL energy counters read from the Linux powercap interface.

``/sys/class/powercap`` lists every RAPL zone flat: ``intel-rapl:0`` (``package-0``),
``intel-rapl:0:0`` (``core``), ``intel-rapl:0:2`` (``dram``), ``intel-rapl:1`` (``psys``), and
sometimes ``intel-rapl-mmio:0`` mirroring a package through MMIO. AMD CPUs use the same
layout. We sum the ``package-*`` zones for the CPU and the ``dram`` zones for memory, and
skip ``core``/``uncore`` (inside the package), ``psys`` (the whole platform, which contains
the package) and MMIO mirrors, so that nothing is counted twice.

Each ``energy_uj`` counter wraps to zero after ``max_energy_range_uj`` (about 262 kJ on Intel:
20 minutes at 200 W). :class:`RaplReader` keeps a wrap-corrected running total per zone and
can refresh it from a background thread often enough that no wrap is missed between reads.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

POWERCAP_ROOT = Path("/sys/class/powercap")
#: power assumed when choosing the refresh interval: a counter must not wrap twice between reads
_MAX_POWER_W = 1000.0


@dataclass(frozen=True)
class RaplZone:
    """One powercap zone we read."""

    path: Path
    name: str  # package-0, dram, ...
    kind: str  # "package" or "dram"
    max_range_uj: int


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def _zone_kind(name: str) -> str | None:
    if name.startswith("package"):
        return "package"
    if name == "dram":
        return "dram"
    return None  # core, uncore: inside the package; psys: contains the package


def discover_zones(root: Path = POWERCAP_ROOT) -> tuple[list[RaplZone], str]:
    """The package and DRAM zones under ``root``, and why there are none (empty when some are found)."""
    if not root.is_dir():
        return [], f"{root} absent (no RAPL: virtual machine, non-x86 CPU or powercap driver not loaded)"
    zones: list[RaplZone] = []
    seen: set[tuple[str, str]] = set()
    unreadable: list[str] = []
    # MSR zones before MMIO mirrors, so that a mirror of a zone already seen is dropped
    entries = sorted((p for p in root.iterdir() if p.name.startswith("intel-rapl") and ":" in p.name),
                     key=lambda p: ("mmio" in p.name, p.name))
    for entry in entries:
        name = _read_text(entry / "name")
        kind = _zone_kind(name or "")
        if kind is None:
            continue
        top = entry.name.split(":")[1]  # socket index: package-0 on socket 0, its dram zone too
        if (top, name) in seen:
            continue
        energy = entry / "energy_uj"
        if not os.access(energy, os.R_OK) or _read_text(energy) is None:
            unreadable.append(str(energy))
            continue
        max_range = _read_text(entry / "max_energy_range_uj")
        try:
            max_range_uj = int(max_range) if max_range else 0
        except ValueError:
            max_range_uj = 0
        seen.add((top, name))
        zones.append(RaplZone(entry, name, kind, max_range_uj))
    if not any(z.kind == "package" for z in zones):
        if unreadable:
            return [], (f"RAPL counters not readable ({unreadable[0]}): run as root or "
                        f"`chmod a+r {root}/intel-rapl*/energy_uj`")
        return [], f"no RAPL package zone under {root}"
    return zones, ""


class RaplReader:
    """Wrap-corrected cumulative energy (joules) of the package and DRAM zones."""

    def __init__(self, root: Path = POWERCAP_ROOT):
        self.root = root
        self.zones, self.reason = discover_zones(root)
        self._lock = threading.Lock()
        self._last_raw: dict[Path, int] = {}
        self._total_uj: dict[Path, float] = {z.path: 0.0 for z in self.zones}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if self.zones:
            self.read()

    @property
    def available(self) -> bool:
        return bool(self.zones)

    @property
    def has_dram(self) -> bool:
        return any(z.kind == "dram" for z in self.zones)

    def read(self) -> dict[str, float]:
        """Cumulative joules since this reader was made, per kind (``package``, ``dram``)."""
        with self._lock:
            for zone in self.zones:
                text = _read_text(zone.path / "energy_uj")
                if text is None:
                    continue  # a transient read error: the next read catches up
                raw = int(text)
                last = self._last_raw.get(zone.path)
                if last is not None:
                    self._total_uj[zone.path] += counter_delta(last, raw, zone.max_range_uj)
                self._last_raw[zone.path] = raw
            out: dict[str, float] = {}
            for zone in self.zones:
                out[zone.kind] = out.get(zone.kind, 0.0) + self._total_uj[zone.path] / 1e6
            return out

    def refresh_interval_s(self) -> float:
        """Seconds between background reads so that no counter can wrap twice in between."""
        ranges = [z.max_range_uj for z in self.zones if z.max_range_uj > 0]
        if not ranges:
            return 10.0
        return min(60.0, max(1.0, min(ranges) / 1e6 / _MAX_POWER_W / 2))

    def start_refresh(self) -> None:
        """Read the counters periodically from a daemon thread (no-op without RAPL)."""
        if not self.zones or self._thread is not None:
            return
        interval = self.refresh_interval_s()

        def loop() -> None:
            while not self._stop.wait(interval):
                self.read()

        self._thread = threading.Thread(target=loop, name="amlb-rapl-refresh", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1.0)
            self._thread = None


def counter_delta(before: int, after: int, max_range_uj: int) -> float:
    """Microjoules between two readings of a counter that wraps at ``max_range_uj``."""
    if after >= before:
        return float(after - before)
    if max_range_uj <= 0 or before > max_range_uj:
        return 0.0  # a reset (not a wrap) or an unknown range: count nothing rather than garbage
    return float(max_range_uj - before + after)
