# SPDX-License-Identifier: MIT
"""Latency statistics for bench/hostile.sh: per-request latencies pooled over rounds, and a
bootstrap over rounds for the ratio of two phases' percentiles.

The latencies come from `gatesim load --hdr-log`: HdrHistogram interval logs (V2 encoding,
deflated, base64; lowest value 1, 3 significant digits), values in ns. A histogram here is a
dict {value: count}, the value being the highest one its bucket holds (as gatesim load reports
percentiles), so a percentile is within 0.1% of a recorded latency.

The design (docs/gateway.md, "The hostile benchmark's statistics"): a round is one unloaded,
one attack and one control phase measured one after the other; rounds drift (the machine's other
work comes and goes), so the unit that is resampled is the round, not the request, and the
three phases of a resampled round are taken together. The statistic is the pooled percentile:
the percentile of all the requests of the chosen rounds in one phase."""
import base64
import math
import random
import struct
import zlib

V2_COOKIE = 0x1C849303 | 0x10
V2_COMPRESSED_COOKIE = 0x1C849304 | 0x10
LINEAR = 2048  # buckets below this hold one value each (3 significant digits, lowest 1)
SUB = 1024


def bucket_highest(index):
    """The largest value in HdrHistogram bucket |index| (lowest 1, 3 significant digits)."""
    if index < LINEAR:
        return index
    shift = (index - LINEAR) // SUB + 1
    sub = (index - LINEAR) % SUB + SUB
    return ((sub + 1) << shift) - 1


def _zigzag_values(data):
    """HdrHistogram's ZigZag LEB128 longs (the ninth byte carries 8 bits)."""
    i, n = 0, len(data)
    while i < n:
        v, shift, k = 0, 0, 0
        while True:
            b = data[i]
            i += 1
            if k == 8:
                v |= b << shift
                break
            v |= (b & 0x7F) << shift
            shift += 7
            k += 1
            if b < 0x80:
                break
        yield (v >> 1) ^ -(v & 1)


def decode_histogram(text):
    """A base64 compressed V2 histogram → {highest value of the bucket: count}."""
    raw = base64.b64decode(text)
    cookie, length = struct.unpack(">II", raw[:8])
    if cookie != V2_COMPRESSED_COOKIE:
        raise ValueError("not a compressed V2 histogram (cookie %#x)" % cookie)
    plain = zlib.decompress(raw[8:8 + length])
    cookie, payload, offset, digits, lowest, _highest = struct.unpack(">IIIIqq", plain[:32])
    if cookie != V2_COOKIE or offset != 0 or digits != 3 or lowest != 1:
        raise ValueError("unsupported histogram layout (cookie %#x, %d digits, lowest %d)" %
                         (cookie, digits, lowest))
    hist, index = {}, 0
    for c in _zigzag_values(plain[40:40 + payload]):
        if c < 0:
            index += -c
            continue
        if c:
            v = bucket_highest(index)
            hist[v] = hist.get(v, 0) + c
        index += 1
    return hist


def read_hdrlog(path, tag=None):
    """The intervals of an interval log merged into one histogram: the untagged ones (gatesim
    load: the latency corrected for the open loop, from the intended send time), or those of
    |tag| ("service": from the actual send)."""
    hist = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#") or line.startswith('"'):
                continue
            want = line.startswith("Tag=%s," % tag) if tag else not line.startswith("Tag=")
            if not want:
                continue
            for v, c in decode_histogram(line.rsplit(",", 1)[1]).items():
                hist[v] = hist.get(v, 0) + c
    return hist


def merge(hists):
    out = {}
    for h in hists:
        for v, c in h.items():
            out[v] = out.get(v, 0) + c
    return out


def percentile(hist, q):
    """The nearest-rank percentile (q in 0..1]: the smallest value with at least ceil(q*N) of
    the N samples at or below it; None without samples."""
    n = sum(hist.values())
    if n == 0:
        return None
    rank = max(1, min(n, math.ceil(q * n)))
    seen = 0
    for v in sorted(hist):
        seen += hist[v]
        if seen >= rank:
            return v
    return max(hist)


