"""Python sources are ruff-clean and type-check."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def test_ruff_clean() -> None:
    r = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "host_tools", "tests", "benchmarks", "models"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_mypy_package() -> None:
    r = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", "host_tools/earshot"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 0, r.stdout + r.stderr
