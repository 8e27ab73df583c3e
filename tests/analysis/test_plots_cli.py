"""`amlb analyze` writes its figures as image files beside its CSVs (matplotlib, optional)."""
from __future__ import annotations

import json
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from amlb_cli import amlb
from tests.conftest import run_cli

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG = "{http://www.w3.org/2000/svg}"
try:
    import matplotlib  # noqa: F401

    HAVE_MATPLOTLIB = True
except ImportError:
    HAVE_MATPLOTLIB = False
needs_matplotlib = pytest.mark.skipif(not HAVE_MATPLOTLIB, reason="matplotlib not installed (pip install 'amlb[plots]')")


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (the first chunk); fails on anything that is not a PNG."""
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, path
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13, path
    assert data.rstrip(b"\x00")[-8:-4] == b"IEND", path  # complete file
    return struct.unpack(">II", data[16:24])


def svg_texts(path: Path) -> str:
    """Every text of an SVG (it must parse as XML with an <svg> root)."""
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG}svg", root.tag
    return " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))


def assert_images(out: Path, stem: str, *names: str) -> None:
    width, height = png_size(out / f"{stem}.png")
    assert width >= 300 and height >= 150, (stem, width, height)
    assert (out / f"{stem}.png").stat().st_size > 5000, stem  # drawn, not blank
    texts = svg_texts(out / f"{stem}.svg")
    for name in names:
        assert name in texts, (stem, name)


@pytest.fixture(scope="module")
def example_run(tmp_path_factory) -> Path:
    """A real run: the constant predictor and RandomForest on three tasks of the example suite."""
    out = tmp_path_factory.mktemp("plots") / "run"
    proc = run_cli("constantpredictor,RandomForest", "example", "-t", "iris", "wine", "breast_cancer", "-f", "0",
                   "-o", str(out))
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out


@needs_matplotlib
def test_analyze_of_a_real_run_writes_its_figures_beside_the_csvs(example_run, tmp_path):
    out = tmp_path / "analysis"
    proc = amlb("analyze", example_run, "-o", out, "--plots", "png,svg")
    assert proc.returncode == 0, proc.stderr
    frameworks = ("constantpredictor", "RandomForest")
    assert_images(out, "cd_diagram", *frameworks, "CD = ")
    assert_images(out, "failures", *frameworks, "ok")
    for cost in ("infer", "train"):
        assert (out / f"pareto_{cost}.csv").is_file()
        assert_images(out, f"pareto_{cost}", *frameworks)
    written = json.loads((out / "analysis.json").read_text())["outputs"]
    assert {"cd_diagram.png", "cd_diagram.svg", "failures.svg", "pareto_train.png"} <= set(written)
    assert "leaderboard.csv" in written and f"wrote {len(written)} files" in proc.stdout
    # no tree (one framework besides the constant predictor): no tree image, and the note says why
    assert not (out / "bttree.png").exists() and "Bradley-Terry tree skipped" in proc.stdout


@needs_matplotlib
def test_the_default_is_png_and_the_tree_is_drawn(our_run, tmp_path):
    proc = amlb("analyze", our_run, "-o", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "out"
    images = sorted(p.name for p in out.iterdir() if p.suffix in (".png", ".svg"))
    assert images == ["bttree.png", "cd_diagram.png", "failures.png", "pareto_energy.png", "pareto_infer.png",
                      "pareto_train.png"]
    assert png_size(out / "bttree.png")[0] >= 300
    proc = amlb("analyze", our_run, "-o", tmp_path / "svg", "--plots", "svg")
    assert proc.returncode == 0, proc.stderr
    texts = svg_texts(tmp_path / "svg" / "bttree.svg")
    assert all(fw in texts for fw in ("autogluon", "flaml", "RandomForest")) and "node 1 (n = 24)" in texts
    assert "memory_limit" in svg_texts(tmp_path / "svg" / "failures.svg")


@needs_matplotlib
def test_the_tree_of_amlb_results_shows_its_splits(amlb_dir, tmp_path):
    out = tmp_path / "out"
    proc = amlb("analyze", amlb_dir / "classification.csv", "--constraint", "1h8c_gp3", "--meta",
                amlb_dir / "dataset_metadata.csv", "-o", out, "--plots", "png,svg")
    assert proc.returncode == 0, proc.stderr
    assert_images(out, "bttree", "NumberOfInstances", "AutoGluon_benchmark", "node 3")
    tree = json.loads((out / "bttree.json").read_text())
    leaves = [n for n in tree["nodes"] if n["terminal"]]
    assert len(leaves) > 1 and all(f"node {n['id']} (n = {n['n']})" in svg_texts(out / "bttree.svg") for n in leaves)
    assert_images(out, "cd_diagram", "constantpredictor", "AutoGluon_benchmark")


def test_without_matplotlib_the_csvs_are_written_and_one_line_says_what_to_install(our_run, tmp_path):
    blocker = tmp_path / "block"
    blocker.mkdir()
    (blocker / "matplotlib.py").write_text("raise ImportError(\"No module named 'matplotlib'\")\n")
    proc = amlb("analyze", our_run, "-o", tmp_path / "out", env={"PYTHONPATH": str(blocker)})
    assert proc.returncode == 0, proc.stderr
    notes = [line for line in proc.stdout.splitlines() if line.startswith("note:") and "matplotlib" in line]
    assert notes == ["note: plots skipped: matplotlib is not installed (pip install 'amlb[plots]')"]
    names = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"leaderboard.csv", "failures.csv", "pareto_energy.csv", "bttree.json", "analysis.json"} <= names
    assert not any(n.endswith((".png", ".svg")) for n in names)


def test_plots_none_writes_no_image_and_a_bad_format_is_refused(our_run, tmp_path):
    proc = amlb("analyze", our_run, "-o", tmp_path / "out", "--plots", "none")
    assert proc.returncode == 0, proc.stderr
    assert not any(p.suffix in (".png", ".svg") for p in (tmp_path / "out").iterdir())
    proc = amlb("analyze", our_run, "-o", tmp_path / "bad", "--plots", "jpg")
    assert proc.returncode == 2 and "'jpg' is not an image format" in proc.stderr
    assert not (tmp_path / "bad").exists()
