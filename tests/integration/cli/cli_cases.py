#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# The command line as a new user meets it: each case runs gatesim the way issue 21 describes
# and checks the text (and files) that come back.
#   cli_cases.py GATESIM empty-run    a run with no scenario, or a --selector matching none,
#                                     exits 2 and leaves the last reports as they were; a real
#                                     run replaces the whole set (no stale file, no temp folder)
#   cli_cases.py GATESIM suggest      "did you mean" for commands, flags, enum values and
#                                     sectionNames; `help CMD`; no wrong follow-on errors;
#                                     a send protocol that cannot reach its listener is an
#                                     error of validate and run with file:line:col
#   cli_cases.py GATESIM gateway-backend  a --backend typo: warnings at start-up (with the
#                                     nearest Service port), and the 503 body names the Service;
#                                     --backend flags of two ports of one Service resolve both
#   cli_cases.py GATESIM small        gatesim-echo --version; no doubled "note:" from the gateway
#   cli_cases.py GATESIM flags        one flag vocabulary: the table in docs/cli.md matches every
#                                     command's --help, a letter means one thing everywhere, the
#                                     -o spellings, -f and - for stdin, old spellings warn and work
#   cli_cases.py GATESIM explain-ci   explain says what an unprogrammed listener means for traffic,
#                                     Gateway and listener conditions agree, --fail-on and
#                                     --assume-services in explain and validate; run names a
#                                     Service a route uses that spec.backends does not declare
#   cli_cases.py GATESIM messages     validate says what it validated; paths as the user wrote them
#   cli_cases.py GATESIM step-reports every report says how a step sent (protocol, connections);
#                                     latency has units, one scale for every step's chart; a
#                                     failed split names the weights the route configures
#   cli_cases.py GATESIM exit-line    the gateway's exit line is a sentence of the non-zero counts
#   cli_cases.py GATESIM bench-output bench writes its result with --output-file; -o FILE and
#                                     --output FILE still work, with a deprecation warning
#   cli_cases.py GATESIM honest       what a careful new user meets: rehearse's usage and errors
#                                     name rehearse; a flag that takes no value given one says
#                                     so; a scenario naming a missing manifest gets one error,
#                                     at its line
#   cli_cases.py GATESIM readme       README.md's scenario validates and runs beside the seed
#                                     manifests; its main-job sample names the seed scenarios
#                                     with their step counts and the warning validate prints
#   cli_cases.py GATESIM ci-workflow  docs/ci.md's GitHub Actions compare step, run as the runner
#                                     runs it, fails on a regression and passes without one
import http.client
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
                           (["--selector", "team=nobody", quick],
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
                  '"http2c": supported values: "http1", "h2c", "http2", "grpc", "tcp", "udp", "tls", "websocket"; did you mean '
                  '"h2c"?' % http2c,
                  "gatesim run: 1 problem in the scenarios; nothing was run"])
    expct = os.path.join(DATA, "expct-typo.yaml")
    expect_lines(["run", expct], 2,
                 ['%s:32:5: Scenario quick: spec.steps[0].expct: unknown field "expct"; did you '
                  'mean "expect"?' % expct,
                  "gatesim run: 1 problem in the scenarios; nothing was run"])
    mismatch = os.path.join(DATA, "send-protocol-listener.yaml")
    errs = ['%s:37:43: Scenario l4-mismatch: spec.steps[0].send.listener: protocol tls cannot '
            'reach listener http of Gateway infra/edge: it is HTTP (tls needs a TLS listener)'
            % mismatch,
            '%s:39:43: Scenario l4-mismatch: spec.steps[1].send.listener: protocol tcp cannot '
            'reach listener dns of Gateway infra/edge: it is UDP (tcp needs a TCP listener)'
            % mismatch,
            '%s:41:42: Scenario l4-mismatch: spec.steps[2].send.listener: protocol h2c cannot '
            'reach listener https of Gateway infra/web: it is HTTPS (h2c needs an HTTP listener)'
            % mismatch,
            '%s:43:42: Scenario l4-mismatch: spec.steps[3].send.protocol: Gateway infra/web has '
            'no TLS listener for protocol tls (name one with send.listener, or send with the '
            'protocol of one it has)' % mismatch]
    expect_lines(["validate", mismatch], 1, errs, stream="stdout")
    expect_lines(["validate", mismatch], 1, ["1 scenario in 1 file: 4 errors, 0 warnings"])
    expect_lines(["run", mismatch], 2,
                 errs + ["gatesim run: 4 problems in the scenarios; nothing was run"])
    # ListenerSet listeners are checked as the Gateway's own
    lset = os.path.join(DATA, "send-protocol-listenerset.yaml")
    lerrs = ['%s:60:43: Scenario lset-mismatch: spec.steps[3].send.listener: protocol tcp cannot '
             'reach listener dns of ListenerSet infra/extra (of Gateway infra/edge): it is UDP '
             '(tcp needs a TCP listener)' % lset,
             '%s:62:43: Scenario lset-mismatch: spec.steps[4].send.protocol: Gateway infra/edge '
             'has no TLS listener, nor has a ListenerSet of it, for protocol tls (name one with '
             'send.listener, or send with the protocol of one it has)' % lset]
    expect_lines(["validate", lset], 1, lerrs, stream="stdout")
    # and its first three steps (the ListenerSet's TCP listener, unnamed and named both ways)
    # validate clean and run: the runner reaches the ListenerSet's listener
    tmp = tempfile.mkdtemp()
    try:
        with open(lset) as f:
            text = f.read()
        ok = os.path.join(tmp, "lset-ok.yaml")
        with open(ok, "w") as f:
            f.write(text[:text.index("  - name: tcp to the ListenerSet's UDP listener")])
        expect_lines(["validate", ok], 0, ["1 scenario in 1 file: 0 errors, 0 warnings"])
        rc, so, se = gatesim(["run", "--report-dir", os.path.join(tmp, "r"), ok])
        if rc != 0 or "1 scenario: 1 passed" not in so + se:
            fail("gatesim run %s: exit %d\n%s\n%s" % (ok, rc, so, se))
    finally:
        shutil.rmtree(tmp)
    print("ok: commands, flags, enum values and sectionNames get a suggestion, and only one error")


