"""Shared fixtures: paths, the synthesized corpus, reference runtimes."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("EARSHOT_SHARED", ROOT.parent / "shared"))
CONFORMANCE = SHARED / "conformance"
CACHE = Path(os.environ.get("EARSHOT_TEST_CACHE", ROOT / "tests" / ".cache"))
SAMPLES = ROOT / "host_tools" / "earshot" / "data" / "samples"
WAKE_MODELS = ("okay_nabu", "hey_jarvis", "alexa", "hey_mycroft")

sys.path.insert(0, str(Path(__file__).resolve().parent))


def wake_model_dir() -> Path:
    import pymicro_wakeword

    return Path(pymicro_wakeword.__file__).parent / "models"


@pytest.fixture(scope="session")
def corpus() -> list[Path]:
    """≥10 minutes of varied 16 kHz audio, synthesized once and cached."""
    from corpus import build_corpus

    return build_corpus(CACHE / "corpus")


@pytest.fixture(scope="session")
def conformance() -> Path:
    if not CONFORMANCE.is_dir():
        pytest.skip(f"conformance data not found at {CONFORMANCE}")
    return CONFORMANCE
