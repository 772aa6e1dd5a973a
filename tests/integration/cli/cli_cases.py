#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# The command line as a new user meets it: each case runs gatesim the way issue 21 describes
# and checks the text (and files) that come back.
#   cli_cases.py GATESIM empty-run    a run with no scenario, or a --select matching none,
#                                     exits 2 and leaves the last reports as they were; a real
#                                     run replaces the whole set (no stale file, no temp folder)
#   cli_cases.py GATESIM suggest      "did you mean" for commands, flags, enum values and
#                                     sectionNames; `help CMD`; no wrong follow-on errors
#   cli_cases.py GATESIM gateway-backend  a --backend typo: warnings at start-up (with the
#                                     nearest Service port), and the 503 body names the Service;
#                                     --backend flags of two ports of one Service resolve both
#   cli_cases.py GATESIM small        gatesim-echo --version; no doubled "note:" from the gateway
import http.client
import json
import os
import select
import signal
import subprocess
import sys
import tempfile

GATESIM = None
HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def gatesim(args, timeout=120, stdin=None):
    p = subprocess.run([GATESIM] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=timeout, input=stdin)
    return p.returncode, p.stdout, p.stderr


def snapshot(folder):
    """Every file under |folder| with its bytes and inode: equal snapshots mean untouched."""
    out = {}
    for root, _, files in os.walk(folder):
        for f in files:
            path = os.path.join(root, f)
            with open(path, "rb") as fh:
                out[os.path.relpath(path, folder)] = (fh.read(), os.stat(path).st_ino)
    return out


def case_empty_run():
    quick = os.path.join(DATA, "quick.yaml")
    with tempfile.TemporaryDirectory() as d:
        reports = os.path.join(d, "gatesim-results")
        rc, so, se = gatesim(["run", "--seed", "3", quick, "--report-dir", reports])
        if rc != 0:
            fail("the real run: exit %d\n%s%s" % (rc, so, se))
        before = snapshot(reports)
        empty = os.path.join(d, "empty")
        os.mkdir(empty)
        for args, text in (([empty], "no scenario found in %s; nothing was run" % empty),
                           (["--select", "team=nobody", quick],
                            "no scenario matched the selection (1 scenario loaded); nothing was run")):
            rc, so, se = gatesim(["run"] + args + ["--report-dir", reports])
            if rc != 2 or text not in se:
                fail("gatesim run %s: exit %d, expected 2 and %r\n%s%s" % (args, rc, text, so, se))
            if "scenarios:" in so or "reports in" in so:
                fail("an empty run printed a run summary:\n%s" % so)
            if snapshot(reports) != before:
                fail("gatesim run %s rewrote the last reports" % args)
        # A real run replaces the set as a whole: a format it does not write is gone, and no
        # temporary sibling folder is left.
        rc, so, se = gatesim(["run", "--seed", "3", quick, "--report-dir", reports,
                              "--format", "json"])
        if rc != 0:
            fail("the json-only run: exit %d\n%s%s" % (rc, so, se))
        if sorted(os.listdir(reports)) != ["results.json"]:
            fail("the new set mixes two runs: %r" % sorted(os.listdir(reports)))
        if sorted(os.listdir(d)) != ["empty", "gatesim-results"]:
            fail("left beside the reports: %r" % sorted(os.listdir(d)))
        # A folder of other files is never replaced (nor deleted).
        mine = os.path.join(d, "mine")
        os.mkdir(mine)
        open(os.path.join(mine, "notes.txt"), "w").close()
        rc, so, se = gatesim(["run", quick, "--report-dir", mine])
        if rc != 2 or "holds notes.txt, which is not a gatesim report" not in se or \
                os.listdir(mine) != ["notes.txt"]:
            fail("a folder of other files as --report-dir: exit %d\n%s" % (rc, se))
    print("ok: empty runs exit 2 and leave the reports alone; a run replaces the whole set")


def expect_lines(args, rc_want, lines, stream="stderr", stdin=None):
    """Runs gatesim |args|; the exit must be |rc_want| and |stream| exactly |lines|."""
    rc, so, se = gatesim(args, stdin=stdin)
    got = (se if stream == "stderr" else so).splitlines()
    if rc != rc_want or got != lines:
        fail("gatesim %s: exit %d (want %d)\n--- got:\n%s\n--- want:\n%s" %
             (" ".join(args), rc, rc_want, "\n".join(got), "\n".join(lines)))


def case_suggest():
    quick = os.path.join(DATA, "quick.yaml")
    expect_lines(["runn"], 2, ['gatesim: unknown command "runn"; did you mean "run"?',
                               "Run `gatesim --help` for the list of commands."])
    expect_lines(["run", "--sed", "5", quick], 2,
                 ['gatesim run: unknown option "--sed"; did you mean "--seed"? '
                  '(see gatesim run --help)'])
    expect_lines(["load", "--conections", "4", "http://127.0.0.1:9/"], 2,
                 ['gatesim load: unknown option "--conections"; did you mean "--connections"? '
                  '(see gatesim load --help)'])
    expect_lines(["gateway", "--bakend", "x", quick], 2,
                 ['gatesim gateway: unknown option "--bakend"; did you mean "--backend"? '
                  '(see gatesim gateway --help)'])
    rc, so, se = gatesim(["help", "run"])
    if rc != 0 or not so.startswith("usage: gatesim run "):
        fail("gatesim help run: exit %d\n%s" % (rc, so))
    rc, so, se = gatesim(["explain", os.path.join(DATA, "sectionname-typo.yaml")])
    if "Gateway default/gw has no listener named htps; did you mean https?" not in so:
        fail("sectionName: htps gives no hint at https:\n%s" % so)
    http2c = os.path.join(DATA, "protocol-http2c.yaml")
    expect_lines(["run", http2c], 2,
                 ['%s:31:35: Scenario quick: spec.steps[0].send.protocol: Unsupported value: '
                  '"http2c": supported values: "http1", "h2c", "http2", "grpc"; did you mean '
                  '"h2c"?' % http2c,
                  "gatesim run: 1 problem in the scenarios; nothing was run"])
    expct = os.path.join(DATA, "expct-typo.yaml")
    expect_lines(["run", expct], 2,
                 ['%s:32:5: Scenario quick: spec.steps[0].expct: unknown field "expct"; did you '
                  'mean "expect"?' % expct,
                  "gatesim run: 1 problem in the scenarios; nothing was run"])
    print("ok: commands, flags, enum values and sectionNames get a suggestion, and only one error")


