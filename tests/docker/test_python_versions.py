"""A framework that declares another Python runs in Docker mode on the base image mapped to that version.

Through the command line: a constant predictor declaring ``python: "3.9"`` (with numpy, pandas
and pyarrow releases that support 3.9) gets its image built on the bullseye base image
(``docker.base_images``), its jobs run there, and the adapter side (``frameworks/shared/``)
works on Python 3.9. Skips without an engine or without the bullseye base image, which
``scripts/build_base_image.sh amlb/base:bullseye`` makes (``AMLB_TEST_PY39_BASE_IMAGE`` names
another Python 3.9 image).
"""
from __future__ import annotations

import math
import os

import pandas as pd
import pytest

from tests.conftest import run_cli

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.timeout(1800)]
PY39_BASE = os.environ.get("AMLB_TEST_PY39_BASE_IMAGE", "amlb/base:bullseye")
PY39_REQUIREMENTS = ["numpy==1.26.4", "pandas==2.2.3", "pyarrow==17.0.0"]


@pytest.fixture(scope="module")
def py39_base(docker_client):
    import docker.errors  # noqa: PLC0415

    try:
        docker_client.images.get(PY39_BASE)
    except docker.errors.ImageNotFound:
        pytest.skip(f"no Python 3.9 base image {PY39_BASE}: build it with "
                    f"scripts/build_base_image.sh {PY39_BASE} (debootstrap bullseye, ~4 min)")
    return PY39_BASE


def test_a_python_39_framework_runs_in_an_image_on_its_base(py39_base, docker_overrides, docker_client, tmp_path):
    user = tmp_path / "user"
    user.mkdir()
    (user / "frameworks.yaml").write_text(
        "constant39:\n  extends: constantpredictor\n  python: '3.9'\n"
        f"  requirements: [{', '.join(PY39_REQUIREMENTS)}]\n")
    out = tmp_path / "run"
    overrides = [*docker_overrides, f'docker.base_images={{"3.9": {py39_base}}}']
    proc = run_cli("constant39", "example", "-m", "docker", "-t", "iris", "penguins_sex", "diabetes", "-f", "0",
                   "-u", str(user), "-o", str(out), *[a for o in overrides for a in ("-X", o)], timeout=1500)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = pd.read_csv(out / "results.csv")
    assert list(results["status"]) == ["ok"] * 3, results[["task", "status", "info"]]
    assert all(math.isfinite(v) for v in results["result"])
    assert results["infer_s_per_row_1"].notna().all()  # the adapter's inference timing ran on 3.9 too
    images = set(results["environment"])
    assert len(images) == 1
    image = images.pop()
    version = docker_client.containers.run(image, ["python", "-c", "import sys; print(sys.version_info[:2])"],
                                           remove=True, network_mode="none")
    assert version.decode().strip() == "(3, 9)"
    # built on that base (whether built now or reused from an earlier run): its layers start with the base's
    base_layers = docker_client.images.get(py39_base).attrs["RootFS"]["Layers"]
    assert docker_client.images.get(image).attrs["RootFS"]["Layers"][:len(base_layers)] == base_layers
