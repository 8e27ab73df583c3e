"""The local-mode job sandbox: bubblewrap around each warm worker, and the job's staging folder.

A warm worker (and so every job it forks) runs inside a ``bwrap`` sandbox made per CPU slot:

- its own mount namespace with a read-only root built from the system folders (``/usr``,
  ``/etc``, the interpreter's prefix), the framework's environment, the adapter folder and
  ``frameworks/shared``, all read-only; a private ``/tmp``; no ``/sys``, no runner source tree,
  no data cache, no result store, no output folder, no ``docker.sock``;
- one writable folder, :data:`INSIDE`: the *stage* of the job that runs now. Before each job the
  runner fills the stage with the job's ``job.json`` (paths rewritten to the stage), its training
  data and test features (hard links or copies, mounted read-only; never the test target) and an
  empty work dir; after it, the runner moves what the job wrote back into the job's real folder,
  dropping symbolic links and special files, and empties the stage;
- its own PID, IPC, UTS, network (loopback only) and cgroup namespaces: nothing the job starts
  outlives the sandbox, and the job reaches no network;
- an unprivileged user: when the runner is root, ``setpriv`` drops to :data:`JOB_UID` (nobody)
  with no capabilities and ``no_new_privs``; otherwise an unprivileged user namespace maps the
  runner's own uid, with capabilities dropped and nested user namespaces disabled.

Jobs of one framework on one slot share the warm worker (the adapter's import-time state), so
they are isolated from each other in time (one job's files are in the stage only while it
runs), not by a fresh sandbox each: the price of importing the framework once per worker.
"""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import psutil

from amlb.errors import UserError

INSIDE = Path("/amlb/job")  # the stage, seen from inside the sandbox
JOB_UID = 65534  # nobody: the jobs' user when the runner is root
SETTINGS = ("auto", "require", "off")
SYSTEM_DIRS = ("/usr", "/etc", "/opt")
MERGED_USR_LINKS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
#: variables of the runner's environment a sandboxed worker gets (others, e.g. credentials, stay out)
PASSED_ENV = ("PATH", "LANG", "LANGUAGE", "TZ", "TERM")
PASSED_ENV_PREFIXES = ("LC_", "AMLB_")


@dataclass(frozen=True)
class Sandbox:
    """How jobs are isolated on this host (local mode)."""

    kind: str  # "bwrap" or "none"
    reason: str = ""  # why there is no sandbox
    bwrap: str = ""  # path of the bwrap program

    @property
    def enabled(self) -> bool:
        return self.kind == "bwrap"

    def level(self, cgroup: bool) -> str:
        """What a results row records, e.g. ``bwrap uid=65534 net=none cgroup`` or ``none (no bwrap)``."""
        if not self.enabled:
            return f"none ({self.reason})" if self.reason else "none"
        uid = JOB_UID if os.geteuid() == 0 else os.geteuid()
        limits = "cgroup" if cgroup else "no-cgroup: memory by watchdog, CPU set not enforced"
        return f"bwrap uid={uid} net=none pid-ns {limits}"


