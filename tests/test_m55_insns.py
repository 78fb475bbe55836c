"""Instruction counts on the emulated Cortex-M55 with the project's TCG plugin
(boards/qemu_an547/plugin/insn_count.c): positive, and identical from run to run."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from conftest import WAKE_MODELS

pytestmark = pytest.mark.skipif(
    shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None
    or shutil.which("gcc") is None,
    reason="needs qemu-system-arm, arm-none-eabi-gcc and gcc",
)


def test_two_runs_give_identical_positive_counts() -> None:
    from earshot.insns import model_check_insns

    first = model_check_insns(invokes=5)
    second = model_check_insns(invokes=5)
    assert list(first) == list(WAKE_MODELS)
    for model, counts in first.items():
        assert len(counts) == 5
        assert all(c > 10_000 for c in counts), (model, counts)
    assert first == second
    # the models differ in size: okay_nabu (the largest) takes the most instructions
    assert min(first["okay_nabu"]) > max(max(first[m]) for m in WAKE_MODELS if m != "okay_nabu")


def test_qemu_board_loads_the_plugin(tmp_path: Path) -> None:
    """QemuBoard(plugin=...): the bootloader's es_boot_decide call at start-up is one window."""
    from earshot.boards import QemuBoard, build_dir
    from earshot.insns import plugin_arg, return_addresses, symbol_address

    elf = build_dir("qemu_an547") / "boot.elf"
    if not elf.is_file():
        from earshot.boards import build

        build("qemu_an547")
    counts = tmp_path / "counts.txt"
    arg = plugin_arg(symbol_address(elf, "es_boot_decide"), return_addresses(elf, "es_boot_decide"), counts)
    with QemuBoard(flash=tmp_path / "flash.bin", plugin=arg):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not (counts.is_file() and counts.read_text().strip()):
            time.sleep(0.05)
    values = [int(v) for v in counts.read_text().split()]
    assert values and values[0] > 0


def test_profile_reports_instructions_per_op() -> None:
    """`earshot profile --board qemu_an547` counts each operator; repeatable and consistent with the totals."""
    import json
    import subprocess
    import sys

    def run() -> dict:
        proc = subprocess.run([sys.executable, "-m", "earshot", "profile", "--board", "qemu_an547", "--json",
                               "--inferences", "3"], capture_output=True, text=True, timeout=600, check=False)
        assert proc.returncode == 0, proc.stderr[-3000:]
        return json.loads(proc.stdout)

    first, second = run(), run()
    assert first == second
    assert set(first) == {"okay_nabu", "hey_jarvis", "alexa", "hey_mycroft"}
    for name, r in first.items():
        ops = r["ops"]
        assert ops[0]["op"] == "CALL_ONCE" and any(o["op"] == "CONV_2D" for o in ops)
        total = sum(o["insns"] for o in ops)
        assert 0.95 * r["insns_per_inference_median"] < total < r["insns_per_inference_median"], name
        conv = sum(o["insns"] for o in ops if o["op"] in ("CONV_2D", "DEPTHWISE_CONV_2D"))
        assert conv > total / 2, name  # the convolutions dominate
