"""The wake-word engine of the C core, for Python."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ._ffi import check, ffi, lib
from .audio import SAMPLE_RATE
from .core import MAX_ARENA, Model
from .errors import OutOfMemoryError
from .manifest import DEFAULT_MODELS, Manifest, resolve

DEFAULT_REFRACTORY_S = 2.0
_EVENTS = 64


@dataclass(frozen=True)
class Detection:
    """A wake word heard: which model, where (end of the deciding frame), how sure."""

    model: str
    sample_index: int
    probability: float

    @property
    def time_s(self) -> float:
        return self.sample_index / SAMPLE_RATE

    def as_dict(self) -> dict[str, Any]:
        return {"model": self.model, "time_s": round(self.time_s, 4), "probability": round(self.probability, 4)}


class WakeWordEngine:
    """Several wake-word models on one shared frontend.

    ``refractory_s`` is the minimum time between two detections of one model;
    0 reports every window over the cutoff (what pymicro-wakeword returns).
    """

    def __init__(
        self,
        models: Sequence[str | Manifest] = DEFAULT_MODELS,
        refractory_s: float = DEFAULT_REFRACTORY_S,
    ) -> None:
        if not models:
            raise ValueError("at least one model is needed")
        if refractory_s < 0:
            raise ValueError("refractory_s must be >= 0")
        self.manifests = [m if isinstance(m, Manifest) else resolve(m) for m in models]
        self.refractory_s = refractory_s
        self._engine = ffi.new("es_ww_engine_t *")
        check(lib.es_ww_init(self._engine, ffi.NULL, ffi.NULL), "wake-word engine init")
        self._models: list[Model] = []
        self._arenas: list[Any] = []
        for man in self.manifests:
            self._add(man)
        self._events = ffi.new("es_ww_event_t[]", _EVENTS)
        self._consumed = ffi.new("size_t *")
        self._n_events = ffi.new("size_t *")
        self.samples_seen = 0

    def _add(self, man: Manifest) -> None:
        model = Model.from_file(man.model_path)
        cfg = ffi.new("es_ww_config_t *")
        cfg.probability_cutoff = man.probability_cutoff
        cfg.sliding_window_size = man.sliding_window_size
        cfg.refractory_samples = round(self.refractory_s * SAMPLE_RATE)
        index = ffi.new("uint32_t *")
        size = 32 * 1024
        while True:
            arena = ffi.new("uint8_t[]", size)
            status = lib.es_ww_add_model(self._engine, model.data_pointer, model.size, arena, size, cfg, index)
            if status != OutOfMemoryError.status or size >= MAX_ARENA:
                break
            size *= 2
        check(status, f"{man.name}: cannot add wake-word model")
        self._models.append(model)
        self._arenas.append(arena)

    @property
    def names(self) -> list[str]:
        return [m.name for m in self.manifests]

    def arena_used(self, index: int) -> int:
        """Bytes of arena model ``index`` uses."""
        return int(lib.es_ww_arena_used(self._engine, index))

    def reset(self) -> None:
        check(lib.es_ww_reset(self._engine), "wake-word engine reset")
        self.samples_seen = 0

    def process(self, samples: npt.ArrayLike) -> list[Detection]:
        """Feed int16 samples (any count); returns the detections they caused."""
        pcm = np.ascontiguousarray(samples, dtype=np.int16)
        if pcm.ndim != 1:
            raise ValueError("samples must be one-dimensional (mono)")
        ptr = ffi.from_buffer("int16_t[]", pcm)
        out: list[Detection] = []
        pos, n = 0, len(pcm)
        while pos < n:
            status = lib.es_ww_process(
                self._engine, ptr + pos, n - pos, self._consumed, self._events, _EVENTS, self._n_events
            )
            check(status, "wake-word engine")
            pos += int(self._consumed[0])
            for k in range(int(self._n_events[0])):
                ev = self._events[k]
                out.append(Detection(self.names[ev.model], int(ev.sample_index), float(ev.probability)))
        self.samples_seen += n
        return out

    def process_stream(self, chunks: Iterable[npt.ArrayLike]) -> Iterable[Detection]:
        for chunk in chunks:
            yield from self.process(chunk)


def detect(
    samples: npt.ArrayLike,
    models: Sequence[str | Manifest] = DEFAULT_MODELS,
    refractory_s: float = DEFAULT_REFRACTORY_S,
) -> list[Detection]:
    """All detections in a whole recording."""
    return WakeWordEngine(models, refractory_s).process(samples)
