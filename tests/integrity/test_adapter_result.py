"""result.json as the runner reads it: every field checked, a bad one named (the adapter's fault, not the runner's)."""
from __future__ import annotations

import json

import pytest

from amlb.adapter_result import MalformedResult, parse_result


def _parse(**fields):
    return parse_result(json.dumps({"protocol": 1, "error": None, **fields}).encode())


def test_a_good_result_is_typed():
    r = _parse(framework_version="1.2", training_duration=3.5, predict_duration=0.1, models_count=7,
               infer_seconds_per_row={"1": 0.01, "10": 0.002}, phases={"fit": {"wall_s": 3.5, "cpu_s": 3.4}},
               info={"note": "regression fell back to X", "best": "lgbm"})
    assert (r.framework_version, r.training_duration, r.models_count) == ("1.2", 3.5, 7)
    assert r.infer_seconds_per_row == {1: 0.01, 10: 0.002}
    assert r.note == "regression fell back to X"


@pytest.mark.parametrize("fields,named", [
    ({"training_duration": float("inf")}, "Infinity is not a JSON number"),
    ({"training_duration": -1}, "training_duration"),
    ({"training_duration": "soon"}, "training_duration"),
    ({"info": {"note": ["not", "text"]}}, "info.note"),
])
def test_a_bad_field_is_named(fields, named):
    with pytest.raises(MalformedResult, match=named):
        _parse(**fields)


def test_info_without_a_note_is_no_note():
    assert _parse(info={"best": "x"}).note == "" and _parse(info="text").note == ""


def test_a_number_too_large_for_a_float_is_named():
    with pytest.raises(MalformedResult, match="training_duration"):
        parse_result(b'{"training_duration": 1e400}')