def case_honest():
    quick = os.path.join(DATA, "quick.yaml")
    rc, so, se = gatesim(["--help"])
    if rc != 0 or "130 interrupted" not in so:
        fail("gatesim --help does not list the exit codes:\n%s" % so)
    for args in (["help"], ["help", "help"]):
        got = gatesim(args)
        if got != (0, so, ""):
            fail("gatesim %s is not gatesim --help: %r" % (" ".join(args), got))
    rc, out, se = gatesim(["--version"])
    if rc != 0 or not re.match(r"gatesim \S+\n$", out):
        fail("gatesim --version: exit %d %r" % (rc, out))
    # a warning names the command that gave it, as its errors do
    rc, so, se = gatesim(["load", "-k", "-n", "1", "https://127.0.0.1:1/"])
    if rc != 1 or "gatesim load: warning: --insecure: the server certificate is NOT verified" \
            not in se.splitlines():
        fail("gatesim load -k: exit %d, the warning does not name load:\n%s" % (rc, se))
    expect_lines(["load", "--refill", "sometimes", "http://127.0.0.1:1/"], 2,
                 ['gatesim load: bad --refill "sometimes": want batch or eager',
                  "Run `gatesim load --help` for usage."])
    rc, so, se = gatesim(["rehearse", "--help"])
    if rc != 0 or not so.startswith("usage: gatesim rehearse [OPTIONS] PATH...\n") or \
            "rollout step" not in so:
        fail("gatesim rehearse --help: exit %d\n%s" % (rc, so))
    expect_lines(["rehearse", "--sed", "5", quick], 2,
                 ['gatesim rehearse: unknown option "--sed"; did you mean "--seed"? '
                  '(see gatesim rehearse --help)'])
    with tempfile.TemporaryDirectory() as d:
        expect_lines(["rehearse", d], 2,
                     ["%s: warning: no scenario files found" % d,
                      "gatesim rehearse: no scenario found in %s; nothing was run" % d])
        # only the selected scenarios must hold a rollout step
        expect_lines(["rehearse", quick, "-l", "team=nobody", "--report-dir",
                      os.path.join(d, "r")], 2,
                     ["gatesim rehearse: no scenario matched the selection (1 scenario loaded); "
                      "nothing was run"])
        expect_lines(["rehearse", quick, "--report-dir", os.path.join(d, "r")], 2,
                     ["gatesim rehearse: quick (%s) holds no rollout step: run it with gatesim "
                      "run" % quick])
    # explain of malformed YAML, like an unreadable path, prints no status of the partial set
    with tempfile.TemporaryDirectory() as d:
        bad = os.path.join(d, "bad.yaml")
        with open(bad, "w") as f:
            f.write("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g\n")
        rc, so, se = gatesim(["explain", bad])
        if rc != 2 or so != "" or se.splitlines() != [
                "%s:4:1: malformed YAML: did not find expected ',' or '}' (while parsing a flow "
                "mapping at line 3)" % bad,
                "gatesim explain: an input is not well-formed YAML; no status computed"]:
            fail("explain of malformed YAML: exit %d\n%s%s" % (rc, so, se))
    with tempfile.TemporaryDirectory() as d:
        expect_lines(["validate", d], 2,
                     ["0 objects in 0 files: 0 errors, 0 warnings",
                      "gatesim validate: no *.yaml or *.yml file in %s; nothing was validated" % d])
        expect_lines(["conform", "--list", d], 2,
                     ["%s: warning: no scenario files found" % d,
                      "gatesim conform: no conformance test (a scenario with spec.conformance) "
                      "in %s; nothing was run" % d])
        with open(os.path.join(d, "bad.yaml"), "w") as f:
            f.write("a: [\n")
        rc, so, se = gatesim(["run", d + "/"])
        if rc != 2 or not se.startswith("%s/bad.yaml:2:1: malformed YAML" % d):
            fail("run DIR/ names its files DIR//FILE: exit %d\n%s" % (rc, se))
        os.remove(os.path.join(d, "bad.yaml"))
        expect_lines(["explain", "--fail-on", "unattached", d], 2,
                     ["gatesim explain: no *.yaml or *.yml file in %s; no status computed" % d])
    # bench of an endpoint that answers nothing "could not run" (exit 1), and writes no file
    with tempfile.TemporaryDirectory() as d:
        prof = os.path.join(d, "p.json")
        with open(prof, "w") as f:
            f.write('{"name": "tiny", "rounds": 1, "warmup": "0s", "cases": [{"name": "h1", '
                    '"protocol": "http1", "connections": 1, "duration": "0.2s"}]}')
        res = os.path.join(d, "r.json")
        rc, so, se = gatesim(["bench", prof, "--url", "http://127.0.0.1:9/", "-q",
                              "--output-file", res])
        if rc != 1 or os.path.exists(res) or not re.match(
                r"gatesim bench: case h1: none of \d+ requests to 127.0.0.1:9/ got a response: "
                r"is it up\?\n$", se):
            fail("bench of a refusing URL: exit %d, file %s\n%s" % (rc, os.path.exists(res), se))
    expect_lines(["bench", "quick", "--url", "http://127.0.0.1:9/", "-t", "builtin"], 2,
                 ["gatesim bench: --url and --target exclude each other: --url benchmarks a "
                  "running endpoint, --target deploys one",
                  "Run `gatesim bench --help` for usage."])
    # explain --request -o json: gateway and route are namespaces, as docs/control.md warns
    split = os.path.join(DATA, "coffee-split.yaml")
    rc, so, se = gatesim(["explain", split, "--request", "GET http://cafe.example.com/coffee",
                          "-o", "json"])
    g = json.loads(so)["gateways"][0] if rc == 0 else {}
    if rc != 0 or "/" in g.get("gateway", "/") or "/" in g.get("gatewayName", "/"):
        fail("explain --request -o json: exit %d\n%s%s" % (rc, so, se))
    expect_lines(["validate", "--strict=yes", quick], 2,
                 ['gatesim validate: option "--strict" takes no value (see gatesim validate '
                  '--help)'])
    expect_lines(["run", "--keep-workdir=1", quick], 2,
                 ['gatesim run: option "--keep-workdir" takes no value (see gatesim run --help)'])
    # A manifest path with nothing there: one error at the scenario's line, not a second one
    # without a position from loading it anyway.
    with tempfile.TemporaryDirectory() as d:
        scen = os.path.join(d, "s.yaml")
        with open(scen, "w") as f:
            f.write("apiVersion: gatesim.dev/v1alpha1\nkind: Scenario\nmetadata: {name: s}\n"
                    "spec:\n  manifests: [{path: nothere.yaml}]\n"
                    "  steps: [{name: a, delete: [{kind: Gateway, name: g}]}]\n")
        want = ["%s:5:22: Scenario s: spec.manifests[0].path: nothere.yaml: no such file or "
                "directory (paths are relative to the scenario's folder)" % scen]
        rc, so, se = gatesim(["validate", scen])
        if rc != 1 or [l for l in so.splitlines() if "nothere" in l] != want:
            fail("validate of a scenario naming a missing manifest: exit %d\n%s%s" % (rc, so, se))
        rc, so, se = gatesim(["run", scen])
        if rc != 2 or [l for l in se.splitlines() if "nothere" in l] != want:
            fail("run of a scenario naming a missing manifest: exit %d\n%s%s" % (rc, so, se))
    # gatesim diff --after FILE: a broken Gateway API side is named at the user's file:line:col
    # before anything starts (it was reported at the target's copy in a temporary folder).
    with tempfile.TemporaryDirectory() as d:
        ing = os.path.join(d, "ingress.yaml")
        with open(ing, "w") as f:
            f.write("apiVersion: networking.k8s.io/v1\nkind: Ingress\n"
                    "metadata: {name: web, namespace: default}\nspec:\n"
                    "  ingressClassName: nginx\n  rules:\n  - host: a.example.com\n"
                    "    http:\n      paths:\n      - {path: /, pathType: Prefix, backend: "
                    "{service: {name: web, port: {number: 80}}}}\n---\n"
                    "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: default}\n"
                    "spec: {ports: [{port: 80}]}\n")
        after = os.path.join(d, "after.yaml")
        with open(after, "w") as f:
            f.write("apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
                    "metadata: {name: web, namespace: default}\nspec:\n"
                    "  parentRefs: {name: gw}\n")
        expect_lines(["diff", ing, "--after", after], 2,
                     ["%s:5:15: HTTPRoute default/web: spec.parentRefs: must be of type array, "
                      "got object" % after])
        with open(after, "w") as f:
            f.write("apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {\n")
        rc, so, se = gatesim(["diff", ing, "--after", after])
        if rc != 2 or not se.startswith("%s:4:1: malformed YAML" % after):
            fail("diff --after of malformed YAML: exit %d\n%s" % (rc, se))
    print("ok: rehearse names itself; a valueless flag given a value says so; a missing manifest "
          "is one error at its line; diff names a bad --after file at its line")


