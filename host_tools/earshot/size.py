"""Code and data size per component of a board's firmware, from the GNU ld map files.

``earshot size --board qemu_an547`` reads ``build/qemu_an547/boot.map`` and
``app.map`` (building them when missing) and sums every allocated input
section into a component (by the object file it comes from) and a kind:

- ``text``: ``.text*`` (code, veneers), ``rodata``: ``.rodata*``, the vector
  table, the application header, ``.ARM.exidx/extab``; ``data``: ``.data*``
  (initialised RAM, its initial values also in flash); ``bss``: ``.bss*`` and
  ``COMMON``.
- Alignment fill (``*fill*``) and linker data statements count to the input
  section before them, so the components add up to the output sections exactly.

Flash = text + rodata + data (the bytes of the ELF's loaded image). RAM is
static RAM: data + bss for the bootloader (its code runs from ITCM) and
text + rodata + data + bss for the application, which the bootloader copies to
SRAM and runs there. The application's run-time state (``es_app_t``, the four
model arenas and the audio ring) lives in the board RAM the bootloader lends it
and is not in any map.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .boards import build, build_dir
from .errors import ConfigError

KINDS = ("text", "rodata", "data", "bss")
COMPONENTS = ("runtime", "frontend", "hal", "engine", "models", "firmware", "drivers", "libc", "linker")
COMPONENT_HELP = {
    "runtime": "runtime core: interpreter, tflite reader, kernels, names",
    "frontend": "audio frontend (runtime/src/frontend)",
    "hal": "HAL kernels (runtime/src/hal)",
    "engine": "wake-word engine (runtime/src/engine)",
    "models": "generated model arrays (gen/*_models.c)",
    "firmware": "firmware proto/common/boot/app and board glue (boards/)",
    "drivers": "drivers (drivers/)",
    "libc": "newlib libc/libm and libgcc",
    "linker": "linker-script data (LONG markers), stubs, fill before any input section",
}

_SECTION_ONLY = re.compile(r"^ (\S+)\s*$")
_SECTION_FULL = re.compile(r"^ (\S+)\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)\s+(.+?)\s*$")
_CONTINUATION = re.compile(r"^\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)\s+(.+?)\s*$")
_FILL = re.compile(r"^ \*fill\*\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)")
_STATEMENT = re.compile(r"^\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)\s+(LONG|SHORT|BYTE|QUAD|SQUAD)\b")
_OUTPUT = re.compile(r"^(\.\S+)\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)")
_OUTPUT_ONLY = re.compile(r"^(\.\S+)\s*$")
_ALLOCATED = {".vectors", ".text", ".ARM.extab", ".ARM.exidx", ".data", ".bss", ".glue_7", ".glue_7t",
              ".vfp11_veneer", ".v4_bx", ".iplt", ".rel.dyn", ".igot.plt"}


def component_of(obj: str) -> str:
    """The component an input file (object path or ``lib.a(member.o)``) belongs to."""
    name = obj.replace("\\", "/")
    if ".a(" in name:
        return "libc"
    base = name.rsplit("/", 1)[-1]
    if base.endswith("models.o"):
        return "models"
    for prefix, comp in (("runtime_src_frontend_", "frontend"), ("runtime_src_hal_", "hal"),
                         ("runtime_src_engine_", "engine"), ("runtime_src_", "runtime"),
                         ("drivers_", "drivers"), ("firmware_", "firmware"), ("boards_", "firmware")):
        if base.startswith(prefix):
            return comp
    return "linker"


def kind_of(output: str, section: str) -> str:
    if output == ".bss" or section.startswith((".bss", "COMMON")):
        return "bss"
    if output == ".data" or section.startswith(".data"):
        return "data"
    if section.startswith((".text", ".glue", ".vfp11", ".v4_bx", ".iplt")):
        return "text"
    return "rodata"


@dataclass
class MapSizes:
    """Bytes per component and kind of one linked program."""

    name: str
    sizes: dict[str, dict[str, int]] = field(default_factory=dict)
    outputs: dict[str, int] = field(default_factory=dict)

    def add(self, comp: str, kind: str, size: int) -> None:
        row = self.sizes.setdefault(comp, dict.fromkeys(KINDS, 0))
        row[kind] += size

    def component_total(self, comp: str) -> int:
        return sum(self.sizes.get(comp, {}).values())

    def kind_total(self, kind: str) -> int:
        return sum(row[kind] for row in self.sizes.values())

    @property
    def total(self) -> int:
        return sum(self.kind_total(k) for k in KINDS)

    def flash(self) -> int:
        return self.kind_total("text") + self.kind_total("rodata") + self.kind_total("data")

    def ram(self, runs_from_ram: bool) -> int:
        ram = self.kind_total("data") + self.kind_total("bss")
        if runs_from_ram:
            ram += self.kind_total("text") + self.kind_total("rodata")
        return ram


def parse_map(text: str, name: str = "") -> MapSizes:
    """Sizes of the allocated sections of a GNU ld map file.

    Input sections are placed by address: each one owns the bytes from its
    start to the next one's (merged string sections overlap in the map; fill
    and data statements inherit the component of the section before them), so
    the components of an output section add up to its size exactly."""
    result = MapSizes(name)
    lines = text.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.startswith("Linker script and memory map"))
    except StopIteration:
        raise ConfigError(f"{name}: not a GNU ld map file") from None
    # output section -> (start, size, [(address, size, order, component or None, kind)])
    outputs: dict[str, tuple[int, int, list[tuple[int, int, int, str | None, str]]]] = {}
    output = ""
    pending: str | None = None
    order = 0
    i = start + 1
    while i < len(lines):
        line = lines[i]
        i += 1
        if line.startswith("OUTPUT("):
            break
        m = _OUTPUT.match(line) or _OUTPUT_ONLY.match(line)
        if m and not line.startswith(" "):
            output = m.group(1)
            pending = None
            if m.lastindex is not None and m.lastindex >= 3:
                outputs[output] = (int(m.group(2), 16), int(m.group(3), 16), [])
            elif i < len(lines):
                c = re.match(r"^\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)", lines[i])
                if c:
                    outputs[output] = (int(c.group(1), 16), int(c.group(2), 16), [])
                    i += 1
            continue
        if output not in _ALLOCATED or output not in outputs:
            continue
        entries = outputs[output][2]
        order += 1
        fill = _FILL.match(line)
        if fill:
            entries.append((int(fill.group(1), 16), int(fill.group(2), 16), order, None, kind_of(output, output)))
            continue
        stmt = _STATEMENT.match(line)
        if stmt:  # LONG(...) etc. in the linker script
            entries.append((int(stmt.group(1), 16), int(stmt.group(2), 16), order, "linker", kind_of(output, output)))
            continue
        full = _SECTION_FULL.match(line)
        if full and not full.group(1).startswith("*"):
            section, obj = full.group(1), full.group(4)
            entries.append((int(full.group(2), 16), int(full.group(3), 16), order, component_of(obj),
                            kind_of(output, section)))
            pending = None
            continue
        only = _SECTION_ONLY.match(line)
        if only and not only.group(1).startswith("*"):
            pending = only.group(1)
            continue
        cont = _CONTINUATION.match(line)
        if cont and pending is not None and not cont.group(3).startswith("(size before relaxing)"):
            entries.append((int(cont.group(1), 16), int(cont.group(2), 16), order, component_of(cont.group(3)),
                            kind_of(output, pending)))
            pending = None
    for out_name, (out_start, out_size, entries) in outputs.items():
        if out_name not in _ALLOCATED or out_size == 0:
            continue
        result.outputs[out_name] = out_size
        if not entries:
            result.add("linker", kind_of(out_name, out_name), out_size)
            continue
        entries.sort(key=lambda e: (e[0], e[1] != 0, e[2]))
        end = out_start + out_size
        last: tuple[str, str] = ("linker", kind_of(out_name, out_name))
        for k, (addr, _size, _order, comp, kind) in enumerate(entries):
            nxt = entries[k + 1][0] if k + 1 < len(entries) else end
            own = max(0, min(nxt, end) - max(addr, out_start))
            if k == 0:
                own += max(0, addr - out_start)
            if comp is not None:
                last = (comp, kind)
            result.add(last[0], last[1], own)
    return result


def map_paths(board: str) -> dict[str, Path]:
    d = build_dir(board)
    return {"bootloader": d / "boot.map", "application": d / "app.map"}


def arena_per_model(board: str) -> tuple[dict[str, int], str]:
    """Arena bytes per model and where they come from.

    On the board's CPU when possible (qemu_an547: model_check.elf prepares each
    model on the emulated M55 and writes es_interp_arena_used()); otherwise
    prepared on this host with earshot.Interpreter (64-bit pointers: larger)."""
    elf = build_dir(board) / "model_check.elf"
    if board == "qemu_an547" and elf.is_file():
        try:
            with tempfile.TemporaryDirectory(prefix="earshot-size-") as tmp:
                inp, outp, arena = Path(tmp) / "in.bin", Path(tmp) / "out.bin", Path(tmp) / "arena.txt"
                inp.write_bytes(bytes(65536))
                subprocess.run(
                    ["qemu-system-arm", "-M", "mps3-an547", "-display", "none", "-monitor", "none",
                     "-kernel", str(elf), "-semihosting-config",
                     f"enable=on,target=native,arg=model_check,arg=in={inp},arg=out={outp},arg=n=0,"
                     f"arg=arena={arena}"],
                    capture_output=True, timeout=60, check=True)
                result = {}
                for line in arena.read_text().splitlines():
                    model, value = line.split()
                    result[model] = int(value)
                if result:
                    return result, "target (model_check.elf on qemu mps3-an547, Cortex-M55)"
        except (OSError, subprocess.SubprocessError, ValueError):
            pass
    from .core import Interpreter, Model
    from .manifest import DEFAULT_MODELS, resolve

    result = {}
    for model in DEFAULT_MODELS:
        result[model] = Interpreter(Model.from_file(resolve(model).model_path)).arena_used
    return result, "host (earshot.Interpreter on this machine; 64-bit pointers, larger than on the target)"


def measure_stack(board: str = "qemu_an547", wav: Path | None = None) -> dict[str, Any]:
    """Start ``board``, flash its application, stream a sample and read the
    stack high water (stack painting) from PROFILE."""
    from .audio import read_wav
    from .boards import start_board
    from .cli import SAMPLES_DIR
    from .device import Device

    image = build(board)
    with start_board(board) as sim, Device(sim.port, baud=sim.baud) as dev:
        dev.flash(image.read_bytes())
        dev.play(read_wav(wav or SAMPLES_DIR / "okay_nabu.wav").astype("<i2").tobytes())
        time.sleep(0.5)
        prof = dev.profile()
    if "stack_high_water" not in prof:
        raise ConfigError(f"{board} does not report stack_high_water in PROFILE")
    return {"size": int(prof["stack_bytes"]), "high_water": int(prof["stack_high_water"]),
            "source": "PROFILE after flashing app.img and playing a sample (stack painted at reset; "
                      "bootloader and application share the stack)"}


def firmware_size(board: str = "qemu_an547", build_missing: bool = True, arenas: bool = True,
                  stack: bool = False) -> dict[str, Any]:
    """Sizes of the bootloader and the application of ``board`` (see the module docstring)."""
    paths = map_paths(board)
    if build_missing and not all(p.is_file() for p in paths.values()):
        build(board)
    programs: dict[str, Any] = {}
    for role, path in paths.items():
        if not path.is_file():
            raise ConfigError(f"no map file {path}: the {board} build writes no GNU ld map files "
                              "(earshot size supports qemu_an547)")
        sizes = parse_map(path.read_text(errors="replace"), path.name)
        runs_from_ram = role == "application"
        comps = {c: dict(sizes.sizes[c], total=sizes.component_total(c)) for c in COMPONENTS if c in sizes.sizes}
        totals = {k: sizes.kind_total(k) for k in KINDS}
        totals["total"] = sizes.total
        programs[role] = {
            "map": str(path),
            "components": comps,
            "totals": totals,
            "flash_bytes": sizes.flash(),
            "ram_bytes": sizes.ram(runs_from_ram),
            "without_models": sizes.total - sizes.component_total("models"),
        }
    result: dict[str, Any] = {"board": board, **programs}
    if stack:
        result["application"]["stack"] = measure_stack(board)
    if arenas:
        per_model, source = arena_per_model(board)
        result["arena"] = {"per_model": per_model, "total": sum(per_model.values()), "source": source}
    return result


def format_table(report: dict[str, Any]) -> str:
    lines = []
    for role in ("bootloader", "application"):
        prog = report[role]
        lines.append(f"{role} ({prog['map']})")
        lines.append(f"  {'component':<10} {'text':>9} {'rodata':>9} {'data':>9} {'bss':>9} {'total':>9}")
        for comp, row in prog["components"].items():
            lines.append(f"  {comp:<10} " + " ".join(f"{row[k]:>9}" for k in (*KINDS, "total")))
        t = prog["totals"]
        lines.append(f"  {'TOTAL':<10} " + " ".join(f"{t[k]:>9}" for k in (*KINDS, "total")))
        lines.append(f"  flash {prog['flash_bytes']} B, static RAM {prog['ram_bytes']} B, "
                     f"without models {prog['without_models']} B")
        if "stack" in prog:
            st = prog["stack"]
            lines.append(f"  stack {st['size']} B, high water {st['high_water']} B")
        lines.append("")
    if "arena" in report:
        a = report["arena"]
        lines.append(f"arena per model ({a['source']})")
        for model, value in a["per_model"].items():
            lines.append(f"  {model:<12} {value:>9}")
        lines.append(f"  {'TOTAL':<12} {a['total']:>9}")
    return "\n".join(lines)
