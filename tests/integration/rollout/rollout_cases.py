#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Rollout steps end to end with `gatesim run` (docs/rollout.md).
#   rollout_cases.py GATESIM plan DIR     the scenarios of DIR pass; their records show every
#                                         weight verified with alpha and power, the promotion
#                                         after three passed analyses, the rollback at weight 20
#                                         after two failed ones
#   rollout_cases.py GATESIM flagger DIR  Flagger Canaries (stepWeight 20, maxWeight 60,
#                                         threshold 2, success >= 99%, p99 <= 500 ms): healthy is
#                                         promoted, 10% errors rolled back at 20 after two failed
#                                         checks; the user's route's dropped rule and filter are
#                                         reported before the first step
#   rollout_cases.py GATESIM rehearse R FILE  `gatesim rehearse` runs the rehearsal R
#                                         (exit 0) and refuses FILE, a scenario without a rollout
#                                         step, naming it (exit 2, nothing run)
#   rollout_cases.py GATESIM not-followed DIR ADAPTER  through --target exec:ADAPTER (a data plane
#                                         that keeps its first configuration) the rollout fails
#                                         its first weighted step saying the data plane did not
#                                         follow the route
import json
import os
import subprocess
import sys
import tempfile


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def run(gatesim, args, report_dir, command="run"):
    p = subprocess.run([gatesim, command, "--seed", "11", "--report-dir", report_dir] + args,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=500)
    with open(os.path.join(report_dir, "results.json")) as f:
        return p.returncode, p.stdout + p.stderr, json.load(f)


def checks(res, scenario):
    for s in res["scenarios"]:
        if s["name"] == scenario:
            return s["steps"][0]["checks"]
    fail("no scenario %s in results.json" % scenario)


def split_weights(cs):
    """The canary weight of every verified stage, in order, from the checks' expected text."""
    out = []
    for c in cs:
        if c["kind"] != "rollout.split":
            continue
        if c["result"] != "passed":
            fail("split not verified: %s" % c.get("message"))
        if not (c.get("alpha") and c.get("power") and c.get("samples", 0) > 0):
            fail("split check without alpha/power/samples: %s" % c)
        out.append(int(c["expected"].split()[-1]))
    return out


def plan(gatesim, folder):
    with tempfile.TemporaryDirectory() as rd:
        rc, out, res = run(gatesim, [folder], rd)
        if rc != 0:
            fail("exit %d:\n%s" % (rc, out))
        cs = checks(res, "rollout-plan-promoted")
        if split_weights(cs) != [0, 20, 40, 60, 0]:
            fail("promoted: verified weights %s" % split_weights(cs))
        analyses = [c for c in cs if c["kind"] == "rollout.analysis"]
        if len(analyses) != 3 or not all(": passed:" in c["message"] for c in analyses):
            fail("promoted: analyses %s" % [c["message"] for c in analyses])
        outcome = [c for c in cs if c["kind"] == "rollout.outcome"][0]
        if not outcome["observed"].startswith("promoted at canary weight 60"):
            fail("promoted: outcome %s" % outcome["observed"])

        cs = checks(res, "rollout-plan-rolled-back")
        if split_weights(cs) != [0, 20, 0]:
            fail("rolled back: verified weights %s" % split_weights(cs))
        analyses = [c["message"] for c in cs if c["kind"] == "rollout.analysis"]
        if len(analyses) != 2 or "failed checks 1 of 2" not in analyses[0] or \
                not analyses[1].endswith("(failed checks 2 of 2): rolling back"):
            fail("rolled back: analyses %s" % analyses)
        outcome = [c for c in cs if c["kind"] == "rollout.outcome"][0]
        if outcome["observed"] != "rolledBack at canary weight 20 after 2 failed checks":
            fail("rolled back: outcome %s" % outcome["observed"])
        for c in cs:
            if c["kind"] == "rollout.failedRequests" and not c["observed"].startswith("0 of "):
                fail("failed requests: %s" % c["observed"])
    print("ok: promoted through 20/40/60, rolled back at 20 after two failed checks")


