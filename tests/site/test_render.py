"""Escaping and slugs: the pieces that keep untrusted strings inert."""
from __future__ import annotations

import json
import re

from amlb.site.render import SlugRegistry, fmt_number, json_for_script, make_environment, slugify
from tests.site.conftest import HOSTILE_INFO, HOSTILE_TASK


def test_slugs_are_safe_file_names():
    for name in [HOSTILE_TASK, "../../etc/passwd", "a/b\\c", "", " ", "index", "CON", "é漢字", "x" * 500, ".hidden"]:
        slug = slugify(name)
        assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", slug), (name, slug)
        assert len(slug) <= 70
        assert slug not in ("index", "con", "assets", "downloads")


def test_slugs_keep_plain_names_and_separate_lookalikes():
    assert slugify("credit-g") == "credit-g"
    assert slugify("kc1") == "kc1"
    names = ["a b", "a-b", "A-B", "a_b", "a.b"]
    assert len({slugify(n) for n in names}) == len(names)
    registry = SlugRegistry()
    assert registry("a b") == registry("a b")
    assert len({registry(n) for n in names}) == len(names)


def test_json_for_script_cannot_close_its_element_and_round_trips():
    payload = {"task": HOSTILE_TASK, "info": HOSTILE_INFO, "nan": float("nan"), "sep": "\u2028\u2029",
               "nested": [HOSTILE_TASK, {"k": "</SCRIPT >"}]}
    text = str(json_for_script(payload))
    for forbidden in ("<", ">", "</script", "<!--", "\u2028"):
        assert forbidden not in text
    back = json.loads(text)
    assert back["task"] == HOSTILE_TASK and back["info"] == HOSTILE_INFO
    assert back["nan"] is None and back["nested"][1]["k"] == "</SCRIPT >"


def test_templates_autoescape_everything():
    env = make_environment()
    html = env.from_string("<p title='{{ x }}'>{{ x }}</p>").render(x=HOSTILE_TASK)
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "&#39;" in html


def test_number_formats():
    assert fmt_number(None) == "" and fmt_number(float("nan")) == ""
    assert fmt_number(0.12345) == "0.123"
    assert fmt_number(1234.4) == "1,234"
    assert fmt_number(0.0000123) == "1.23e-05"
    assert fmt_number(632.4) == "632"
    assert fmt_number(-2.4e9) == "-2.40e+09"
    assert fmt_number(5.0) == "5.00"
    assert fmt_number(12345) == "12,345"  # counts stay integers
