"""The ``earshot`` command line."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .audio import SAMPLE_RATE, iter_pcm, read_wav
from .device import DEFAULT_BAUD, Device, Event
from .errors import AudioFormatError, ConfigError, EarshotError
from .manifest import DEFAULT_MODELS
from .protocol import Cmd
from .wakeword import DEFAULT_REFRACTORY_S, Detection, WakeWordEngine

_CHUNK = SAMPLE_RATE  # feed one second at a time
SAMPLES_DIR = Path(__file__).resolve().parent / "data" / "samples"


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


# ---- board commands ----


def _device(args: argparse.Namespace) -> Device:
    from .boards import remembered_port, require_port

    port = require_port(args.port)
    baud = args.baud
    if baud is None:
        rem = remembered_port()
        baud = rem[1] if rem and rem[0] == port else DEFAULT_BAUD
    return Device(port, baud=baud, timeout=args.timeout)


def cmd_board_start(args: argparse.Namespace) -> int:
    from .boards import remember, start_board

    board = start_board(args.board, flash=args.flash, baud=args.baud or None, tcp_port=args.tcp)
    remember(board, args.board)
    print(board.port, flush=True)
    if args.detach:
        print(f"# {args.board} running as pid {board.proc.pid}; stop it with: kill {board.proc.pid}", file=sys.stderr)
        board._tmp = None  # the process outlives us; keep its flash file
        return 0
    print(f"# {args.board} running (flash {board.flash}); Ctrl-C stops it", file=sys.stderr)
    try:
        board.wait()
    except KeyboardInterrupt:
        pass
    finally:
        board.close()
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from .boards import build

    image = build(args.board, version=args.version, small=args.small, no_confirm=args.no_confirm)
    print(image)
    return 0


def cmd_flash(args: argparse.Namespace) -> int:
    data = Path(args.image).read_bytes() if Path(args.image).is_file() else None
    if data is None:
        raise ConfigError(f"{args.image}: no such image file")
    with _device(args) as dev:
        bar = None
        if not args.quiet:
            from tqdm import tqdm

            bar = tqdm(total=len(data), unit="B", unit_scale=True, desc="flash", file=sys.stderr, leave=False)

        def progress(done: int, total: int) -> None:
            if bar is not None:
                bar.update(done - bar.n)

        result = dev.flash(data, progress=progress, force=args.force, reset=not args.no_reset)
        if bar is not None:
            bar.close()
    if result["skipped"]:
        print(f"slot {result['slot']} already holds this image; nothing written")
    else:
        rate = result["bytes"] / result["seconds"] if result.get("seconds") else 0.0
        print(f"wrote {result['bytes']} bytes to slot {result['slot']} in {result.get('seconds', 0):.2f} s "
              f"({rate / 1024:.1f} KiB/s), verified"
              + (f", resumed at {result['resumed_at']}" if result["resumed_at"] else ""))
    if "boot" in result:
        print(f"booted: {json.dumps(result['boot'])}")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    with _device(args) as dev:
        print(json.dumps(dev.info(), indent=2))
    return 0


def cmd_reset(args: argparse.Namespace) -> int:
    with _device(args) as dev:
        boot = dev.reset(stay_in_bootloader=args.bootloader)
    print(json.dumps(boot))
    return 0


def _format_event(ev: Event) -> str:
    if ev.kind == "log":
        return f"[log] {ev.data['text']}"
    if ev.kind == "wake":
        return f"[wake] {ev.data['model']} at {ev.data['time_s']:.3f} s p={ev.data['probability']:.3f}"
    return f"[{ev.kind}] {json.dumps(ev.data)}"


def cmd_monitor(args: argparse.Namespace) -> int:
    with _device(args) as dev:
        if args.reset:
            dev.request(Cmd.RESET, b"\x00")  # like idf.py monitor: show the board from its start
        try:
            for ev in dev.iter_events(timeout=args.duration):
                print(json.dumps({"kind": ev.kind, **ev.data}) if args.json else _format_event(ev), flush=True)
        except KeyboardInterrupt:
            pass
    return 0


def _profile_insns(args: argparse.Namespace) -> int:
    """Instruction counts on the emulated Cortex-M55 (QEMU TCG plugin): per inference and per operator."""
    from . import insns

    per_inference = insns.model_check_insns(args.inferences)
    per_op = insns.model_check_op_insns(args.inferences)
    result: dict[str, dict[str, Any]] = {
        name: {
            "insns_per_inference_median": sorted(v)[len(v) // 2],
            "insns_per_inference": v,
            "ops": [{"index": i, "op": op, "insns": c} for i, (op, c) in enumerate(per_op[name])],
        }
        for name, v in per_inference.items()
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print("executed guest instructions on qemu mps3-an547 (Cortex-M55), median over inferences")
    for name, r in result.items():
        by_type: dict[str, int] = {}
        for o in r["ops"]:
            by_type[o["op"]] = by_type.get(o["op"], 0) + o["insns"]
        print(f"\n{name}: {r['insns_per_inference_median']} per inference")
        for op, c in sorted(by_type.items(), key=lambda kv: -kv[1]):
            print(f"  {op:<20} {c:>9}")
    return 0


def cmd_profile(args: argparse.Namespace) -> int:
    if args.board:
        from .boards import board_spec

        if board_spec(args.board).raw.get("emulator") != "qemu":
            raise ConfigError(f"instruction counts need an emulated board (qemu_an547), not {args.board}")
        return _profile_insns(args)
    with _device(args) as dev:
        if args.play:
            dev.profile(reset=True)
            dev.play(read_wav(args.play).astype("<i2").tobytes())
            time.sleep(0.2)
        prof = dev.profile()
    if args.json:
        print(json.dumps(prof, indent=2))
        return 0
    rows = [(k, v) for k, v in prof.items() if not isinstance(v, (dict, list))]
    for k, v in rows:
        print(f"{k:<32} {v}")
    for k, v in prof.items():
        if isinstance(v, dict):
            for k2, v2 in v.items():
                print(f"{k + '.' + k2:<32} {v2}")
    return 0


def cmd_size(args: argparse.Namespace) -> int:
    from .size import firmware_size, format_table

    report = firmware_size(args.board, arenas=not args.no_arena, stack=args.stack)
    print(json.dumps(report, indent=2) if args.json else format_table(report))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .boards import build, start_board

    print("== building the host_sim firmware", flush=True)
    image = build("host_sim")
    print(f"   {image}")
    with start_board("host_sim") as board:
        print(f"== virtual board started on {board.port}", flush=True)
        with Device(board.port, baud=board.baud) as dev:
            print(f"== {dev.role} answered; flashing {image.name}", flush=True)
            result = dev.flash(image.read_bytes())
            print(f"   wrote {result['bytes']} bytes, verified, rebooted: {json.dumps(result.get('boot', {}))}")
            for ev in dev.drain_events():
                print("   " + _format_event(ev))
            for sample in ("okay_nabu", "hey_jarvis"):
                path = SAMPLES_DIR / f"{sample}.wav"
                print(f"== streaming {path.name} into the board's microphone", flush=True)
                dev.play(read_wav(path).astype("<i2").tobytes())
                time.sleep(0.5)
                for ev in dev.drain_events():
                    print("   " + _format_event(ev))
                dev.reset()
                dev.drain_events()
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

    link = argparse.ArgumentParser(add_help=False)
    link.add_argument("-p", "--port", help="serial port or pyserial URL (env EARSHOT_PORT; default: the board "
                      "started last with `earshot board start --detach`)")
    link.add_argument("-b", "--baud", type=int, default=None, help=f"baud rate (default {DEFAULT_BAUD})")
    link.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for an answer (default 5)")

    p = sub.add_parser("board", help="virtual boards")
    bsub = p.add_subparsers(dest="board_command", required=True)
    q = bsub.add_parser("start", help="start a virtual board and print its port")
    q.add_argument("board", help="board name (host_sim)")
    q.add_argument("--flash", help="flash file (default: a temporary one)")
    q.add_argument("-b", "--baud", type=int, default=None, help="UART baud rate of the board")
    q.add_argument("--tcp", type=int, default=None, metavar="PORT", help="UART on a TCP port instead of a pty")
    q.add_argument("--detach", action="store_true", help="leave it running in the background")
    q.set_defaults(func=cmd_board_start)

    p = sub.add_parser("build", help="build a board's firmware image")
    p.add_argument("--board", default="host_sim")
    p.add_argument("--version", type=int, default=1, help="image version (higher is newer)")
    p.add_argument("--small", action="store_true", help="without models (for tests)")
    p.add_argument("--no-confirm", action="store_true", help="image that does not confirm itself (rollback tests)")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("flash", parents=[link], help="write an image to the board's inactive slot")
    p.add_argument("image")
    p.add_argument("--force", action="store_true", help="write even when the slot holds the same image")
    p.add_argument("--no-reset", action="store_true", help="commit but do not reset into the image")
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(func=cmd_flash)

    p = sub.add_parser("info", parents=[link], help="board, firmware, slots, RAM")
    p.set_defaults(func=cmd_info)
    p = sub.add_parser("reset", parents=[link], help="reset the board")
    p.add_argument("--bootloader", action="store_true", help="stay in the bootloader")
    p.set_defaults(func=cmd_reset)
    p = sub.add_parser("monitor", parents=[link], help="print logs and events (Ctrl-C quits)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--duration", type=float, default=None, help="stop after this many seconds of silence")
    p.add_argument("--no-reset", dest="reset", action="store_false", help="do not reset the board first")
    p.set_defaults(func=cmd_monitor)
    p = sub.add_parser("profile", parents=[link], help="per-stage timing and memory counters")
    p.add_argument("--json", action="store_true")
    p.add_argument("--play", metavar="WAV", help="stream this audio first, then read the counters")
    p.add_argument("--board", help="qemu_an547: count executed instructions per inference and per operator "
                   "with the QEMU plugin instead of asking a running board")
    p.add_argument("--inferences", type=int, default=6, help="inferences per model with --board (default 6)")
    p.set_defaults(func=cmd_profile)
    p = sub.add_parser("size", help="code/data size per component, flash and RAM totals, arena per model")
    p.add_argument("--board", default="qemu_an547")
    p.add_argument("--json", action="store_true")
    p.add_argument("--no-arena", action="store_true", help="do not measure the arena per model")
    p.add_argument("--stack", action="store_true",
                   help="also run the board (flash, play a sample) and report the stack high water")
    p.set_defaults(func=cmd_size)
    p = sub.add_parser("demo", help="start host_sim, build and flash the firmware, stream wake words")
    p.set_defaults(func=cmd_demo)
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


