"""Reading 16 kHz mono 16-bit audio, with errors that say what was wrong."""

from __future__ import annotations

import struct
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from .errors import AudioFormatError

SAMPLE_RATE = 16000


def _describe(rate: int, channels: int, width: int) -> str:
    return f"{rate} Hz, {channels} channel{'s' if channels != 1 else ''}, {8 * width}-bit"


def read_wav(path: str | Path) -> npt.NDArray[np.int16]:
    """Samples of a 16 kHz mono 16-bit PCM WAV file.

    Raises :class:`AudioFormatError` naming the file and what it contains when
    it is not a WAV, not PCM, or not 16 kHz / mono / 16-bit.
    """
    path = Path(path)
    try:
        with path.open("rb") as f:
            head = f.read(12)
    except OSError as exc:
        raise AudioFormatError(f"{path}: cannot read: {exc.strerror}") from exc
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        raise AudioFormatError(f"{path}: not a WAV file (no RIFF/WAVE header)")
    try:
        with wave.open(str(path), "rb") as w:
            rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
            if (rate, channels, width) != (SAMPLE_RATE, 1, 2):
                raise AudioFormatError(
                    f"{path}: expected 16000 Hz, 1 channel, 16-bit PCM; got {_describe(rate, channels, width)}"
                )
            raw = w.readframes(w.getnframes())
    except (wave.Error, EOFError, struct.error) as exc:
        raise AudioFormatError(f"{path}: unsupported or corrupt WAV: {exc}") from exc
    if len(raw) % 2:
        raw = raw[:-1]
    return np.frombuffer(raw, dtype="<i2").astype(np.int16)


def write_wav(path: str | Path, samples: npt.ArrayLike, rate: int = SAMPLE_RATE) -> None:
    """Write int16 mono samples as a WAV file."""
    pcm = np.ascontiguousarray(samples, dtype="<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())


def iter_pcm(stream: BinaryIO, chunk_bytes: int = 3200) -> Iterator[npt.NDArray[np.int16]]:
    """Yield int16 chunks of raw s16le PCM from a binary stream as it arrives."""
    carry = b""
    while True:
        data = stream.read(chunk_bytes)
        if not data:
            break
        data = carry + data
        cut = len(data) - (len(data) % 2)
        carry = data[cut:]
        if cut:
            yield np.frombuffer(data[:cut], dtype="<i2").astype(np.int16)
