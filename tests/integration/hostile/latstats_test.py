# SPDX-License-Identifier: MIT
"""Known-answer checks of latstats.py (the hostile bench's statistics). With a file argument,
also reads a `gatesim load --hdr-log` log and its JSON output and checks they agree."""
import base64
import json
import struct
import sys
import unittest
import zlib

import latstats


def encoded(payload):
    """A compressed base64 V2 histogram around a hand-written counts payload."""
    head = struct.pack(">IIIIqqd", latstats.V2_COOKIE, len(payload), 0, 3, 1, (1 << 44) - 1, 1.0)
    packed = zlib.compress(head + payload)
    return base64.b64encode(struct.pack(">II", latstats.V2_COMPRESSED_COOKIE, len(packed)) +
                            packed).decode()


class Decode(unittest.TestCase):
    def test_bucket_bounds(self):
        self.assertEqual(latstats.bucket_highest(0), 0)
        self.assertEqual(latstats.bucket_highest(2047), 2047)
        self.assertEqual(latstats.bucket_highest(2048), 2049)  # 2048 and 2049 share it
        self.assertEqual(latstats.bucket_highest(3071), 4095)
        self.assertEqual(latstats.bucket_highest(3072), 4099)  # 4096-4099: width 4

    def test_counts_and_zero_runs(self):
        # index 0: a single zero (0x00); index 1: 2 (ZigZag 4); indexes 2-4: a run of three
        # zeros (-3, ZigZag 5); index 5: 1 (ZigZag 2); index 6: 300 (ZigZag 600, LEB128 d8 04)
        hist = latstats.decode_histogram(encoded(bytes([0x00, 0x04, 0x05, 0x02, 0xD8, 0x04])))
        self.assertEqual(hist, {1: 2, 5: 1, 6: 300})

    def test_nine_byte_value(self):
        # ZigZag(2^62) = 2^63: eight 7-bit groups of zeros, the ninth byte carries 8 bits
        hist = latstats.decode_histogram(encoded(bytes([0x80] * 8 + [0x80])))
        self.assertEqual(hist, {0: 1 << 62})

    def test_bad_cookie(self):
        with self.assertRaises(ValueError):
            latstats.decode_histogram(base64.b64encode(b"\0" * 16).decode())


class Percentile(unittest.TestCase):
    def test_nearest_rank(self):
        h = {v: 1 for v in range(1, 1001)}
        self.assertEqual(latstats.percentile(h, 0.99), 990)
        self.assertEqual(latstats.percentile(h, 0.5), 500)
        self.assertEqual(latstats.percentile(h, 1.0), 1000)
        self.assertEqual(latstats.percentile(h, 0.0), 1)
        self.assertIsNone(latstats.percentile({}, 0.99))

    def test_weighted_pool_is_the_merge(self):
        a = {v: 1 for v in range(1, 101)}
        b = {v * 10: 2 for v in range(1, 51)}
        pool = latstats.Pooled([a, b])
        for w in ([1, 1], [2, 0], [0, 3], [3, 1]):
            want = latstats.merge([a] * w[0] + [b] * w[1])
            for q in (0.5, 0.9, 0.99, 1.0):
                self.assertEqual(pool.percentile(q, w), latstats.percentile(want, q), (w, q))
        self.assertIsNone(pool.percentile(0.99, [0, 0]))


