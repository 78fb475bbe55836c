"""Protocol fuzzing of the firmware's frame parser and command dispatchers under ASan + UBSan.

Builds fuzz/fuzz_proto.c with the bootloader and application firmware (no models)
and runs >= 100,000 iterations of random and mutated wire input (garbage,
truncated frames, bad CRCs, oversized frames, unknown versions/types/commands,
well-formed requests with random payloads, whole image updates) through
es_boot_serve and es_app_main over an in-memory flash and a stub UART. Every byte
the device sends must parse as a valid frame, and every well-formed request must
get exactly one response.
"""

import os
import re
import subprocess
from pathlib import Path

import pytest

from sanitizers import SAN_ENV, SAN_FLAGS, runtime_sources, sanitizer_cc

pytestmark = pytest.mark.fuzz

REPO = Path(__file__).resolve().parents[1]
HARNESS = REPO / "fuzz" / "fuzz_proto.c"
ITERATIONS = max(100000, int(os.environ.get("EARSHOT_FUZZ_ITERATIONS", "100000")))
PRNG_SEED = os.environ.get("EARSHOT_FUZZ_SEED", "1")

SUMMARY_RE = re.compile(
    r"fuzz_proto: (\d+) iterations, (\d+) frames, (\d+) requests, (\d+) answered, (\d+) events, (\d+) rx_errors, "
    r"(\d+) clean runs, (\d+) commits, (\d+) crashes"
)


def _sources() -> list[str]:
    fw = [
        REPO / "firmware" / "proto" / "proto.c",
        *sorted((REPO / "firmware" / "common").glob("*.c")),
        REPO / "firmware" / "boot" / "boot.c",
        REPO / "firmware" / "app" / "app.c",
    ]
    return [str(p) for p in fw] + runtime_sources()


@pytest.fixture(scope="module")
def fuzz_binary(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("fuzz_proto")
    cc = sanitizer_cc(workdir)
    exe = workdir / "fuzz_proto"
    includes = [
        f"-I{REPO / d}"
        for d in (
            "runtime/include",
            "drivers/include",
            "firmware/proto",
            "firmware/common",
            "firmware/boot",
            "firmware/app",
        )
    ]
    cmd = [cc, *SAN_FLAGS, "-Wall", "-Wextra", *includes, str(HARNESS), *_sources(), "-lm", "-o", str(exe)]
    build = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, f"harness build failed:\n{build.stderr}"
    assert "warning" not in build.stderr, f"harness build is not warning-free:\n{build.stderr}"
    return exe


def test_fuzz_proto(fuzz_binary):
    cmd = [str(fuzz_binary), "-n", str(ITERATIONS), "-s", PRNG_SEED]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env={**os.environ, **SAN_ENV})
    out = proc.stdout + proc.stderr
    reproduce = " ".join(cmd)
    assert proc.returncode == 0, f"fuzz_proto failed (exit {proc.returncode}); reproduce: {reproduce}\n{out[-6000:]}"
    m = SUMMARY_RE.search(proc.stdout)
    assert m, f"no summary line:\n{out[-3000:]}"
    iterations, frames, requests, answered, events, rx_errors, clean, commits, crashes = map(int, m.groups())
    assert iterations >= 100000 and crashes == 0
    # Not vacuous: malformed input was seen and dropped, requests were answered,
    # and whole updates got as far as a committed trailer.
    assert rx_errors >= iterations // 10, proc.stdout
    assert answered >= requests // 2, proc.stdout
    assert clean >= iterations // 10 and commits >= iterations // 50 and events > 0 and frames > iterations, proc.stdout