def _probe(bwrap: str) -> str:
    """"" when ``bwrap`` can build a sandbox here, else the first line of why not."""
    cmd = [bwrap, *_base_args(), *_identity_args(), "--", "/bin/true"] if os.geteuid() != 0 else \
        [bwrap, *_base_args(), "--", "/usr/bin/setpriv", *_setpriv_args(), "--", "/bin/true"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return str(e)
    if proc.returncode == 0:
        return ""
    lines = (proc.stderr or "").strip().splitlines()
    return lines[-1] if lines else f"bwrap exited with code {proc.returncode}"


@lru_cache(maxsize=None)
def _detect() -> Sandbox:
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return Sandbox("none", "bubblewrap (bwrap) is not installed")
    if os.geteuid() == 0 and not Path("/usr/bin/setpriv").exists():
        return Sandbox("none", "setpriv (util-linux) is missing")
    why = _probe(bwrap)
    if why:
        return Sandbox("none", f"bwrap cannot sandbox here: {why}")
    return Sandbox("bwrap", bwrap=bwrap)


_warned = False


def open_sandbox(setting: str) -> Sandbox:
    """The sandbox jobs get under ``job.sandbox`` (auto | require | off).

    ``require`` where the host cannot sandbox is a :class:`UserError`; ``auto`` then warns once
    per process on stderr and runs jobs unsandboxed.
    """
    global _warned
    if setting not in SETTINGS:
        raise UserError(f"job.sandbox must be one of {', '.join(SETTINGS)}, not {setting!r}",
                        "e.g. -X job.sandbox=auto")
    if setting == "off":
        return Sandbox("none", "job.sandbox=off")
    found = _detect()
    if not found.enabled and setting == "require":
        raise UserError(f"job.sandbox=require but this host cannot sandbox jobs: {found.reason}",
                        "install bubblewrap (apt-get install bubblewrap) and allow user namespaces, "
                        "or use -X job.sandbox=auto")
    if not found.enabled and not _warned:
        _warned = True
        print(f"amlb: warning: jobs run without a sandbox: {found.reason} (they can read the test labels "
              f"and write what the runner's user can; see README 'Isolation')", file=sys.stderr)
    return found


# --- the bwrap command line -------------------------------------------------------------
def _base_args() -> list[str]:
    args = []
    for d in SYSTEM_DIRS:
        if Path(d).is_dir():
            args += ["--ro-bind", d, d]
    for name in MERGED_USR_LINKS:
        p = Path("/") / name
        if p.is_symlink():
            args += ["--symlink", os.readlink(p), str(p)]
        elif p.is_dir():
            args += ["--ro-bind", str(p), str(p)]
    args += ["--ro-bind-try", "/sys/devices/system/cpu", "/sys/devices/system/cpu",  # CPU counts for libraries
             "--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp",
             "--perms", "1777", "--tmpfs", "/dev/shm",
             "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
             "--hostname", "amlb-job", "--die-with-parent", "--new-session"]
    return args


def _identity_args() -> list[str]:
    """Non-root runner: an unprivileged user namespace that maps only the runner's uid, no nested ones."""
    return ["--unshare-user", "--uid", str(os.geteuid()), "--gid", str(os.getegid()), "--disable-userns",
            "--cap-drop", "ALL"]


def _setpriv_args() -> list[str]:
    return [f"--reuid={JOB_UID}", f"--regid={JOB_UID}", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all",
            "--no-new-privs"]


def _python_prefix(python: Path) -> list[Path]:
    """Folders a venv's interpreter needs besides the venv: the base installation (pyvenv.cfg ``home``)."""
    venv = python.parent.parent
    needed = [venv]
    cfg = venv / "pyvenv.cfg"
    try:
        for line in cfg.read_text().splitlines():
            key, _, value = line.partition("=")
            if key.strip() == "home" and value.strip():
                needed.append(Path(value.strip()).resolve().parent)
    except OSError:
        pass
    real = python.resolve()
    if not any(real.is_relative_to(p) for p in needed):
        needed.append(real.parent.parent)
    return needed


def bwrap_command(sandbox: Sandbox, python: Path, exec_path: Path, shared: Path, stage: Path,
                  env: dict[str, str]) -> list[str]:
    """The command that starts ``shared/worker.py EXEC_PATH`` in a sandbox whose only writable folder is ``stage``."""
    args = [sandbox.bwrap, *_base_args(), "--clearenv"]
    for name, value in env.items():
        args += ["--setenv", name, value]
    ro = [p for p in dict.fromkeys([*_python_prefix(python), exec_path.parent.resolve(), shared.resolve()])
          if not any(p.is_relative_to(d) for d in SYSTEM_DIRS)]
    args += _parent_dirs([*ro, INSIDE])
    for path in ro:
        args += ["--ro-bind", str(path), str(path)]
    args += ["--bind", str(stage), str(INSIDE), "--ro-bind", str(stage / "in"), str(INSIDE / "in"),
             "--chdir", str(INSIDE), "--remount-ro", "/"]
    # the folders are bound at their resolved paths: name them so (an adapter folder reached through a link)
    worker = [str(python), str(shared.resolve() / "worker.py"), str(exec_path.resolve())]
    if os.geteuid() == 0:
        return [*args, "--", "/usr/bin/setpriv", *_setpriv_args(), "--", *worker]
    return [*args, *_identity_args(), "--", *worker]


def _parent_dirs(paths: list[Path]) -> list[str]:
    """bwrap makes missing parents of a mount point private (0700) as root: make them traversable."""
    args: list[str] = []
    made: set[Path] = set()
    for path in paths:
        for parent in reversed(path.parents[:-1]):  # from the top, without "/"
            if parent not in made and not any(parent == Path(d) or parent.is_relative_to(d) for d in SYSTEM_DIRS):
                made.add(parent)
                args += ["--perms", "0755", "--dir", str(parent)]
    return args


def sandbox_env(extra: dict[str, str]) -> dict[str, str]:
    """The worker's environment in the sandbox: a few harmless variables of the runner's, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k in PASSED_ENV or k.startswith(PASSED_ENV_PREFIXES)}
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    env.update(HOME=str(INSIDE / "run" / "work" / "home"), TMPDIR="/tmp", **extra)
    return env


# --- the stage -------------------------------------------------------------------------
class Stage:
    """The one writable folder of a slot's sandbox; holds the running job's files.

    ``root/in``  (read-only inside: job inputs) and ``root/run`` (the job's folder inside:
    ``job.json``, ``job.log``, ``work/``, what the adapter writes).
    """

    def __init__(self, root: Path):
        self.root = root
        self.uid = JOB_UID if os.geteuid() == 0 else None  # who owns the writable part when the runner is root
        root.mkdir(parents=True, exist_ok=True)
        os.chmod(root, 0o755)
        (root / "in").mkdir(exist_ok=True)
        (root / "run").mkdir(exist_ok=True)

    @property
    def log(self) -> Path:
        """The job's log as the runner writes it (host path)."""
        return self.root / "run" / "job.log"

    def inside(self, host_path: Path | str, job_dir: Path) -> str:
        """A path below the job's real folder, as the sandboxed job sees it."""
        rel = Path(host_path).relative_to(job_dir)
        return str(INSIDE / "run" / rel)

    def load(self, job_dir: Path, work_dir: Path) -> None:
        """Empty the stage and put in the job: its inputs (read-only), job.json with inside paths, a work dir."""
        self.clear()
        payload = json.loads((job_dir / "job.json").read_text())
        for key in ("train", "test"):
            source = Path(payload[key])
            target = self.root / "in" / f"{key}{source.suffix}"
            _link_or_copy(source, target)
            payload[key] = str(INSIDE / "in" / target.name)
        payload["config"]["work_dir"] = self.inside(work_dir, job_dir)
        run = self.root / "run"
        (run / "job.json").write_text(json.dumps(payload, indent=1))
        for sub in ("tmp", "home", "cache"):
            (run / work_dir.relative_to(job_dir) / sub).mkdir(parents=True, exist_ok=True)
        self.log.touch()
        if self.uid is not None:
            for folder in [run, *(p for p in run.rglob("*") if p.is_dir())]:
                os.chown(folder, self.uid, self.uid)
            os.chown(self.log, self.uid, self.uid)

    def unload(self, job_dir: Path, log_path: Path) -> int:
        """Move what the job wrote into ``job_dir`` (regular files and folders only); returns how many
        entries were dropped (links, pipes, sockets, devices). The job's log is appended to ``log_path``."""
        run = self.root / "run"
        dropped = drop_special(run)
        uid, gid = os.geteuid(), os.getegid()
        if self.uid is not None:
            chown_tree(run, uid, gid)
        if self.log.is_file():
            with open(self.log, "rb") as src, open(log_path, "ab") as dst:
                shutil.copyfileobj(src, dst)
        _remove(self.log)
        _remove(run / "job.json")  # the runner's own job.json stays
        job_dir.mkdir(parents=True, exist_ok=True)
        for entry in list(run.iterdir()) if run.is_dir() else ():
            try:
                _merge(entry, job_dir / entry.name)
            except OSError:  # e.g. a folder where the runner keeps a file: the job's loss
                dropped += 1
        self.clear()
        return dropped

    def clear(self) -> None:
        """Empty ``in`` and ``run`` (the mount points stay) and remove anything else a job put in the stage."""
        for entry in list(self.root.iterdir()):
            if entry.name in ("in", "run") and entry.is_dir() and not entry.is_symlink():
                for inner in list(entry.iterdir()):
                    _remove(inner)
            else:
                _remove(entry)
        (self.root / "in").mkdir(exist_ok=True)
        (self.root / "run").mkdir(exist_ok=True)

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _link_or_copy(source: Path, target: Path) -> None:
    """A hard link of the cached file where possible (the stage mounts it read-only), else a copy."""
    try:
        os.link(source, target)
        mode = source.stat().st_mode
        if mode & stat.S_IROTH:
            return
        target.unlink()  # not readable by the job's user: copy instead of changing the cache's mode
    except OSError:
        pass
    shutil.copyfile(source, target)
    os.chmod(target, 0o444)


def drop_special(root: Path) -> int:
    """Remove everything under ``root`` that is not a regular file or a folder; returns how many."""
    dropped = 0
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(folder, name)
            mode = os.lstat(path).st_mode
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                os.unlink(path)
                dropped += 1
        dirs[:] = [d for d in dirs if os.path.isdir(os.path.join(folder, d))
                   and not os.path.islink(os.path.join(folder, d))]
    return dropped


def chown_tree(root: Path, uid: int, gid: int) -> None:
    """Give ``root`` and everything below it (links themselves, never their targets) to ``uid:gid``."""
    os.lchown(root, uid, gid)
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            try:
                os.lchown(os.path.join(folder, name), uid, gid)
            except FileNotFoundError:
                pass


def _merge(source: Path, target: Path) -> None:
    """Move ``source`` to ``target``, merging folders that exist on both sides (e.g. ``work/``)."""
    if source.is_dir() and target.is_dir():
        for entry in list(source.iterdir()):
            _merge(entry, target / entry.name)
        return
    if target.is_dir():
        shutil.rmtree(target)
    shutil.move(str(source), str(target))


# --- the sandboxed worker seen from the host ---------------------------------------------
def host_pid(root: int, ns_pid: int) -> int:
    """The host pid of the process below ``root`` whose pid in its own namespace is ``ns_pid``; 0 if none."""
    try:
        children = psutil.Process(root).children(recursive=True)
    except psutil.Error:
        return 0
    for child in children:
        try:
            with open(f"/proc/{child.pid}/status") as f:
                for line in f:
                    if line.startswith("NSpid:") and int(line.split()[-1]) == ns_pid:
                        return child.pid
        except (OSError, ValueError):
            continue
    return 0


def ancestry(pid: int, root: int) -> set[int]:
    """``pid`` and its ancestors up to ``root`` (bwrap's processes between the runner and the worker)."""
    found = {pid}
    try:
        proc = psutil.Process(pid)
        while proc.pid != root and (proc := proc.parent()) is not None:
            found.add(proc.pid)
    except psutil.Error:
        pass
    return found
