#!/usr/bin/env python3
"""Wake-word benchmark: Earshot's C core against LiteRT (TFLite) and TFLite Micro.

Run from the repository root::

    python benchmarks/bench_wakeword.py            # full run (about 2 minutes)
    python benchmarks/bench_wakeword.py --quick    # smoke run (well under 20 s)
    python benchmarks/bench_wakeword.py --json results.json

Everything runs in one process, single-threaded, and prints Markdown tables:

1. Microseconds per inference of the four pymicro-wakeword models on
   * Earshot (``lib.es_interp_invoke`` called directly through cffi),
   * LiteRT ``Interpreter`` (ai-edge-litert, ``num_threads=1``) with the default
     ``BUILTIN`` resolver (XNNPACK delegate applied) and with
     ``BUILTIN_WITHOUT_DEFAULT_DELEGATES``,
   * TFLite Micro (the ``tflite-micro`` PyPI package, ``runtime.Interpreter``).

   The inputs are the real quantized features of a 10-minute stretch of the
   test corpus, fed in stream order (the models are stateful).  Each call is
   timed on its own with ``time.perf_counter_ns()`` around the invoke call
   only; setting the input and reading the output happen outside the timed
   region, identically for every runtime.  The timed region therefore
   contains the runtime's own Python binding overhead (cffi for Earshot,
   pybind11 for LiteRT and TFLM) plus the timer overhead; both overheads are
   measured and printed.  The garbage collector is off while timing.
2. Arena bytes: Earshot's ``arena_used`` against the manifest's
   ``micro.tensor_arena_size`` and the arena TFLM's RecordingMicroAllocator
   reports.
3. Real-time factor of the full pipeline (frontend + all four models) on
   10 minutes of audio fed in 10 ms / 100 ms / 1 s chunks, for
   ``earshot.WakeWordEngine`` and for the reference stack (pymicro-features
   ``MicroFrontend`` + four ``pymicro_wakeword.MicroWakeWord``).
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import json
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import earshot  # noqa: E402
from earshot import Frontend, Interpreter, Model, WakeWordEngine, resolve  # noqa: E402
from earshot._ffi import lib  # noqa: E402

MODELS: tuple[str, ...] = ("okay_nabu", "hey_jarvis", "alexa", "hey_mycroft")
SAMPLE_RATE = 16000
PIPELINE_SECONDS = 600
FEATURE_SCALE = 0.0390625  # pymicro-features float = uint16 feature / 25.6
CHUNKS_MS: tuple[int, ...] = (10, 100, 1000)
EARSHOT = "Earshot C core (cffi)"
LITERT_XNN = "LiteRT BUILTIN (+XNNPACK)"
LITERT_REF = "LiteRT BUILTIN_WITHOUT_DEFAULT_DELEGATES"
TFLM = "TFLite Micro (tflite-micro PyPI)"
RUNTIMES: tuple[str, ...] = (EARSHOT, TFLM, LITERT_XNN, LITERT_REF)

Int8Array = npt.NDArray[np.int8]
Int16Array = npt.NDArray[np.int16]


@dataclass
class Settings:
    quick: bool
    warmup: int
    invokes: int
    repeats: int
    pipeline_seconds: int

    @classmethod
    def make(cls, quick: bool) -> Settings:
        if quick:
            return cls(quick=True, warmup=30, invokes=300, repeats=3, pipeline_seconds=30)
        return cls(quick=False, warmup=200, invokes=2000, repeats=5, pipeline_seconds=PIPELINE_SECONDS)


@dataclass
class InvokeResult:
    model: str
    runtime: str
    mean_us: float  # median over repeats of the per-repeat mean
    median_us: float  # median over every timed call
    p90_us: float
    repeat_means_us: list[float]
    invokes: int
    outputs_equal_earshot: float  # fraction of outputs identical to Earshot's
    speedup_of_earshot: float = 0.0  # this runtime's median / Earshot's median (>1: Earshot faster)


@dataclass
class ArenaResult:
    model: str
    earshot_arena_used: int
    manifest_tensor_arena_size: int | None
    tflm_arena_used: int | None
    tflm_note: str = ""


@dataclass
class PipelineResult:
    stack: str
    chunk_ms: int
    audio_s: float
    wall_s: float
    cpu_s: float
    rtf_wall: float  # seconds of audio per wall-clock second
    rtf_cpu: float  # seconds of audio per CPU second (process_time, all threads)
    detections: int


@dataclass
class Results:
    machine: dict[str, str]
    settings: dict[str, Any]
    overheads_us: dict[str, float]
    invoke: list[InvokeResult] = field(default_factory=list)
    arena: list[ArenaResult] = field(default_factory=list)
    pipeline: list[PipelineResult] = field(default_factory=list)
    command: str = ""
    elapsed_s: float = 0.0


# --------------------------------------------------------------------------
# Environment
# --------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def version_of(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def git_state() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return "n/a"
    return out.stdout.strip() or "n/a"


def load_average() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def machine_info() -> dict[str, str]:
    info = {
        "cpu": cpu_model(),
        "logical_cpus": str(os.cpu_count()),
        "os": f"{platform.system()} {platform.release()} {platform.machine()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "earshot source (git describe --dirty)": git_state(),
        "load average at start (1/5/15 min)": load_average(),
    }
    for dist in (
        "earshot",
        "numpy",
        "cffi",
        "ai-edge-litert",
        "tflite_micro",
        "pymicro-features",
        "pymicro-wakeword",
        "tqdm",
    ):
        info[dist] = version_of(dist)
    return info


# --------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------


def model_path(name: str) -> Path:
    return Path(resolve(name).model_path)


def load_audio(seconds: int) -> Int16Array:
    """Exactly ``seconds`` of corpus audio: the corpus files concatenated (and repeated if short)."""
    from corpus import build_corpus  # tests/corpus.py

    need = seconds * SAMPLE_RATE
    parts: list[Int16Array] = []
    have = 0
    files = build_corpus(ROOT / "tests" / ".cache" / "corpus")
    while have < need:
        for path in files:
            pcm = earshot.read_wav(path)
            parts.append(pcm)
            have += len(pcm)
            if have >= need:
                break
    return np.concatenate(parts)[:need].astype(np.int16)


def quantized_windows(frames: npt.NDArray[np.uint16], interp: Interpreter, count: int) -> Int8Array:
    """Stride-sized int8 input windows quantized as pymicro-wakeword does, in stream order."""
    t = interp.input()
    stride = t.shape[1]
    info = np.iinfo(t.dtype)
    q = np.round(frames.astype(np.float64) * FEATURE_SCALE / t.scale + t.zero_point)
    q = np.clip(q, info.min, info.max).astype(t.dtype)
    k = len(q) // stride
    windows = q[: k * stride].reshape((k, *t.shape))
    if count > k:  # wrap around (only with very short audio)
        windows = windows[np.arange(count) % k]
    return np.ascontiguousarray(windows[:count])


# --------------------------------------------------------------------------
# Per-invoke timing
# --------------------------------------------------------------------------


@dataclass
class Runner:
    """Three callables over one interpreter: set input ``i``, invoke (timed), read the output."""

    set_input: Callable[[int], None]
    invoke: Callable[[], object]
    output: Callable[[], int]
    keep: object = None  # keeps the interpreter (and its arena) alive


def earshot_runner(path: Path, windows: Int8Array) -> Runner:
    interp = Interpreter(Model.from_file(path))
    ptr = interp._interp
    in_view = interp.input().array()
    out_view = interp.output().array().reshape(-1)
    invoke = lib.es_interp_invoke  # cffi function: the timed call is exactly the C entry point

    def set_input(i: int) -> None:
        in_view[...] = windows[i]

    def run() -> object:
        return invoke(ptr)

    return Runner(set_input, run, lambda: int(out_view[0]), keep=interp)


def litert_runner(path: Path, windows: Int8Array, delegates: bool) -> Runner:
    from ai_edge_litert.interpreter import Interpreter as LiteInterpreter
    from ai_edge_litert.interpreter import OpResolverType

    resolver = OpResolverType.BUILTIN if delegates else OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    interp = LiteInterpreter(model_path=str(path), num_threads=1, experimental_op_resolver_type=resolver)
    interp.allocate_tensors()
    in_idx = interp.get_input_details()[0]["index"]
    out_idx = interp.get_output_details()[0]["index"]

    def set_input(i: int) -> None:
        interp.set_tensor(in_idx, windows[i])

    return Runner(set_input, interp.invoke, lambda: int(interp.get_tensor(out_idx).reshape(-1)[0]))


def tflm_runner(path: Path, windows: Int8Array) -> Runner:
    from tflite_micro.python.tflite_micro import runtime

    interp = runtime.Interpreter.from_file(str(path))

    def set_input(i: int) -> None:
        interp.set_input(windows[i], 0)

    return Runner(set_input, interp.invoke, lambda: int(interp.get_output(0).reshape(-1)[0]))


def time_runner(runner: Runner, settings: Settings) -> tuple[list[float], list[float], list[int]]:
    """Warm up, then ``repeats`` x ``invokes`` timed calls. Returns (repeat means µs, all calls µs, outputs)."""
    clock = time.perf_counter_ns
    set_input, invoke, output = runner.set_input, runner.invoke, runner.output
    outputs: list[int] = []
    i = 0
    for _ in range(settings.warmup):
        set_input(i)
        invoke()
        outputs.append(output())
        i += 1
    calls_ns: list[int] = []
    repeat_means: list[float] = []
    gc.collect()
    gc.disable()
    try:
        for _ in range(settings.repeats):
            block: list[int] = []
            for _ in range(settings.invokes):
                set_input(i)
                t0 = clock()
                status = invoke()
                t1 = clock()
                block.append(t1 - t0)
                if status:  # Earshot returns a non-zero es_status_t on error (LiteRT/TFLM raise)
                    raise RuntimeError(f"invoke failed with status {status}")
                outputs.append(output())
                i += 1
            calls_ns.extend(block)
            repeat_means.append(sum(block) / len(block) / 1000.0)
    finally:
        gc.enable()
    return repeat_means, [c / 1000.0 for c in calls_ns], outputs


def measure_overheads() -> dict[str, float]:
    """Timer overhead and the cost of one trivial cffi call (µs), tight loops, median of 5."""
    n = 200_000
    clock = time.perf_counter_ns
    interp = Interpreter(Model.from_file(model_path(MODELS[0])))
    ptr = interp._interp
    count = lib.es_interp_input_count

    def timer_pair() -> float:
        total = 0
        for _ in range(n):
            t0 = clock()
            t1 = clock()
            total += t1 - t0
        return total / n / 1000.0

    def empty_loop() -> float:
        t0 = clock()
        for _ in range(n):
            pass
        return (clock() - t0) / n / 1000.0

    def cffi_loop() -> float:
        t0 = clock()
        for _ in range(n):
            count(ptr)
        return (clock() - t0) / n / 1000.0

    gc.disable()
    try:
        timer = statistics.median(timer_pair() for _ in range(5))
        empty = statistics.median(empty_loop() for _ in range(5))
        cffi_call = statistics.median(cffi_loop() for _ in range(5))
    finally:
        gc.enable()
    return {
        "timer_region_us": timer,
        "cffi_trivial_call_us": max(cffi_call - empty, 0.0),
    }


def bench_invokes(settings: Settings, frames: npt.NDArray[np.uint16], results: Results) -> None:
    count = settings.warmup + settings.repeats * settings.invokes
    jobs = [(m, r) for m in MODELS for r in RUNTIMES]
    with tqdm(jobs, desc="per-invoke timing", unit="run", file=sys.stderr) as bar:
        earshot_out: dict[str, list[int]] = {}
        earshot_median: dict[str, float] = {}
        windows_of: dict[str, Int8Array] = {}
        for name, rt in bar:
            bar.set_postfix_str(f"{name} / {rt.split(' ')[0]}")
            path = model_path(name)
            if name not in windows_of:
                windows_of[name] = quantized_windows(frames, Interpreter(Model.from_file(path)), count)
            windows = windows_of[name]
            if rt == EARSHOT:
                runner = earshot_runner(path, windows)
            elif rt == TFLM:
                runner = tflm_runner(path, windows)
            else:
                runner = litert_runner(path, windows, delegates=(rt == LITERT_XNN))
            means, calls, outputs = time_runner(runner, settings)
            del runner
            if rt == EARSHOT:
                earshot_out[name] = outputs
                earshot_median[name] = statistics.median(calls)
            ref = earshot_out[name]
            same = sum(a == b for a, b in zip(outputs, ref, strict=True)) / len(ref)
            mean = statistics.median(means)
            median = statistics.median(calls)
            results.invoke.append(
                InvokeResult(
                    model=name,
                    runtime=rt,
                    mean_us=mean,
                    median_us=median,
                    p90_us=float(np.percentile(calls, 90)),
                    repeat_means_us=means,
                    invokes=len(calls),
                    outputs_equal_earshot=same,
                    speedup_of_earshot=median / earshot_median[name],
                )
            )


# --------------------------------------------------------------------------
# Arena
# --------------------------------------------------------------------------


@contextmanager
def capture_fd2() -> Iterator[list[str]]:
    """Capture what C/C++ code writes to file descriptor 2 (stderr)."""
    sink: list[str] = []
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            yield sink
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            sink.append(tmp.read().decode(errors="replace"))


def tflm_arena(path: Path) -> tuple[int | None, str]:
    """Arena bytes TFLM's RecordingMicroAllocator reports after one invoke (parsed from stderr)."""
    from tflite_micro.python.tflite_micro import runtime

    interp = runtime.Interpreter.from_file(str(path))
    shape = tuple(int(d) for d in interp.get_input_details(0)["shape"])
    interp.set_input(np.zeros(shape, dtype=interp.get_input_details(0)["dtype"]), 0)
    interp.invoke()
    with capture_fd2() as text:
        interp.print_allocations()
    m = re.search(r"Arena allocation total (\d+) bytes", "".join(text))
    if not m:
        return None, "print_allocations() output not recognised"
    return int(m.group(1)), "RecordingMicroAllocator total (head + tail)"