def readme_blocks(lang):
    """The fenced blocks of README.md whose fence names |lang| ("" for a plain fence)."""
    with open(os.path.join(HERE, "..", "..", "..", "README.md")) as f:
        return re.findall(r"^```%s\n(.*?)^```$" % lang, f.read(), re.M | re.S)


def case_readme():
    """README.md's scenario runs as it is beside the seed manifests, and its main-job output
    is what the seed scenarios print (names, step counts, the warning)."""
    root = os.path.join(HERE, "..", "..", "..")
    scenario = [b for b in readme_blocks("yaml") if "kind: Scenario" in b]
    if len(scenario) != 1:
        fail("README.md has %d scenario blocks" % len(scenario))
    with tempfile.TemporaryDirectory() as d:
        os.mkdir(os.path.join(d, "manifests"))
        shutil.copy(os.path.join(root, "scenarios", "seed", "manifests", "infra.yaml"),
                    os.path.join(d, "manifests"))
        path = os.path.join(d, "readme.yaml")
        with open(path, "w") as f:
            f.write(scenario[0])
        rc, so, se = gatesim(["validate", path])
        if rc != 0 or so:
            fail("README.md's scenario does not validate: exit %d\n%s%s" % (rc, so, se))
        rc, so, se = gatesim(["run", "--seed", "5", "--report-dir", os.path.join(d, "r"), path])
        if rc != 0 or "1 scenario: 1 passed" not in so:
            fail("README.md's scenario does not run: exit %d\n%s%s" % (rc, so, se))
    sample = [b for b in readme_blocks("") if b.startswith("$ ./scripts/main-job.sh\n")]
    if len(sample) != 1:
        fail("README.md has %d main-job samples" % len(sample))
    steps = {}
    for name in sorted(os.listdir(os.path.join(root, "scenarios", "seed"))):
        if name.endswith(".yaml"):
            with open(os.path.join(root, "scenarios", "seed", name)) as f:
                text = f.read()
            steps[re.search(r"^  name: (\S+)", text, re.M).group(1)] = \
                len(re.findall(r"^  - name: ", text, re.M))
    for line in sample[0].splitlines():
        m = re.match(r"PASS (\S+) \((\d+) steps?, ", line)
        if m and steps.get(m.group(1)) != int(m.group(2)):
            fail("README.md's main-job line %r: the seed scenario has %r steps" %
                 (line, steps.get(m.group(1))))
        if ": warning: " in line:
            p = subprocess.run([GATESIM, "validate", line.split(":", 1)[0]], cwd=root,
                               text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            if line not in p.stdout.splitlines():
                fail("README.md's main-job warning is not what validate prints:\n%s\n%s" %
                     (line, p.stdout))
    m = re.search(r"^(\d+) scenarios: \1 passed", sample[0], re.M)
    if not m or int(m.group(1)) != len(steps):
        fail("README.md's main-job summary does not count the %d seed scenarios" % len(steps))
    print("ok: README.md's scenario runs; its main-job sample matches the %d seed scenarios"
          % len(steps))


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


def commands():
    """Every command `gatesim --help` lists: new commands are held to the vocabulary too."""
    rc, so, se = gatesim(["--help"])
    listed = so.split("Commands:\n", 1)[1].split("\n\n", 1)[0]
    return [line.split()[0] for line in listed.splitlines() if line.strip()]


def vocabulary_table():
    """Rows of docs/cli.md's flag table: (spelling such as "-o, --output", [commands])."""
    with open(os.path.join(HERE, "..", "..", "..", "docs", "cli.md")) as f:
        text = f.read()
    section = text.split("## One flag vocabulary", 1)[1].split("\n## ", 1)[0]
    table = section.split("| Flag |", 1)[1].split("\n\n", 1)[0]
    rows = []
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        flag = re.match(r"`((?:-\w, )?--[\w-]+)", cells[0]).group(1)
        cmds = [c.strip() for c in cells[2].split(",")]
        rows.append((flag, cmds))
    return rows


def case_flags():
    helps = {}
    every = commands()
    if len(every) < 5:
        fail("gatesim --help lists %r" % every)
    for cmd in every:
        rc, so, se = gatesim([cmd, "--help"])
        if rc != 0:
            fail("gatesim %s --help: exit %d" % (cmd, rc))
        helps[cmd] = so
    # The documented table is what each command's usage says.
    rows = vocabulary_table()
    if len(rows) < 10:
        fail("docs/cli.md's flag table has %d rows" % len(rows))
    for flag, cmds in rows:
        if cmds == ["every command"]:
            cmds = every
        for cmd in cmds:
            if cmd not in helps:
                fail("docs/cli.md names an unknown command %r for %s" % (cmd, flag))
            if not re.search(r"^ +%s\b" % re.escape(flag), helps[cmd], re.M):
                fail("gatesim %s --help does not offer %r as docs/cli.md says" % (cmd, flag))
    # A short letter means one long option in every command.
    letters = {}
    for cmd, text in helps.items():
        for short, long in re.findall(r"^ +-(\w), --([\w-]+)", text, re.M):
            seen = letters.setdefault(short, (long, cmd))
            if seen[0] != long:
                fail("-%s is --%s in %s but --%s in %s" % (short, seen[0], seen[1], long, cmd))
    # -o spellings, -f, and - for standard input.
    split = os.path.join(DATA, "coffee-split.yaml")
    with open(split) as f:
        manifest = f.read()
    want = gatesim(["validate", "--output", "json", split])
    for args in (["-ojson", split], ["-o=json", split], ["--output=json", split],
                 ["-o", "json", "-f", split], ["-ojson", "-"], ["-ojson", "-f", "-"]):
        got = gatesim(["validate"] + args, stdin=manifest)
        if got[0] != 0 or json.loads(got[1])["objects"] != 5 or \
                json.loads(got[1])["valid"] is not True:
            fail("gatesim validate %s: %r" % (args, got))
    if want[0] != 0 or gatesim(["validate", "-ojson", split])[1] != want[1]:
        fail("validate -ojson differs from --output json")
    rc, so, se = gatesim(["validate", "-o", "yaml", split])
    if rc != 0 or not so.startswith("valid: true\nfiles: 1\nobjects: 5\n"):
        fail("validate -o yaml: exit %d\n%s%s" % (rc, so, se))
    rc, so, se = gatesim(["explain", split])
    rc2, so2, se2 = gatesim(["explain", "-"], stdin=manifest)
    if rc != 0 or rc2 != 0 or so2 != so or "HTTPRoute default/coffee" not in so:
        fail("explain - differs from explain FILE: exit %d\n%s%s" % (rc2, so2, se2))
    rc, so, se = gatesim(["explain", "-o", "yaml", "-f", split])
    if rc != 0 or not so.startswith("objects:\n"):
        fail("explain -o yaml -f FILE: exit %d\n%s%s" % (rc, so, se))
    missing = os.path.join(DATA, "no-such-file.yaml")
    rc, so, se = gatesim(["explain", missing])
    if rc != 2 or so != "" or "no status computed" not in se:
        fail("explain of an unreadable path printed a status: exit %d\n%s%s" % (rc, so, se))
    expect_lines(["validate", "--ouput", "json", split], 2,
                 ['gatesim validate: unknown option "--ouput"; did you mean "--output"? '
                  '(see gatesim validate --help)'])
    expect_lines(["explain", "--requst", "GET http://x/", split], 2,
                 ['gatesim explain: unknown option "--requst"; did you mean "--request"? '
                  '(see gatesim explain --help)'])
    expect_lines(["explain", "-o", "jsn", split], 2,
                 ['gatesim explain: --output takes text, json or yaml, got "jsn"; did you mean '
                  '"json"?'])
    # Old spellings: still read as before, with one warning each.
    quick = os.path.join(DATA, "quick.yaml")
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "out")
        rc, so, se = gatesim(["run", "--seed", "3", "-q", "-o", out, "-f", "json", quick])
        if rc != 0 or sorted(os.listdir(out)) != ["results.json"] or se.splitlines() != [
                "gatesim run: warning: -o is deprecated; use --report-dir (-o is the output "
                "format in the other commands)",
                "gatesim run: warning: -f is deprecated; use --format (-f is --filename in the "
                "other commands)"]:
            fail("run -o DIR -f json: exit %d\n%s%s" % (rc, so, se))
        expect_lines(["run", "--select", "team=nobody", quick, "--report-dir", out], 2,
                     ["gatesim run: warning: --select is deprecated; use --selector",
                      "gatesim run: no scenario matched the selection (1 scenario loaded); "
                      "nothing was run"])
        rc, so, se = gatesim(["run", "--seed", "3", "-q", "-l", "team=web", "--report-dir", out,
                              "--filename", quick])
        if rc != 0 or se:
            fail("run -l team=web --filename FILE: exit %d\n%s%s" % (rc, so, se))
    rc, so, se = gatesim(["load", "-q", "-t", "1", "--timeout", "5s", "-n", "1",
                          "http://127.0.0.1:9/"])
    if rc != 1 or se.splitlines()[:2] != [
            "gatesim load: warning: -t is deprecated; use --threads (-t is --target in the other "
            "commands)",
            "gatesim load: warning: --timeout is deprecated; use --request-timeout (as in gatesim "
            "gateway)"]:
        fail("load -t 1 --timeout 5s: exit %d\n%s%s" % (rc, so, se))
    expect_lines(["gateway", "-p", "80=0", "-b", "x", split], 2,
                 ["gatesim gateway: warning: -p is deprecated; use --port-map (-p is --protocol "
                  "in the other commands)",
                  'gatesim gateway: --backend "x": expected ns/svc:port=host:port',
                  "Run `gatesim gateway --help` for usage."])
    print("ok: one flag vocabulary (%d documented flags), -o forms, -f and -, old spellings warn"
          % len(rows))


