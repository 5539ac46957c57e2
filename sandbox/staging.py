"""A run's host-side directories: the program (mounted read-only) and its output (a capped tmpfs).

Every run is staged under one private directory per host user, named for what it is:

    run-<pid>-*       a run in progress in process <pid> (a claimed spare is renamed to this)
    making-<pid>-*    a spare being started by process <pid>
    spare-<kind>-<until>-*   a spare ready to be claimed until <until> (epoch seconds)

so the leftovers of a process that died (a mounted output tmpfs above all) are found and removed by
the next run.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sandbox import outputfs
from sandbox.errors import SandboxError
from sandbox.image import SANDBOX_UID
from sandbox.limits import Limits

CONTAINER_ID_FILE = "container"  # beside job/ and out/, never inside what the container sees


@dataclass(frozen=True)
class Stage:
    """A staged run: ``job/`` is mounted read-only at /sandbox, ``out/`` read-write at /out."""

    root: Path
    user: str
    cap: str  # "tmpfs" (a kernel limit on the output's total) or "watchdog"
    cap_note: str | None = None  # why the watchdog, when it is

    @property
    def job(self) -> Path:
        return self.root / "job"

    @property
    def out(self) -> Path:
        return self.root / "out"

    @property
    def program(self) -> Path:
        return self.job / "program.py"


def staging_root() -> Path:
    """This host user's private staging directory (created once, checked every time)."""
    root = Path(tempfile.gettempdir()) / f"sdgen-sandbox-{os.getuid()}"
    with contextlib.suppress(FileExistsError):
        root.mkdir(mode=0o700)
    info = os.lstat(root)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise SandboxError(f"{root} is not a private directory of this user; remove it")
    return root


def new_stage_dir(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"{prefix}-{os.getpid()}-", dir=staging_root()))


def sandbox_user() -> tuple[int, int]:
    # Never root inside: as root on the host, a dedicated uid owns the one writable directory;
    # an unprivileged host user runs it as itself, so it can clean up whatever is left.
    if os.geteuid() == 0:
        return SANDBOX_UID, SANDBOX_UID
    return os.getuid(), os.getgid()


def output_inodes(limits: Limits) -> int:
    # The directory itself, the manifest and its temporary, then the files the watchdog allows.
    return limits.output_files * 4 + 4


def prepare(root: Path, limits: Limits, kernel_output_cap: bool | None) -> Stage:
    """``job/`` for the program and an output directory only the sandbox user can write: a tmpfs
    of the output's size when the host may mount one."""
    root.chmod(0o755)
    (root / "job").mkdir(mode=0o755)
    out = root / "out"
    out.mkdir(mode=0o700)
    uid, gid = sandbox_user()
    if os.geteuid() == 0:
        os.chown(out, uid, gid)
    cap, note = "watchdog", "asked for" if kernel_output_cap is False else None
    if kernel_output_cap is not False:
        note = outputfs.mount_capped(
            out, limits.output_mb * 1024 * 1024, output_inodes(limits), uid, gid
        )
        if note is None:
            cap = "tmpfs"
        elif kernel_output_cap:
            raise SandboxError(f"{note}; a kernel cap on the output needs root on the host")
    return Stage(root, f"{uid}:{gid}", cap, note)


def existing(root: Path) -> Stage:
    """The stage of a spare made (maybe) by another process."""
    uid, gid = sandbox_user()
    cap = "tmpfs" if outputfs.is_mount_point(root / "out") else "watchdog"
    return Stage(root, f"{uid}:{gid}", cap)


def write_program(stage: Stage, source: str) -> None:
    stage.program.write_text(source, encoding="utf-8")
    stage.program.chmod(0o444)


def remove(root: Path) -> None:
    out = root / "out"
    if outputfs.is_mount_point(out):
        outputfs.unmount(out)
    shutil.rmtree(root, ignore_errors=True)


def container_id(root: Path) -> str | None:
    try:
        return (root / CONTAINER_ID_FILE).read_text().strip() or None
    except OSError:
        return None


def stale_entries(now: float) -> list[Path]:
    """Staging directories whose process is gone, and spares past their time."""
    try:
        entries = list(os.scandir(staging_root()))
    except (OSError, SandboxError):
        return []
    stale = []
    for entry in entries:
        owned = re.match(r"^(?:run|making)-(\d+)-", entry.name)
        spare = re.match(r"^spare-[0-9a-f]+-(\d+)-", entry.name)
        if owned and not _alive(int(owned.group(1))):
            stale.append(Path(entry.path))
        elif spare and int(spare.group(1)) < now:
            stale.append(Path(entry.path))
    return stale


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True
