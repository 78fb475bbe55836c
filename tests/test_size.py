"""`earshot size`: code and data per component of the qemu_an547 firmware, from the ld map files."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess
from typing import Any

import pytest

from conftest import ROOT, WAKE_MODELS

pytestmark = pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None, reason="needs arm-none-eabi-gcc")

KINDS = ("text", "rodata", "data", "bss")


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    from earshot.boards import build
    from earshot.size import firmware_size

    build("qemu_an547")  # up to date: the map files match the ELFs
    return firmware_size("qemu_an547", arenas=False)


def elf_sections(name: str) -> dict[str, int]:
    out = subprocess.run(["arm-none-eabi-size", "-A", str(ROOT / "build" / "qemu_an547" / name)],
                         capture_output=True, text=True, check=True).stdout
    sections = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0].startswith(".") and parts[1].isdigit():
            sections[parts[0]] = int(parts[1])
    return sections


@pytest.mark.parametrize("role", ["bootloader", "application"])
def test_totals_are_sums_of_components(report: dict[str, Any], role: str) -> None:
    prog = report[role]
    comps = prog["components"]
    for kind in KINDS:
        assert prog["totals"][kind] == sum(row[kind] for row in comps.values())
    for row in comps.values():
        assert row["total"] == sum(row[k] for k in KINDS)
    assert prog["totals"]["total"] == sum(row["total"] for row in comps.values()) > 0
    assert prog["flash_bytes"] == prog["totals"]["text"] + prog["totals"]["rodata"] + prog["totals"]["data"] > 0


def test_totals_equal_the_elf_sections(report: dict[str, Any]) -> None:
    boot = elf_sections("boot.elf")
    app = elf_sections("app.elf")
    loaded = (".vectors", ".text", ".ARM.extab", ".ARM.exidx", ".data")
    assert report["bootloader"]["flash_bytes"] == sum(boot.get(s, 0) for s in loaded)
    assert report["bootloader"]["totals"]["bss"] == boot[".bss"] > 32768  # the UART ring
    assert report["application"]["flash_bytes"] == sum(app.get(s, 0) for s in loaded)
    assert report["application"]["flash_bytes"] == (ROOT / "build" / "qemu_an547" / "app.bin").stat().st_size
    assert report["bootloader"]["ram_bytes"] == boot.get(".data", 0) + boot[".bss"]


def test_components(report: dict[str, Any]) -> None:
    app = report["application"]["components"]
    boot = report["bootloader"]["components"]
    for comp in ("runtime", "frontend", "hal", "engine", "models", "firmware", "libc"):
        assert app[comp]["total"] > 0, comp
    assert app["runtime"]["text"] > 10000 and app["hal"]["text"] > 1000
    # the four models are rodata of well over 200 KB; the bootloader has none of the core
    assert app["models"]["rodata"] > 200_000
    assert "models" not in boot and "runtime" not in boot and "hal" not in boot
    assert boot["drivers"]["text"] > 0 and boot["firmware"]["text"] > 0
    total = report["application"]["totals"]["total"]
    assert report["application"]["without_models"] == total - app["models"]["total"] > 0


def test_cli_json_and_table(report: dict[str, Any]) -> None:
    from earshot.cli import main

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["size", "--board", "qemu_an547", "--json", "--no-arena"]) == 0
    doc = json.loads(buf.getvalue())
    assert set(doc) >= {"board", "bootloader", "application"}
    for role in ("bootloader", "application"):
        assert set(doc[role]) >= {"components", "totals", "flash_bytes", "ram_bytes", "without_models"}
        assert set(doc[role]["totals"]) == {*KINDS, "total"}
    assert doc["application"]["totals"] == report["application"]["totals"]
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["size", "--no-arena"]) == 0
    text = buf.getvalue()
    assert "bootloader" in text and "application" in text and "models" in text
    assert str(report["application"]["totals"]["total"]) in text


def test_arena_per_model() -> None:
    from earshot.size import arena_per_model

    per_model, source = arena_per_model("qemu_an547")
    assert set(per_model) == set(WAKE_MODELS)
    assert all(10_000 < v < 48 * 1024 for v in per_model.values()), per_model
    if shutil.which("qemu-system-arm"):
        assert source.startswith("target")
