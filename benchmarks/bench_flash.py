"""Flash throughput over the paced virtual UART, as a fraction of line rate.

    python benchmarks/bench_flash.py [--quick]

Starts host_sim at each baud rate, writes the full application image into the
inactive slot (erase, windowed FLASH_WRITE, verify, commit) and prints the
payload throughput of the write phase against the line rate (8N1: baud / 10
bytes per second).
"""

from __future__ import annotations

import argparse
import platform
import sys
import time

from earshot.boards import build, start_board
from earshot.device import Device


def measure(image: bytes, baud: int, window: int, compress: bool) -> dict[str, float]:
    with start_board("host_sim", baud=baud) as board, Device(board.port, baud=baud, timeout=10) as dev:
        t0 = time.monotonic()
        result = dev.flash(image, force=True, reset=False, window=window, compress=compress)
        total = time.monotonic() - t0
    line = baud / 10
    rate = result["bytes"] / result["seconds"]
    wire = result["payload_bytes_sent"] / result["seconds"]
    return {"baud": baud, "window": window, "bytes": result["bytes"], "write_s": result["seconds"],
            "total_s": total, "rate": rate, "fraction": rate / line, "wire_fraction": wire / line}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small image only (smoke run)")
    args = ap.parse_args()
    image = build("host_sim", small=args.quick).read_bytes()
    print("# Flash throughput on host_sim's paced UART\n")
    print(f"python {platform.python_version()}, image {len(image)} bytes\n")
    print("| baud | window | compression | image bytes | write s | total s (erase..commit) | image B/s "
          "| line B/s | image bytes / line rate | payload on the wire / line rate |")
    print("|---:|---:|:---|---:|---:|---:|---:|---:|---:|---:|")
    cases = [(921600, 4, False), (921600, 4, True)] if args.quick else [
        (115200, 1, False), (115200, 4, False), (115200, 4, True),
        (921600, 1, False), (921600, 4, False), (921600, 4, True)]
    for baud, window, compress in cases:
        r = measure(image, baud, window, compress)
        print(f"| {baud} | {window} | {'LZ' if compress else 'raw'} | {r['bytes']} | {r['write_s']:.2f} "
              f"| {r['total_s']:.2f} | {r['rate']:.0f} | {baud // 10} | {100 * r['fraction']:.1f} % "
              f"| {100 * r['wire_fraction']:.1f} % |", flush=True)
    print(f"\nCommand: `python {' '.join(sys.argv)}`")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
