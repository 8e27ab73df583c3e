"""Data that cannot be used fails its own task (a data_error row saying why); the other tasks run."""
from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tests.conftest import run_cli


def test_nested_and_duplicate_columns_are_data_errors_of_their_task_and_the_run_goes_on(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    pq.write_table(pa.table({"x": [[1, 2], [3], [4, 5]] * 20, "y": ["a", "b", "a"] * 20}), data / "lists.parquet")
    pq.write_table(pa.table({"s": pa.array([{"a": 1}] * 60), "y": ["a", "b", "a"] * 20}), data / "structs.parquet")
    (data / "dup.csv").write_text("a,a,y\n" + "".join(f"{i},{i},{'ab'[i % 2]}\n" for i in range(60)))
    user = tmp_path / "user"
    (user / "benchmarks").mkdir(parents=True)
    (user / "benchmarks" / "bad.yaml").write_text(
        f"- name: lists\n  dataset: {{path: {data / 'lists.parquet'}, target: y}}\n"
        f"- name: structs\n  dataset: {{path: {data / 'structs.parquet'}, target: y}}\n"
        f"- name: dup\n  dataset: {{path: {data / 'dup.csv'}, target: y}}\n"
        "- name: iris\n  builtin: iris\n")
    out = tmp_path / "out"
    proc = run_cli("constantpredictor", "bad", "-f", "0", "-u", str(user), "-o", str(out),
                   "-X", f"data.cache_dir={tmp_path / 'cache'}")
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode == 1, proc.stderr[-3000:]  # the run finished, the tasks with bad data failed
    rows = pd.read_csv(out / "results.csv").set_index("task")
    assert rows["status"].to_dict() == {"lists": "data_error", "structs": "data_error", "dup": "data_error",
                                        "iris": "ok"}
    assert "column 'x' holds nested values" in rows.loc["lists", "info"]
    assert "column 's' holds nested values" in rows.loc["structs", "info"]
    assert "column 'a' appears more than once" in rows.loc["dup", "info"]
    assert "AttributeError" not in " ".join(rows["info"].dropna())


def test_labels_keep_their_text_and_a_class_named_prediction_does_not_collide(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "numeric_labels.csv").write_text("x,y\n" + "".join(f"{i},{['1', '1.0', '01'][i % 3]}\n" for i in range(90)))
    (data / "named.csv").write_text(
        "x,y\n" + "".join(f"{i},{['prediction', 'other', 'proba_other'][i % 3]}\n" for i in range(90)))
    user = tmp_path / "user"
    (user / "benchmarks").mkdir(parents=True)
    (user / "benchmarks" / "labels.yaml").write_text(
        f"- name: numeric_labels\n  dataset: {{path: {data / 'numeric_labels.csv'}, target: y}}\n"
        f"- name: named\n  dataset: {{path: {data / 'named.csv'}}}\n")
    out = tmp_path / "out"
    proc = run_cli("constantpredictor", "labels", "-f", "0", "-u", str(user), "-o", str(out),
                   "-X", f"data.cache_dir={tmp_path / 'cache'}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = pd.read_csv(out / "results.csv").set_index("task")
    assert set(rows["status"]) == {"ok"}, rows[["status", "info"]].to_string()
    assert rows.loc["numeric_labels", "type"] == "multiclass"
    jobs = out / "jobs" / "constantpredictor"
    labels = {t: json.loads((jobs / t / "fold0" / "attempt1" / "job.json").read_text())["config"]["class_labels"]
              for t in ("numeric_labels", "named")}
    assert labels == {"numeric_labels": ["01", "1", "1.0"], "named": ["other", "prediction", "proba_other"]}