def case_explain_ci():
    xns = os.path.join(DATA, "cross-namespace-tls.yaml")
    rc, so, se = gatesim(["explain", xns])
    if rc != 0:
        fail("explain without --fail-on: exit %d\n%s" % (rc, se))
    for want in ("    Traffic:      none: no listener it attached to is programmed, so this "
                 "Gateway serves none of its requests\n"
                 "      - listener https is not programmed: certificateRef Secret "
                 "infra/prod-tls-secret does not exist\n",
                 "    Traffic:      only through http; the other listeners it attached to are not "
                 "programmed\n",
                 "    Accepted             True    ListenersNotValid            1 of 2 listeners "
                 "are not valid: https (InvalidCertificateRef)\n"):
        if want not in so:
            fail("explain does not say %r:\n%s" % (want, so))
    # Gateway and listener conditions agree, in every file the CLI tests carry.
    for name in sorted(os.listdir(DATA)):
        rc, so, se = gatesim(["explain", "-o", "json", os.path.join(DATA, name)])
        doc = json.loads(so)
        worlds = [doc] + [w["status"] for w in doc.get("scenarios", [])]
        for world in worlds:
            for obj in world["objects"]:
                if obj["kind"] != "Gateway":
                    continue
                conds = {c["type"]: c["status"] for c in obj["status"]["conditions"]}
                accepted = [l["name"] for l in obj["status"]["listeners"]
                            if any(c["type"] == "Accepted" and c["status"] == "True"
                                   for c in l["conditions"])]
                if conds.get("Accepted") == "False" and accepted:
                    fail("%s: Gateway %s is Accepted=False while its listeners %s are Accepted"
                         % (name, obj["name"], accepted))
    unattached = ("gatesim explain: unattached: HTTPRoute team-c/team-c parent Gateway "
                  "infra/production-gateway sectionName admin: Accepted NoMatchingParent: Gateway "
                  "infra/production-gateway has no listener named admin")
    listener = ("gatesim explain: unresolved: Gateway infra/production-gateway listener https: "
                "ResolvedRefs InvalidCertificateRef: certificateRef Secret infra/prod-tls-secret "
                "does not exist")
    rc, so, se = gatesim(["explain", "--fail-on", "unattached", xns])
    if rc != 1 or se.splitlines() != [unattached] or "HTTPRoute team-c/team-c" not in so:
        fail("explain --fail-on unattached: exit %d\n%s" % (rc, se))
    rc, so, se = gatesim(["explain", "--fail-on", "unresolved,unattached", xns])
    lines = se.splitlines()
    if rc != 1 or len(lines) != 5 or unattached not in lines or listener not in lines:
        fail("explain --fail-on unresolved,unattached: exit %d\n%s" % (rc, se))
    # With the Services assumed, only the missing certificate is left unresolved.
    rc, so, se = gatesim(["explain", "--fail-on", "unresolved", "--assume-services", xns])
    if rc != 1 or se.splitlines() != [listener] or "BackendNotFound" in so:
        fail("explain --fail-on unresolved --assume-services: exit %d\n%s" % (rc, se))
    split = os.path.join(DATA, "coffee-split.yaml")
    rc, so, se = gatesim(["explain", "--fail-on", "unattached,unresolved", split])
    if rc != 0 or se:
        fail("explain --fail-on on a clean set: exit %d\n%s" % (rc, se))
    expect_lines(["explain", "--fail-on", "unresolvd", xns], 2,
                 ['gatesim explain: --fail-on takes unattached and unresolved, got "unresolvd"; '
                  'did you mean "unresolved"?'])
    expect_lines(["validate", "--fail-on", "unresolved", "--assume-services", xns], 1,
                 [listener.replace("gatesim explain", "gatesim validate"),
                  "5 objects in 1 file: 0 errors, 0 warnings, 1 --fail-on finding"])
    rc, so, se = gatesim(["validate", xns])
    if rc != 0:
        fail("validate without --fail-on: exit %d\n%s" % (rc, se))
    # A Service a route sends to that spec.backends does not declare: the run says so.
    undeclared = os.path.join(DATA, "undeclared-backend.yaml")
    with tempfile.TemporaryDirectory() as d:
        expect_lines(["run", "-q", "--seed", "1", "--report-dir", d, undeclared], 0,
                     ["%s:30:7: warning: Service default/legacy: a route sends to this Service "
                      "but spec.backends does not declare it: no echo backend serves it, so its "
                      "requests get 503" % undeclared])
    print("ok: explain names the traffic consequence; Gateway and listeners agree; --fail-on, "
          "--assume-services; a Service without a backend is named")


