"""Mutation fuzzing of the model loader and interpreter under ASan + UBSan.

Builds fuzz/fuzz_model.c in its standalone mode (own deterministic mutator) with
gcc's address and undefined-behaviour sanitizers and runs >= 100,000 mutated
models derived from the real wake-word and micro_speech models through
es_model_load -> es_interp_prepare -> invoke/reset and es_ww_add_model.
Any sanitizer report aborts the harness, which saves the offending input.
See docs/FUZZING.md.
"""

import os
import re
import subprocess
from pathlib import Path

import pytest

from conftest import CONFORMANCE, wake_model_dir
from sanitizers import SAN_ENV, SAN_FLAGS, runtime_sources, sanitizer_cc

pytestmark = pytest.mark.fuzz

REPO = Path(__file__).resolve().parents[1]
HARNESS = REPO / "fuzz" / "fuzz_model.c"

_WW_MODELS = wake_model_dir()
SEED_MODELS = [
    _WW_MODELS / "okay_nabu.tflite",
    _WW_MODELS / "hey_jarvis.tflite",
    _WW_MODELS / "alexa.tflite",
    _WW_MODELS / "hey_mycroft.tflite",
    CONFORMANCE / "micro_speech" / "micro_speech_quantized.tflite",
]

# At least 100,000; EARSHOT_FUZZ_ITERATIONS may only raise it.
ITERATIONS = max(100000, int(os.environ.get("EARSHOT_FUZZ_ITERATIONS", "100000")))
PRNG_SEED = os.environ.get("EARSHOT_FUZZ_SEED", "1")
# Invokes before es_interp_reset; one more follows the reset, so each input runs twice.
# Keeps the 100,000 iterations at about 2 minutes of one core.
INVOKES = "1"

SUMMARY_RE = re.compile(
    r"fuzz_model: (\d+) iterations, (\d+) loaded OK, (\d+) prepared OK, (\d+) invoked OK, (\d+) crashes"
)


@pytest.fixture(scope="module")
def fuzz_binary(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("fuzz_model")
    cc = sanitizer_cc(workdir)
    exe = workdir / "fuzz_model"
    cmd = [
        cc,
        *SAN_FLAGS,
        "-Wall",
        "-Wextra",
        "-DES_FUZZ_STANDALONE",
        "-I",
        str(REPO / "runtime" / "include"),
        str(HARNESS),
        *runtime_sources(),
        "-lm",
        "-o",
        str(exe),
    ]
    build = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, f"harness build failed:\n{build.stderr}"
    assert "warning" not in build.stderr, f"harness build is not warning-free:\n{build.stderr}"
    return exe, workdir


def test_fuzz_model_mutations(fuzz_binary):
    exe, workdir = fuzz_binary
    seeds = [str(p) for p in SEED_MODELS if p.is_file()]
    if not seeds:
        pytest.skip("none of the seed models is present")
    crash_file = workdir / "crash.tflite"
    cmd = [
        str(exe),
        "-n",
        str(ITERATIONS),
        "-s",
        PRNG_SEED,
        "-I",
        INVOKES,
        "-T",
        "20",
        "-o",
        str(crash_file),
        *seeds,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env={**os.environ, **SAN_ENV})
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, (
        f"fuzz_model failed (exit {proc.returncode}); offending input saved to {crash_file}\n"
        f"reproduce: {exe} -r {crash_file}\n"
        f"{out[-6000:]}"
    )
    m = SUMMARY_RE.search(proc.stdout)
    assert m, f"no summary line in output:\n{out[-3000:]}"
    iterations, loaded, prepared, invoked, crashes = (int(g) for g in m.groups())
    assert iterations >= 100000 and iterations >= ITERATIONS
    assert crashes == 0
    # Not vacuous: some mutants must get past the validator and run.
    assert loaded >= iterations // 100, proc.stdout
    assert prepared >= iterations // 200, proc.stdout
    assert invoked >= iterations // 200, proc.stdout
    # Mutants that fail must mostly be rejected by the validator, not get through it.
    assert loaded < iterations, proc.stdout


# Findings of earlier fuzzing runs, re-created by patching one byte of a bundled
# model (model, byte offset, new value): each once tripped UBSan in a kernel.
REGRESSIONS = [
    ("okay_nabu", 27479, 0x7F),  # int32 bias near INT32_MAX: conv accumulator overflow
    ("alexa", 12843, 0x7F),  # same, another model
    ("okay_nabu", 66755, 0x5F),  # huge scale: requantized value + zero point overflow
    ("okay_nabu", 39739, 0x80),  # depthwise bias overflow
    ("hey_mycroft", 36811, 0x00),  # denormal LOGISTIC scale: shift out of range (TFLM mode)
]


def test_fuzz_regressions_replay_clean(fuzz_binary):
    exe, workdir = fuzz_binary
    files = []
    for name, offset, value in REGRESSIONS:
        src = next((p for p in SEED_MODELS if p.stem == name and p.is_file()), None)
        if src is None:
            continue
        data = bytearray(src.read_bytes())
        data[offset] = value
        out = workdir / f"regress_{name}_{offset}.tflite"
        out.write_bytes(bytes(data))
        files.append(str(out))
    if not files:
        pytest.skip("seed models missing")
    for compat in ("0", "1", "2"):
        proc = subprocess.run(
            [str(exe), "-r", "-c", compat, *files],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, **SAN_ENV},
        )
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
        assert proc.stdout.count("bytes, compat") == len(files)
