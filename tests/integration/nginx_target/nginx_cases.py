#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""gatesim run --target nginx, end to end.

  nginx_cases.py GATESIM SEED_DIR CASES_DIR seed    the seed suite on nginx
  nginx_cases.py GATESIM SEED_DIR CASES_DIR cases   this folder's scenarios on nginx
  nginx_cases.py GATESIM SEED_DIR CASES_DIR conform gatesim conform --target nginx (the
                                                    conformance library beside SEED_DIR)

Every step must pass except those in NGINX_LIMITS (docs/targets/nginx.md, "Seed results"), and
those must fail exactly, with the symptom their reason predicts: a list that goes stale (nginx
learns the feature, or another step starts failing) fails the test.
"""
import atexit
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

GATESIM, SEED, CASES, MODE = sys.argv[1:5]

# (scenario, step) -> why nginx cannot pass it. nginx 1.22 speaks either HTTP/1.1 or h2c prior
# knowledge on a cleartext port, never both: a port with HTTPRoutes only is HTTP/1.1.
H2C = "nginx 1.22 serves HTTP/1.1 or h2c on a cleartext port, not both"
NGINX_LIMITS = {
    ("split-90-10", "90/10 over h2c"): H2C,
    ("header-canary", "testers reach the canary over h2c"): H2C,
    ("header-canary", "everyone else stays on stable over h2c"): H2C,
}


def fail(msg, proc=None):
    print("FAIL:", msg)
    if proc is not None:
        print(proc.stdout[-6000:])
        print(proc.stderr[-4000:])
    sys.exit(1)


# Each gatesim this script starts gets a TMPDIR of its own, so its work folder (and the -p
# prefix of its nginx) lies under a path no other process uses: tests running beside this one
# (ctest -j, another CI) start nginx processes too, and must not count as left behind here.
WORK_ROOT = tempfile.mkdtemp(prefix="nginx-cases-")
GATESIM_ENV = {**os.environ, "NO_COLOR": "1", "TMPDIR": WORK_ROOT}
atexit.register(shutil.rmtree, WORK_ROOT, ignore_errors=True)


def nginx_pids():
    """Every nginx process of this machine whose command line names a work folder under WORK_ROOT."""
    root = WORK_ROOT.encode()
    pids = set()
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/cmdline", "rb") as f:
                cmd = f.read().split(b"\0")
        except OSError:
            continue
        if cmd and cmd[0].endswith(b"nginx") and any(b"gatesim-run-" in a and root in a for a in cmd):
            pids.add(int(d))
    return pids


def run(path, report_dir):
    proc = subprocess.run([GATESIM, "run", path, "--target", "nginx", "--report-dir", report_dir,
                           "--seed", "7"],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=840,
                          env=GATESIM_ENV)
    try:
        with open(os.path.join(report_dir, "results.json")) as f:
            results = json.load(f)
    except OSError:
        fail("no results.json", proc)
    # The target stops its nginx (master and workers) on every exit path.
    left = nginx_pids()
    if left:
        fail(f"nginx processes left behind: {sorted(left)}", proc)
    return proc, results


def check(path, limits, min_scenarios):
    with tempfile.TemporaryDirectory() as tmp:
        proc, results = run(path, tmp)
        scenarios = results["scenarios"]
        if len(scenarios) < min_scenarios:
            fail(f"only {len(scenarios)} scenarios ran", proc)
        if results.get("target") != "nginx":
            fail(f"results name target {results.get('target')}", proc)
        failed, counted = set(), 0
        for s in scenarios:
            if not s["steps"]:
                fail(f"{s['name']} ran no step: {s.get('error')}", proc)
            for st in s["steps"]:
                if not st["checks"]:
                    fail(f"{s['name']} / {st['name']} checked nothing", proc)
                bad = [c for c in st["checks"] if c["result"] != "passed"]
                if bad:
                    failed.add((s["name"], st["name"]))
                    why = limits.get((s["name"], st["name"]))
                    if why is None:
                        fail(f"{s['name']} / {st['name']} failed: {bad[0]}", proc)
                    if why == H2C and "reset" not in json.dumps(bad[0]):
                        fail(f"{s['name']} / {st['name']} failed, not by a reset: {bad[0]}")
                if st.get("targetStats", {}).get("requests", 0) > 0:
                    counted += 1
        stale = set(limits) - failed
        if stale:
            fail(f"listed as nginx limits but passed (update the list and the docs): {stale}")
        # nginx's stub_status feeds targetStats, as the builtin's stats line does.
        if counted == 0:
            fail("no step has targetStats.requests from nginx", proc)
        passed = sum(1 for s in scenarios for st in s["steps"]) - len(failed)
        print(f"{passed} passed, 0 failed ({len(failed)} steps failed as documented nginx limits)")


        return results


def step(results, scenario, name):
    for s in results["scenarios"]:
        for st in s["steps"]:
            if s["name"] == scenario and st["name"] == name:
                return st
    fail(f"no step {scenario} / {name}")


if MODE == "seed":
    res = check(SEED, NGINX_LIMITS, 16)
    # nginx's mirror log feeds targetStats' mirror counters (docs/targets/nginx.md, "counters"): a
    # copy counts when its exchange ends, so the last few of a step may count in the next one.
    every = step(res, "request-mirroring", "every order is mirrored").get("targetStats", {})
    quarter = step(res, "request-mirroring", "a quarter of the searches are mirrored").get(
        "targetStats", {})
    if not 0 < every.get("mirrorsSent", 0) <= 200:
        fail(f"mirrorsSent of a step mirroring 200 requests: {every}")
    if every.get("mirrorsFailed") != 0 or every.get("mirrorsNoEndpoint") != 0:
        fail(f"mirror copies failed or without endpoint: {every}")
    if every["mirrorsSent"] + quarter.get("mirrorsSent", 0) < 200:
        fail(f"the 200 copies of the first step were never all counted: {every}, {quarter}")
elif MODE == "cases":
    res = check(CASES, {}, 1)
    # stub_status counts exactly the step's requests: gatesim's own probes are taken off.
    got = step(res, "nginx-njs-matches", "plain prefix, answered by nginx").get("targetStats")
    if not got or got.get("requests") != 10:
        fail(f"targetStats of a 10-request step: {got}")
elif MODE == "conform":
    # Core must succeed for both profiles; retries are not claimed, so their tests are not run
    # but reported as not supported (docs/targets/nginx.md, "Conformance").
    library = os.path.join(os.path.dirname(SEED.rstrip("/")), "conformance")
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run([GATESIM, "conform", library, "--target", "nginx",
                               "--conformance-profiles", "GATEWAY-HTTP,GATEWAY-GRPC",
                               "--report-dir", tmp, "--seed", "7"],
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=840, env=GATESIM_ENV)
        if nginx_pids():
            fail("nginx processes left behind by conform", proc)
        if proc.returncode != 0:
            fail(f"conform exit {proc.returncode}", proc)
        for line in ("GATEWAY-HTTP: Core tests succeeded.", "GATEWAY-GRPC: Core tests succeeded.",
                     "UNSUPPORTED HTTPRouteRetry (needs HTTPRouteRetry)"):
            if line not in proc.stdout:
                fail(f"conform did not say: {line}", proc)
        with open(os.path.join(tmp, "conformance-report.yaml")) as f:
            report = f.read()
        # CORS is listed as unsupported, never as supported.
        claimed = [part.split("unsupportedFeatures:")[0]
                   for part in re.split(r"\n\s+supportedFeatures:", report)[1:]]
        if "- HTTPRouteCORS" not in report or any("- HTTPRouteCORS" in c for c in claimed):
            fail("HTTPRouteCORS is not reported as unsupported:\n" + report[:3000])
        if "GATEWAY-HTTP" not in report or "success" not in report:
            fail("ConformanceReport without a successful GATEWAY-HTTP profile:\n" + report[:3000])
        print("1 passed, 0 failed")
else:
    fail(f"unknown mode {MODE}")
