"""What opening the built site in a headless Chromium needs, shared by the site's browser tests and
the scripts that time pages or take screenshots: where the browser is, the flags it is started with,
and the test that a page has drawn its plots. Driving it (playwright) is left to the callers."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

#: flags for a headless Chromium that runs as root in a container and asks nothing of the network
CHROMIUM_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync")
#: JS: true once every plot box on the page has been drawn by plotly (or has said it could not be)
PLOTS_DRAWN = """() => Array.from(document.querySelectorAll('div.plot[data-figure]'))
    .every(b => b.querySelector('.main-svg') !== null || b.textContent.includes('could not be drawn'))"""


def find_chromium() -> str | None:
    """$AMLB_CHROMIUM, Debian's /usr/bin/chromium, or a chromium on PATH; None when there is none."""
    for candidate in (os.environ.get("AMLB_CHROMIUM"), "/usr/bin/chromium"):
        if candidate and Path(candidate).is_file():
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")
