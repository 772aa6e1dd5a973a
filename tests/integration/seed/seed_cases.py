#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The seed scenarios end to end.

  seed_cases.py GATESIM SEED_DIR pass       every seed scenario passes; reports are complete
  seed_cases.py GATESIM SEED_DIR mutations  broken copies fail on the check naming the cause

A mutation edits one line of a copy of the suite in a temporary directory, so the bundled files
are never touched and each mutation is checked against the scenario it breaks.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

GATESIM, SEED, MODE = sys.argv[1], sys.argv[2], sys.argv[3]


def run(paths, report_dir):
    proc = subprocess.run([GATESIM, "run", *paths, "--report-dir", report_dir, "--seed", "7"],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=540,
                          env={**os.environ, "NO_COLOR": "1"})
    with open(os.path.join(report_dir, "results.json")) as f:
        results = json.load(f)
    return proc, results


def fail(msg, proc=None):
    print("FAIL:", msg)
    if proc is not None:
        print(proc.stdout[-4000:])
        print(proc.stderr[-4000:])
    sys.exit(1)


def check_pass():
    with tempfile.TemporaryDirectory() as tmp:
        proc, results = run([SEED], tmp)
        scenarios = results["scenarios"]
        names = sorted(s["name"] for s in scenarios)
        if proc.returncode != 0:
            bad = [s["name"] for s in scenarios if s["result"] != "passed"]
            fail(f"exit {proc.returncode}, not passed: {bad}", proc)
        if len(scenarios) < 17:
            fail(f"only {len(scenarios)} scenarios ran: {names}")
        if results["summary"]["passed"] != len(scenarios):
            fail(f"summary {results['summary']}")
        for s in scenarios:
            if not s["steps"]:
                fail(f"{s['name']} ran no step")
            for st in s["steps"]:
                if not st["checks"]:
                    fail(f"{s['name']} / {st['name']} checked nothing")
                if any(c["result"] != "passed" for c in st["checks"]):
                    fail(f"{s['name']} / {st['name']} has a failed check but passed")
        # The split steps really measured a split, with the statistics the reports promise.
        splits = [c for s in scenarios for st in s["steps"] for c in st["checks"]
                  if c["kind"] == "split"]
        if len(splits) < 8:
            fail(f"expected at least 8 split checks, found {len(splits)}")
        for c in splits:
            if "pValue" not in c:
                fail(f"split check without a p-value: {c}")
        # The run names its seed, so its random choices can be repeated.
        if results.get("seed") != 7 or "seed 7 (" not in proc.stdout:
            fail(f"seed 7 not reported: results seed {results.get('seed')}", proc)
        for f in ("junit.xml", "report.html", "summary.md"):
            if not os.path.getsize(os.path.join(tmp, f)):
                fail(f"empty report {f}")
        print(f"{len(scenarios)} passed, 0 failed")


# (file, old text, new text, scenario name, step name, check kind, words the message must hold)
MUTATIONS = [
    ("04-split-90-10.yaml", "weight: 90}", "weight: 75}", "split-90-10", "90/10 over HTTP/1.1",
     "split", ["default/app-canary", "default/app-stable"]),
    ("07-header-canary.yaml", 'value: "true"}]}]', 'value: "yes"}]}]', "header-canary",
     "testers reach the canary over HTTP/1.1", "backend", ["default/app-stable"]),
    ("10-cross-namespace-selector.yaml", "{name: team-a, labels: {environment: production",
     "{name: team-a, labels: {environment: staging", "cross-namespace-selector",
     "only the labelled namespace attaches", "expectStatus",
     ["NotAllowedByListeners", "environment=production"]),
]


def check_mutations():
    failures = 0
    for fname, old, new, scen, step, kind, words in MUTATIONS:
        with tempfile.TemporaryDirectory() as tmp:
            suite = os.path.join(tmp, "seed")
            shutil.copytree(SEED, suite)
            path = os.path.join(suite, fname)
            with open(path) as f:
                text = f.read()
            if text.count(old) < 1:
                fail(f"{fname}: mutation anchor {old!r} not found")
            with open(path, "w") as f:
                f.write(text.replace(old, new, 1))
            reports = os.path.join(tmp, "reports")
            os.mkdir(reports)
            proc, results = run([path], reports)
            if proc.returncode != 1:
                fail(f"{fname} with {new!r}: exit {proc.returncode}, want 1", proc)
            sc = next((s for s in results["scenarios"] if s["name"] == scen), None)
            if sc is None or sc["result"] != "failed":
                fail(f"{fname}: scenario {scen} not failed: {sc and sc['result']}", proc)
            st = next((s for s in sc["steps"] if s["name"] == step), None)
            if st is None:
                fail(f"{fname}: step {step!r} missing")
            bad = [c for c in st["checks"] if c["result"] == "failed" and c["kind"] == kind]
            if not bad:
                fail(f"{fname}: step {step!r} has no failed {kind} check: {st['checks']}", proc)
            text = " ".join(str(c.get(k, "")) for c in bad
                            for k in ("message", "expected", "observed"))
            missing = [w for w in words if w not in text]
            if missing:
                fail(f"{fname}: the {kind} failure does not name {missing}: {text[:800]}")
            print(f"ok: {fname} {old!r} -> {new!r} fails {scen} / {step} on {kind}")
    print(f"{len(MUTATIONS)} passed, {failures} failed")


if MODE == "pass":
    check_pass()
elif MODE == "mutations":
    check_mutations()
else:
    fail(f"unknown mode {MODE}")
