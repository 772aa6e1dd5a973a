#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Reference p-values of Fisher's exact test (two-sided) for tests/unit/stats/test_twosample.c,
in exact rational arithmetic (no floating point until the print), with scipy.stats.fisher_exact's
definition: the sum of the hypergeometric probabilities of every table whose probability is at
most the observed one's times (1 + 1e-7).

  python3 tests/data/stats/fisher_reference.py
"""
from fractions import Fraction
from math import comb


def fisher(a, b, c, d):
    n1, n2, k = a + b, c + d, a + c
    n = n1 + n2
    total = comb(n, k)
    pmf = {x: Fraction(comb(n1, x) * comb(n2, k - x), total)
           for x in range(max(0, k - n2), min(k, n1) + 1)}
    bound = pmf[a] * Fraction(10000001, 10000000)
    return min(Fraction(1), sum(p for p in pmf.values() if p <= bound))


TABLES = [(8, 2, 1, 5), (1, 9, 11, 3), (3, 1, 1, 3), (5, 5, 5, 5), (200, 800, 300, 700),
          (195, 805, 212, 788), (0, 1000, 30, 970), (1000, 0, 0, 1000), (7, 93, 0, 100)]

for t in TABLES:
    print(f"fisher{t} = {float(fisher(*t))!r}")