def bench_arena(results: Results) -> None:
    for name in MODELS:
        path = model_path(name)
        used = Interpreter(Model.from_file(path)).arena_used
        tflm, note = tflm_arena(path)
        results.arena.append(ArenaResult(name, used, resolve(name).tensor_arena_size, tflm, note))


# --------------------------------------------------------------------------
# Full pipeline
# --------------------------------------------------------------------------


def run_earshot_pipeline(pcm: Int16Array, chunk: int) -> tuple[float, float, int]:
    engine = WakeWordEngine(MODELS, refractory_s=2.0)
    n = len(pcm)
    gc.collect()
    w0, c0 = time.perf_counter(), time.process_time()
    events = 0
    for pos in range(0, n, chunk):
        events += len(engine.process(pcm[pos : pos + chunk]))
    return time.perf_counter() - w0, time.process_time() - c0, events


def run_reference_pipeline(pcm: Int16Array, chunk: int) -> tuple[float, float, int]:
    from pymicro_wakeword import MicroWakeWord, MicroWakeWordFeatures
    from pymicro_wakeword import Model as RefModel

    models = [MicroWakeWord.from_builtin(RefModel(name)) for name in MODELS]
    features = MicroWakeWordFeatures()
    data = pcm.tobytes()
    step = chunk * 2
    gc.collect()
    w0, c0 = time.perf_counter(), time.process_time()
    hits = 0
    for pos in range(0, len(data), step):
        for feat in features.process_streaming(data[pos : pos + step]):
            for mww in models:
                if mww.process_streaming(feat):
                    hits += 1
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    for mww in models:
        mww.close()
    return wall, cpu, hits


