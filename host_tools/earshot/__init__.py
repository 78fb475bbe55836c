"""Earshot: on-device voice (wake word, speech recognition, TTS) SDK and host tools."""

from __future__ import annotations

__version__ = "0.1.0"

from .audio import read_wav, write_wav  # noqa: E402
from .core import Frontend, Interpreter, Model  # noqa: E402
from .errors import *  # noqa: E402,F403
from .errors import EarshotError  # noqa: E402
from .manifest import Manifest, resolve  # noqa: E402
from .wakeword import Detection, WakeWordEngine, detect  # noqa: E402

__all__ = [
    "Detection",
    "EarshotError",
    "Frontend",
    "Interpreter",
    "Manifest",
    "Model",
    "WakeWordEngine",
    "__version__",
    "detect",
    "read_wav",
    "resolve",
    "write_wav",
]
