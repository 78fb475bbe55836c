"""Bit-exactness of the C core against reference runtimes on real models and real/synthesized audio."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from earshot import Frontend, Interpreter, Model

from conftest import WAKE_MODELS, wake_model_dir

pytestmark = pytest.mark.parity

litert = pytest.importorskip("ai_edge_litert.interpreter")


def read_pcm(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.int16)


def reference_features(pcm: np.ndarray) -> np.ndarray:
    """uint16 frames from pymicro-features, fed 160 samples at a time like pymicro-wakeword."""
    from pymicro_features import MicroFrontend

    fe = MicroFrontend()
    raw = pcm.tobytes()
    frames = []
    idx = 0
    while idx + 320 <= len(raw):
        out = fe.process_samples(raw[idx : idx + 320])
        idx += out.samples_read * 2
        if out.features:
            frames.append(np.round(np.array(out.features) * 25.6).astype(np.uint16))
    return np.array(frames, dtype=np.uint16).reshape(-1, 40)


def quantize_like_pymicro(frames: np.ndarray, scale: float, zp: int) -> np.ndarray:
    q = np.round(frames.astype(np.float64) * 0.0390625 / scale + zp)
    return np.clip(q, -128, 127).astype(np.int8)


@pytest.fixture(scope="module")
def corpus_features(corpus: list[Path]) -> dict[str, np.ndarray]:
    return {p.name: reference_features(read_pcm(p)) for p in corpus}


def test_corpus_is_long_and_varied(corpus: list[Path]) -> None:
    seconds = sum(len(read_pcm(p)) for p in corpus) / 16000
    assert seconds >= 600, f"corpus has only {seconds:.0f} s"
    assert len(corpus) >= 15


def test_frontend_equals_pymicro_features(corpus: list[Path], corpus_features: dict[str, np.ndarray]) -> None:
    rng = np.random.default_rng(7)
    total = 0
    for path in corpus:
        pcm = read_pcm(path)
        fe = Frontend()
        # feed in random chunk sizes, from 1 sample to 3 s
        parts, pos = [], 0
        while pos < len(pcm):
            n = int(rng.choice([1, 7, 160, 333, 4096, 48000]))
            parts.append(fe.process(pcm[pos : pos + n]))
            pos += n
        ours = np.concatenate(parts)
        ref = corpus_features[path.name]
        assert ours.shape == ref.shape, path.name
        mismatch = np.argwhere(ours != ref)
        assert mismatch.size == 0, f"{path.name}: first mismatch at frame/channel {mismatch[0].tolist()}"
        total += len(ref)
    assert total > 60000  # ≥10 minutes of 10 ms frames


class _Reference:
    """One stateful reference interpreter: tflite-runtime with a resolver, or TFLM."""

    def __init__(self, path: Path, runtime: str) -> None:
        self.path, self.runtime = path, runtime
        self.reset()

    def reset(self) -> None:
        if self.runtime == "tflm":
            from tflite_micro.python.tflite_micro import runtime as tflm

            self.tflm = tflm.Interpreter.from_file(str(self.path))
        else:
            self.it = litert.Interpreter(
                model_path=str(self.path),
                experimental_op_resolver_type=getattr(litert.OpResolverType, self.runtime),
                num_threads=1,
            )
            self.it.allocate_tensors()
            self.rin = self.it.get_input_details()[0]["index"]
            self.rout = self.it.get_output_details()[0]["index"]

    def __call__(self, x: np.ndarray) -> np.ndarray:
        if self.runtime == "tflm":
            self.tflm.set_input(x, 0)
            self.tflm.invoke()
            return self.tflm.get_output(0)
        self.it.set_tensor(self.rin, x)
        self.it.invoke()
        return self.it.get_tensor(self.rout)


# (Earshot compat mode, reference runtime). tflite-runtime's builtin kernels without
# delegates are what pymicro-wakeword runs.
PEERS = [
    ("tflite", "BUILTIN_WITHOUT_DEFAULT_DELEGATES"),
    ("tflite-ref", "BUILTIN_REF"),
    ("tflm", "tflm"),
]


@pytest.mark.parametrize(("compat", "runtime"), PEERS, ids=[p[0] for p in PEERS])
@pytest.mark.parametrize("name", WAKE_MODELS)
def test_wakeword_outputs_equal_reference(
    name: str, compat: str, runtime: str, corpus: list[Path], corpus_features: dict[str, np.ndarray]
) -> None:
    path = wake_model_dir() / f"{name}.tflite"
    ours = Interpreter(Model.from_file(path), compat=compat)
    ref = _Reference(path, runtime)
    scale, zp = ours.input().scale, ours.input().zero_point
    stride = ours.input().shape[1]
    compared = nonzero = 0
    # every peer sees the whole corpus for the default mode; the others a third of it
    files = sorted(corpus_features) if compat == "tflite" else sorted(corpus_features)[::3]
    for fname in files:
        ours.reset()
        ref.reset()
        q = quantize_like_pymicro(corpus_features[fname], scale, zp)
        a, b = [], []
        for k in range(0, len(q) - stride + 1, stride):
            x = q[k : k + stride].reshape(1, stride, 40)
            ours.set_input(x)
            ours.invoke()
            a.append(int(ours.get_output().ravel()[0]))
            b.append(int(ref(x).ravel()[0]))
        a_arr, b_arr = np.array(a), np.array(b)
        diff = np.flatnonzero(a_arr != b_arr)
        assert diff.size == 0, f"{name} on {fname}: output {diff[0]} is {a_arr[diff[0]]}, {runtime} {b_arr[diff[0]]}"
        compared += len(a)
        nonzero += int(np.count_nonzero(b_arr))
    if compat == "tflite":
        assert compared * stride * 0.01 >= 600, "fewer than 10 minutes of audio compared"
    assert nonzero > 20, "outputs are almost all zero: the comparison would prove little"


def micro_speech_features(conformance: Path, wav: Path) -> np.ndarray:
    """int8 [1, 1960] features of a 1 s recording, from TFLM's own audio preprocessor model."""
    from tflite_micro.python.tflite_micro import runtime

    pre = runtime.Interpreter.from_file(str(conformance / "micro_speech" / "audio_preprocessor_int8.tflite"))
    pcm = read_pcm(wav)
    frames = []
    for start in range(0, len(pcm) - 480 + 1, 320):
        pre.set_input(pcm[start : start + 480].reshape(1, 480), 0)
        pre.invoke()
        frames.append(pre.get_output(0).copy())
    return np.concatenate(frames)[: 49 * 40].reshape(1, 1960).astype(np.int8)