def start_gateway(args):
    """gatesim gateway ARGS in a session of its own: the process and the address (host, port) of
    the first listener of its ready line. Stop it with stop_gateway."""
    p = subprocess.Popen([GATESIM, "gateway"] + args, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, start_new_session=True)
    ready, _, _ = select.select([p.stdout], [], [], 30)
    if not ready:
        stop_gateway(p)
        fail("the gateway printed no ready line")
    line = json.loads(p.stdout.readline())
    host, port = line["listeners"][0]["address"].rsplit(":", 1)
    return p, host, int(port)


def stop_gateway(p):
    """Ends the gateway's session; returns its stderr."""
    os.killpg(p.pid, signal.SIGTERM)
    return p.communicate(timeout=30)[1]


def http_get(host, port, path):
    c = http.client.HTTPConnection(host, port, timeout=10)
    c.request("GET", path)
    r = c.getresponse()
    text = r.read().decode()
    c.close()
    return r.status, text


def case_gateway_backend():
    """The issue's `gatesim gateway ... --backend default/cofee-v2:80=...`."""
    manifests = os.path.join(DATA, "coffee-split.yaml")
    # Port 9 (discard) on loopback refuses: coffee-v1's answers are 502s, which is fine here.
    p, host, port = start_gateway(["--seed", "1", manifests,
                                   "--backend", "default/coffee-v1:80=127.0.0.1:9",
                                   "--backend", "default/cofee-v2:80=127.0.0.1:9"])
    try:
        body = None
        for _ in range(200):  # 20% go to coffee-v2: a 503 comes long before 200 requests
            status, text = http_get(host, port, "/")
            if status == 503:
                body = text
                break
        if body is None or "no endpoints for the Service default/coffee-v2 port 80" not in body:
            fail("the 503 body does not name the Service: %r" % body)
    finally:
        se = stop_gateway(p)
    for want in ("gatesim gateway: warning: Service default/coffee-v2 port 80 is a backend of "
                 "HTTPRoute default/coffee but no --backend gives its endpoints: requests sent to "
                 "it get 503",
                 "gatesim gateway: warning: --backend default/cofee-v2:80 matches no Service port "
                 "a route sends to; did you mean default/coffee-v2:80?"):
        if want not in se.splitlines():
            fail("no start-up warning %r in:\n%s" % (want, se))
    print("ok: a --backend typo is named at start-up and in the 503 body")
    # --backend flags for two ports of one Service make one Service with both ports: each
    # route's backend resolves and its requests reach the (refusing) endpoint, 502. A Service
    # per flag kept only the last port, and the other route's requests got 500.
    p, host, port = start_gateway([os.path.join(DATA, "two-ports.yaml"),
                                   "--backend", "default/svc:80=127.0.0.1:9",
                                   "--backend", "default/svc:8080=127.0.0.1:9"])
    try:
        got = [http_get(host, port, path)[0] for path in ("/a", "/b")]
    finally:
        se = stop_gateway(p)
    if got != [502, 502] or "warning" in se:
        fail("two ports of one --backend Service: statuses %r\n%s" % (got, se))
    print("ok: --backend flags of two ports of one Service resolve both")


def case_small():
    echo = os.environ.get("GATESIM_ECHO")
    p = subprocess.run([echo, "--version"], capture_output=True, text=True, timeout=30)
    if p.returncode != 0 or not p.stdout.startswith("gatesim-echo ") or p.stderr:
        fail("gatesim-echo --version: exit %d\n%s%s" % (p.returncode, p.stdout, p.stderr))
    manifests = os.path.join(DATA, "deployment.yaml")
    g = subprocess.Popen([GATESIM, "gateway", manifests], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        if not select.select([g.stdout], [], [], 30)[0] or '"ready":true' not in g.stdout.readline():
            fail("the gateway did not get ready")
    finally:
        os.killpg(g.pid, signal.SIGTERM)
        _, se = g.communicate(timeout=30)
    want = ("gatesim gateway: %s:2:1: note: Deployment default/web: skipped: apps/v1 Deployment "
            "(not a Gateway API or core kind gatesim models)" % manifests)
    if want not in se.splitlines():
        fail("the skipped-kind note is not %r:\n%s" % (want, se))
    print("ok: %s; one \"note:\" per note" % p.stdout.strip())


CASES = {
    "small": case_small,
    "gateway-backend": case_gateway_backend,
    "suggest": case_suggest,
    "empty-run": case_empty_run,
}


def main():
    global GATESIM
    GATESIM = sys.argv[1]
    if sys.argv[2] not in CASES:
        fail("unknown case " + sys.argv[2])
    CASES[sys.argv[2]]()


if __name__ == "__main__":
    main()
