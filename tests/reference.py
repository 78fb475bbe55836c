"""Reference wake-word detections computed with upstream pymicro-wakeword.

This module is the oracle Earshot's own detector is compared against.  It
drives ``pymicro_wakeword`` exactly the way its ``__main__.py`` does: the WAV
bytes go through the feature frontend in 160-sample (10 ms) chunks, advancing
by ``samples_read`` after every call, and each produced feature frame is handed
to ``MicroWakeWord.process_streaming``.  The only addition is bookkeeping of
*where* in the audio each detection happened.
"""

from __future__ import annotations

import functools
import wave
from pathlib import Path

import numpy as np
from pymicro_features import MicroFrontend  # type: ignore[import-untyped]
from pymicro_wakeword import MicroWakeWord, Model

SAMPLE_RATE = 16000
SAMPLES_PER_CHUNK = 160
BYTES_PER_SAMPLE = 2
BYTES_PER_CHUNK = SAMPLES_PER_CHUNK * BYTES_PER_SAMPLE

MODEL_NAMES: tuple[str, ...] = tuple(m.value for m in Model)


def read_wav_bytes(wav_path: Path | str) -> bytes:
    """Return the raw PCM bytes of a 16 kHz mono 16-bit WAV file."""
    with wave.open(str(wav_path), "rb") as wav_file:
        if wav_file.getframerate() != SAMPLE_RATE:
            raise ValueError(f"{wav_path}: 16 kHz required")
        if wav_file.getsampwidth() != BYTES_PER_SAMPLE:
            raise ValueError(f"{wav_path}: 16-bit samples required")
        if wav_file.getnchannels() != 1:
            raise ValueError(f"{wav_path}: mono required")
        return wav_file.readframes(wav_file.getnframes())


@functools.cache
def _load_model(model_name: str) -> MicroWakeWord:
    return MicroWakeWord.from_builtin(Model(model_name))


def reference_detections_bytes(audio_bytes: bytes, model_name: str) -> list[float]:
    """Like :func:`reference_detections` but for raw s16le 16 kHz mono PCM."""
    mww = _load_model(model_name)
    mww.reset()
    frontend = MicroFrontend()

    times: list[float] = []
    consumed = 0  # samples fed to (and consumed by) the frontend so far
    idx = 0
    while idx + BYTES_PER_CHUNK <= len(audio_bytes):
        chunk = audio_bytes[idx : idx + BYTES_PER_CHUNK]
        result = frontend.process_samples(chunk)
        idx += result.samples_read * BYTES_PER_SAMPLE
        consumed += result.samples_read
        if not result.features:
            continue
        features = np.array(result.features).reshape((1, 1, len(result.features)))
        if mww.process_streaming(features):
            times.append(consumed / SAMPLE_RATE)
    return times


def reference_detections(wav_path: Path | str, model_name: str) -> list[float]:
    """Return the times (seconds) of every window where the reference fires.

    ``model_name`` is one of ``okay_nabu``, ``hey_jarvis``, ``alexa``,
    ``hey_mycroft`` (the pymicro-wakeword built-in models).

    The audio is processed in 160-sample chunks exactly as pymicro-wakeword's
    ``__main__.py`` does (a fresh frontend and a freshly reset model per file).
    Every time ``MicroWakeWord.process_streaming`` returns ``True`` a time is
    recorded; there is no refractory period, so a single utterance usually
    produces several consecutive entries (one per stride of 3 feature frames,
    i.e. every 30 ms while the sliding-window mean stays above the cutoff).

    Time definition: the number of samples fed to the frontend up to and
    including the 160-sample chunk that produced the feature frame which
    completed the stride that produced the above-cutoff probability (i.e. the
    running sum of ``samples_read`` after that chunk), divided by 16000.
    Values are therefore multiples of 0.01 s.  Trailing samples that do not
    fill a whole chunk are never fed, as in the reference.
    """
    return reference_detections_bytes(read_wav_bytes(wav_path), model_name)


def main() -> None:
    """``python tests/reference.py FILE.wav...`` prints detections per model."""
    import sys

    for path in sys.argv[1:]:
        for name in MODEL_NAMES:
            hits = reference_detections(path, name)
            shown = ", ".join(f"{t:.2f}" for t in hits[:8])
            more = " ..." if len(hits) > 8 else ""
            print(f"{path}\t{name}\t{len(hits)}\t{shown}{more}")


if __name__ == "__main__":
    main()
