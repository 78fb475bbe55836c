"""Earshot: on-device voice (wake word, speech recognition, TTS) SDK and host tools."""

from __future__ import annotations

__version__ = "0.1.0"

from .audio import read_wav, write_wav
from .core import Frontend, Interpreter, Model
from .errors import *  # noqa: F403
from .errors import EarshotError
from .manifest import Manifest, resolve
from .wakeword import Detection, WakeWordEngine, detect

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
