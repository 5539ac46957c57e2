"""Resource limits of one sandbox run: a frozen value, safe by default, passed in per call."""

from __future__ import annotations

import re
from dataclasses import dataclass

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$", re.IGNORECASE)
_MB_PER_UNIT = {"": 1 / (1024 * 1024), "k": 1 / 1024, "m": 1, "g": 1024, "t": 1024 * 1024}


@dataclass(frozen=True)
class Limits:
    """What one run may use. Memory is memory+swap (no swap), sizes in MiB, output caps in KiB."""

    timeout_s: float = 120.0
    memory_mb: int = 2048
    cpus: float = 1.0
    pids: int = 128
    tmpfs_mb: int = 256
    output_mb: int = 2048
    output_files: int = 256
    log_kb: int = 1024

    def __post_init__(self) -> None:
        checks = {
            "timeout_s": self.timeout_s > 0,
            "memory_mb": self.memory_mb >= 16,
            "cpus": self.cpus > 0,
            "pids": self.pids >= 8,
            "tmpfs_mb": self.tmpfs_mb >= 1,
            "output_mb": self.output_mb >= 1,
            "output_files": self.output_files >= 2,
            "log_kb": self.log_kb >= 1,
        }
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            raise ValueError(f"limit out of range: {', '.join(bad)} ({self})")


def parse_size_mb(text: str) -> int:
    """'512m', '2g', '2GiB', '300' (MiB) -> MiB."""
    match = _SIZE.match(str(text))
    if not match:
        raise ValueError(f"not a size: {text!r} (use e.g. 512m or 2g)")
    number, unit = float(match.group(1)), match.group(2).lower()
    if not unit and "b" not in str(text).lower():
        unit = "m"
    return max(1, int(number * _MB_PER_UNIT[unit]))
