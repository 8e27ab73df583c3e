"""Docker mode: one image per framework, generated from its definition and built on demand.

The Dockerfile starts from the base image of the framework's Python version: the entry
of ``docker.base_images`` for it, else ``docker.base_image`` with ``{python}`` replaced by
the version (an official ``python:3.11-slim-bookworm`` for users with a registry, or a
local image made by ``scripts/build_base_image.sh`` for hosts without one), adds the PEM files of ``docker.extra_ca_certificates`` to the image's trust store
(TLS-inspecting proxies), installs the framework's Debian packages, creates a virtual
environment with the image's ``python3`` and pip-installs the pinned requirements into
it, copies the adapter folder and ``frameworks/shared/`` to ``/amlb/frameworks`` and runs
the framework's ``post_install`` commands in its adapter folder.

The image is tagged ``amlb/<framework>:<key>``, where the key hashes everything that
goes into it (Dockerfile text, adapter and shared sources, requirements, CA files and
the base image's id): an unchanged image is reused, a changed one rebuilt.
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import shlex
import tarfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from amlb.config import Config
from amlb.definitions import FrameworkDef
from amlb.environments.pythons import check_version, declared_python, for_version
from amlb.errors import UserError
from amlb.resources import frameworks_dir

#: where the adapters live inside an image
IMAGE_FRAMEWORKS_DIR = "/amlb/frameworks"
IMAGE_VENV = "/opt/amlb/venv"
IMAGE_CA_DIR = "/usr/local/share/ca-certificates/amlb"
SYSTEM_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
LABEL_PREFIX = "org.amlb"
BUILD_TIMEOUT_S = 3600
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_FAILED_RUN = re.compile(r"^ERROR: The command '.*' returned a non-zero code(: \d+)$")
_NOISE = ("--->", "Removing intermediate container", "== ")
_PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy")


class ImageBuildError(RuntimeError):
    """Building a framework image failed; the message holds the log's last lines and its path."""


@dataclass(frozen=True)
class BuiltImage:
    """A framework image ready to run jobs."""

    tag: str  # amlb/<framework>:<key>
    id: str  # sha256:... of the image
    key: str  # hash of everything that went into it

    def exec_path(self, fw: FrameworkDef) -> str:
        """The adapter's exec.py inside the image."""
        return f"{IMAGE_FRAMEWORKS_DIR}/{fw.adapter_dir.name}/exec.py"

    @property
    def adapter_runner(self) -> str:
        return f"{IMAGE_FRAMEWORKS_DIR}/shared/amlb_adapter.py"


def docker_client(timeout: int = 120) -> Any:
    """A client of the Docker engine (``DOCKER_HOST`` or the local socket) that answered a ping."""
    try:
        import docker  # noqa: PLC0415 - optional at import time of the package
    except ImportError:
        raise UserError("docker mode needs the Docker SDK for Python", "pip install docker") from None
    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
    except Exception as e:  # noqa: BLE001 - any failure here means: no engine
        where = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
        reason = str(e).splitlines()[0][:160] if str(e) else type(e).__name__
        raise UserError(f"cannot reach the Docker engine at {where} ({reason})",
                        "start it (scripts/start_dockerd.sh, or systemctl start docker) or set DOCKER_HOST") from None
    return client


def framework_python(fw: FrameworkDef, config: Config) -> str:
    """The Python version the framework's image needs (``3.11``, ``3.10.14``)."""
    return declared_python(fw) or check_version(config["docker"]["python"], "docker.python")


def base_image_name(fw: FrameworkDef, config: Config) -> str:
    """``docker.base_images``' image for the framework's Python, else the ``docker.base_image`` template."""
    python = framework_python(fw, config)
    return for_version(config["docker"]["base_images"], python) or \
        str(config["docker"]["base_image"]).replace("{python}", python)


def _ca_files(config: Config) -> list[Path]:
    files = []
    for entry in config["docker"]["extra_ca_certificates"] or []:
        path = Path(os.path.expandvars(os.path.expanduser(str(entry))))
        if not path.is_file():
            raise UserError(f"docker.extra_ca_certificates names {path}, which is not a file",
                            "give paths of PEM certificate files")
        if b"-----BEGIN CERTIFICATE-----" not in path.read_bytes():
            raise UserError(f"{path} (docker.extra_ca_certificates) holds no PEM certificate",
                            "give PEM files (-----BEGIN CERTIFICATE-----)")
        files.append(path)
    return files


def _image_name(fw: FrameworkDef) -> str:
    name = re.sub(r"[^a-z0-9._-]+", "-", fw.name.lower()).strip("-._") or "framework"
    return f"amlb/{name}"


