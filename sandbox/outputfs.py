"""The output directory as a size-capped tmpfs the host mounts: a kernel limit on the total.

A watchdog that measures the directory every 250 ms lets a fast writer get gigabytes onto the disk
between two looks. A tmpfs with ``size=`` and ``nr_inodes=`` makes the kernel refuse the byte past
the budget (ENOSPC) however fast the program writes, and the pages live in memory (charged to the
container's memory cgroup, since the program's processes write them), so nothing reaches the disk.

The host mounts it (this needs root, as on CI and here); the container sees it through the usual
bind mount, so the engine must share the host's mount namespace (checked after each run: if the
program's files landed beneath the mount point, the engine did not see it). Without the right to
mount, the runner falls back to the watchdog and says so in the run's manifest.
"""

from __future__ import annotations

import ctypes
import errno
import os
from dataclasses import dataclass
from pathlib import Path

MS_NOSUID, MS_NODEV, MS_NOEXEC = 0x2, 0x4, 0x8
MNT_DETACH = 0x2
# Below this much free space the cap counts as reached: tmpfs hands out whole pages, and a writer
# stopped by ENOSPC leaves less than one write's worth behind.
FULL_MARGIN_BYTES = 64 * 1024

_libc = ctypes.CDLL(None, use_errno=True)


@dataclass(frozen=True)
class Usage:
    """What the program left in a capped output directory, read from the filesystem itself."""

    used_bytes: int
    free_bytes: int
    free_inodes: int

    @property
    def full(self) -> bool:
        return self.free_bytes < FULL_MARGIN_BYTES or self.free_inodes == 0


def mount_capped(path: Path, size_bytes: int, inodes: int, uid: int, gid: int) -> str | None:
    """Mount a tmpfs of ``size_bytes`` and ``inodes`` on ``path``, owned by ``uid``. Returns None
    when mounted, or why not (one line) when the host may not mount (not root, no CAP_SYS_ADMIN)."""
    options = f"size={size_bytes},nr_inodes={inodes},mode=0700,uid={uid},gid={gid}"
    flags = MS_NOSUID | MS_NODEV | MS_NOEXEC
    if _libc.mount(b"sdgen-out", os.fsencode(path), b"tmpfs", flags, options.encode()) != 0:
        code = ctypes.get_errno()
        return f"cannot mount a tmpfs for the output ({errno.errorcode.get(code, code)})"
    return None


def unmount(path: Path) -> None:
    """Detach the tmpfs (its pages go once the container's view of it is gone too)."""
    if _libc.umount2(os.fsencode(path), MNT_DETACH) != 0:
        code = ctypes.get_errno()
        if code not in (errno.EINVAL, errno.ENOENT):  # not mounted (any more): nothing to do
            raise OSError(code, f"cannot unmount {path}: {os.strerror(code)}")


def is_mount_point(path: Path) -> bool:
    try:
        return os.path.ismount(path)
    except OSError:
        return False


def usage(path: Path) -> Usage:
    info = os.statvfs(path)
    return Usage(
        used_bytes=(info.f_blocks - info.f_bfree) * info.f_frsize,
        free_bytes=info.f_bavail * info.f_frsize,
        free_inodes=info.f_favail,
    )
