"""The optimized backend is bit-exact with the reference backend (the specification)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from earshot import Interpreter, Model

from conftest import WAKE_MODELS, wake_model_dir

COMPATS = ("tflite", "tflite-ref", "tflm")


def model_paths(conformance_dir: Path | None) -> list[Path]:
    paths = [wake_model_dir() / f"{n}.tflite" for n in WAKE_MODELS]
    if conformance_dir is not None:
        paths.append(conformance_dir / "micro_speech" / "micro_speech_quantized.tflite")
    return paths


@pytest.mark.parametrize("compat", COMPATS)
def test_opt_equals_ref(compat: str, conformance: Path) -> None:
    rng = np.random.default_rng(5)
    for path in model_paths(conformance):
        model = Model.from_file(path)
        ref = Interpreter(model, compat=compat, backend="ref")
        opt = Interpreter(model, compat=compat, backend="opt")
        shape, dtype = ref.input().shape, ref.input().dtype
        for _ in range(200):
            x = rng.integers(-128, 128, size=shape).astype(dtype)
            ref.set_input(x)
            opt.set_input(x)
            ref.invoke()
            opt.invoke()
            np.testing.assert_array_equal(opt.get_output(), ref.get_output(), err_msg=path.name)
        assert opt.arena_used >= ref.arena_used  # opt may request scratch


def test_backend_names() -> None:
    with pytest.raises(ValueError, match="backend must be one of"):
        Interpreter(Model.from_file(wake_model_dir() / "alexa.tflite"), backend="npu")
