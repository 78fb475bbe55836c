"""Corrupt, truncated, hostile and unsupported models get clear errors, never a crash."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from earshot import Interpreter, Model
from earshot.errors import EarshotError, ModelError, OutOfMemoryError, UnsupportedError, UnsupportedOpError

from conftest import wake_model_dir


def model_bytes(name: str = "okay_nabu") -> bytes:
    return (wake_model_dir() / f"{name}.tflite").read_bytes()


def _u32(b: bytes | bytearray, at: int) -> int:
    return int(struct.unpack_from("<I", b, at)[0])


def _field(b: bytes | bytearray, table: int, fid: int) -> int:
    """Absolute position of field ``fid`` of the table at ``table`` (0 if absent)."""
    vt = table - struct.unpack_from("<i", b, table)[0]
    vsize = struct.unpack_from("<H", b, vt)[0]
    slot = 4 + 2 * fid
    if slot >= vsize:
        return 0
    off = struct.unpack_from("<H", b, vt + slot)[0]
    return table + off if off else 0


def opcode_tables(b: bytes | bytearray) -> list[int]:
    root = _u32(b, 0)
    at = _field(b, root, 1)  # operator_codes
    vec = at + _u32(b, at)
    return [vec + 4 + 4 * i + _u32(b, vec + 4 + 4 * i) for i in range(_u32(b, vec))]


def test_loads_real_models() -> None:
    for name in ("okay_nabu", "hey_jarvis", "alexa", "hey_mycroft"):
        it = Interpreter(Model(model_bytes(name), name))
        assert it.input().shape == (1, 3, 40) and it.output().shape == (1, 1)


@pytest.mark.parametrize("cut", [0, 1, 8, 15, 16, 100, 1000, 40000, -1])
def test_truncated(cut: int) -> None:
    data = model_bytes()
    data = data[:cut] if cut >= 0 else data[:-1]
    with pytest.raises(EarshotError) as exc:
        Interpreter(Model(data, "t.tflite"))
    assert "t.tflite" in str(exc.value)


def test_not_a_model() -> None:
    with pytest.raises(ModelError, match="TFL3"):
        Model(b"\x10\x00\x00\x00GIF89a" + bytes(100), "x")
    with pytest.raises(ModelError):
        Model(bytes(4096), "zeros")


def test_random_and_mutated_models_never_crash() -> None:
    rng = np.random.default_rng(11)
    base = bytearray(model_bytes("hey_jarvis"))
    outcomes = {"error": 0, "ok": 0}
    for i in range(400):
        data = bytearray(base)
        for _ in range(int(rng.integers(1, 8))):
            pos = int(rng.integers(0, len(data)))
            data[pos] = int(rng.integers(0, 256))
        if i % 50 == 0:
            data = bytearray(rng.integers(0, 256, size=int(rng.integers(16, 5000)), dtype=np.uint8).tobytes())
        try:
            it = Interpreter(Model(bytes(data), "m"), arena_size=256 * 1024)
            it.set_input(np.zeros(it.input().shape, dtype=it.input().dtype))
            it.invoke()
            it.invoke()
            outcomes["ok"] += 1
        except EarshotError:
            outcomes["error"] += 1
    assert outcomes["error"] > 50 and outcomes["ok"] > 50, outcomes


def test_unsupported_operator_is_named() -> None:
    data = bytearray(model_bytes())
    tables = opcode_tables(data)
    # rewrite the first operator code to ADD (0): deprecated_builtin_code (int8) and builtin_code (int32)
    t = tables[0]
    dep, code = _field(data, t, 0), _field(data, t, 3)
    assert code or dep
    if dep:
        data[dep] = 0
    if code:
        struct.pack_into("<i", data, code, 0)
    # a code this build does not know at all
    with pytest.raises(UnsupportedOpError, match=r"operator ADD \(builtin code 0\) is not supported"):
        Model(bytes(data), "patched")
    data2 = bytearray(model_bytes())
    t = opcode_tables(data2)[-1]
    code = _field(data2, t, 3)
    if code:
        struct.pack_into("<i", data2, code, 205)
        dep = _field(data2, t, 0)
        if dep:
            data2[dep] = 127
        with pytest.raises(UnsupportedOpError, match="builtin code 205"):
            Model(bytes(data2), "patched2")


def test_arena_too_small() -> None:
    with pytest.raises(OutOfMemoryError, match="arena too small"):
        Interpreter(Model(model_bytes(), "m"), arena_size=4000)
    it = Interpreter(Model(model_bytes(), "m"))
    assert it.arena_size - 16 <= it.arena_used <= it.arena_size
    with pytest.raises(OutOfMemoryError):
        Interpreter(Model(model_bytes(), "m"), arena_size=it.arena_used - 64)


def test_wrong_input_shape_rejected() -> None:
    it = Interpreter(Model(model_bytes(), "m"))
    with pytest.raises(ValueError, match=r"needs shape \(1, 3, 40\)"):
        it.set_input(np.zeros((1, 2, 40), dtype=np.int8))


def test_bad_compat_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        Interpreter(Model(model_bytes(), "m"), compat="nope")
    with pytest.raises(ModelError, match="cannot read model"):
        Model.from_file(tmp_path / "none.tflite")


def test_exceptions_map_status_codes() -> None:
    from earshot.errors import error_for_status

    assert isinstance(error_for_status(-4, "x"), UnsupportedOpError)
    assert isinstance(error_for_status(-5, "x"), UnsupportedError)
    assert error_for_status(-3, "x").code_name == "ES_ERR_MODEL"
    from earshot._ffi import status_name

    for code in range(-13, 1):
        name = status_name(code)
        assert name.startswith("ES_")
        if code:
            assert error_for_status(code, "x").code_name == name
