"""The machine a benchmark ran on, and whether something else was using it at the time."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gb() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GB"
    except OSError:
        pass
    return "unknown"


def _os() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return f"{line.split('=', 1)[1].strip(chr(34))}, kernel {platform.release()}"
    except OSError:
        pass
    return platform.platform()


def commit() -> str:
    """The commit measured, marked dirty when the working tree had changes."""
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"{sha} (working tree had uncommitted changes)" if dirty else sha


def load_average() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return 0.0


def machine_lines() -> list[tuple[str, str]]:
    return [
        ("CPU", f"{_cpu_model()}, {os.cpu_count()} logical cores"),
        ("Memory", _memory_gb()),
        ("OS", _os()),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("Date", datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("Commit", commit()),
    ]


def busy_note(before: float, after: float) -> str:
    """Say whether other processes were competing for the CPU (1-minute load average)."""
    cores = os.cpu_count() or 1
    if max(before, after) > 0.5 * cores:
        return (
            f"The machine was busy: 1-minute load average {before:.1f} at the start and "
            f"{after:.1f} at the end on {cores} cores, with other processes running (the "
            "figures are lower than on an idle machine of the same kind)."
        )
    return f"The machine was otherwise idle (load average {before:.1f} → {after:.1f})."
