"""Build OpenML's files for tests: the XML and ARFF documents OpenML serves, laid out
the way openml-python caches them (``<root>/org/openml/www/tasks/<id>/task.xml`` ...),
or served by a local HTTP server that answers like OpenML's API.

Qualities are computed here the way OpenML counts (the target is an attribute),
independently of amlb's meta-feature code.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold, StratifiedKFold

from amlb.datasets.arff import write_arff

OML = 'xmlns:oml="http://openml.org/openml"'


@dataclass
class FakeTask:
    """One OpenML dataset and a task over it."""

    task_id: int
    dataset_id: int
    name: str
    frame: pd.DataFrame
    target: str
    classification: bool
    n_folds: int = 10
    n_repeats: int = 2
    ignore: list[str] = field(default_factory=list)
    row_id: str | None = None
    parquet: bool = False  # serve/cache OpenML's Parquet file instead of the ARFF
    version: int = 1


def task_xml(t: FakeTask, base_url: str) -> str:
    type_id, type_name = (1, "Supervised Classification") if t.classification else (2, "Supervised Regression")
    return f"""<oml:task {OML}>
  <oml:task_id>{t.task_id}</oml:task_id>
  <oml:task_type_id>{type_id}</oml:task_type_id>
  <oml:task_type>{type_name}</oml:task_type>
  <oml:input name="source_data">
    <oml:data_set>
      <oml:data_set_id>{t.dataset_id}</oml:data_set_id>
      <oml:target_feature>{escape(t.target)}</oml:target_feature>
    </oml:data_set>
  </oml:input>
  <oml:input name="estimation_procedure">
    <oml:estimation_procedure>
      <oml:id>1</oml:id>
      <oml:type>crossvalidation</oml:type>
      <oml:data_splits_url>{base_url}/api_splits/get/{t.task_id}/Task_{t.task_id}_splits.arff</oml:data_splits_url>
      <oml:parameter name="number_repeats">{t.n_repeats}</oml:parameter>
      <oml:parameter name="number_folds">{t.n_folds}</oml:parameter>
      <oml:parameter name="percentage"></oml:parameter>
      <oml:parameter name="stratified_sampling">{'true' if t.classification else 'false'}</oml:parameter>
    </oml:estimation_procedure>
  </oml:input>
  <oml:input name="evaluation_measures">
    <oml:evaluation_measures>
      <oml:evaluation_measure>{'area_under_roc_curve' if t.classification else 'root_mean_squared_error'}</oml:evaluation_measure>
    </oml:evaluation_measures>
  </oml:input>
</oml:task>
"""


def description_xml(t: FakeTask, base_url: str) -> str:
    extra = "".join(f"<oml:ignore_attribute>{escape(c)}</oml:ignore_attribute>\n  " for c in t.ignore)
    if t.row_id:
        extra += f"<oml:row_id_attribute>{escape(t.row_id)}</oml:row_id_attribute>\n  "
    if t.parquet:
        extra += f"<oml:parquet_url>{base_url}/datasets/0000/{t.dataset_id:04d}/dataset_{t.dataset_id}.pq</oml:parquet_url>\n  "
    return f"""<oml:data_set_description {OML}>
  <oml:id>{t.dataset_id}</oml:id>
  <oml:name>{escape(t.name)}</oml:name>
  <oml:version>{t.version}</oml:version>
  <oml:description>Built by amlb's tests.</oml:description>
  <oml:format>ARFF</oml:format>
  <oml:upload_date>2024-01-01T00:00:00</oml:upload_date>
  <oml:licence>Public</oml:licence>
  <oml:url>{base_url}/data/v1/download/{t.dataset_id}/{t.name}.arff</oml:url>
  <oml:file_id>{t.dataset_id}</oml:file_id>
  <oml:default_target_attribute>{escape(t.target)}</oml:default_target_attribute>
  {extra}<oml:visibility>public</oml:visibility>
  <oml:status>active</oml:status>