class Compare(unittest.TestCase):
    def test_identical_rounds_give_a_point(self):
        u = {v: 1 for v in range(1000, 2000)}
        a = {2 * v: c for v, c in u.items()}
        r = latstats.compare([{"u": u, "a": a}] * 5, "u", ["a"], resamples=200)["a"]
        self.assertEqual(r["ratio"], 2.0)
        self.assertEqual(r["ratio_ci"], (2.0, 2.0))
        self.assertEqual(r["excess"], latstats.percentile(u, 0.99))

    def test_rounds_not_requests_are_resampled(self):
        # Round 1: the attack costs nothing; round 2: it triples every latency. Resampling
        # rounds: ratio 1 when round 1 is drawn twice (p 1/4), else 3 (the pooled p99 is in
        # round 2's 3000s): the 95% interval is [1, 3]. Resampling requests would give [3, 3].
        rounds = [{"u": {1000: 100}, "a": {1000: 100}}, {"u": {1000: 100}, "a": {3000: 100}}]
        r = latstats.compare(rounds, "u", ["a"], resamples=2000)["a"]
        self.assertEqual(r["ratio"], 3.0)
        self.assertEqual(r["ratio_ci"], (1.0, 3.0))
        self.assertEqual(r["excess_ci"], (0, 2000))

    def test_phases_of_a_round_stay_together(self):
        # Rounds drift tenfold, the attack changes nothing within a round: every resample pools
        # the same rounds for both phases, so the ratio is exactly 1. Resampling the phases'
        # rounds independently would spread it over 0.1x-10x.
        rounds = [{"u": {100 * k: 50, 110 * k: 50}, "a": {100 * k: 50, 110 * k: 50}}
                  for k in range(1, 11)]
        r = latstats.compare(rounds, "u", ["a", "u"], resamples=500)
        self.assertEqual(r["a"]["ratio_ci"], (1.0, 1.0))
        self.assertEqual(r["u"]["excess_ci"], (0, 0))

    def test_interval_level(self):
        # 20 rounds, the attack doubles the latency in 4 of them: a resample that draws any of
        # the 4 has 100 or more of its 2000 latencies (over 1%) at 2000, so its ratio is 2; one
        # that draws none (p = (16/20)^20 = 1.2%) has 1. The 95% interval leaves out the lowest
        # 2.5%: [2, 2]; the 99% one (0.5%) reaches 1: [1, 2].
        rounds = [{"u": {1000: 100}, "a": {2000 if k < 4 else 1000: 100}} for k in range(20)]
        r95 = latstats.compare(rounds, "u", ["a"], resamples=4000, conf=0.95)["a"]
        r99 = latstats.compare(rounds, "u", ["a"], resamples=4000, conf=0.99)["a"]
        self.assertEqual(r95["ratio"], 2.0)
        self.assertEqual(r95["ratio_ci"], (2.0, 2.0))
        self.assertEqual(r99["ratio_ci"], (1.0, 2.0))
        # one slow round of 20: not drawn in (19/20)^20 = 36% of resamples: [1, 2] at 95%
        rounds = [{"u": {1000: 100}, "a": {2000 if k < 1 else 1000: 100}} for k in range(20)]
        r = latstats.compare(rounds, "u", ["a"], resamples=4000)["a"]
        self.assertEqual(r["ratio_ci"], (1.0, 2.0))

    def test_missing_phase_drops_the_round(self):
        rounds = [{"u": {1000: 10}, "a": {1500: 10}}, {"u": {1000: 10}}]
        r = latstats.compare(rounds, "u", ["a"], resamples=100)["a"]
        self.assertEqual(r["rounds"], 1)
        self.assertEqual(r["ratio"], 1.5)


class Verdict(unittest.TestCase):
    def res(self, point, lo, hi):
        return {"ratio": point, "ratio_ci": (lo, hi)}

    def test_upper_end_decides(self):
        self.assertEqual(latstats.verdict(self.res(1.2, 0.9, 1.9), 40, 256, 0), (True, ""))
        self.assertTrue(latstats.verdict(self.res(2.0, 2.0, 2.0), 40, 256, 0)[0])
        ok, why = latstats.verdict(self.res(1.2, 0.9, 2.3), 40, 256, 0)
        self.assertFalse(ok)
        self.assertIn("point estimate 1.20x is within", why)
        ok, why = latstats.verdict(self.res(2.5, 2.1, 3.0), 40, 256, 0)
        self.assertFalse(ok)
        self.assertNotIn("point estimate", why)

    def test_memory_errors_and_no_data(self):
        self.assertFalse(latstats.verdict(self.res(1.0, 1.0, 1.0), 300, 256, 0)[0])
        self.assertFalse(latstats.verdict(self.res(1.0, 1.0, 1.0), 40, 256, 3)[0])
        self.assertFalse(latstats.verdict(None, 40, 256, 0)[0])


def check_log(log, js):
    """A real gatesim load run: the log's untagged intervals hold every response, and their
    p99 is the JSON's (both are the highest value of the same bucket)."""
    hist = latstats.read_hdrlog(log)
    d = json.load(open(js))
    n = sum(hist.values())
    if n != d["responses"]:
        sys.exit("latstats_test: the log holds %d latencies, the run %d responses" %
                 (n, d["responses"]))
    p99 = latstats.percentile(hist, 0.99) / 1e6
    want = d["latencyMs"]["p99"]
    if abs(p99 - want) > max(0.002 * want, 0.002):
        sys.exit("latstats_test: p99 from the log %.4f ms, the run says %.4f ms" % (p99, want))
    svc = sum(latstats.read_hdrlog(log, "service").values())
    if svc != n:
        sys.exit("latstats_test: %d service latencies for %d responses" % (svc, n))
    print("latstats_test: %d latencies, p99 %.3f ms (run: %.3f ms)" % (n, p99, want))


if __name__ == "__main__":
    if len(sys.argv) == 3:
        check_log(sys.argv[1], sys.argv[2])
    else:
        unittest.main()