def case_messages():
    quick = os.path.join(DATA, "quick.yaml")
    split = os.path.join(DATA, "coffee-split.yaml")
    expect_lines(["validate", quick], 0, ["1 scenario in 1 file: 0 errors, 0 warnings"])
    expect_lines(["validate", quick, split], 0,
                 ["5 objects and 1 scenario in 2 files: 0 errors, 0 warnings"])
    # A manifest path relative to a scenario named without a folder is shown as written.
    with tempfile.TemporaryDirectory() as d:
        with open(split) as f, open(os.path.join(d, "coffee-split.yaml"), "w") as g:
            g.write(f.read())
        os.mkdir(os.path.join(d, "sub"))
        with open(os.path.join(d, "sub", "s.yaml"), "w") as f:
            f.write("apiVersion: gatesim.dev/v1alpha1\nkind: Scenario\nmetadata: {name: paths}\n"
                    "spec:\n  manifests:\n  - path: ../coffee-split.yaml\n  steps:\n"
                    "  - name: one\n    send: {requests: 1}\n    expect: {status: 200}\n")
        p = subprocess.run([GATESIM, "validate", "s.yaml"], cwd=os.path.join(d, "sub"),
                           capture_output=True, text=True, timeout=60)
        lines = p.stdout.splitlines()
        if p.returncode != 0 or len(lines) != 2 or \
                not all(l.startswith("../coffee-split.yaml:") for l in lines):
            fail("paths are not shown as written:\n%s%s" % (p.stdout, p.stderr))
    # stdout and stderr into one pipe (a CI log): every diagnostic line whole, the summary last.
    files = [os.path.join(DATA, n) for n in ("deployment.yaml", "expct-typo.yaml",
                                             "undeclared-backend.yaml")]
    p = subprocess.run([GATESIM, "validate"] + files, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=60)
    lines = p.stdout.splitlines()
    if p.returncode != 1 or len(lines) != 4 or \
            lines[-1] != "5 objects and 2 scenarios in 3 files: 1 error, 1 warning, 1 skipped" or \
            not all(l.startswith(DATA + "/") for l in lines[:-1]):
        fail("validate's diagnostics and summary in one log:\n" + p.stdout)
    print("ok: validate names scenarios and objects; ../ paths as written; the summary comes "
          "after the diagnostics in one log")


