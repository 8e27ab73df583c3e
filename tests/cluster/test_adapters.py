"""Adapter folders travel with a Dask run: packed by the client, unpacked by a worker that lacks them."""
from __future__ import annotations

import dataclasses
import os

from amlb.cluster.adapters import content_digest, pack, unpack
from amlb.config import load_config
from amlb.definitions import resolve_framework


def test_a_worker_without_the_folder_unpacks_an_identical_copy_once(tmp_path, monkeypatch):
    monkeypatch.setenv("AMLB_ADAPTERS_DIR", str(tmp_path / "adapters"))
    fw = resolve_framework("RandomForest", load_config())
    packed = pack(fw)
    assert unpack(fw, packed) is fw  # this machine has the folder, same content: used as it is
    elsewhere = dataclasses.replace(fw, adapter_dir=tmp_path / "checkout-of-the-client" / "RandomForest")
    local = unpack(elsewhere, packed)
    assert local.adapter_dir.name == "RandomForest" and local.adapter_dir.is_dir()
    assert {p.name: p.read_bytes() for p in local.adapter_dir.iterdir()} == \
        {p.name: p.read_bytes() for p in fw.adapter_dir.iterdir() if p.is_file()}
    assert local.source_digest() == fw.source_digest()  # so the same environment and image keys
    stamp = os.stat(local.exec_path).st_mtime_ns
    assert unpack(elsewhere, packed).adapter_dir == local.adapter_dir  # written once
    assert os.stat(local.exec_path).st_mtime_ns == stamp


def test_changed_content_is_a_new_copy(tmp_path, monkeypatch):
    monkeypatch.setenv("AMLB_ADAPTERS_DIR", str(tmp_path / "adapters"))
    fw = resolve_framework("constantpredictor", load_config())
    packed = pack(fw)
    edited = dataclasses.replace(packed, files={**packed.files, "exec.py": packed.files["exec.py"] + b"\n# edited\n"})
    edited = dataclasses.replace(edited, digest=content_digest(edited.files))
    missing = dataclasses.replace(fw, adapter_dir=tmp_path / "nowhere" / "constantpredictor")
    assert unpack(missing, packed).adapter_dir != unpack(missing, edited).adapter_dir

