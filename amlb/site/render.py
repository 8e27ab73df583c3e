"""Rendering helpers: safe slugs, JSON for ``<script>`` blocks, number formats, the Jinja2 environment.

Everything here treats strings from results files as untrusted: HTML is autoescaped,
JSON embedded in a page cannot close its ``<script>`` element, and file names derived
from task or framework names are plain ASCII slugs that cannot escape their folder.
"""
from __future__ import annotations

import hashlib
import html
import json
import math
import numbers
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

#: Slugs that would collide with files the generator writes itself.
RESERVED_SLUGS = frozenset({"index", "assets", "downloads", "con", "nul", "aux", "prn"})
_UNSAFE = re.compile(r"[^a-z0-9]+")
_SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def slugify(name: Any, max_length: int = 60) -> str:
    """A file-name-safe slug for ``name``: ``[a-z0-9-]`` only, never empty, never reserved.

    A name that is not already its own slug gets a short hash of the original appended,
    so ``"a b"`` and ``"a-b"`` (or ``"Abc"`` and ``"abc"``) never share a file.
    """
    text = str(name)
    slug = _UNSAFE.sub("-", text.lower()).strip("-")[:max_length].strip("-")
    if slug != text or not slug or slug in RESERVED_SLUGS:
        digest = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        slug = f"{slug}-{digest}" if slug else f"x-{digest}"
    return slug


class SlugRegistry:
    """Stable, unique slugs for one kind of name (tasks, frameworks, overviews)."""

    def __init__(self) -> None:
        self._by_name: dict[str, str] = {}
        self._taken: set[str] = set()

    def __call__(self, name: Any) -> str:
        key = str(name)
        if key not in self._by_name:
            slug = slugify(key)
            n = 2
            while slug in self._taken:  # only on a hash collision: practically never
                slug = f"{slugify(key)}-{n}"
                n += 1
            self._by_name[key] = slug
            self._taken.add(slug)
        return self._by_name[key]


def clean_json(obj: Any) -> Any:
    """``obj`` with NaN/inf floats replaced by ``None`` and numpy scalars/arrays made plain."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): clean_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean_json(v) for v in obj]
    if hasattr(obj, "tolist"):  # numpy arrays and scalars
        return clean_json(obj.tolist())
    if obj is None or isinstance(obj, (str, int, bool)):
        return obj
    try:  # pandas NA, Timestamps, ...
        if obj != obj:  # noqa: PLR0124 - NaN-like
            return None
    except (TypeError, ValueError):
        pass
    return str(obj)


def json_for_script(obj: Any) -> Markup:
    """JSON text that is safe inside ``<script type="application/json">``.

    ``<``, ``>`` and ``&`` are written as ``\\u`` escapes, so neither ``</script>`` nor
    ``<!--`` can appear in the output whatever the strings contain; JSON.parse restores them.
    """
    text = json.dumps(clean_json(obj), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, escaped in _SCRIPT_ESCAPES.items():
        text = text.replace(char, escaped)
    return Markup(text)


def plot_text(value: Any) -> str:
    """A string for a plotly label: plotly interprets a subset of HTML in labels, so escape it.

    Only ``&``, ``<`` and ``>``: with no ``<`` there is no tag, and plotly does not decode
    ``&quot;`` (quotes would show as the entity).
    """
    return html.escape(str(value), quote=False)


def fmt_number(value: Any, digits: int = 3) -> str:
    """A number for a table cell: empty for missing, a few significant digits otherwise."""
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value)
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(x):
        return ""
    if x == 0:
        return "0"
    if abs(x) >= 1e6 or abs(x) < 10 ** -(digits + 1):
        return f"{x:.2e}"
    if abs(x) >= 10 ** digits:
        return f"{x:,.0f}"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(x))))
    return f"{x:,.{decimals}f}"


def fmt_percent(value: Any) -> str:
    """``12.5`` -> ``"12.5 %"``; empty for missing."""
    text = fmt_number(value, 3)
    return f"{text} %" if text else ""


def sort_value(value: Any) -> str:
    """The machine-readable sort key of a table cell (``data-v``): numbers as plain text, else ''."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return ""
    return repr(x) if math.isfinite(x) else ""


def make_environment() -> jinja2.Environment:
    """The Jinja2 environment: package templates, autoescape on, undefined names are errors."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("amlb.site", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = fmt_number
    env.filters["pct"] = fmt_percent
    env.filters["sortv"] = sort_value
    env.filters["jsonscript"] = json_for_script
    return env


def write_page(env: jinja2.Environment, template: str, out_dir: Path, rel_path: str, **context: Any) -> str:
    """Render ``template`` to ``out_dir/rel_path``; links in it are relative to the page's folder."""
    depth = rel_path.count("/")
    text = env.get_template(template).render(root="../" * depth, page_path=rel_path, **context)
    target = out_dir / rel_path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return rel_path


def first_lines(text: Any, limit: int = 400) -> str:
    """A message shortened for a table cell (the full text stays in the page's details)."""
    s = "" if text is None or (isinstance(text, float) and math.isnan(text)) else str(text)
    return s if len(s) <= limit else s[: limit - 1] + "…"


def unique_sorted(values: Iterable[Any]) -> list[str]:
    """Distinct non-empty strings, sorted case-insensitively."""
    out = {str(v) for v in values if v is not None and str(v) not in ("", "nan", "None", "<NA>")}
    return sorted(out, key=str.lower)
