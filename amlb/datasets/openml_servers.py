"""Which OpenML server a task comes from, and what follows from it: the benchmark-name prefix
(``openml/t/59`` or ``test.openml/t/59``, as AMLB spells them), the task ids in results
(``openml.org/t/59``, ``test.openml.org/t/59``) and our cache folder, one per server (a task id
means another task on another server).
"""
from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlsplit

from amlb.datasets import cache
from amlb.datasets.api import DatasetsConfig, TaskSpec

#: OpenML's test server, for ``test.openml/s/ID`` and ``test.openml/t/ID``
TEST_SERVER = "https://test.openml.org/api/v1/xml"
_PRODUCTION_HOSTS = ("www.openml.org", "openml.org", "api.openml.org")
_TEST_HOST = "test.openml.org"


def _host(cfg: DatasetsConfig) -> str:
    """The host of the configured server; None (openml-python's default) is OpenML's own."""
    return (urlsplit(cfg.openml_server).hostname or "").lower() if cfg.openml_server else _PRODUCTION_HOSTS[0]


def for_name_prefix(prefix: str, cfg: DatasetsConfig) -> DatasetsConfig:
    """The configuration for benchmark names starting ``prefix/`` (``openml`` or ``test.openml``)."""
    return replace(cfg, openml_server=TEST_SERVER) if prefix == "test.openml" else cfg


def for_spec(spec: TaskSpec, cfg: DatasetsConfig) -> DatasetsConfig:
    """The configuration for an OpenML task spec: its own server when it names one."""
    return replace(cfg, openml_server=spec.openml_server) if spec.openml_server else cfg


def is_test(cfg: DatasetsConfig) -> bool:
    return _host(cfg) == _TEST_HOST


def name_prefix(cfg: DatasetsConfig) -> str:
    """How benchmark names reach this server: ``test.openml`` for the test server, else ``openml``."""
    return "test.openml" if is_test(cfg) else "openml"


def id_prefix(cfg: DatasetsConfig) -> str:
    """The prefix of task ids in results: ``openml.org`` (AMLB's ``openml.org/t/ID``), ``test.openml.org``, or the host."""
    host = _host(cfg)
    return "openml.org" if host in _PRODUCTION_HOSTS else host


def web_url(cfg: DatasetsConfig) -> str:
    """The server's web pages (``https://www.openml.org``)."""
    host = _host(cfg)
    return f"https://{'www.openml.org' if host in _PRODUCTION_HOSTS else host}"


def cache_namespace(cfg: DatasetsConfig) -> str:
    """Our cache folder for the server's tasks and datasets: ``openml`` (OpenML's own, as before),
    ``test.openml``, or ``openml-HOST`` for any other server."""
    host = _host(cfg)
    if host in _PRODUCTION_HOSTS:
        return "openml"
    return "test.openml" if host == _TEST_HOST else f"openml-{cache.safe_name(host)}"
