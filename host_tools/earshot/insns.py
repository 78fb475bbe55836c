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


def plugin_arg(start: int | list[int], ends: list[int], out: Path) -> str:
    """The ``-plugin`` value that counts the instructions from a start to any of ``ends`` into ``out``."""
    if "," in str(out):
        raise ConfigError(f"plugin output path must not contain commas: {out}")
    starts = start if isinstance(start, list) else [start]
    return ",".join([str(plugin_path()), *(f"start={a:#x}" for a in starts), *(f"end={e:#x}" for e in ends),
                     f"out={out}"])


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


def _run_model_check(elf: Path, starts: list[int], ends: list[int], invokes: int, stream: bytes | None,
                     timeout: float) -> tuple[list[str], list[int]]:
    """Run model_check.elf under QEMU with the plugin; returns the model names and the window counts."""
    data = feature_stream() if stream is None else stream
    with tempfile.TemporaryDirectory(prefix="earshot-insns-") as tmp:
        inp, outp = Path(tmp) / "in.bin", Path(tmp) / "out.bin"
        counts, arena = Path(tmp) / "counts.txt", Path(tmp) / "arena.txt"
        inp.write_bytes(data)
        proc = subprocess.run(
            ["qemu-system-arm", "-M", "mps3-an547", "-display", "none", "-monitor", "none", "-kernel", str(elf),
             "-plugin", plugin_arg(starts, ends, counts), "-semihosting-config",
             f"enable=on,target=native,arg=model_check,arg=in={inp},arg=out={outp},arg=n={invokes},"
             f"arg=arena={arena}"],
            capture_output=True, text=True, timeout=timeout, check=False)
        if proc.returncode != 0:
            raise ConfigError(f"model_check failed ({proc.returncode}): {(proc.stdout + proc.stderr)[-2000:]}")
        names = [line.split()[0] for line in arena.read_text().splitlines()]
        values = [int(v) for v in counts.read_text().split()]
    return names, values


def model_check_insns(invokes: int = 10, stream: bytes | None = None, timeout: float = 300.0) -> dict[str, list[int]]:
    """Instructions of each of ``invokes`` inferences of every embedded model, in table order."""
    elf = build_dir(BOARD) / "model_check.elf"
    if not elf.is_file():
        build(BOARD)
    start = symbol_address(elf, "es_interp_invoke")
    ends = return_addresses(elf, "es_interp_invoke")
    names, values = _run_model_check(elf, [start], ends, invokes, stream, timeout)
    if len(values) != invokes * len(names):
        raise ConfigError(f"expected {invokes * len(names)} windows, the plugin counted {len(values)}")
    return {name: values[k * invokes:(k + 1) * invokes] for k, name in enumerate(names)}


def indirect_call_address(elf: Path, function: str) -> tuple[int, int]:
    """Address of the single indirect call (``blx rN``) in ``function`` and of the instruction after it
    (the interpreter's call of a kernel's invoke)."""
    out = subprocess.run(["arm-none-eabi-objdump", "-d", "--no-show-raw-insn", str(elf)], capture_output=True,
                         text=True, check=True).stdout
    body: list[str] = []
    inside = False
    for line in out.splitlines():
        if line.endswith(f"<{function}>:"):
            inside = True
            continue
        if inside:
            if not line.strip():
                break
            body.append(line)
    insn = re.compile(r"^\s*([0-9a-f]+):\s+(\S+)")
    parsed = [(int(m.group(1), 16), m.group(2)) for m in map(insn.match, body) if m]
    calls = [i for i, (_, op) in enumerate(parsed) if op == "blx"]
    if len(calls) != 1 or calls[0] + 1 >= len(parsed):
        raise ConfigError(f"{elf.name}: expected one indirect call in {function}, found {len(calls)}")
    return parsed[calls[0]][0], parsed[calls[0] + 1][0]


def model_check_op_insns(invokes: int = 6, stream: bytes | None = None,
                         timeout: float = 300.0) -> dict[str, list[tuple[str, int]]]:
    """Median instructions of each operator of every embedded model, from inferences 2..N.

    The plugin window opens at the interpreter's call of a kernel's invoke and
    closes at its return (the call and return included): one count per operator.
    The first inference also runs the CALL_ONCE init subgraph and is skipped.
    """
    from .core import Model
    from .manifest import resolve

    if invokes < 2:
        raise ConfigError("need at least 2 inferences (the first one runs the init subgraph)")
    elf = build_dir(BOARD) / "model_check.elf"
    if not elf.is_file():
        build(BOARD)
    # the kernel call sites: in es__invoke_subgraph (subgraphs run by CALL_ONCE) and its copy inlined
    # into es_interp_invoke (the main subgraph)
    sites = [indirect_call_address(elf, f) for f in ("es_interp_invoke", "es__invoke_subgraph")]
    names, values = _run_model_check(elf, [a for a, _ in sites], [b for _, b in sites], invokes, stream, timeout)
    result: dict[str, list[tuple[str, int]]] = {}
    pos = 0
    for name in names:
        model = Model.from_file(resolve(name).model_path)
        main = model.op_names(0)
        init = sum(len(model.op_names(g)) for g in range(1, model.n_subgraphs))
        pos += len(main) + init - (1 if init else 0)  # the first inference: CALL_ONCE's own window is cut short
        per_op: list[list[int]] = [[] for _ in main]
        for _ in range(invokes - 1):
            for k in range(len(main)):
                per_op[k].append(values[pos])
                pos += 1
        result[name] = [(op, sorted(c)[len(c) // 2]) for op, c in zip(main, per_op, strict=True)]
    if pos != len(values):
        raise ConfigError(f"the plugin counted {len(values)} operator windows, expected {pos}")
    return result