def case_exit_line():
    """Three requests: one to a refusing endpoint (502), one to a Service port the --backend
    flags do not give (500: an invalid backendRef), one no route matches (404)."""
    p, host, port = start_gateway([os.path.join(DATA, "two-ports.yaml"),
                                   "--backend", "default/svc:80=127.0.0.1:9"])
    try:
        got = [http_get(host, port, path)[0] for path in ("/a", "/b", "/nothing")]
    finally:
        se = stop_gateway(p)
    want = ("gatesim gateway: note: stopped after 3 requests: 1 answered 4xx, 2 answered 5xx; "
            "1 upstream error")
    if got != [502, 500, 404] or se.splitlines()[-1] != want:
        fail("statuses %r; the exit line is not %r:\n%s" % (got, want, se))
    # Nothing served: the sentence stops there.
    p, host, port = start_gateway([os.path.join(DATA, "two-ports.yaml")])
    se = stop_gateway(p)
    if se.splitlines()[-1] != "gatesim gateway: note: stopped after 0 requests":
        fail("the exit line of an idle gateway:\n%s" % se)
    print("ok: the gateway's exit line is a sentence of its non-zero counts")


class _Ok(http.server.BaseHTTPRequestHandler):
    """Answers every GET with 200 "ok", keeping the connection open (HTTP/1.1)."""
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def case_bench_output():
    rc, so, se = gatesim(["bench", "--help"])
    if rc != 0 or not re.search(r"^ +--output-file FILE ", so, re.M) or \
            re.search(r"^ +-o, ", so, re.M):
        fail("bench --help does not offer --output-file (or still -o):\n%s" % so)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = "http://127.0.0.1:%d/" % server.server_address[1]
    try:
        with tempfile.TemporaryDirectory() as d:
            profile = os.path.join(d, "p.json")
            with open(profile, "w") as f:
                f.write('{"name": "tiny", "rounds": 1, "warmup": "0s", "cases": '
                        '[{"name": "one", "connections": 1, "duration": "100ms"}]}')
            why = "is the output format in the other commands"
            for flag, warning in (("--output-file", None),
                                  ("-o", "-o is deprecated; use --output-file (-o %s)" % why),
                                  ("--output", "--output is deprecated; use --output-file "
                                               "(--output %s)" % why)):
                result = os.path.join(d, "r.json")
                rc, so, se = gatesim(["bench", profile, "-q", "--url", url, flag, result])
                want = [] if warning is None else ["gatesim bench: warning: " + warning]
                if rc != 0 or so or se.splitlines() != want:
                    fail("bench %s FILE: exit %d\n%s%s" % (flag, rc, so, se))
                with open(result) as f:
                    if json.load(f)["kind"] != "gatesim-bench":
                        fail("bench %s FILE wrote no bench result" % flag)
                os.unlink(result)
    finally:
        server.shutdown()
        server.server_close()
    print("ok: bench --output-file; -o and --output warn and still write the file")


