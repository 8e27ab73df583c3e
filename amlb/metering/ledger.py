"""The machine's energy over time, cut at every job start and finish, and who claimed which share.

Each boundary (a job starting or finishing) closes a *segment* whose machine energy is known:
CPU static (idle) and dynamic energy, RAM energy, GPU energy, and the machine's busy
CPU-seconds. When a job finishes it claims, in every segment of its window:

* static CPU energy by *core-seconds*: its allotted cores x the time it ran,
* dynamic CPU energy by *CPU-seconds*: its measured CPU time, spread over the segments in
  proportion to the busy time still unclaimed there (at most its cores x the segment's length),
* RAM energy by *GB-seconds*: its memory (limit, else peak RSS) x the time it ran,
* GPU energy by an equal share among the jobs open in the segment.

Nothing can be claimed twice: a segment has ``cores x length`` core-seconds, ``busy`` CPU-seconds,
``RAM x length`` GB-seconds and one GPU share, and claims are capped by what is left. So the
energy attributed to jobs never exceeds the machine's energy, whether windows coincide,
overlap or nest. When the power model is linear (no RAPL), the dynamic energy of a job is
exactly its CPU-seconds times the energy per CPU-second.
"""
from __future__ import annotations

from dataclasses import dataclass

_EPS = 1e-12


@dataclass
class Segment:
    """Machine energy (joules) between two boundaries, and the shares claimed so far."""

    dt: float
    busy_s: float  # machine CPU-seconds busy
    cpu_static_j: float
    cpu_dynamic_j: float
    ram_j: float
    gpu_j: float | None
    open_jobs: int = 0  # job windows open during the segment
    claimed_core_s: float = 0.0
    claimed_cpu_s: float = 0.0
    claimed_gb_s: float = 0.0
    claimed_gpu: float = 0.0  # fraction of gpu_j


@dataclass
class Share:
    """What one job claimed over its window (joules), and the window's facts."""

    cpu_static_j: float = 0.0
    cpu_dynamic_j: float = 0.0
    ram_j: float = 0.0
    gpu_j: float | None = None
    window_s: float = 0.0
    cpu_s_matched: float = 0.0  # CPU-seconds the machine's busy time could account for

    @property
    def cpu_j(self) -> float:
        return self.cpu_static_j + self.cpu_dynamic_j


def distribute(amount: float, caps: list[float]) -> list[float]:
    """Split ``amount`` over slots in proportion to their capacities, never above a capacity."""
    total = sum(caps)
    if total <= _EPS or amount <= 0:
        return [0.0] * len(caps)
    if amount >= total:
        return list(caps)
    return [amount * c / total for c in caps]


class Ledger:
    """Segments between boundaries; boundary ``i`` starts segment ``i``."""

    def __init__(self, logical_cpus: int, ram_gb: float):
        self.cpus = max(1, int(logical_cpus))
        self.ram_gb = max(0.0, float(ram_gb))
        self._segments: list[Segment] = []
        self._base = 0  # absolute index of _segments[0]
        self._boundaries = 0

    @property
    def last_boundary(self) -> int:
        return self._boundaries - 1

    def add_boundary(self, closed: Segment | None) -> int:
        """Add a boundary; ``closed`` is the segment it ends (None for the first). Returns its index."""
        if self._boundaries > 0:
            if closed is None:
                raise ValueError("every boundary after the first closes a segment")
            self._segments.append(closed)
        self._boundaries += 1
        return self._boundaries - 1

    def segments(self, start: int, end: int) -> list[Segment]:
        """Segments between boundaries ``start`` and ``end``."""
        if start < self._base:
            raise ValueError(f"boundary {start} was pruned (oldest kept: {self._base})")
        return self._segments[start - self._base:end - self._base]

    def prune(self, keep_from: int) -> None:
        """Forget segments before boundary ``keep_from`` (no open window reaches back further)."""
        drop = min(max(0, keep_from - self._base), len(self._segments))
        if drop:
            del self._segments[:drop]
            self._base += drop

    def total(self, start: int, end: int) -> Segment:
        """The machine's energy between two boundaries, as one segment (claims summed too)."""
        out = Segment(0.0, 0.0, 0.0, 0.0, 0.0, None)
        for s in self.segments(start, end):
            out.dt += s.dt
            out.busy_s += s.busy_s
            out.cpu_static_j += s.cpu_static_j
            out.cpu_dynamic_j += s.cpu_dynamic_j
            out.ram_j += s.ram_j
            if s.gpu_j is not None:
                out.gpu_j = (out.gpu_j or 0.0) + s.gpu_j
            out.claimed_core_s += s.claimed_core_s
            out.claimed_cpu_s += s.claimed_cpu_s
            out.claimed_gb_s += s.claimed_gb_s
        return out

    def claim(self, start: int, end: int, wall_s: float, cpu_s: float, cores: float, memory_gb: float) -> Share:
        """Claim one job's shares of the segments between boundaries ``start`` and ``end``."""
        segs = self.segments(start, end)
        share = Share()
        share.window_s = sum(s.dt for s in segs)
        if share.window_s <= _EPS:
            return share
        ran = min(1.0, max(0.0, wall_s) / share.window_s)  # the window also holds runner overhead
        cores = min(float(cores), float(self.cpus)) if cores > 0 else float(self.cpus)
        memory_gb = min(max(0.0, memory_gb), self.ram_gb)
        for s in segs:
            if s.dt <= _EPS:
                continue
            core_cap = self.cpus * s.dt
            got = max(0.0, min(cores * s.dt * ran, core_cap - s.claimed_core_s))
            s.claimed_core_s += got
            share.cpu_static_j += s.cpu_static_j * got / core_cap
            if self.ram_gb > 0:
                gb_cap = self.ram_gb * s.dt
                got = max(0.0, min(memory_gb * s.dt * ran, gb_cap - s.claimed_gb_s))
                s.claimed_gb_s += got
                share.ram_j += s.ram_j * got / gb_cap
            if s.gpu_j is not None:
                got = max(0.0, min(1.0 / max(1, s.open_jobs), 1.0 - s.claimed_gpu))
                s.claimed_gpu += got
                share.gpu_j = (share.gpu_j or 0.0) + s.gpu_j * got
        # CPU-seconds: first within the job's cores per segment, then anywhere still unclaimed
        free = [max(0.0, s.busy_s - s.claimed_cpu_s) for s in segs]
        taken = distribute(cpu_s, [min(f, cores * s.dt) for f, s in zip(free, segs)])
        rest = cpu_s - sum(taken)
        if rest > _EPS:
            more = distribute(rest, [f - t for f, t in zip(free, taken)])
            taken = [t + m for t, m in zip(taken, more)]
        for s, x in zip(segs, taken):
            if x <= 0 or s.busy_s <= _EPS:
                continue
            s.claimed_cpu_s += x
            share.cpu_dynamic_j += s.cpu_dynamic_j * x / s.busy_s
            share.cpu_s_matched += x
        return share
