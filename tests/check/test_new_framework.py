"""``amlb new-framework`` end to end (create, fill fit with a small scikit-learn model, pass the check),
its refusals, ``amlb frameworks`` and ``amlb check``'s bad input."""
from __future__ import annotations

import time

import pytest

from tests.check.helpers import check_cli, failing, verdicts

IMPORTS = '''import numpy as np
from amlb_adapter import ordinal_encode
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
'''
FIT = '''    Model = DecisionTreeClassifier if config.class_labels else DecisionTreeRegressor
    model = Model(max_depth=4, random_state=config.seed)
    model.fit(ordinal_encode(train.X), train.y.astype(str) if config.class_labels else train.y)

    def predict_proba(X):
        proba = model.predict_proba(ordinal_encode(X))
        out = np.zeros((len(X), len(config.class_labels)))
        for j, label in enumerate(model.classes_):
            out[:, config.class_labels.index(label)] = proba[:, j]
        return out

    return Fitted(predict=lambda X: model.predict(ordinal_encode(X)),
                  predict_proba=predict_proba if config.class_labels else None, models_count=1)
'''


@pytest.mark.slow
def test_new_framework_filled_with_a_small_model_passes_the_check(tmp_path):
    adapters = tmp_path / "adapters"
    made = check_cli("new-framework", "TinyTree", "--dir", str(adapters), home=tmp_path / "home")
    assert made.returncode == 0, made.stderr
    folder = adapters / "TinyTree"
    assert "amlb check TinyTree" in made.stdout
    exec_py = (folder / "exec.py").read_text()
    assert "TODO" in exec_py and "raise NotImplementedError" in exec_py
    lines = exec_py.splitlines(keepends=True)
    raise_line = next(i for i, line in enumerate(lines) if "raise NotImplementedError" in line)
    head = "".join(lines[:raise_line]).replace("from amlb_adapter import Fitted\n",
                                                "from amlb_adapter import Fitted\n" + IMPORTS)
    assert IMPORTS in head  # the framework is imported once by the warm worker, not in each job's fit
    (folder / "exec.py").write_text(head + FIT)
    yml = (folder / "framework.yaml").read_text().replace("  - numpy==2.4.6", "  - scikit-learn==1.9.1\n  - numpy==2.4.6")
    (folder / "framework.yaml").write_text(yml)
    report_path = tmp_path / "report.json"
    proc = check_cli("check", "TinyTree", "--budget", "5", "--json", str(report_path),
                     "-X", f"framework_dirs=[\"{adapters}\"]", "-X", "check.watch_dirs=[\"~\"]", home=tmp_path / "home")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert not any(failing(verdicts(report_path)).values())


@pytest.mark.parametrize("name,says", [("RandomForest", "exists already"), ("../x", "not a usable framework name"),
                                       ("shared", "reserved")])
def test_new_framework_refuses_taken_or_unsafe_names(tmp_path, name, says):
    adapters = tmp_path / "adapters"
    proc = check_cli("new-framework", name, "--dir", str(adapters), home=tmp_path / "home")
    assert proc.returncode == 2
    assert says in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not adapters.exists() and not (tmp_path / "x").exists()


def test_new_framework_refuses_an_existing_folder(tmp_path):
    adapters = tmp_path / "adapters"
    (adapters / "Mine").mkdir(parents=True)
    (adapters / "Mine" / "notes.txt").write_text("mine")
    proc = check_cli("new-framework", "Mine", "--dir", str(adapters), home=tmp_path / "home")
    assert proc.returncode == 2 and "exists already" in proc.stderr
    assert [p.name for p in (adapters / "Mine").iterdir()] == ["notes.txt"]


def test_new_framework_in_userdir(tmp_path):
    userdir = tmp_path / "user"
    proc = check_cli("new-framework", "UserOne", "-u", str(userdir), home=tmp_path / "home")
    assert proc.returncode == 0, proc.stderr
    assert (userdir / "frameworks" / "UserOne" / "exec.py").is_file()
    listed = check_cli("frameworks", "-u", str(userdir), "--no-docker", home=tmp_path / "home")
    assert listed.returncode == 0 and "UserOne" in listed.stdout


def test_frameworks_lists_adapters_and_presets_without_hanging_on_a_dead_engine(tmp_path):
    start = time.monotonic()
    proc = check_cli("frameworks", home=tmp_path / "home", env={"DOCKER_HOST": "tcp://127.0.0.1:9"})
    assert proc.returncode == 0, proc.stderr
    assert time.monotonic() - start < 60
    rows = {line.split()[0]: line for line in proc.stdout.splitlines() if line.strip()}
    for name in ("constantpredictor", "RandomForest", "FLAML", "TunedRandomForest"):
        assert name in rows, proc.stdout
    assert "RandomForest" in rows["TunedRandomForest"].split(maxsplit=1)[1]  # extends
    assert "? = unknown" in proc.stdout
    listed = check_cli("run", "--list-frameworks", home=tmp_path / "home")
    assert listed.returncode == 0 and "TunedRandomForest" in listed.stdout


@pytest.mark.parametrize("args,says", [(["NoSuchAutoML"], "unknown framework"),
                                       (["constantpredictor", "--budget", "0"], "--budget")])
def test_check_bad_input_is_one_line_exit_2_nothing_created(tmp_path, args, says):
    proc = check_cli("check", *args, home=tmp_path / "home")
    assert proc.returncode == 2 and says in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not list((tmp_path / "tmp").iterdir())
