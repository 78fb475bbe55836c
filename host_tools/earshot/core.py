"""Python view of the C core: models, the interpreter and the audio frontend."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ._ffi import check, ffi, lib
from .errors import ModelError, OutOfMemoryError, UnsupportedOpError

_DTYPES: dict[int, Any] = {
    0: np.float32,
    2: np.int32,
    3: np.uint8,
    4: np.int64,
    6: np.bool_,
    7: np.int16,
    9: np.int8,
}

DEFAULT_ARENA = 64 * 1024
MAX_ARENA = 16 * 1024 * 1024


def op_name(code: int) -> str:
    """TFLite builtin operator name of ``code`` ("CONV_2D")."""
    return str(ffi.string(lib.es_op_name(code)).decode())


class Model:
    """A validated .tflite model. The bytes are kept (aligned) for the model's lifetime."""

    def __init__(self, data: bytes, name: str = "model") -> None:
        self.name = name
        # An aligned private copy: the core reads the model in place.
        self._buf = ffi.new("uint32_t[]", (len(data) + 3) // 4 or 1)
        ffi.memmove(self._buf, data, len(data))
        self.size = len(data)
        self._model = ffi.new("es_model_t *")
        status = lib.es_model_load(self._model, self._buf, len(data))
        if status != 0:
            reason = ffi.string(self._model.error).decode() if self._model.error else ""
            if status == UnsupportedOpError.status and self._model.error_op >= 0:
                code = int(self._model.error_op)
                raise UnsupportedOpError(
                    f"{name}: operator {op_name(code)} (builtin code {code}) is not supported by this build"
                )
            check(status, f"{name}: cannot load model", reason)

    @classmethod
    def from_file(cls, path: str | Path) -> Model:
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ModelError(f"{path}: cannot read model: {exc.strerror}") from exc
        return cls(data, name=str(path))

    @property
    def data_pointer(self) -> Any:
        return self._buf

    def op_names(self, subgraph: int = 0) -> list[str]:
        """Builtin operator names of a subgraph, in execution order."""
        if not 0 <= subgraph < int(self._model.n_subgraphs):
            raise IndexError(f"no subgraph {subgraph}")
        n = int(self._model.subgraphs[subgraph].n_operators)
        return [op_name(int(lib.es_model_op_code(self._model, subgraph, i))) for i in range(n)]

    @property
    def n_subgraphs(self) -> int:
        return int(self._model.n_subgraphs)


class Tensor:
    """A view of one interpreter tensor (shares memory with the arena)."""

    def __init__(self, ptr: Any, owner: Any) -> None:
        self._ptr = ptr
        self._owner = owner

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(int(self._ptr.dims[i]) for i in range(self._ptr.ndim))

    @property
    def dtype(self) -> Any:
        return _DTYPES.get(int(self._ptr.type), np.uint8)

    @property
    def scale(self) -> float:
        return float(self._ptr.scale)

    @property
    def zero_point(self) -> int:
        return int(self._ptr.zero_point)

    def array(self) -> npt.NDArray[Any]:
        """A numpy view of the tensor's data (valid while the interpreter lives)."""
        if self._ptr.data == ffi.NULL:
            raise ModelError("tensor has no data")
        buf = ffi.buffer(self._ptr.data, self._ptr.bytes)
        return np.frombuffer(buf, dtype=self.dtype).reshape(self.shape)


COMPAT = {"tflite": 0, "tflite-ref": 1, "tflm": 2}
BACKENDS = {"ref": 0, "opt": 1}


class Interpreter:
    """The int8 interpreter over one model, with its own arena.

    ``arena_size=None`` starts from 64 KiB and grows until the model fits, then
    keeps an arena of exactly :attr:`arena_used` bytes. ``compat`` picks whose
    arithmetic to reproduce bit for bit: "tflite" (TensorFlow Lite's builtin
    kernels, as tflite-runtime and pymicro-wakeword run them), "tflite-ref"
    (its reference kernels) or "tflm" (TensorFlow Lite Micro). ``backend`` is
    the HAL backend: "opt" (portable optimized) or "ref" (reference, the spec).
    """

    def __init__(
        self, model: Model, arena_size: int | None = None, compat: str = "tflite", backend: str = "opt"
    ) -> None:
        if compat not in COMPAT:
            raise ValueError(f"compat must be one of {', '.join(COMPAT)}")
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {', '.join(BACKENDS)}")
        self._hal = lib.es_py_backend(BACKENDS[backend])
        self.backend = backend
        self.model = model
        self.compat = compat
        self._options = ffi.new("es_interp_options_t *")
        self._options.compat = COMPAT[compat]
        self._interp = ffi.new("es_interp_t *")
        if arena_size is not None:
            self._prepare(arena_size)
            return
        size = DEFAULT_ARENA
        while True:
            try:
                self._prepare(size)
                break
            except OutOfMemoryError:
                if size >= MAX_ARENA:
                    raise
                size *= 2
        self._prepare(int(self.arena_used) + 16)  # + worst-case alignment skip

    def _prepare(self, size: int) -> None:
        self._arena = ffi.new("uint8_t[]", size)
        status = lib.es_interp_prepare(
            self._interp, self.model._model, self._hal, self._arena, size, self._options
        )
        if status != 0:
            it = self._interp
            detail = ffi.string(it.error).decode() if it.error else ""
            if it.error_op_index >= 0:
                detail += f" (operator #{it.error_op_index} {op_name(it.error_op_code)})"
            check(status, f"{self.model.name}: prepare failed", detail)
        self.arena_size = size

    @property
    def arena_used(self) -> int:
        return int(lib.es_interp_arena_used(self._interp))

    @property
    def input_count(self) -> int:
        return int(lib.es_interp_input_count(self._interp))

    @property
    def output_count(self) -> int:
        return int(lib.es_interp_output_count(self._interp))

    def input(self, i: int = 0) -> Tensor:
        ptr = lib.es_interp_input(self._interp, i)
        if ptr == ffi.NULL:
            raise IndexError(f"no input {i}")
        return Tensor(ptr, self)

    def output(self, i: int = 0) -> Tensor:
        ptr = lib.es_interp_output(self._interp, i)
        if ptr == ffi.NULL:
            raise IndexError(f"no output {i}")
        return Tensor(ptr, self)

    def tensor(self, index: int) -> Tensor:
        ptr = lib.es_interp_tensor(self._interp, index)
        if ptr == ffi.NULL:
            raise IndexError(f"no tensor {index}")
        return Tensor(ptr, self)

    def set_input(self, value: npt.ArrayLike, i: int = 0) -> None:
        t = self.input(i)
        arr = np.ascontiguousarray(value, dtype=t.dtype)
        if arr.size != int(np.prod(t.shape)):
            raise ValueError(f"input {i} needs shape {t.shape}, got {arr.shape}")
        t.array()[...] = arr.reshape(t.shape)

    def invoke(self) -> None:
        check(lib.es_interp_invoke(self._interp), f"{self.model.name}: invoke failed")

    def get_output(self, i: int = 0) -> npt.NDArray[Any]:
        return self.output(i).array().copy()

    def reset(self) -> None:
        check(lib.es_interp_reset(self._interp), f"{self.model.name}: reset failed")


class Frontend:
    """The TFLM micro frontend (microWakeWord configuration), streaming."""

    def __init__(self) -> None:
        self._fe = ffi.new("es_frontend_t *")
        cfg = ffi.new("es_frontend_config_t *")
        lib.es_frontend_config_default(cfg)
        self.num_channels = int(cfg.num_channels)
        check(lib.es_frontend_init(self._fe, cfg), "frontend init")
        self._out = ffi.new("uint16_t[]", self.num_channels)

    def reset(self) -> None:
        lib.es_frontend_reset(self._fe)

    def process(self, samples: npt.ArrayLike) -> npt.NDArray[np.uint16]:
        """Feed int16 samples; returns the frames produced, shape [frames, channels]."""
        pcm = np.ascontiguousarray(samples, dtype=np.int16)
        ptr = ffi.from_buffer("int16_t[]", pcm)
        consumed = ffi.new("size_t *")
        produced = ffi.new("int *")
        frames: list[npt.NDArray[np.uint16]] = []
        pos, n = 0, len(pcm)
        while pos < n:
            check(
                lib.es_frontend_process(self._fe, ptr + pos, n - pos, consumed, self._out, produced),
                "frontend",
            )
            pos += int(consumed[0])
            if produced[0]:
                frames.append(np.frombuffer(ffi.buffer(self._out), dtype=np.uint16).copy())
        if not frames:
            return np.zeros((0, self.num_channels), dtype=np.uint16)
        return np.stack(frames)