def dockerfile_text(fw: FrameworkDef, config: Config, *, n_ca_files: int = 0) -> str:
    """The Dockerfile of a framework's image (its build context is made by :func:`_context_tar`)."""
    python = framework_python(fw, config)
    lines = [
        f"# amlb image of framework {fw.name} {fw.version} (generated: edit the framework definition instead)",
        f"FROM {base_image_name(fw, config)}",
        "ENV DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1",
    ]
    if n_ca_files:
        lines += [
            f"COPY certs/ {IMAGE_CA_DIR}/",
            ("RUN if ! command -v update-ca-certificates >/dev/null; then apt-get update"
             " && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*; fi"
             " && update-ca-certificates"),
            f"ENV PIP_CERT={SYSTEM_CA_BUNDLE} SSL_CERT_FILE={SYSTEM_CA_BUNDLE} REQUESTS_CA_BUNDLE={SYSTEM_CA_BUNDLE}",
        ]
    if fw.system_packages:
        packages = " ".join(shlex.quote(p) for p in sorted(fw.system_packages))
        lines.append("RUN apt-get update && apt-get install -y --no-install-recommends "
                     f"{packages} && rm -rf /var/lib/apt/lists/*")
    # no framework name in this step: variants of a framework (same Python, base and requirements) share
    # its layers up to the adapter's files, so a variant's image builds in seconds
    check = ("import sys; v = '.'.join(map(str, sys.version_info[:3])); "
             f"sys.exit(0 if (v + '.').startswith('{python}.') else 'the base image has Python ' + v + "
             f"', the framework needs {python}: map {python} to an image with that Python in docker.base_images, "
             "or set docker.base_image or docker.python')")
    lines += [
        f'RUN python3 -c "{check}" && python3 -m venv {IMAGE_VENV}',
        f"ENV PATH={IMAGE_VENV}/bin:$PATH VIRTUAL_ENV={IMAGE_VENV}",
        "COPY requirements.txt /opt/amlb/requirements.txt",
    ]
    setup_env = " ".join(f"{k}={shlex.quote(v)}" for k, v in sorted(fw.setup_env.items()))
    install = f"{'env ' + setup_env + ' ' if setup_env else ''}pip install -r /opt/amlb/requirements.txt"
    lines += [
        f"RUN {install} && (pip check || echo 'amlb: pip check reports conflicts (see above)')",
        f"COPY frameworks/ {IMAGE_FRAMEWORKS_DIR}/",
        # compiled here: the job's non-root user cannot write __pycache__ next to the sources; /root opened
        # because host paths below it (the runner's caches as root) are mounted at the same paths
        (f"RUN python -m compileall -q {IMAGE_FRAMEWORKS_DIR} && python -c 'import numpy, pandas, pyarrow'"
         " && chmod 0755 /root"),
        *(f"RUN cd {IMAGE_FRAMEWORKS_DIR}/{fw.adapter_dir.name} && {command}" for command in fw.post_install),
        f"WORKDIR {IMAGE_FRAMEWORKS_DIR}",
        f'CMD ["python", "{IMAGE_FRAMEWORKS_DIR}/shared/amlb_adapter.py"]',
    ]
    return "\n".join(lines) + "\n"


def _source_files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            yield path


def _context_files(fw: FrameworkDef, config: Config, ca_files: list[Path]) -> dict[str, bytes]:
    """Build-context path -> content, everything the image is made of."""
    files: dict[str, bytes] = {}
    for i, ca in enumerate(ca_files):
        files[f"certs/{i:02d}-{re.sub(r'[^A-Za-z0-9_.-]', '_', ca.stem)}.crt"] = ca.read_bytes()
    files["requirements.txt"] = ("\n".join(fw.requirements) + "\n").encode()
    for folder in (frameworks_dir() / "shared", fw.adapter_dir):
        for path in _source_files(folder):
            files[f"frameworks/{folder.name}/{path.relative_to(folder).as_posix()}"] = path.read_bytes()
    files["Dockerfile"] = dockerfile_text(fw, config, n_ca_files=len(ca_files)).encode()
    return files


