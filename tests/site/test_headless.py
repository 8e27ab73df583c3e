"""Finding the Chromium that the browser tests and the site scripts drive."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from amlb.site.headless import find_chromium


def test_amlb_chromium_names_the_browser_when_it_is_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    binary = tmp_path / "my-chromium"
    binary.write_text("#!/bin/sh\n")
    monkeypatch.setenv("AMLB_CHROMIUM", str(binary))
    assert find_chromium() == str(binary)


def test_a_missing_amlb_chromium_falls_back_to_the_system_browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    on_path = fake_bin / "chromium"
    on_path.write_text("#!/bin/sh\n")
    on_path.chmod(0o755)
    monkeypatch.setenv("AMLB_CHROMIUM", str(tmp_path / "absent"))
    monkeypatch.setenv("PATH", str(fake_bin))
    found = find_chromium()
    # Debian's /usr/bin/chromium comes before PATH
    assert found == ("/usr/bin/chromium" if os.path.isfile("/usr/bin/chromium") else str(on_path))
