"""The ``earshot`` command line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from . import __version__
from .audio import SAMPLE_RATE, iter_pcm, read_wav
from .errors import AudioFormatError, EarshotError
from .manifest import DEFAULT_MODELS
from .wakeword import DEFAULT_REFRACTORY_S, Detection, WakeWordEngine

_CHUNK = SAMPLE_RATE  # feed one second at a time


def _print_detection(d: Detection, as_json: bool) -> None:
    if as_json:
        print(json.dumps(d.as_dict()), flush=True)
    else:
        print(f"{d.time_s:9.3f} s  {d.model:<12} p={d.probability:.3f}", flush=True)


def cmd_detect(args: argparse.Namespace) -> int:
    engine = WakeWordEngine(args.model or list(DEFAULT_MODELS), refractory_s=args.refractory)
    total = 0
    if args.input == "-":
        for chunk in iter_pcm(sys.stdin.buffer):
            total += len(chunk)
            for d in engine.process(chunk):
                _print_detection(d, args.json)
        if total == 0:
            raise AudioFormatError("stdin: no audio (expected 16 kHz mono s16le PCM)")
    else:
        pcm = read_wav(args.input)
        if len(pcm) == 0:
            raise AudioFormatError(f"{args.input}: WAV file contains no samples")
        bar = None
        if sys.stderr.isatty() and len(pcm) > 60 * SAMPLE_RATE and not args.quiet:
            from tqdm import tqdm

            bar = tqdm(total=len(pcm) / SAMPLE_RATE, unit="s", desc="detect", file=sys.stderr, leave=False)
        for start in range(0, len(pcm), _CHUNK):
            chunk = pcm[start : start + _CHUNK]
            for d in engine.process(chunk):
                _print_detection(d, args.json)
            if bar is not None:
                bar.update(len(chunk) / SAMPLE_RATE)
        if bar is not None:
            bar.close()
        total = len(pcm)
    if not args.json and not args.quiet:
        print(f"# {total / SAMPLE_RATE:.2f} s of audio, models: {', '.join(engine.names)}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="earshot", description="Earshot on-device voice SDK tools")
    parser.add_argument("--version", action="version", version=f"earshot {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("detect", help="detect wake words in a WAV file or raw PCM on stdin")
    p.add_argument(
        "--model",
        action="append",
        metavar="NAME_OR_MANIFEST.json",
        help=f"wake-word model (repeatable; default: {', '.join(DEFAULT_MODELS)})",
    )
    p.add_argument("--json", action="store_true", help="one JSON object per detection")
    p.add_argument(
        "--refractory",
        type=float,
        default=DEFAULT_REFRACTORY_S,
        metavar="S",
        help=f"minimum seconds between detections of one model (default {DEFAULT_REFRACTORY_S}; 0 = every window)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no summary line or progress bar")
    p.add_argument("input", help="16 kHz mono 16-bit WAV file, or - for raw s16le PCM on stdin")
    p.set_defaults(func=cmd_detect)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except EarshotError as exc:
        print(f"earshot: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