def _context_tar(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def image_key(files: dict[str, bytes], base_id: str) -> str:
    """Hash of the build context and the base image's id."""
    h = hashlib.sha256(f"base:{base_id}\n".encode())
    for name, data in sorted(files.items()):
        h.update(f"{name}:{len(data)}\n".encode())
        h.update(data)
    return h.hexdigest()[:16]


def _base_image_id(client: Any, name: str, log: Callable[[str], None]) -> str:
    """The id of the base image, pulling it once when it is not here."""
    import docker.errors  # noqa: PLC0415

    try:
        return client.images.get(name).id
    except docker.errors.ImageNotFound:
        pass
    log(f"pulling base image {name}")
    try:
        return client.images.pull(name).id
    except docker.errors.APIError as e:
        raise UserError(f"the base image {name} is not here and cannot be pulled ({e.explanation or e})",
                        "on a host without a registry build one with scripts/build_base_image.sh and set "
                        "docker.base_image to it (e.g. -X docker.base_image=amlb/base:bookworm)") from None


def ensure_image(fw: FrameworkDef, config: Config, *, force: bool = False, log_path: Path,
                 progress: Callable[[str], None] | None = None) -> BuiltImage:
    """The framework's image, built when it does not exist yet (or ``force``).

    Raises
    ------
    UserError
        No engine answers, the base image is missing, or a CA file is not a PEM file.
    ImageBuildError
        The build failed: the message holds the log's last lines and names the log.
    """
    import docker.errors  # noqa: PLC0415

    ca_files = _ca_files(config)
    files = _context_files(fw, config, ca_files)
    client = docker_client()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "a") as log_file:
        def log(line: str) -> None:
            log_file.write(_ANSI.sub("", line).rstrip("\n") + "\n")
            log_file.flush()

        base = base_image_name(fw, config)
        key = image_key(files, _base_image_id(client, base, log))
        tag = f"{_image_name(fw)}:{key}"
        if not force:
            try:
                return BuiltImage(tag=tag, id=client.images.get(tag).id, key=key)
            except docker.errors.ImageNotFound:
                pass
        log(f"== building {tag} for {fw.name} {fw.version} from {base}"
            f"{' (forced, no cache)' if force else ''} at {time.strftime('%Y-%m-%d %H:%M:%S')}")
        log(files["Dockerfile"].decode())
        if progress:
            progress(f"building image {tag} (log: {log_path})")
        started = time.monotonic()
        image_id = _build(client, fw, tag, key, files, force, log, progress)
        outcome = f"built {tag} ({image_id})" if image_id else "build FAILED"
        log(f"== {outcome} after {time.monotonic() - started:.0f} s")
    if image_id is None:
        tail = _log_tail(log_path)
        raise ImageBuildError(f"building the Docker image of {fw.name} failed: {tail} (full log: {log_path})")
    return BuiltImage(tag=tag, id=image_id, key=key)


def _build(client: Any, fw: FrameworkDef, tag: str, key: str, files: dict[str, bytes], force: bool,
           log: Callable[[str], None], progress: Callable[[str], None] | None) -> str | None:
    """Run the classic builder, streaming its output to ``log``; the image id, or None when it failed."""
    import docker.errors  # noqa: PLC0415

    buildargs = {k: v for k, v in os.environ.items() if k in _PROXY_VARS}
    labels = {f"{LABEL_PREFIX}.framework": fw.name, f"{LABEL_PREFIX}.version": fw.version,
              f"{LABEL_PREFIX}.key": key}
    image_id = None
    try:
        stream = client.api.build(
            fileobj=io.BytesIO(_context_tar(files)), custom_context=True, tag=tag, rm=True, forcerm=True,
            nocache=force, pull=False, decode=True, labels=labels, buildargs=buildargs or None,
            timeout=BUILD_TIMEOUT_S)
        for chunk in stream:
            if "stream" in chunk:
                text = chunk["stream"]
                if text.strip():
                    log(text.rstrip("\n"))
                if progress and text.startswith("Step "):
                    progress(text.strip())
            elif "error" in chunk:
                log("ERROR: " + str(chunk["error"]).rstrip())
                return None
            elif "aux" in chunk and "ID" in chunk["aux"]:
                image_id = chunk["aux"]["ID"]
            elif "status" in chunk:
                log(f"{chunk['status']} {chunk.get('progress', '')}".rstrip())
    except docker.errors.APIError as e:
        log(f"ERROR: the engine refused the build: {e.explanation or e}")
        return None
    except Exception as e:  # noqa: BLE001 - connection lost, timeout: all mean the build did not finish
        log(f"ERROR: the build was interrupted: {type(e).__name__}: {e}")
        return None
    if image_id is None:
        try:
            image_id = client.images.get(tag).id
        except docker.errors.ImageNotFound:
            log("ERROR: the build ended without an image")
            return None
    return image_id


def _log_tail(log_path: Path, lines: int = 3) -> str:
    """The last meaningful lines of a build log, as one line."""
    useful = []
    for line in log_path.read_text(errors="replace").splitlines():
        line = _FAILED_RUN.sub(r"ERROR: a RUN step returned a non-zero code\1", line.strip())
        if line and not line.startswith(_NOISE):
            limit = 80 if line.startswith("Step ") else 300
            useful.append(line if len(line) <= limit else line[:limit - 3] + "...")
    return " | ".join(useful[-lines:])


if __name__ == "__main__":  # pragma: no cover - manual use: python -m amlb.environments.docker_image NAME
    import sys

    from amlb.config import load_config
    from amlb.definitions import resolve_framework

    cfg = load_config()
    print(dockerfile_text(resolve_framework(sys.argv[1], cfg), cfg, n_ca_files=len(_ca_files(cfg))), end="")