def bench_doc(path, rps):
    """A bench result with one case of 5 rounds at about |rps| req/s."""
    rounds = [{"rps": rps * (1 + k / 100.0), "p50": 1.0, "p99": 2.0 + k / 100.0, "errors": 0}
              for k in range(5)]
    with open(path, "w") as f:
        json.dump({"kind": "gatesim-bench", "cases": [{"name": "h1", "rounds": rounds}]}, f)


def case_ci_workflow():
    """The nightly workflow of docs/ci.md gates on gatesim compare: its compare step, run with the
    shell GitHub Actions uses for it (bash -e without a shell: key, bash -eo pipefail with
    shell: bash), exits non-zero on a 20% throughput loss and writes the job summary, and
    passes on an unchanged result."""
    import yaml
    with open(os.path.join(HERE, "..", "..", "..", "docs", "ci.md")) as f:
        block = re.search(r"```yaml\n(.*?)```", f.read(), re.S)
    if block is None:
        fail("docs/ci.md has no yaml block")
    steps = [s for s in yaml.safe_load(block.group(1))["jobs"]["bench"]["steps"]
             if "gatesim compare" in s.get("run", "")]
    if len(steps) != 1:
        fail("docs/ci.md's workflow has %d compare steps" % len(steps))
    step = steps[0]
    shells = {None: ["bash", "-e"], "bash": ["bash", "--noprofile", "--norc", "-eo", "pipefail"]}
    if step.get("shell") not in shells:
        fail("the compare step's shell %r is not one this test knows" % step.get("shell"))
    with tempfile.TemporaryDirectory() as d:
        os.makedirs(os.path.join(d, "build", "harness", "cli"))
        os.symlink(os.path.abspath(GATESIM), os.path.join(d, "build", "harness", "cli", "gatesim"))
        os.mkdir(os.path.join(d, "baseline"))
        bench_doc(os.path.join(d, "baseline", "result.json"), 10000)
        script = os.path.join(d, "step.sh")
        with open(script, "w") as f:
            f.write(step["run"])
        summary = os.path.join(d, "summary.md")
        env = dict(os.environ, GITHUB_STEP_SUMMARY=summary)
        for rps, want_fail in ((8000, True), (10000, False)):
            bench_doc(os.path.join(d, "result.json"), rps)
            open(summary, "w").close()
            p = subprocess.run(shells[step.get("shell")] + [script], cwd=d, env=env,
                               capture_output=True, text=True, timeout=60)
            with open(summary) as f:
                md = f.read()
            if (p.returncode != 0) != want_fail:
                fail("the compare step exited %d on a %s result (shell %r):\n%s%s" %
                     (p.returncode, "regressed" if want_fail else "unchanged",
                      step.get("shell"), p.stdout, p.stderr))
            if ("**REGRESSION**" in md) != want_fail or "gatesim compare" not in md:
                fail("the job summary of a %s result:\n%s" %
                     ("regressed" if want_fail else "unchanged", md))
    print("ok: docs/ci.md's compare step fails the job on a regression and passes without one")


