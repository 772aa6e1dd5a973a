# SPDX-License-Identifier: MIT
"""HPACK abuse against an HTTP/2 server at ADDR (argv[1]), on one connection per case; prints
one JSON object with the GOAWAY code each case got (None: none within 5 s):
  big: one header list of 80 KiB (over a 64 KiB SETTINGS_MAX_HEADER_LIST_SIZE) in HEADERS
       and CONTINUATION frames of 16 KiB;
  bomb: a 4 KiB header added to the dynamic table once, then referenced by its 1-byte index
       a thousand times (4 MiB decoded from 1 KiB sent);
  continuations: a small header block split over 30 CONTINUATION frames."""
import json
import sys

import h2raw


def goaway_of(data, addr):
    c = h2raw.Conn(addr)
    c.send(data)
    c.read_until(lambda f: f[0] == h2raw.GOAWAY, 5.0)
    code = c.goaway
    c.close()
    return code


def split_block(block, size):
    """HEADERS + CONTINUATION frames carrying |block| in pieces of |size| (stream 1)."""
    parts = [block[i:i + size] for i in range(0, len(block), size)]
    out = bytearray()
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        flags = h2raw.END_HEADERS if last else 0
        if i == 0:
            out += h2raw.frame(h2raw.HEADERS, flags | h2raw.END_STREAM, 1, part)
        else:
            out += h2raw.frame(h2raw.CONTINUATION, flags, 1, part)
    return bytes(out)


addr = sys.argv[1]
base = h2raw.hpack(h2raw.request_fields("/"))
big = base + h2raw.hpack([("x-big-%d" % i, "v" * 1000) for i in range(80)])
# Literal with incremental indexing, new name (0x40): enters the dynamic table at index 62.
bomb = base + b"\x40" + h2raw._int(6, 7) + b"x-bomb" + h2raw._int(4000, 7) + b"b" * 4000
bomb += bytes([0x80 | 62]) * 1000  # indexed field 62, a thousand times
out = {
    "big": goaway_of(split_block(big, 16384), addr),
    "bomb": goaway_of(split_block(bomb, 16384), addr),
    "continuations": goaway_of(split_block(base, 2), addr),
}
print(json.dumps(out))
