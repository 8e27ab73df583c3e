"""The adapter's ``result.json``, checked field by field before the runner uses any of it.

The job wrote that file, so it is input, not data: every field the runner keeps is checked
for its type and range here, and a file that is not what ``amlb_adapter`` writes is the
job's failure (:class:`MalformedResult`, a framework_error), never the runner's.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

#: longest text kept from a result field (messages, versions)
TEXT_MAX = 2000
STAGES = ("load", "fit", "predict")


class MalformedResult(ValueError):
    """result.json is not what the adapter protocol says (names the field)."""


@dataclass
class AdapterError:
    type: str
    message: str
    stage: str  # load | fit | predict


@dataclass
class AdapterResult:
    error: AdapterError | None = None
    framework_version: str = ""
    training_duration: float | None = None
    predict_duration: float | None = None
    models_count: int | None = None
    infer_seconds_per_row: dict[int, float] = field(default_factory=dict)
    inference_runs: dict[int, tuple[int, int]] = field(default_factory=dict)  # size -> (rows, repeats)
    phases: dict[str, dict[str, float]] = field(default_factory=dict)
    note: str = ""  # the adapter's info["note"]: what it did differently (e.g. a fallback), shown as the row's info


def _seconds(data: dict, name: str) -> float | None:
    value = data.get(name)
    if value is None:
        return None
    try:
        seconds = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else math.nan
    except OverflowError:  # a JSON integer too large for a float
        seconds = math.inf
    if not math.isfinite(seconds) or seconds < 0:
        raise MalformedResult(f"'{name}' must be a finite number of seconds >= 0, got {_show(value)}")
    return seconds


def _text(value: Any, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise MalformedResult(f"'{name}' must be text, got {_show(value)}")
    return str(value)[:TEXT_MAX]


def _show(value: Any) -> str:
    try:
        text = repr(value) if isinstance(value, (int, float)) else json.dumps(value)
    except ValueError:  # an integer with more digits than Python converts
        text = "a number too large"
    return text if len(text) <= 60 else text[:57] + "..."


def _error(value: Any) -> AdapterError | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise MalformedResult(f"'error' must be an object or null, got {_show(value)}")
    stage = value.get("stage", "fit")
    if stage not in STAGES:
        raise MalformedResult(f"'error.stage' must be one of {', '.join(STAGES)}, got {_show(stage)}")
    return AdapterError(_text(value.get("type"), "error.type") or "Error",
                        _text(value.get("message"), "error.message"), stage)


def _models_count(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > 2**53:
        raise MalformedResult(f"'models_count' must be a whole number >= 0, got {_show(value)}")
    return value


def _inference(value: Any) -> dict[int, float]:
    if value is None:
        return {}
    if not isinstance(value, dict) or len(value) > 100:
        raise MalformedResult(f"'infer_seconds_per_row' must be an object of batch size -> seconds, got {_show(value)}")
    out = {}
    for key, secs in value.items():
        if not (isinstance(key, str) and key.isdigit() and 0 < int(key) <= 10**9):
            raise MalformedResult(f"'infer_seconds_per_row' has a batch size that is not a whole number: {_show(key)}")
        name = f"infer_seconds_per_row.{key}"
        out[int(key)] = _seconds({name: secs}, name)
    return {k: v for k, v in out.items() if v is not None}


def _inference_runs(value: Any) -> dict[int, tuple[int, int]]:
    """``{"<batch size>": {"rows": n, "repeats": k}}``: what each inference figure used."""
    if value is None:
        return {}
    if not isinstance(value, dict) or len(value) > 100:
        raise MalformedResult(f"'inference_runs' must be an object of batch size -> rows and repeats, "
                              f"got {_show(value)}")
    out = {}
    for key, used in value.items():
        if not (isinstance(key, str) and key.isdigit() and 0 < int(key) <= 10**9) or not isinstance(used, dict):
            raise MalformedResult(f"'inference_runs' has an entry that is not batch size -> object: {_show(key)}")
        counts = [used.get(k) for k in ("rows", "repeats")]
        if not all(isinstance(c, int) and not isinstance(c, bool) and 0 <= c <= 10**9 for c in counts):
            raise MalformedResult(f"'inference_runs.{key}' needs whole numbers 'rows' and 'repeats', got {_show(used)}")
        out[int(key)] = (counts[0], counts[1])
    return out


def _phases(value: Any) -> dict[str, dict[str, float]]:
    if value is None:
        return {}
    if not isinstance(value, dict) or len(value) > 20:
        raise MalformedResult(f"'phases' must be an object of phase -> timings, got {_show(value)}")
    out: dict[str, dict[str, float]] = {}
    for name, timings in value.items():
        if not isinstance(timings, dict) or len(timings) > 20:
            raise MalformedResult(f"'phases.{name[:40]}' must be an object of timings, got {_show(timings)}")
        out[name[:40]] = {k[:40]: _seconds(timings, k) for k in timings if timings[k] is not None}
    return out


def _no_constant(name: str) -> None:
    raise MalformedResult(f"{name} is not a JSON number")


def parse_result(raw: bytes) -> AdapterResult:
    """Check and convert the content of result.json; raise :class:`MalformedResult` naming what is wrong."""
    try:
        data = json.loads(raw, parse_constant=_no_constant)
    except MalformedResult:
        raise
    except (ValueError, RecursionError) as e:  # includes UnicodeDecodeError
        raise MalformedResult(f"not valid JSON ({str(e)[:100]})") from None
    if not isinstance(data, dict):
        raise MalformedResult(f"must hold a JSON object, got {_show(data)}")
    return AdapterResult(
        error=_error(data.get("error")),
        framework_version=_text(data.get("framework_version"), "framework_version")[:200],
        training_duration=_seconds(data, "training_duration"),
        predict_duration=_seconds(data, "predict_duration"),
        models_count=_models_count(data.get("models_count")),
        infer_seconds_per_row=_inference(data.get("infer_seconds_per_row")),
        inference_runs=_inference_runs(data.get("inference_runs")),
        phases=_phases(data.get("phases")),
        note=_note(data.get("info")),
    )


def _note(info: Any) -> str:
    """``info["note"]`` when the adapter's info is an object with a text note; other info is not the runner's."""
    if not isinstance(info, dict) or info.get("note") is None:
        return ""
    return _text(info["note"], "info.note")
