"""The C core builds warning-free (gcc, clang, arm-none-eabi-gcc for Cortex-M55) with no heap and no mutable globals."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

SCONS = [sys.executable, "-m", "SCons"]


def scons(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SCONS, "-Q", *args], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)


def symbols(lib: Path, nm: str) -> list[tuple[str, str]]:
    out = subprocess.run([nm, str(lib)], capture_output=True, text=True, check=True).stdout
    result = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2 and len(parts[-2]) == 1:
            result.append((parts[-2], parts[-1]))
    return result


def test_host_gcc_build_warning_free() -> None:
    r = scons("host")
    assert r.returncode == 0, r.stdout + r.stderr
    lib = ROOT / "build" / "host" / "libearshot.a"
    syms = symbols(lib, "nm")
    undefined = {name for kind, name in syms if kind == "U"}
    assert not undefined & {"malloc", "calloc", "realloc", "free"}, "the core must not use the heap"
    exported = {name for kind, name in syms if kind in "TDR" and not name.startswith(".")}
    assert exported and all(name.startswith("es_") for name in exported), sorted(
        n for n in exported if not n.startswith("es_")
    )


@pytest.mark.skipif(shutil.which("clang") is None, reason="clang not installed")
def test_host_clang_build_warning_free() -> None:
    r = scons("host", "cc=clang")
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None, reason="gcc-arm-none-eabi not installed")
def test_cortex_m55_cross_build() -> None:
    r = scons("arm")
    assert r.returncode == 0, r.stdout + r.stderr
    lib = ROOT / "build" / "arm" / "libearshot.a"
    syms = symbols(lib, "arm-none-eabi-nm")
    mutable = [name for kind, name in syms if kind in "BbDdCc"]
    assert mutable == [], f"mutable global state in the core: {mutable}"
    undefined = {name for kind, name in syms if kind == "U"}
    assert not undefined & {"malloc", "calloc", "realloc", "free"}
    size = subprocess.run(["arm-none-eabi-size", "-t", str(lib)], capture_output=True, text=True, check=True)
    text = int(size.stdout.splitlines()[-1].split()[0])
    assert 10_000 < text < 64_000, f"core text {text} bytes"


def test_c_example_matches_python_engine(corpus: list[Path]) -> None:
    """examples/ww_detect.c (C API only, static memory) detects what the Python engine does."""
    from earshot import WakeWordEngine, read_wav, resolve

    from conftest import wake_model_dir

    r = scons("host")
    assert r.returncode == 0, r.stdout + r.stderr
    exe = ROOT / "build" / "host" / "ww_detect"
    names = ["okay_nabu", "hey_jarvis", "alexa", "hey_mycroft"]
    args = []
    for name in names:
        man = resolve(name)
        args.append(f"{wake_model_dir() / (name + '.tflite')}:{man.probability_cutoff!r}:{man.sliding_window_size}")
    wakes = [p for p in corpus if p.name.startswith("wake_")]
    for path in wakes[:4]:
        pcm = read_wav(path)
        proc = subprocess.run([str(exe), *args], input=pcm.astype("<i2").tobytes(), capture_output=True, check=False,
                              timeout=120)
        assert proc.returncode == 0, proc.stderr.decode()
        ours = [(int(line.split()[0]), names[int(line.split()[1])]) for line in proc.stdout.decode().splitlines()]
        expect = [(d.sample_index, d.model) for d in WakeWordEngine(names, refractory_s=2.0).process(pcm)]
        assert ours == expect and ours, path.name
