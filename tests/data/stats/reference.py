#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Prints the reference values used in tests/unit/stats/*.c, each next to the exact scipy
# expression that produced it (Debian's python3-scipy 1.10). Not run by the tests: the numbers
# are pasted into them, so they fail if gs_stats drifts. Re-run to audit:
#   /usr/bin/python3 tests/data/stats/reference.py
from scipy import special, stats
import numpy as np

EXPRS = [
    "special.betainc(2.5, 3.5, 0.3)",
    "special.betainc(1500.0, 3501.0, 0.3)",
    "special.betainc(0.5, 0.5, 0.999)",
    "special.betainc(10.0, 20.0, 0.01)",
    "stats.beta.sf(0.05, 5.0, 995.0)",
    "stats.beta.sf(0.9, 50.0, 5.0)",
    "special.gammainc(3.0, 2.0)",
    "special.gammaincc(3.0, 2.0)",
    "special.gammaincc(50.0, 100.0)",
    "special.gammainc(0.5, 0.01)",
    "special.gammainc(200.0, 180.0)",
    "stats.norm.ppf(0.975)",
    "stats.norm.ppf(1e-10)",
    "stats.norm.ppf(0.3)",
    "stats.norm.isf(0.0005)",
    "stats.norm.sf(6.0)",
    "stats.chi2.sf(13.8, 2)",
    "stats.chi2.sf(3.0, 7)",
    "stats.chi2.isf(0.001, 2)",
    "stats.chi2.isf(0.01, 5)",
    "stats.ncx2.sf(13.815510557964274, 2, 20.0)",
    "stats.ncx2.sf(20.5, 4, 60.0)",
    "stats.ncx2.sf(5.0, 1, 0.5)",
    "stats.binom.logpmf(3, 10, 0.3)",
    "stats.binom.cdf(20, 100, 0.3)",
    "stats.binom.sf(39, 100, 0.3)",
    "stats.binom.cdf(5, 1000, 0.02)",
    "stats.binom.sf(2999, 4000, 0.7)",
    "stats.binomtest(3, 10, 0.3).pvalue",
    "stats.binomtest(7, 10, 0.3).pvalue",
    "stats.binomtest(2851, 3000, 0.95).pvalue",
    "stats.binomtest(3004, 4000, 0.7).pvalue",
    "stats.binomtest(50, 100, 0.5).pvalue",
    "stats.binomtest(60, 100, 0.5).pvalue",
    "stats.binomtest(0, 50, 0.01).pvalue",
    "stats.binomtest(10, 1000, 0.02).pvalue",
    "stats.binomtest(990, 1000, 0.999).pvalue",
    "stats.binomtest(149, 3000, 0.05).pvalue",
    "stats.binomtest(2851, 3000, 0.95).proportion_ci(confidence_level=0.999, method='wilson').low",
    "stats.binomtest(2851, 3000, 0.95).proportion_ci(confidence_level=0.999, method='wilson').high",
    "stats.binomtest(3, 20, 0.5).proportion_ci(confidence_level=0.95, method='wilson').low",
    "stats.binomtest(3, 20, 0.5).proportion_ci(confidence_level=0.95, method='wilson').high",
    "stats.binomtest(0, 20, 0.5).proportion_ci(confidence_level=0.95, method='wilson').high",
    "stats.power_divergence([300, 330, 370], f_exp=[1000/3, 1000/3, 1000/3], lambda_='log-likelihood').statistic",
    "stats.power_divergence([300, 330, 370], f_exp=[1000/3, 1000/3, 1000/3], lambda_='log-likelihood').pvalue",
    "stats.power_divergence([520, 270, 210], f_exp=[500, 300, 200], lambda_='log-likelihood').pvalue",
]

def brute_power(n, p, alpha, alt):
    # exact power of the two-sided binomtest at level alpha, by enumerating every outcome
    return sum(stats.binom.pmf(k, n, alt) for k in range(n + 1)
               if stats.binomtest(k, n, p).pvalue <= alpha)

def holm(ps):
    # Holm step-down adjusted p-values, written out
    order = sorted(range(len(ps)), key=lambda i: ps[i])
    m, run, out = len(ps), 0.0, [0.0] * len(ps)
    for j, i in enumerate(order):
        run = max(run, min(1.0, (m - j) * ps[i]))
        out[i] = run
    return out

