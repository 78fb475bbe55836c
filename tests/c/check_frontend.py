#!/usr/bin/env python3
"""Parity check: Earshot's C frontend against pymicro-features (TFLM micro frontend).

Builds tests/c/frontend_dump.c with gcc, renders a set of test signals, runs
pymicro-features on each (160-sample chunks, honouring samples_read the way
pymicro-wakeword does) and the C driver with several chunk sizes, and compares
every feature value as an integer (pymicro-features returns value * 0.0390625).

Usage: check_frontend.py [--quick]
Needs numpy, pymicro-features and gcc; espeak-ng, flite and sox for the speech
signals (skipped when missing). EARSHOT_CHECK_CFLAGS adds compiler flags, e.g.
"-fsanitize=address,undefined -fno-sanitize-recover=all".
"""
from __future__ import annotations

import glob
import math
import os
import shutil
import subprocess
import sys
import tempfile
import wave

import numpy as np
from pymicro_features import MicroFrontend

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
RATE = 16000
CHUNK = 160
CHUNK_SIZES = ["1", "7", "160", "333", "4096", "r"]
CFLAGS = [
    "-std=c11", "-O2", "-Wall", "-Wextra", "-Wshadow", "-Wconversion",
    "-Wno-sign-conversion", "-Werror",
]


def build(tmp: str) -> str:
    exe = os.path.join(tmp, "frontend_dump")
    srcs = sorted(glob.glob(os.path.join(ROOT, "runtime", "src", "frontend", "*.c")))
    extra = os.environ.get("EARSHOT_CHECK_CFLAGS", "").split()
    cmd = ["gcc", *CFLAGS, *extra, "-I" + os.path.join(ROOT, "runtime", "include"),
           os.path.join(HERE, "frontend_dump.c"), *srcs, "-lm", "-o", exe]
    subprocess.run(cmd, check=True)
    return exe


def reference(audio: np.ndarray) -> np.ndarray:
    """Features from pymicro-features as uint16, fed like pymicro-wakeword."""
    fe = MicroFrontend()
    raw = audio.astype("<i2").tobytes()
    frames = []
    idx = 0
    step = CHUNK * 2
    while idx + step <= len(raw):
        out = fe.process_samples(raw[idx: idx + step])
        idx += out.samples_read * 2
        if out.features:
            frames.append([round(v * 25.6) for v in out.features])
            # the float is exactly uint16 * 0.0390625f; check the round trip
            assert all(abs(v * 25.6 - round(v * 25.6)) < 1e-6 for v in out.features)
    return np.array(frames, dtype=np.int64).reshape(-1, 40)


def ours(exe: str, audio: np.ndarray, chunk: str, seed: int = 1) -> np.ndarray:
    args = [exe, chunk] + ([str(seed)] if chunk == "r" else [])
    res = subprocess.run(args, input=audio.astype("<i2").tobytes(),
                         stdout=subprocess.PIPE, check=True)
    lines = res.stdout.decode().split("\n")
    rows = [[int(x) for x in ln.split()] for ln in lines if ln.strip()]
    return np.array(rows, dtype=np.int64).reshape(-1, 40)


# ----------------------------------------------------------------------------
# signals

def clip16(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x), -32768, 32767).astype(np.int16)


