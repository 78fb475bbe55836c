"""LZ block compression for FLASH_WRITE_LZ (docs/PROTOCOL.md): LZ4-style sequences, greedy matching."""

from __future__ import annotations

MIN_MATCH = 4
MAX_OFFSET = 65535
_HASH_BITS = 14


def _length_bytes(n: int) -> bytes:
    """Extension bytes of a length that is >= 15 (the nibble holds 15)."""
    out = bytearray()
    n -= 15
    while n >= 255:
        out.append(255)
        n -= 255
    out.append(n)
    return bytes(out)


def _sequence(literals: bytes, offset: int | None, match_len: int) -> bytes:
    lit_n = len(literals)
    m = match_len - MIN_MATCH if offset is not None else 0
    token = (min(lit_n, 15) << 4) | min(m, 15)
    out = bytearray([token])
    if lit_n >= 15:
        out += _length_bytes(lit_n)
    out += literals
    if offset is not None:
        out += offset.to_bytes(2, "little")
        if m >= 15:
            out += _length_bytes(m)
    return bytes(out)


def compress(data: bytes) -> bytes:
    """Compress one block (independent of every other block)."""
    n = len(data)
    table: dict[int, int] = {}
    out = bytearray()
    anchor = 0
    i = 0
    while i + MIN_MATCH <= n:
        key = int.from_bytes(data[i : i + MIN_MATCH], "little")
        cand = table.get(key)
        table[key] = i
        if cand is not None and i - cand <= MAX_OFFSET:
            length = MIN_MATCH
            while i + length < n and data[cand + length] == data[i + length]:
                length += 1
            out += _sequence(data[anchor:i], i - cand, length)
            for j in range(i + 1, min(i + length, n - MIN_MATCH + 1)):
                table[int.from_bytes(data[j : j + MIN_MATCH], "little")] = j
            i += length
            anchor = i
        else:
            i += 1
    out += _sequence(data[anchor:], None, 0)
    return bytes(out)


def decompress(block: bytes, limit: int = 1 << 20) -> bytes:
    """Inverse of :func:`compress` (the device's algorithm; used by tests)."""
    out = bytearray()
    pos, n = 0, len(block)

    def ext(value: int) -> int:
        nonlocal pos
        while True:
            if pos >= n:
                raise ValueError("LZ: length runs past the block")
            b = block[pos]
            pos += 1
            value += b
            if b != 255:
                return value

    while pos < n:
        token = block[pos]
        pos += 1
        lit = token >> 4
        if lit == 15:
            lit = ext(lit)
        if pos + lit > n or len(out) + lit > limit:
            raise ValueError("LZ: literals run past the block")
        out += block[pos : pos + lit]
        pos += lit
        if pos == n:
            break
        if pos + 2 > n:
            raise ValueError("LZ: truncated offset")
        offset = int.from_bytes(block[pos : pos + 2], "little")
        pos += 2
        mlen = token & 15
        if mlen == 15:
            mlen = ext(mlen)
        mlen += MIN_MATCH
        if offset == 0 or offset > len(out) or len(out) + mlen > limit:
            raise ValueError("LZ: bad match")
        for _ in range(mlen):
            out.append(out[-offset])
    return bytes(out)
