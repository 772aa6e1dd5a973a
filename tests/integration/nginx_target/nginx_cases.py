#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""gatesim run --target nginx, end to end.

  nginx_cases.py GATESIM SEED_DIR CASES_DIR seed    the seed suite on nginx
  nginx_cases.py GATESIM SEED_DIR CASES_DIR cases   this folder's scenarios on nginx
  nginx_cases.py GATESIM SEED_DIR CASES_DIR conform gatesim conform --target nginx (the
                                                    conformance library beside SEED_DIR)
  nginx_cases.py GATESIM SEED_DIR CASES_DIR gateway gatesim gateway --data-plane nginx: ready
                                                    line, traffic, SIGHUP reload (and a refused
                                                    one), SIGUSR1 counters, SIGTERM

Every step must pass except those in NGINX_LIMITS (docs/targets/nginx.md, "Seed results"), and
those must fail exactly, with the symptom their reason predicts: a list that goes stale (nginx
learns the feature, or another step starts failing) fails the test.
"""
import atexit
import http.server
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.request

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
        if cmd and cmd[0].endswith(b"nginx") and any(
                (b"gatesim-run-" in a or b"gatesim-gateway-" in a) and root in a for a in cmd):
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


GATEWAY_OBJECTS = """apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: gs}
spec: {controllerName: gatesim.dev/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec: {gatewayClassName: gs, listeners: [{name: http, port: 80, protocol: HTTP}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: app, namespace: default}
spec:
  parentRefs: [{name: gw}]
  rules:
"""
GATEWAY_RULE = "  - {matches: [{path: {type: PathPrefix, value: %s}}], backendRefs: [{name: web, port: 80}]}\n"


class Backend(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("web " + self.path).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def get(address, path):
    """(status, body) of GET http://address/path; bounded."""
    try:
        with urllib.request.urlopen(f"http://{address}{path}", timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, ""


def read_line(proc, want):
    """The next stdout line of |proc| that has member |want| (bounded: 120 s)."""
    for _ in range(100):
        ready, _, _ = select.select([proc.stdout], [], [], 120)
        if not ready:
            break
        line = proc.stdout.readline()
        if not line:
            break
        obj = json.loads(line)
        if want in obj:
            return obj
    proc.kill()
    out, err = proc.communicate()
    fail(f"gatesim gateway printed no line with {want!r}: {out[-2000:]} {err[-2000:]}")


def gateway_mode():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Backend)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    web = f"127.0.0.1:{server.server_address[1]}"
    manifests = os.path.join(WORK_ROOT, "routes.yaml")
    with open(manifests, "w") as f:
        f.write(GATEWAY_OBJECTS + GATEWAY_RULE % "/a")
    # Options of the builtin data plane only are refused.
    bad = subprocess.run([GATESIM, "gateway", "--data-plane", "nginx", "--port-map", "80=0",
                          manifests], capture_output=True, text=True, timeout=60, env=GATESIM_ENV)
    if bad.returncode != 2 or "builtin data plane only" not in bad.stderr:
        fail(f"--port-map with --data-plane nginx: exit {bad.returncode}: {bad.stderr}")
    proc = subprocess.Popen([GATESIM, "gateway", "--data-plane", "nginx", manifests,
                             "--backend", f"default/web:80={web}"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=GATESIM_ENV)
    try:
        address = read_line(proc, "ready")["listeners"][0]["address"]
        if get(address, "/a/1") != (200, "web /a/1") or get(address, "/b")[0] != 404:
            fail("before the reload: /a is not the backend's or /b is not 404")
        # SIGHUP reads the manifests again: /b now answers, on the same port.
        with open(manifests, "w") as f:
            f.write(GATEWAY_OBJECTS + GATEWAY_RULE % "/a" + GATEWAY_RULE % "/b")
        proc.send_signal(signal.SIGHUP)
        ready = read_line(proc, "ready")
        if ready.get("reloadError") or ready["listeners"][0]["address"] != address:
            fail(f"reload: {ready}")
        if get(address, "/b/2") != (200, "web /b/2"):
            fail("after the reload /b does not reach the backend")
        # Invalid objects: a ready line with the error (file:line), the old routes stay.
        with open(manifests, "w") as f:
            f.write(GATEWAY_OBJECTS + "  - {matches: [{path: {type: Nope, value: /c}}]}\n")
        proc.send_signal(signal.SIGHUP)
        ready = read_line(proc, "ready")
        if "routes.yaml:" not in ready.get("reloadError", ""):
            fail(f"a refused reload: {ready}")
        if get(address, "/b/3") != (200, "web /b/3"):
            fail("after a refused reload /b no longer answers")
        # SIGUSR1: nginx's counters; the four requests above, gatesim's probes not counted.
        proc.send_signal(signal.SIGUSR1)
        stats = read_line(proc, "stats")["stats"]
        if stats.get("requests") != 4 or "mirrorsSent" not in stats:
            fail(f"stats after 4 requests: {stats}")
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=120)
        err = proc.stderr.read()
        if rc != 0:
            fail(f"SIGTERM: exit {rc}: {err}")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if nginx_pids():
        fail("nginx processes left behind by gatesim gateway")
    left = [d for d in os.listdir(WORK_ROOT) if d.startswith("gatesim-gateway-")]
    if left:
        fail(f"work folders left behind: {left}")
    server.shutdown()
    print("1 passed, 0 failed")


if MODE == "seed":
    res = check(SEED, NGINX_LIMITS, 17)
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
                               "--conformance-profiles", "GATEWAY-HTTP,GATEWAY-GRPC,GATEWAY-TLS",
                               "--report-dir", tmp, "--seed", "7"],
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=840, env=GATESIM_ENV)
        if nginx_pids():
            fail("nginx processes left behind by conform", proc)
        if proc.returncode != 0:
            fail(f"conform exit {proc.returncode}", proc)
        for line in ("GATEWAY-HTTP: Core tests succeeded.", "GATEWAY-GRPC: Core tests succeeded.",
                     "GATEWAY-TLS: Core tests succeeded. Extended tests succeeded.",
                     "UNSUPPORTED HTTPRouteRetry (needs HTTPRouteRetry)"):
            if line not in proc.stdout:
                fail(f"conform did not say: {line}", proc)
        # TCPRoute and UDPRoute (no profile, so not in the report) run through the stream block.
        for test in ("TCPRouteWeightedRouting", "TCPRouteMultipleRoutesAttachment",
                     "UDPRouteWeightedRouting", "UDPRouteParentRefPortAndSectionName"):
            if f"PASS {test} (" not in proc.stdout:
                fail(f"conform did not pass {test}", proc)
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
elif MODE == "gateway":
    gateway_mode()
else:
    fail(f"unknown mode {MODE}")
