"""Executed guest instructions per inference on the emulated Cortex-M55 (qemu_an547).

QEMU runs ``build/qemu_an547/model_check.elf`` (the four embedded models over a
feature stream) with the TCG plugin ``build/qemu_an547/insn_count.so``
(``boards/qemu_an547/plugin/insn_count.c``, ``scons qemu_plugin``), whose window
opens at the entry of ``es_interp_invoke`` and closes at the instruction after
its call in ``model_check.c``: one count per inference. The counts are
instructions executed by QEMU's TCG (exact and repeatable: no interrupts run in
model_check), not cycles.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

from .boards import ROOT, build, build_dir
from .errors import ConfigError

BOARD = "qemu_an547"


def plugin_path(build_missing: bool = True) -> Path:
    """The plugin shared object, built with ``scons qemu_plugin`` when missing."""
    so = build_dir(BOARD) / "insn_count.so"
    if build_missing and not so.is_file():
        proc = subprocess.run([sys.executable, "-m", "SCons", "-Q", "qemu_plugin"], cwd=ROOT, capture_output=True,
                              text=True, check=False)
        if proc.returncode != 0:
            raise ConfigError(f"scons qemu_plugin failed:\n{(proc.stdout + proc.stderr)[-4000:]}")
    if not so.is_file():
        raise ConfigError(f"no plugin at {so} (scons qemu_plugin)")
    return so


def symbol_address(elf: Path, name: str) -> int:
    """Address of a function symbol (Thumb bit cleared), from arm-none-eabi-nm."""
    out = subprocess.run(["arm-none-eabi-nm", str(elf)], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] == name:
            return int(parts[0], 16) & ~1
    raise ConfigError(f"{elf.name} has no symbol {name}")


def return_addresses(elf: Path, callee: str) -> list[int]:
    """Addresses of the instructions right after each ``bl <callee>`` (arm-none-eabi-objdump)."""
    out = subprocess.run(["arm-none-eabi-objdump", "-d", "--no-show-raw-insn", str(elf)], capture_output=True,
                         text=True, check=True).stdout
    lines = out.splitlines()
    insn = re.compile(r"^\s*([0-9a-f]+):\s")
    result = []
    for i, line in enumerate(lines):
        if re.search(rf"\sbl\s+[0-9a-f]+ <{re.escape(callee)}>$", line):
            for nxt in lines[i + 1:]:
                m = insn.match(nxt)
                if m:
                    result.append(int(m.group(1), 16))
                    break
    if not result:
        raise ConfigError(f"{elf.name} has no call to {callee}")
    return result


def plugin_arg(start: int, ends: list[int], out: Path) -> str:
    """The ``-plugin`` value that counts the instructions from ``start`` to any of ``ends`` into ``out``."""
    if "," in str(out):
        raise ConfigError(f"plugin output path must not contain commas: {out}")
    return ",".join([str(plugin_path()), f"start={start:#x}", *(f"end={e:#x}" for e in ends), f"out={out}"])


def feature_stream(max_bytes: int = 90 * 1024) -> bytes:
    """Frontend features of the bundled samples, quantized to int8 as microWakeWord feeds them."""
    import numpy as np

    from .audio import read_wav
    from .cli import SAMPLES_DIR
    from .core import Frontend

    frames = [Frontend().process(read_wav(SAMPLES_DIR / f"{n}.wav")) for n in ("okay_nabu", "hey_jarvis")]
    feats = np.concatenate(frames).astype(np.int64)
    q = np.clip((feats * 256 + 333) // 666 - 128, -128, 127).astype(np.int8)
    return q.tobytes()[:max_bytes]


def model_check_insns(invokes: int = 10, stream: bytes | None = None, timeout: float = 300.0) -> dict[str, list[int]]:
    """Instructions of each of ``invokes`` inferences of every embedded model, in table order."""
    elf = build_dir(BOARD) / "model_check.elf"
    if not elf.is_file():
        build(BOARD)
    start = symbol_address(elf, "es_interp_invoke")
    ends = return_addresses(elf, "es_interp_invoke")
    data = feature_stream() if stream is None else stream
    with tempfile.TemporaryDirectory(prefix="earshot-insns-") as tmp:
        inp, outp = Path(tmp) / "in.bin", Path(tmp) / "out.bin"
        counts, arena = Path(tmp) / "counts.txt", Path(tmp) / "arena.txt"
        inp.write_bytes(data)
        proc = subprocess.run(
            ["qemu-system-arm", "-M", "mps3-an547", "-display", "none", "-monitor", "none", "-kernel", str(elf),
             "-plugin", plugin_arg(start, ends, counts), "-semihosting-config",
             f"enable=on,target=native,arg=model_check,arg=in={inp},arg=out={outp},arg=n={invokes},"
             f"arg=arena={arena}"],
            capture_output=True, text=True, timeout=timeout, check=False)
        if proc.returncode != 0:
            raise ConfigError(f"model_check failed ({proc.returncode}): {(proc.stdout + proc.stderr)[-2000:]}")
        names = [line.split()[0] for line in arena.read_text().splitlines()]
        values = [int(v) for v in counts.read_text().split()]
    if len(values) != invokes * len(names):
        raise ConfigError(f"expected {invokes * len(names)} windows, the plugin counted {len(values)}")
    return {name: values[k * invokes:(k + 1) * invokes] for k, name in enumerate(names)}
