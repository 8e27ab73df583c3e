"""The static results website: ``amlb site RESULTS... -o site/``.

:func:`build_site` reads results files (AMLB's and this runner's), runs the analyses of
:mod:`amlb.analysis` per benchmark x constraint x task type, and writes plain HTML pages
(Jinja2 templates, autoescaped) with interactive plotly figures whose data is embedded in
each page, so the site works offline and from ``file://``.
"""
from __future__ import annotations

from amlb.site.build import BuildReport, build_site
from amlb.site.render import json_for_script, slugify

__all__ = ["BuildReport", "build_site", "json_for_script", "slugify"]
