"""qemu_an547 (Cortex-M55 on QEMU mps3-an547): the four wake-word models run on
the emulated M55 over a fixed stream of real quantized features, and every int8
output equals the host build's, invoke by invoke (build/qemu_an547/model_check.elf,
outputs written through semihosting)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from conftest import SAMPLES, WAKE_MODELS, wake_model_dir

pytestmark = pytest.mark.skipif(
    shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
    reason="needs qemu-system-arm and arm-none-eabi-gcc",
)

INVOKES = 300


def feature_stream() -> bytes:
    """Frontend features of the bundled samples, quantized to int8 as microWakeWord feeds them."""
    from earshot import read_wav
    from earshot.core import Frontend

    frames = []
    for name in ("okay_nabu", "hey_jarvis", "no_wake"):
        fe = Frontend()
        frames.append(fe.process(read_wav(SAMPLES / f"{name}.wav")))
    feats = np.concatenate(frames).astype(np.int64)
    q = np.clip((feats * 256 + 333) // 666 - 128, -128, 127).astype(np.int8)
    return q.tobytes()[: 90 * 1024]


def host_outputs(stream: bytes) -> bytes:
    import json

    from earshot.core import Interpreter, Model

    out = bytearray()
    for name in WAKE_MODELS:
        manifest = json.loads((wake_model_dir() / f"{name}.json").read_text())
        it = Interpreter(Model.from_file(wake_model_dir() / manifest["model"]))
        t = it.input(0)
        size = int(np.prod(t.shape))
        pos = 0
        for _ in range(INVOKES):
            chunk = bytes(stream[(pos + k) % len(stream)] for k in range(size))
            pos = (pos + size) % len(stream)
            it.set_input(np.frombuffer(chunk, dtype=np.int8))
            it.invoke()
            out += it.get_output().astype(np.int8).tobytes()
    return bytes(out)


def test_model_outputs_on_m55_equal_host(tmp_path: Path) -> None:
    from earshot.boards import ROOT, build

    build("qemu_an547")
    elf = ROOT / "build" / "qemu_an547" / "model_check.elf"
    stream = feature_stream()
    inp = tmp_path / "in.bin"
    outp = tmp_path / "out.bin"
    inp.write_bytes(stream)
    proc = subprocess.run(
        ["qemu-system-arm", "-M", "mps3-an547", "-display", "none", "-monitor", "none", "-serial", "null",
         "-kernel", str(elf), "-semihosting-config",
         f"enable=on,target=native,arg=model_check,arg=in={inp},arg=out={outp},arg=n={INVOKES}"],
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    m55 = outp.read_bytes()
    host = host_outputs(stream)
    assert len(m55) == len(host) == len(WAKE_MODELS) * INVOKES  # one uint8/int8 probability per invoke
    diff = [i for i in range(len(host)) if host[i] != m55[i]]
    assert not diff, f"{len(diff)} outputs differ, first at invoke {diff[0]}"
    assert len(set(host)) > 10  # the stream exercises the models (not a constant output)


def test_flash_file_persists_across_runs_and_kill(tmp_path: Path) -> None:
    """The flash is a host file written through at every operation: an image
    flashed before a kill (power off) is still there, confirmed, at the next start."""
    from earshot.boards import QemuBoard, build
    from earshot.device import Device

    image = build("qemu_an547", version=4, small=True).read_bytes()
    flash = tmp_path / "flash.bin"
    with QemuBoard(flash=flash) as board, Device(board.port) as dev:
        result = dev.flash(image)
        assert result["boot"]["role"] == "application" and result["confirmed"]
        board.power_off()
    assert flash.stat().st_size == 4 * 1024 * 1024
    with QemuBoard(flash=flash) as board, Device(board.port) as dev:
        info = dev.info()
        assert info["board"] == "qemu_an547" and info["role_name"] == "application"
        assert info["firmware_version"] == 4
        assert info["slots"][info["running_slot"]]["state"] == "confirmed"


def test_profile_reports_stack_high_water(tmp_path: Path) -> None:
    """The bootloader paints the stack at reset; the application's PROFILE reports
    the bytes the (shared) stack has used since then, from the untouched paint."""
    from earshot.boards import QemuBoard, build
    from earshot.device import Device

    image = build("qemu_an547", version=5, small=True).read_bytes()
    with QemuBoard(flash=tmp_path / "flash.bin") as board, Device(board.port) as dev:
        dev.flash(image)
        prof = dev.profile()
    assert prof["stack_bytes"] >= 64 * 1024
    assert 256 < prof["stack_high_water"] < prof["stack_bytes"] // 4