</oml:data_set_description>
"""


def features_xml(t: FakeTask) -> str:
    parts = []
    for index, name in enumerate(t.frame.columns):
        column = t.frame[name]
        nominal = isinstance(column.dtype, pd.CategoricalDtype)
        values = "".join(f"<oml:nominal_value>{escape(str(v))}</oml:nominal_value>" for v in column.cat.categories) if nominal else ""
        parts.append(f"""  <oml:feature>
    <oml:index>{index}</oml:index>
    <oml:name>{escape(str(name))}</oml:name>
    <oml:data_type>{'nominal' if nominal else 'numeric'}</oml:data_type>
    {values}
    <oml:is_target>{'true' if name == t.target else 'false'}</oml:is_target>
    <oml:is_ignore>{'true' if name in t.ignore else 'false'}</oml:is_ignore>
    <oml:is_row_identifier>{'true' if name == t.row_id else 'false'}</oml:is_row_identifier>
    <oml:number_of_missing_values>{int(column.isna().sum())}</oml:number_of_missing_values>
  </oml:feature>""")
    return f"<oml:data_features {OML}>\n" + "\n".join(parts) + "\n</oml:data_features>\n"


def openml_qualities(t: FakeTask) -> dict[str, float]:
    """Qualities as OpenML computes them: every attribute counts, the target included."""
    frame = t.frame
    symbolic = sum(isinstance(frame[c].dtype, pd.CategoricalDtype) for c in frame.columns)
    qualities = {
        "NumberOfInstances": len(frame),
        "NumberOfFeatures": frame.shape[1],
        "NumberOfSymbolicFeatures": symbolic,
        "NumberOfNumericFeatures": frame.shape[1] - symbolic,
        "NumberOfMissingValues": int(frame.isna().to_numpy().sum()),
        "NumberOfInstancesWithMissingValues": int(frame.isna().any(axis=1).sum()),
        "NumberOfClasses": 0,
        "MajorityClassSize": float("nan"),
        "MinorityClassSize": float("nan"),
    }
    if t.classification:
        counts = frame[t.target].value_counts()
        qualities.update(NumberOfClasses=len(counts), MajorityClassSize=counts.max(), MinorityClassSize=counts.min())
    return qualities


def qualities_xml(t: FakeTask) -> str:
    items = "".join(
        f"<oml:quality><oml:name>{name}</oml:name><oml:value>{'null' if pd.isna(v) else v}</oml:value></oml:quality>\n"
        for name, v in openml_qualities(t).items())
    return f"<oml:data_qualities {OML}>\n{items}</oml:data_qualities>\n"


def splits_frame(t: FakeTask, seed: int = 7) -> pd.DataFrame:
    """OpenML-style splits: every repeat a (stratified) k-fold, rows listed TRAIN then TEST."""
    rows = []
    y = t.frame[t.target].astype(str).to_numpy()
    for repeat in range(t.n_repeats):
        splitter = (StratifiedKFold if t.classification else KFold)(t.n_folds, shuffle=True, random_state=seed + repeat)
        for fold, (train, test) in enumerate(splitter.split(np.zeros(len(y)), y)):
            for kind, ids in (("TRAIN", train), ("TEST", test)):
                rows.append(pd.DataFrame({"type": kind, "rowid": ids, "repeat": repeat, "fold": fold}))
    frame = pd.concat(rows, ignore_index=True)
    frame["type"] = pd.Categorical(frame["type"], categories=["TRAIN", "TEST"])
    return frame


def documents(t: FakeTask, base_url: str) -> dict[str, bytes | Path]:
    """Every file of ``t``, keyed by the name openml-python caches it under."""
    return {
        "task.xml": task_xml(t, base_url).encode(),
        "description.xml": description_xml(t, base_url).encode(),
        "features.xml": features_xml(t).encode(),
        "qualities.xml": qualities_xml(t).encode(),
    }


def write_openml_cache(root: Path, tasks: list[FakeTask], base_url: str = "https://www.openml.org") -> Path:
    """Lay the tasks out as openml-python's cache for ``base_url``'s server; return the server folder."""
    host = base_url.split("://", 1)[1].split("/", 1)[0]
    server_dir = root.joinpath(*reversed(host.split(".")))
    for t in tasks:
        docs = documents(t, base_url)
        task_dir = server_dir / "tasks" / str(t.task_id)
        data_dir = server_dir / "datasets" / str(t.dataset_id)
        task_dir.mkdir(parents=True, exist_ok=True)
        data_dir.mkdir(parents=True, exist_ok=True)
        (task_dir / "task.xml").write_bytes(docs["task.xml"])
        write_arff(splits_frame(t), task_dir / "datasplits.arff", relation=f"Task_{t.task_id}_splits")
        for name in ("description.xml", "features.xml", "qualities.xml"):
            (data_dir / name).write_bytes(docs[name])
        if t.parquet:
            t.frame.to_parquet(data_dir / f"dataset_{t.dataset_id}.pq", index=False)
        else:
            write_arff(t.frame, data_dir / "dataset.arff", relation=t.name)
    return server_dir


# -- a local server answering like OpenML -----------------------------------------------------


def _error(code: int, message: str) -> bytes:
    return (f'<oml:error {OML}><oml:code>{code}</oml:code><oml:message>{message}</oml:message></oml:error>').encode()


def suite_xml(suite_id: int, alias: str, task_ids: list[int], data_ids: list[int]) -> str:
    tasks = "".join(f"<oml:task_id>{i}</oml:task_id>" for i in task_ids)
    data = "".join(f"<oml:data_id>{i}</oml:data_id>" for i in data_ids)
    return f"""<oml:study {OML}>
  <oml:id>{suite_id}</oml:id><oml:alias>{alias}</oml:alias><oml:main_entity_type>task</oml:main_entity_type>
  <oml:name>test suite</oml:name><oml:description>for tests</oml:description><oml:status>active</oml:status>
  <oml:creation_date>2024-01-01T00:00:00</oml:creation_date><oml:creator>1</oml:creator>
  <oml:data>{data}</oml:data><oml:tasks>{tasks}</oml:tasks>