def latency_ticks(html):
    """The axis labels of each latency chart in |html|, one list per chart."""
    charts = re.findall(r'<svg class="chart latency".*?</svg>', html)
    return [re.findall(r'text-anchor="middle">([^<]*)<', c) for c in charts]


def case_step_reports():
    scenario = os.path.join(DATA, "two-steps.yaml")
    with tempfile.TemporaryDirectory() as d:
        rc, so, se = gatesim(["run", "--seed", "1", scenario, "--report-dir", d])
        if rc != 1 or '  step "claimed even split" (h2c, 3 connections): failed: 1 check ' \
                'failed' not in so.splitlines():
            fail("the terminal does not say how the failed step sent: exit %d\n%s%s" %
                 (rc, so, se))
        configured = ("; configured by HTTPRoute default/web rule 0: default/stable 90 (90.0%), "
                      "default/canary 10 (10.0%)")
        if not re.search(r"^    split: counts do not fit the weights: .*%s$" % re.escape(configured),
                         so, re.M):
            fail("the failed split does not show the configured weights:\n" + so)
        with open(os.path.join(d, "summary.md")) as f:
            md = f.read()
        if configured not in md:
            fail("summary.md's failed split does not show the configured weights:\n" + md)
        ms = r"[0-9.]+ ms"
        if not re.search(r"^- sent over h2c, 3 connections: [0-9]+ requests in [0-9.]+ s, "
                         r"latency p50 %s, p90 %s, p99 %s, p99\.9 %s, max %s$" %
                         (ms, ms, ms, ms, ms), md, re.M):
            fail("summary.md does not say how the step sent, with latency units:\n" + md)
        with open(os.path.join(d, "report.html")) as f:
            html = f.read()
        for want in ('<div class="meta">sent over http1, 2 connections · ',
                     '<div class="meta">sent over h2c, 3 connections · '):
            if want not in html:
                fail("report.html has no %r" % want)
        ticks = latency_ticks(html)
        if len(ticks) != 2 or ticks[0] != ticks[1] or len(ticks[0]) != 5 or \
                not all(t.endswith(" ms") for t in ticks[0]):
            fail("the latency charts' axes differ or have no unit: %r" % ticks)
        with open(os.path.join(d, "results.json")) as f:
            steps = json.load(f)["scenarios"][0]["steps"]
        sends = [(s["send"]["protocol"], s["send"]["connections"]) for s in steps]
        if sends != [("http1", 2), ("h2c", 3)]:
            fail("results.json steps[].send: %r" % sends)
    print("ok: each step says how it sent; latency charts share one axis in ms; a failed split "
          "names the configured weights")


CASES = {
    "step-reports": case_step_reports,
    "exit-line": case_exit_line,
    "bench-output": case_bench_output,
    "ci-workflow": case_ci_workflow,
    "honest": case_honest,
    "readme": case_readme,
    "messages": case_messages,
    "explain-ci": case_explain_ci,
    "flags": case_flags,
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