def synthetic(rng: np.random.Generator, quick: bool) -> list[tuple[str, np.ndarray]]:
    sec = 1.0 if quick else 3.0
    n = int(sec * RATE)
    t = np.arange(n) / RATE
    sigs = [("silence", np.zeros(n, np.int16))]
    for amp in (1, 3, 30, 300, 3000, 12000, 32767):
        sigs.append((f"white_noise_{amp}", clip16(rng.uniform(-amp, amp + 1, n))))
    sigs.append(("white_noise_fullscale_int", rng.integers(-32768, 32768, n).astype(np.int16)))
    sigs.append(("gauss_noise_clipped", clip16(rng.normal(0, 30000, n))))
    for f in (50, 440, 1000, 3000, 7000, 7999):
        sq = np.where(np.sin(2 * np.pi * f * t + 0.1) >= 0, 32767, -32768).astype(np.int16)
        sigs.append((f"square_{f}hz_clipping", sq))
    sigs.append(("dc_min", np.full(n // 3, -32768, np.int16)))
    sigs.append(("dc_max", np.full(n // 3, 32767, np.int16)))
    alt = np.tile(np.array([32767, -32768], np.int16), n // 2)
    sigs.append(("nyquist_fullscale", alt))
    imp = np.zeros(n, np.int16)
    imp[::397] = -32768
    imp[::1009] = 32767
    sigs.append(("impulses", imp))
    for amp, name in ((0.25, "quarter"), (1.0, "full"), (4.0, "clipped")):
        f0, f1 = 20.0, 8000.0
        phase = 2 * np.pi * f0 * sec * ((f1 / f0) ** (t / sec) - 1) / math.log(f1 / f0)
        sigs.append((f"sweep_{name}", clip16(amp * 32767 * np.sin(phase))))
    lin = 2 * np.pi * (20 * t + (8000 - 20) * t * t / (2 * sec))
    sigs.append(("sweep_linear", clip16(20000 * np.sin(lin))))
    # loud noise bursts over quiet background: exercises noise reduction / PCAN
    burst = clip16(rng.normal(0, 20, n))
    for k in range(0, n, RATE // 2):
        burst[k: k + RATE // 8] = clip16(rng.normal(0, 15000, len(burst[k: k + RATE // 8])))
    sigs.append(("bursts", burst))
    return sigs


TEXTS = [
    "Hey Jarvis, what is the weather like tomorrow morning in Amsterdam?",
    "The quick brown fox jumps over the lazy dog while seventy seven sheep "
    "graze on the hillside near the old stone bridge.",
    "Okay Nabu, turn off the kitchen lights and set a timer for twelve minutes.",
    "Peter Piper picked a peck of pickled peppers; how many pickled peppers "
    "did Peter Piper pick? Nobody knows, but the answer is surely more than three.",
]


def read_wav(path: str) -> np.ndarray:
    with wave.open(path) as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 1 and w.getframerate() == RATE
        return np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.int16)


def to_16k(src: str, dst: str, gain_db: float = 0.0) -> np.ndarray:
    cmd = ["sox", src, "-r", str(RATE), "-c", "1", "-b", "16", "-e", "signed-integer", dst]
    if gain_db:
        cmd += ["gain", str(gain_db)]
    subprocess.run(cmd, check=True, stderr=subprocess.DEVNULL)
    return read_wav(dst)


def speech(tmp: str, quick: bool) -> list[tuple[str, np.ndarray]]:
    out = []
    if not shutil.which("sox"):
        print("note: sox missing, speech signals skipped")
        return out
    texts = TEXTS[:2] if quick else TEXTS
    if shutil.which("espeak-ng"):
        voices = ["en-us", "en-gb"] if quick else ["en-us", "en-gb", "en-gb-scotland", "de"]
        for vi, voice in enumerate(voices):
            for ti, text in enumerate(texts):
                raw = os.path.join(tmp, f"es_{vi}_{ti}.wav")
                speed = str(130 + 25 * ((vi + ti) % 3))
                subprocess.run(["espeak-ng", "-v", voice, "-s", speed, "-w", raw, text],
                               check=True, stderr=subprocess.DEVNULL)
                out.append((f"espeak_{voice}_{ti}", to_16k(raw, raw + ".16k.wav")))
    if shutil.which("flite"):
        voices = ["slt", "kal16"] if quick else ["slt", "kal16", "awb", "rms", "kal"]
        for vi, voice in enumerate(voices):
            for ti, text in enumerate(texts):
                raw = os.path.join(tmp, f"fl_{vi}_{ti}.wav")
                subprocess.run(["flite", "-voice", voice, "-t", text, "-o", raw],
                               check=True, stderr=subprocess.DEVNULL)
                out.append((f"flite_{voice}_{ti}", to_16k(raw, raw + ".16k.wav")))
    # one loud (clipping) and one very quiet rendition
    if out:
        name, sig = out[0]
        out.append((name + "_clipped", clip16(sig.astype(np.float64) * 8)))
        out.append((name + "_quiet", clip16(sig.astype(np.float64) / 300)))
    return out


def recordings() -> list[tuple[str, np.ndarray]]:
    out = []
    for path in sorted(glob.glob("/work/shared/conformance/micro_speech/*.wav")):
        out.append((os.path.basename(path), read_wav(path)))
    return out


def check_log_lut(exe: str) -> None:
    """The C table is generated at init; compare with an independent evaluation."""
    res = subprocess.run([exe, "--log-lut"], stdout=subprocess.PIPE, check=True)
    got = [int(x) for x in res.stdout.split()]
    want = [math.floor(65536 * (math.log2(1 + i / 128) - i / 128) + 0.5) for i in range(129)]
    assert got == want, "log LUT differs"
    # spot values from the TFLM table (first, a middle peak and the last ones)
    assert got[:4] == [0, 224, 442, 654] and got[57] == 5641 and got[127:] == [142, 0]


def main() -> int:
    quick = "--quick" in sys.argv
    rng = np.random.default_rng(1234)
    with tempfile.TemporaryDirectory() as tmp:
        exe = build(tmp)
        subprocess.run([exe, "--selftest"], check=True)
        check_log_lut(exe)
        signals = synthetic(rng, quick) + speech(tmp, quick) + recordings()
        # a long concatenation exercises the noise estimate across content
        signals.append(("concatenated", np.concatenate([s for _, s in signals])))

        total_samples = 0
        frames = 0
        values = 0
        mismatches = 0
        bad = []
        for name, sig in signals:
            sig = sig[: len(sig) - len(sig) % CHUNK]
            total_samples += len(sig)
            ref = reference(sig)
            for chunk in CHUNK_SIZES:
                got = ours(exe, sig, chunk, seed=len(sig))
                if got.shape != ref.shape:
                    bad.append(f"{name} chunk={chunk}: {got.shape} frames vs {ref.shape}")
                    mismatches += 1
                    continue
                diff = np.count_nonzero(got != ref)
                frames += ref.shape[0]
                values += ref.size
                if diff:
                    mismatches += diff
                    r, c = np.argwhere(got != ref)[0]
                    bad.append(f"{name} chunk={chunk}: {diff} values differ, first at "
                               f"frame {r} ch {c}: ours {got[r, c]} ref {ref[r, c]}")
        secs = total_samples / RATE
        print(f"signals: {len(signals)}, audio: {secs:.1f} s ({secs / 60:.2f} min) "
              f"x {len(CHUNK_SIZES)} chunkings {CHUNK_SIZES}")
        print(f"frames compared: {frames}, values compared: {values}, mismatches: {mismatches}")
        for line in bad[:30]:
            print("  MISMATCH", line)
        return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