EXPRS += [
    "brute_power(200, 0.3, 0.01, 0.4)",
    "brute_power(200, 0.3, 0.01, 0.2)",
    "brute_power(1000, 0.75, 0.01, 0.75)",
    "brute_power(60, 1/3, 0.01/3, 1/3)",
    "holm([stats.binomtest(5, 20, 1/3).pvalue, stats.binomtest(12, 20, 1/3).pvalue, stats.binomtest(3, 20, 1/3).pvalue])[0]",
    "holm([stats.binomtest(5, 20, 1/3).pvalue, stats.binomtest(12, 20, 1/3).pvalue, stats.binomtest(3, 20, 1/3).pvalue])[1]",
    "holm([stats.binomtest(5, 20, 1/3).pvalue, stats.binomtest(12, 20, 1/3).pvalue, stats.binomtest(3, 20, 1/3).pvalue])[2]",
]

# test_plan.c (slow: tens of seconds, brute force over thousands of outcomes)
EXPRS += [
    "min(brute_power(2765, 0.7, 0.001, 0.75), brute_power(2765, 0.7, 0.001, 0.65))",
    "min(brute_power(2488, 0.7, 0.001, 0.75), brute_power(2488, 0.7, 0.001, 0.65))",
    "stats.ncx2.sf(stats.chi2.isf(0.001, 2), 2, 3384 * 0.05**2 / (0.4 * 0.6))",
    "stats.ncx2.sf(stats.chi2.isf(0.001, 2), 2, 3383 * 0.05**2 / (0.4 * 0.6))",
    "min(brute_power(4000, 0.7, 0.001, 0.7 + 0.04151), brute_power(4000, 0.7, 0.001, 0.7 - 0.04151))",
    "min(brute_power(4000, 0.7, 0.001, 0.7 + 0.0410), brute_power(4000, 0.7, 0.001, 0.7 - 0.0410))",
    "min(brute_power(91, 1/3, 0.001/3, 1/3 + 0.25), brute_power(91, 1/3, 0.001/3, 1/3 - 0.25))",
    "min(brute_power(81, 1/3, 0.001/3, 1/3 + 0.25), brute_power(81, 1/3, 0.001/3, 1/3 - 0.25))",
    "stats.binomtest(30, 100, 0.5).pvalue",
    "stats.beta.cdf(0.3334, 1e6, 2e6)",
    "stats.binom.cdf(4995000, 10000000, 0.5)",
    "stats.binomtest(5010000, 10000000, 0.5).pvalue",
    "stats.binomtest(1003000, 10000000, 0.1).pvalue",
    "stats.binomtest(120, 100000, 0.001).pvalue",
    "stats.binomtest(0, 1000, 0.02).pvalue",
    "stats.binomtest(45, 100, 0.5).pvalue",
]

def accepted_low(k, n, alpha):
    # lower end of the exact test inverted: the smallest p0 below k/n whose binomtest(k, n, p0)
    # p-value exceeds alpha, by bisection to 1e-14 (the p-value rises towards k/n below it)
    lo, hi = 0.0, k / n
    while hi - lo > 1e-14:
        mid = (lo + hi) / 2
        if stats.binomtest(k, n, mid).pvalue > alpha:
            hi = mid
        else:
            lo = mid
    return hi

# test_gof.c: Holm over three exact tests, tolerance bands (the test at the nearer band end),
# the canary that gets nothing, the inverted test's interval
EXPRS += [
    "holm([stats.binomtest(c, 1000, 1/3).pvalue for c in (300, 330, 370)])[0]",
    "holm([stats.binomtest(c, 1000, 1/3).pvalue for c in (300, 330, 370)])[2]",
    "min(holm([stats.binomtest(c, 1000, 1/3).pvalue for c in (300, 330, 370)]))",
    "min(holm([stats.binomtest(c, 1000, 1/3).pvalue for c in (280, 330, 390)]))",
    "stats.binomtest(3500, 10000, 1/3 + 0.01).pvalue",
    "stats.binomtest(2950, 10000, 0.3 - 0.003).pvalue",
    "stats.binomtest(0, 15108, 0.0005).pvalue",
    "accepted_low(2851, 3000, 0.001)",
]

# test_plan.c: Holm planned at alpha / m against the worse direction (slow), and the plan that
# reaches "the canary gets nothing" (0 of n rejected at 0.001, at 0.0005 with the tolerance)
EXPRS += [
    "min(brute_power(3414, 0.4, 0.001/3, 0.45), brute_power(3414, 0.4, 0.001/3, 0.35))",
    "min(brute_power(3413, 0.4, 0.001/3, 0.45), brute_power(3413, 0.4, 0.001/3, 0.35))",
    "min(brute_power(3414, 0.3, 0.001/3, 0.35), brute_power(3414, 0.3, 0.001/3, 0.25))",
    "stats.binomtest(0, 7555, 0.001).pvalue",
    "stats.binomtest(0, 7554, 0.001).pvalue",
]

if __name__ == "__main__":
    for e in EXPRS:
        print("%-120s %.17g" % (e, float(eval(e))))
