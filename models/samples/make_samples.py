"""Regenerate the bundled demo WAVs in host_tools/earshot/data/samples/.

Usage::

    python models/samples/make_samples.py [OUT_DIR]

Each sample is 16 kHz mono s16, at most 4 s long: a little silence, a TTS
utterance (espeak-ng or flite, resampled with ``sox -D``), optionally a short
follow-up command, and trailing silence.  Output is deterministic.  After
writing, every sample is checked against the reference pymicro-wakeword
models: wake samples must be detected by their own model and by no other,
``no_wake.wav`` by none.  ``README.md`` (with the exact command lines) is
written alongside.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))

from corpus import (  # noqa: E402
    SAMPLE_RATE,
    FloatArray,
    Speech,
    render_all_speech,
    to_pcm16,
    tts_command,
    write_wav,
)
from reference import MODEL_NAMES, reference_detections  # noqa: E402

DEFAULT_OUT = REPO / "host_tools" / "earshot" / "data" / "samples"
MAX_SECONDS = 4.0


@dataclass(frozen=True)
class Sample:
    filename: str
    expect: str | None  # model that must fire, or None for "no model fires"
    lead_s: float
    parts: tuple[Speech, ...]
    gap_s: float
    tail_s: float


SAMPLES: tuple[Sample, ...] = (
    Sample(
        "okay_nabu.wav",
        "okay_nabu",
        0.5,
        (
            Speech("okay nabu", "flite", "rms", 1.0, level_dbfs=-6.0),
            Speech("what time is it?", "espeak", "en-us", 160, level_dbfs=-8.0),
        ),
        0.35,
        0.4,
    ),
    Sample(
        "hey_jarvis.wav",
        "hey_jarvis",
        0.5,
        (
            Speech("hey jarvis", "flite", "rms", 1.0, level_dbfs=-6.0),
            Speech("turn on the lights.", "espeak", "en-gb", 160, level_dbfs=-8.0),
        ),
        0.35,
        0.4,
    ),
    Sample(
        "no_wake.wav",
        None,
        0.4,
        (
            Speech(
                "Remind me to call the dentist tomorrow morning.",
                "espeak",
                "en-us",
                160,
                level_dbfs=-6.0,
            ),
        ),
        0.0,
        0.4,
    ),
)


def _silence(seconds: float) -> FloatArray:
    return np.zeros(round(seconds * SAMPLE_RATE))


def assemble(sample: Sample, tts: dict[Speech, FloatArray]) -> bytes:
    pieces: list[FloatArray] = [_silence(sample.lead_s)]
    for i, part in enumerate(sample.parts):
        if i:
            pieces.append(_silence(sample.gap_s))
        pieces.append(tts[part])
    pieces.append(_silence(sample.tail_s))
    return to_pcm16(np.concatenate(pieces))


def _describe(speech: Speech) -> str:
    cmd = " ".join(
        f'"{a}"' if " " in a or "?" in a else a for a in tts_command(speech, "out.wav")
    )
    if speech.engine == "espeak":
        how = f"espeak-ng voice `{speech.voice}`, {int(speech.speed)} wpm, pitch {speech.pitch}"
    else:
        how = f"flite voice `{speech.voice}`, duration_stretch {speech.speed:g}"
    return f'  - "{speech.text}" — {how}, peak-normalised to {speech.level_dbfs:g} dBFS:\n    `{cmd}`'


def write_readme(
    out_dir: Path,
    results: dict[str, dict[str, list[float]]],
    durations: dict[str, float],
) -> None:
    lines = [
        "# Bundled demo samples",
        "",
        "16 kHz, mono, signed 16-bit WAV, each at most 4 s. Generated (deterministically) by",
        "`models/samples/make_samples.py`; do not edit by hand — rerun",
        "`python models/samples/make_samples.py`.",
        "",
        "Each utterance is synthesised to a temporary WAV, converted with",
        "`sox -D out.wav -t raw -r 16000 -c 1 -b 16 -e signed-integer -L -` (no dither),",
        "peak-normalised, and concatenated with digital silence. The script checks every",
        "file with the reference pymicro-wakeword 2.5.0 built-in models (`tests/reference.py`).",
        "",
    ]
    for sample in SAMPLES:
        dur = durations[sample.filename]
        lines.append(f"## {sample.filename} ({dur:.2f} s)")
        lines.append("")
        layout = f"{sample.lead_s:g} s silence, then"
        lines.append(
            f"Layout: {layout} the parts below separated by {sample.gap_s:g} s silence, "
            f"then {sample.tail_s:g} s silence."
        )
        lines.append("")
        for part in sample.parts:
            lines.append(_describe(part))
        lines.append("")
        fired = {m: t for m, t in results[sample.filename].items() if t}
        if sample.expect:
            times = fired.get(sample.expect, [])
            lines.append(
                f"Reference `{sample.expect}` fires in {len(times)} consecutive windows "
                f"({times[0]:.2f}-{times[-1]:.2f} s); no other model fires."
            )
        else:
            lines.append(
                "No reference model (okay_nabu, hey_jarvis, alexa, hey_mycroft) fires."
            )
        lines.append("")
    (out_dir / "README.md").write_text("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out_dir = Path(args[0]) if args else DEFAULT_OUT
    out_dir.mkdir(parents=True, exist_ok=True)
    tts = render_all_speech(p for s in SAMPLES for p in s.parts)
    results: dict[str, dict[str, list[float]]] = {}
    durations: dict[str, float] = {}
    ok = True
    for sample in SAMPLES:
        pcm = assemble(sample, tts)
        seconds = len(pcm) / 2 / SAMPLE_RATE
        durations[sample.filename] = seconds
        if seconds > MAX_SECONDS:
            print(
                f"{sample.filename}: {seconds:.2f} s exceeds {MAX_SECONDS} s",
                file=sys.stderr,
            )
            ok = False
        path = out_dir / sample.filename
        write_wav(path, pcm)
        results[sample.filename] = {
            m: reference_detections(path, m) for m in MODEL_NAMES
        }
        fired = sorted(m for m, t in results[sample.filename].items() if t)
        want = [sample.expect] if sample.expect else []
        status = "ok" if fired == want else "MISMATCH"
        ok &= fired == want
        print(f"{sample.filename:<16} {seconds:5.2f} s  fired={fired or '-'}  {status}")
    write_readme(out_dir, results, durations)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