def bench_pipeline(pcm: Int16Array, results: Results) -> None:
    audio_s = len(pcm) / SAMPLE_RATE
    stacks = ("Earshot WakeWordEngine", "pymicro-features + pymicro-wakeword")
    jobs = [(stack, ms) for ms in CHUNKS_MS for stack in stacks]
    with tqdm(jobs, desc=f"pipeline on {audio_s:.0f} s of audio", unit="run", file=sys.stderr) as bar:
        for stack, ms in bar:
            bar.set_postfix_str(f"{stack.split(' ')[0]} {ms} ms")
            chunk = SAMPLE_RATE * ms // 1000
            fn = run_earshot_pipeline if stack.startswith("Earshot") else run_reference_pipeline
            wall, cpu, det = fn(pcm, chunk)
            results.pipeline.append(
                PipelineResult(stack, ms, audio_s, wall, cpu, audio_s / wall, audio_s / max(cpu, 1e-9), det)
            )


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------


def table(headers: list[str], rows: list[list[str]], align: str) -> str:
    spec = {"l": ":---", "r": "---:"}
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(spec[a] for a in align) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def report(res: Results, settings: Settings) -> str:
    out: list[str] = ["# Earshot wake-word benchmark", ""]
    out.append(table(["", ""], [[k, v] for k, v in res.machine.items()], "lr"))
    out.append("")
    out.append(
        f"Mode: {'quick' if settings.quick else 'default'}; single process, one thread per runtime "
        f"(LiteRT num_threads=1); Earshot core built by cffi with -O3, HAL backend es_hal_opt."
    )
    out += ["", "## 1. Time per inference (µs)", ""]
    out.append(
        f"{settings.repeats} repeats x {settings.invokes} invokes after {settings.warmup} warm-up invokes, "
        "real quantized corpus features streamed in order. Timed region: the invoke call only "
        "(set input / read output outside it, same for every runtime), so it includes each binding's "
        "Python call overhead. *mean* = median over repeats of the repeat's mean; *median*/*p90* over "
        "all timed calls. *x vs Earshot* = runtime median / Earshot median (> 1: Earshot faster, "
        "< 1: Earshot slower; medians because the mean also carries preemption stalls). "
        "*same out* = share of outputs identical to Earshot's."
    )
    out.append("")
    rows = []
    for r in res.invoke:
        rows.append(
            [
                r.model,
                r.runtime,
                f"{r.mean_us:.1f}",
                f"{r.median_us:.1f}",
                f"{r.p90_us:.1f}",
                f"{min(r.repeat_means_us):.1f}-{max(r.repeat_means_us):.1f}",
                f"{r.speedup_of_earshot:.2f}",
                f"{100 * r.outputs_equal_earshot:.1f}%",
            ]
        )
    out.append(
        table(
            ["model", "runtime", "mean µs", "median µs", "p90 µs", "repeat means", "x vs Earshot", "same out"],
            rows,
            "llrrrrrr",
        )
    )
    oh = res.overheads_us
    out += [
        "",
        f"Overheads inside every timed region: perf_counter_ns pair {oh['timer_region_us'] * 1000:.0f} ns; "
        f"one trivial cffi call (es_interp_input_count) {oh['cffi_trivial_call_us'] * 1000:.0f} ns "
        "(the Earshot figure is the C invoke + that cffi cost). LiteRT's invoke() and TFLM's invoke() "
        "carry their own Python/pybind11 wrapper cost, not separated here.",
    ]
    out += ["", "## 2. Arena (bytes)", ""]
    rows = []
    for a in res.arena:
        tflm = str(a.tflm_arena_used) if a.tflm_arena_used is not None else "n/a (cannot be read)"
        ratio = f"{a.earshot_arena_used / a.tflm_arena_used:.2f}" if a.tflm_arena_used else "n/a"
        man = str(a.manifest_tensor_arena_size) if a.manifest_tensor_arena_size is not None else "n/a"
        rows.append([a.model, str(a.earshot_arena_used), man, tflm, ratio])
    out.append(
        table(
            ["model", "Earshot arena_used", "manifest tensor_arena_size", "TFLM arena used", "Earshot / TFLM"],
            rows,
            "lrrrr",
        )
    )
    note = res.arena[0].tflm_note if res.arena else ""
    out += ["", f"TFLM figure: {note}, read from print_allocations() after one invoke (x86-64 host build)."]
    out += ["", "## 3. Full pipeline real-time factor (frontend + 4 models)", ""]
    rows = []
    ref_by_chunk = {p.chunk_ms: p for p in res.pipeline if not p.stack.startswith("Earshot")}
    for p in res.pipeline:
        ref = ref_by_chunk.get(p.chunk_ms)
        vs = f"{p.rtf_wall / ref.rtf_wall:.2f}" if ref and p.stack.startswith("Earshot") else ""
        rows.append(
            [
                p.stack,
                f"{p.chunk_ms} ms",
                f"{p.audio_s:.0f}",
                f"{p.wall_s:.2f}",
                f"{p.cpu_s:.2f}",
                f"{p.rtf_wall:.0f}x",
                f"{p.rtf_cpu:.0f}x",
                vs,
                str(p.detections),
            ]
        )
    out.append(
        table(
            [
                "stack",
                "chunk",
                "audio s",
                "wall s",
                "CPU s",
                "RT factor (wall)",
                "RT factor (CPU)",
                "Earshot / ref",
                "detections",
            ],
            rows,
            "llrrrrrrr",
        )
    )
    out += [
        "",
        "RT factor = seconds of audio processed per second (wall clock, or process CPU time over all threads). "
        "Detections: Earshot counts events with a 2 s refractory period; the reference counts every stride "
        "whose sliding-window mean is over the cutoff (no refractory), so the numbers are not comparable.",
    ]
    out += ["", f"Total benchmark time: {res.elapsed_s:.1f} s", "", "Command:", "", "```", res.command, "```"]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="few iterations, short audio (smoke run)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args(argv)
    settings = Settings.make(args.quick)
    start = time.perf_counter()

    results = Results(machine=machine_info(), settings=asdict(settings), overheads_us={})
    results.command = shlex.join(["python", *sys.argv]) if argv is None else shlex.join(["python", __file__, *argv])

    invokes_needed = settings.warmup + settings.repeats * settings.invokes
    feature_seconds = min(PIPELINE_SECONDS, int(invokes_needed * 0.03) + 2)
    audio_seconds = max(settings.pipeline_seconds, feature_seconds)
    pcm = load_audio(audio_seconds)
    frames = Frontend().process(pcm[: feature_seconds * SAMPLE_RATE])

    results.overheads_us = measure_overheads()
    bench_invokes(settings, frames, results)
    bench_arena(results)
    bench_pipeline(pcm[: settings.pipeline_seconds * SAMPLE_RATE], results)

    results.elapsed_s = time.perf_counter() - start
    results.machine["load average at end (1/5/15 min)"] = load_average()
    print(report(results, settings), flush=True)
    if args.json:
        args.json.write_text(json.dumps(asdict(results), indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