def flagger(gatesim, folder):
    with tempfile.TemporaryDirectory() as rd:
        rc, out, res = run(gatesim, [folder], rd)
        if rc != 0:
            fail("exit %d:\n%s" % (rc, out))
        warning = ("Flagger rewrites HTTPRoute test/podinfo whole from its Canary: it drops the "
                   "filters of rule 0 (RequestHeaderModifier); rule 1 of the route the manifests "
                   "declare")
        if out.count("warning: flagger-promoted: " + warning) != 1:
            fail("the dropped parts are not reported:\n%s" % out)
        cs = checks(res, "flagger-promoted")
        if cs[0]["kind"] != "rollout.warning" or cs[0]["message"] != warning:
            fail("first record: %s" % cs[0])
        if split_weights(cs) != [0, 20, 40, 60, 0]:
            fail("promoted: verified weights %s" % split_weights(cs))
        for c in cs:
            if c["kind"] == "rollout.analysis" and "p99" not in c["message"]:
                fail("the analysis does not judge p99: %s" % c["message"])
        cs = checks(res, "flagger-rolled-back")
        if split_weights(cs) != [0, 20, 0]:
            fail("rolled back: verified weights %s" % split_weights(cs))
        outcome = [c for c in cs if c["kind"] == "rollout.outcome"][0]
        if outcome["observed"] != "rolledBack at canary weight 20 after 2 failed checks":
            fail("rolled back: outcome %s" % outcome["observed"])
    print("ok: the Flagger Canary is promoted when healthy, rolled back at 20 with 10% errors")


def rehearse(gatesim, rehearsal, plain):
    with tempfile.TemporaryDirectory() as rd:
        p = subprocess.run([gatesim, "rehearse", "--report-dir", rd, rehearsal, plain],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
        if p.returncode != 2 or "holds no rollout step: run it with gatesim run" not in p.stderr:
            fail("a scenario without rollout: exit %d\n%s" % (p.returncode, p.stderr))
        if os.path.exists(os.path.join(rd, "results.json")):
            fail("a refused rehearsal wrote reports")
        rc, out, res = run(gatesim, [rehearsal], rd, "rehearse")
        if rc != 0 or len(res["scenarios"]) != 1:
            fail("exit %d, %d scenarios:\n%s" % (rc, len(res["scenarios"]), out))
    print("ok: rehearse runs rollouts and refuses a plain scenario")


def not_followed(gatesim, folder, adapter):
    with tempfile.TemporaryDirectory() as rd:
        rc, out, res = run(gatesim, [folder, "--target", "exec:" + adapter], rd)
        if rc != 1:
            fail("exit %d (want 1):\n%s" % (rc, out))
        cs = checks(res, "rollout-not-followed")
        failed = [c for c in cs if c["result"] == "failed"]
        kinds = sorted(c["kind"] for c in failed)
        if kinds != ["rollout.convergence", "rollout.outcome"]:
            fail("failed checks %s:\n%s" % (kinds, out))
        conv = [c for c in failed if c["kind"] == "rollout.convergence"][0]
        if not conv["message"].startswith("setWeight 20: the data plane did not follow the route"):
            fail("message: %s" % conv["message"])
        if "the data plane did not follow the route" not in out:
            fail("the text report does not say so:\n%s" % out)
        # Only the initial route (weight 0) was verified before the first weighted step halted.
        if split_weights(cs) != [0]:
            fail("verified weights %s" % split_weights(cs))
    print("ok: the stale data plane fails setWeight 20 with its evidence")


def main():
    gatesim, mode = sys.argv[1], sys.argv[2]
    if mode == "plan":
        plan(gatesim, sys.argv[3])
    elif mode == "flagger":
        flagger(gatesim, sys.argv[3])
    elif mode == "rehearse":
        rehearse(gatesim, sys.argv[3], sys.argv[4])
    elif mode == "not-followed":
        not_followed(gatesim, sys.argv[3], sys.argv[4])
    else:
        fail("unknown mode " + mode)


if __name__ == "__main__":
    main()
