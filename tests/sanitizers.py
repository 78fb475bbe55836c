"""Building C test programs with AddressSanitizer + UBSan (shared by the fuzz tests)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

SAN_FLAGS = [
    "-std=c11",
    "-O1",
    "-g",
    "-fsanitize=address,undefined",
    "-fno-sanitize-recover=all",
    "-fno-omit-frame-pointer",
]
SAN_ENV = {
    "ASAN_OPTIONS": "detect_leaks=0:abort_on_error=1",
    "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1",
}


def runtime_sources() -> list[str]:
    """Every C source of the core."""
    return sorted(str(p) for p in (REPO / "runtime" / "src").rglob("*.c"))


def sanitizer_cc(workdir: Path) -> str:
    """gcc, if it can build and run a sanitized program; otherwise the test is skipped."""
    cc = shutil.which("gcc")
    if cc is None:
        pytest.skip("gcc not found")
    src, exe = workdir / "san_probe.c", workdir / "san_probe"
    src.write_text("int main(void) { volatile int x = 1; return x - 1; }\n")
    try:
        build = subprocess.run([cc, *SAN_FLAGS, str(src), "-o", str(exe)], capture_output=True, timeout=120)
        ok = build.returncode == 0 and subprocess.run(
            [str(exe)], capture_output=True, timeout=60, env={**os.environ, **SAN_ENV}
        ).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    if not ok:
        pytest.skip("gcc cannot build/run with -fsanitize=address,undefined (sanitizer runtimes missing)")
    return cc
