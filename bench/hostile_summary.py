# SPDX-License-Identifier: MIT
"""bench/hostile.sh's summary: WORK BOUND_MB RESAMPLES ATTACK... → one table row and one
PASS/FAIL line per attack; exit status 1 on any FAIL. WORK holds `results` (one line per phase:
attack round phase p99 peak-MB errors) and lat/ATTACK.ROUND.PHASE.hlog (the normal client's
latencies). The statistics are tests/integration/hostile/latstats.py's (on PYTHONPATH)."""
import os
import sys

import latstats


def ratio(d):
    if not d or d["ratio"] is None:
        return "none"
    return "%.2fx [%.2f-%.2f]" % ((d["ratio"],) + d["ratio_ci"])


def excess(d):
    if not d or d["excess"] is None:
        return "none"
    return "%+.2f [%+.2f, %+.2f]" % tuple(x / 1e6 for x in (d["excess"],) + d["excess_ci"])


def ms(v):
    return "-" if v is None else "%.3f" % (v / 1e6)


def main():
    work, bound, resamples, attacks = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
    rows = [line.split() for line in open(os.path.join(work, "results")) if line.strip()]
    row = "%-7s %6s %8s %8s %8s  %-20s %-24s %-20s %6s"
    print(row % ("attack", "rounds", "unloaded", "attack", "control", "ratio [95% interval]",
                 "excess ms [95% int.]", "control ratio [95%]", "RSS MB"))
    verdicts, failed = [], False
    for a in attacks:
        mine = [r for r in rows if r[0] == a]
        peak = max([int(r[4]) for r in mine] or [0])
        errors = sum(int(r[5]) for r in mine)
        rounds, service = {}, {}
        for r in mine:
            log = os.path.join(work, "lat", "%s.%s.%s.hlog" % (a, r[1], r[2]))
            if os.path.exists(log):
                rounds.setdefault(r[1], {})[r[2]] = latstats.read_hdrlog(log)
                service.setdefault(r[1], {})[r[2]] = latstats.read_hdrlog(log, "service")
        res = latstats.compare(list(rounds.values()), "unloaded", ["attack", "control"],
                               resamples=resamples)
        at, ct = res["attack"], res["control"]
        print(row % (a, at["rounds"] if at else 0, ms(at and at["base"]), ms(at and at["value"]),
                     ms(ct and ct["value"]), ratio(at), excess(at), ratio(ct), peak))
        # The same from the actual send (not the intended one): what is left when the client's
        # own send delays (its process waiting for a CPU) are taken out.
        sv = latstats.compare(list(service.values()), "unloaded", ["attack", "control"],
                              resamples=resamples)
        sa, sc = sv["attack"], sv["control"]
        print(row % ("  service", "", ms(sa and sa["base"]), ms(sa and sa["value"]),
                     ms(sc and sc["value"]), ratio(sa), excess(sa), ratio(sc), ""))
        ok, why = latstats.verdict(at, peak, bound, errors)
        failed |= not ok
        verdicts.append("%s %s: p99 ratio %s, peak RSS %d MB (bound %d), %d errors%s" % (
            "PASS" if ok else "FAIL", a, ratio(at), peak, bound, errors, ": " + why if why else ""))
    print("(unloaded, attack, control: each phase's p99 in ms over all its rounds' requests, from"
          " the intended send time;")
    print(" service: from the actual send, the client's own delays left out; intervals: %d"
          " bootstrap resamples of" % resamples)
    print(" whole rounds; PASS: the first row's ratio's upper end within 2x, RSS within the bound,"
          " no errors)")
    print("\n".join(verdicts))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