</oml:study>"""


def task_list_xml(tasks: list[FakeTask]) -> str:
    items = "".join(
        f"<oml:task><oml:task_id>{t.task_id}</oml:task_id><oml:task_type_id>{1 if t.classification else 2}</oml:task_type_id>"
        f"<oml:did>{t.dataset_id}</oml:did><oml:name>{escape(t.name)}</oml:name>"
        f"<oml:task_type>x</oml:task_type><oml:status>active</oml:status></oml:task>" for t in tasks)
    return f"<oml:tasks {OML}>{items}</oml:tasks>"


PROCEDURES = (f'<oml:estimationprocedures {OML}>'
              '<oml:estimationprocedure><oml:id>1</oml:id><oml:ttid>1</oml:ttid><oml:name>10-fold CV</oml:name>'
              '<oml:type>crossvalidation</oml:type></oml:estimationprocedure>'
              '<oml:estimationprocedure><oml:id>2</oml:id><oml:ttid>2</oml:ttid><oml:name>10-fold CV</oml:name>'
              '<oml:type>crossvalidation</oml:type></oml:estimationprocedure></oml:estimationprocedures>')


class FakeOpenML:
    """A local HTTP server answering the OpenML API calls openml-python makes for tasks,
    datasets, suites and task lists; it records every path asked for."""

    def __init__(self, tasks: list[FakeTask], suites: dict[int, list[int]] | None = None):
        self.tasks = {t.task_id: t for t in tasks}
        self.datasets = {t.dataset_id: t for t in tasks}
        self.suites = suites or {}
        self.requests: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.api_url = f"{self.base_url}/api/v1/xml"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeOpenML:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(self, path: str) -> tuple[int, bytes]:
        parts = [p for p in path.split("?")[0].split("/") if p]
        api = parts[3:] if parts[:3] == ["api", "v1", "xml"] else None
        if api and api[0] == "task" and len(api) == 2 and api[1].isdigit():
            t = self.tasks.get(int(api[1]))
            return (200, task_xml(t, self.base_url).encode()) if t else (412, _error(151, "Unknown task"))
        if api and api[0] == "data" and len(api) == 2:
            t = self.datasets.get(int(api[1]))
            return (200, description_xml(t, self.base_url).encode()) if t else (412, _error(111, "Unknown dataset"))
        if api and api[0] == "data" and api[1] in ("features", "qualities"):
            t = self.datasets[int(api[2])]
            return 200, (features_xml(t) if api[1] == "features" else qualities_xml(t)).encode()
        if api and api[0] == "study":
            ids = self.suites.get(int(api[1])) if api[1].isdigit() else None
            if ids is None:
                return 412, _error(601, "Unknown study")
            return 200, suite_xml(int(api[1]), f"suite{api[1]}", ids, [self.tasks[i].dataset_id for i in ids]).encode()
        if api and api[:2] == ["task", "list"]:
            wanted = [int(i) for i in api[api.index("task_id") + 1].split(",")]
            return 200, task_list_xml([self.tasks[i] for i in wanted if i in self.tasks]).encode()
        if api and api[0] == "estimationprocedure":
            return 200, PROCEDURES.encode()
        if parts[:2] == ["api_splits", "get"]:
            t = self.tasks[int(parts[2])]
            return 200, _arff_bytes(lambda p: write_arff(splits_frame(t), p, relation=f"Task_{t.task_id}_splits"))
        if parts[:3] == ["data", "v1", "download"]:
            t = self.datasets[int(parts[3])]
            return 200, _arff_bytes(lambda p: write_arff(t.frame, p, relation=t.name))
        return 404, b"not found"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                outer.requests.append(self.path)
                status, body = outer.answer(self.path)
                self.send_response(status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler


def _arff_bytes(write) -> bytes:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.arff"
        write(path)
        return path.read_bytes()