class Pooled:
    """One phase's histograms, one per round, for percentiles of weighted pools of rounds (a
    bootstrap resample takes round r w[r] times). Walks from the largest value down, so a high
    percentile costs the samples above it, not the whole histogram."""

    def __init__(self, rounds):
        self.totals = [sum(h.values()) for h in rounds]
        by_value = {}
        for r, h in enumerate(rounds):
            for v, c in h.items():
                by_value.setdefault(v, []).append((r, c))
        self.bins = sorted(by_value.items(), reverse=True)

    def percentile(self, q, weights=None):
        w = weights or [1] * len(self.totals)
        n = sum(wr * t for wr, t in zip(w, self.totals))
        if n == 0:
            return None
        above = n - max(1, min(n, math.ceil(q * n)))  # samples allowed above the answer
        seen = 0
        for v, entries in self.bins:
            seen += sum(w[r] * c for r, c in entries)
            if seen > above:
                return v
        return self.bins[-1][0]


def _interval(values, conf):
    s = sorted(values)
    lo = s[max(0, math.floor((1 - conf) / 2 * len(s)))]
    hi = s[min(len(s) - 1, math.ceil((1 + conf) / 2 * len(s)) - 1)]
    return lo, hi


def compare(rounds, base, phases, q=0.99, resamples=2000, conf=0.95, seed=1):
    """|rounds|: a list of {phase: histogram}, one per round (a round missing a phase is left
    out). For each phase in |phases|, against |base|: the pooled q-percentiles (base and phase,
    in the histograms' unit), their ratio and difference, and percentile-bootstrap intervals
    (level |conf|) of both from |resamples| resamples of whole rounds. Returns {phase: dict}."""
    names = [base] + list(phases)
    rounds = [r for r in rounds if all(p in r for p in names)]
    if not rounds:
        return {p: None for p in phases}
    pools = {p: Pooled([r[p] for r in rounds]) for p in names}
    rng = random.Random(seed)
    k = len(rounds)
    draws = []
    for _ in range(resamples):
        w = [0] * k
        for _ in range(k):
            w[rng.randrange(k)] += 1
        draws.append({p: pools[p].percentile(q, w) for p in names})
    out = {}
    b0 = pools[base].percentile(q)
    for p in phases:
        v0 = pools[p].percentile(q)
        ratios = [d[p] / d[base] for d in draws if d[base] and d[p] is not None]
        diffs = [d[p] - d[base] for d in draws if d[base] is not None and d[p] is not None]
        out[p] = {
            "rounds": k,
            "base": b0,
            "value": v0,
            "ratio": v0 / b0 if b0 and v0 is not None else None,
            "ratio_ci": _interval(ratios, conf) if ratios else (None, None),
            "excess": v0 - b0 if b0 is not None and v0 is not None else None,
            "excess_ci": _interval(diffs, conf) if diffs else (None, None),
        }
    return out


def verdict(res, peak_mb, bound_mb, errors, goal=2.0):
    """The bench's rule: (passed, reason). PASS needs the upper end of the ratio's interval
    within |goal| (the claim "within 2x" shown at the interval's confidence, not a point
    estimate that noise puts on either side), the peak RSS within the bound and no errors."""
    if not res or res["ratio"] is None or res["ratio_ci"][1] is None:
        return False, "no latencies"
    why = []
    hi = res["ratio_ci"][1]
    if hi > goal:
        why.append("upper end %.2fx > %.2gx%s" % (
            hi, goal, "" if res["ratio"] > goal else
            " (the point estimate %.2fx is within it: not shown at this noise; more rounds or a"
            " quieter machine)" % res["ratio"]))
    if peak_mb > bound_mb:
        why.append("peak RSS %d MB > %d MB" % (peak_mb, bound_mb))
    if errors:
        why.append("%d errors" % errors)
    return not why, "; ".join(why)