def test_micro_speech_equals_tflite(conformance: Path) -> None:
    path = conformance / "micro_speech" / "micro_speech_quantized.tflite"
    results = {}
    for compat, resolver in PEERS[:2]:
        ours = Interpreter(Model.from_file(path), compat=compat)
        ref = litert.Interpreter(
            model_path=str(path), experimental_op_resolver_type=getattr(litert.OpResolverType, resolver)
        )
        ref.allocate_tensors()
        for word in ("yes", "no", "silence", "noise"):
            x = micro_speech_features(conformance, conformance / "micro_speech" / f"{word}_1000ms.wav")
            ref.set_tensor(ref.get_input_details()[0]["index"], x)
            ref.invoke()
            expect = ref.get_tensor(ref.get_output_details()[0]["index"]).copy()
            ours.set_input(x)
            ours.invoke()
            got = ours.get_output()
            np.testing.assert_array_equal(got, expect, err_msg=f"{word} ({resolver})")
            results[word] = int(np.argmax(got))
    # the model's labels: silence, unknown, yes, no — the real recordings are classified as such
    assert results["yes"] == 2 and results["no"] == 3 and results["silence"] == 0


@pytest.mark.parametrize(("compat", "runtime"), PEERS, ids=[p[0] for p in PEERS])
def test_micro_speech_random_inputs(conformance: Path, compat: str, runtime: str) -> None:
    path = conformance / "micro_speech" / "micro_speech_quantized.tflite"
    ours = Interpreter(Model.from_file(path), compat=compat)
    ref = _Reference(path, runtime)
    rng = np.random.default_rng(3)
    for _ in range(300):
        x = rng.integers(-128, 128, size=(1, 1960), dtype=np.int8)
        ours.set_input(x)
        ours.invoke()
        np.testing.assert_array_equal(ours.get_output().ravel(), ref(x).ravel())
