"""The site over AMLB's real 2021Q3 results together with a run of ours (skipped without shared/)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from amlb.site import build_site
from amlb.site.sample import write_sample_run
from tests.site.browser import PLOT_MARKS, PageWatcher
from tests.site.conftest import shared_dir

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def real_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    shared = shared_dir()
    data = shared / "data" / "amlb-2021q3" if shared else None
    if data is None or not (data / "classification.csv").is_file():
        pytest.skip("AMLB 2021Q3 results not found (../shared/data/amlb-2021q3, or set AMLB_SHARED)")
    base = tmp_path_factory.mktemp("real")
    run = write_sample_run(base / "run", benchmark="ours", tasks=9, folds=2).parent
    out = base / "site"
    build_site([run, data / "classification.csv", data / "regression.csv", data / "dataset_metadata.csv"], out)
    return out


def test_real_results_give_every_overview(real_site: Path):
    overviews = sorted(p.name for p in (real_site / "overview").glob("*.html"))
    # 2021Q3: 1h8c_gp3 and 4h8c_gp3 x 3 types (4h8c holds only the constant predictor); ours: 3 types
    assert len([o for o in overviews if o.startswith("amlb-2021q3")]) == 6
    assert len([o for o in overviews if o.startswith("ours")]) == 3
    assert len(list((real_site / "tasks").glob("*.html"))) >= 104 + 1
    index = (real_site / "index.html").read_text(encoding="utf-8")
    assert "only constantpredictor" in index and "4h8c" in index
    # 4h8c_gp3 borrows the constant predictor of 4h8c, as AMLB does
    gp3 = next((real_site / "overview").glob("amlb-2021q3-4h8c-gp3-binary*.html")).read_text(encoding="utf-8")
    assert "taken from constraint 4h8c" in gp3 and 'id="fig-tree-data"' in gp3
    boards = pd.read_csv(real_site / "downloads" / "leaderboards.csv")
    top = boards[(boards["constraint"] == "1h8c_gp3") & (boards["type"] == "binary")].iloc[0]
    assert top["framework"] == "AutoGluon_benchmark"
    failures = (real_site / "failures.html").read_text(encoding="utf-8")
    assert "NoResultError" in failures and "CalledProcessError" in failures  # the real messages


@pytest.mark.browser
def test_real_pages_load_and_draw(browser, real_site: Path):
    targets = [real_site / "index.html", real_site / "failures.html", real_site / "energy.html",
               real_site / "tasks" / "credit-g.html", *sorted((real_site / "overview").glob("*.html"))]
    watcher = PageWatcher(browser)
    empty = []
    try:
        for page_file in targets:
            watcher.open(page_file.as_uri())
            empty += [f"{page_file.name}: {p['id']}" for p in watcher.page.evaluate(PLOT_MARKS) if p["marks"] == 0]
    finally:
        watcher.close()
    assert not watcher.errors, watcher.errors[:10]
    assert not empty, empty
