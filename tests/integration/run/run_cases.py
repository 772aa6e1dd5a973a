#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# End-to-end tests of `gatesim run` with the builtin gateway and real gatesim-echo backends.
#   run_cases.py GATESIM pass DIR       every scenario in DIR passes (exit 0)
#   run_cases.py GATESIM fail DIR       every scenario file in DIR fails (exit 1) on the check its
#                                       label gatesim.dev/expect names, and only that kind fails;
#                                       each "# expect-message: TEXT" line is some failed check's message,
#                                       each "# expect-observed: TEXT" line some failed check's observed text,
#                                       each "# expect-message-part: TEXT" is in some failed check's message
#   run_cases.py GATESIM per-connection DIR ADAPTER  the same through --target exec:ADAPTER, a
#                                       target that picks the backend per connection
#   run_cases.py GATESIM interrupt      SIGINT mid-run: exit 130, no process left, valid reports
#   run_cases.py GATESIM terminate      the same with SIGTERM (exit 143)
#   run_cases.py GATESIM backend-dies   an echo killed mid-step: that scenario errors with the
#                                       backend named, the next scenario still runs and passes
#   run_cases.py GATESIM gateway-dies   the gateway killed mid-step: named error, rest skipped,
#                                       the next scenario gets a fresh gateway and passes
#   run_cases.py GATESIM select DIR     --selector runs only the scenarios whose label matches
#   run_cases.py GATESIM seed DIR       the bundled seed scenarios all pass
#   run_cases.py GATESIM seed-zero FILE  `--seed 0` twice on a weighted scenario: identical split
#                                       counts (0 is a seed, not "draw one from the clock")
#   run_cases.py GATESIM explain-matches-run FILE  `gatesim explain FILE` and `gatesim explain` of
#                                       the objects.yaml its run gave the target agree: same status
#                                       and route table (one object set behind both)
#   run_cases.py GATESIM exec DIR ADAPTER  the seed scenarios through --target exec:ADAPTER
#   run_cases.py GATESIM exec-doc DIR ADAPTER  the seed scenarios through an adapter written from
#                                       docs/targets/exec.md alone, which checks the environment
#                                       the page describes; the page's reloadError and failing
#                                       status end the step as it says
#   run_cases.py GATESIM wrong-gateway DIR ADAPTER  passes on builtin, fails on a gateway that
#                                       serves 70/30 as 75/25 (exec:ADAPTER)
#   run_cases.py GATESIM cli DATA       usage errors and invalid scenarios exit 2, with positions
#   run_cases.py GATESIM family DIR     the seed scenarios with --family-alpha 0.001: every random
#                                       check runs at 0.001 / their number, and the summary says so
#   run_cases.py GATESIM max-requests DIR  a plan above --max-requests-per-step is an error that
#                                       names the minEffect the bound allows and the plan's duration
#   run_cases.py GATESIM mirror-drops DIR  with --max-mirrors-in-flight 4 a slow mirror backend
#                                       loses copies: the mirror check fails naming the gateway's
#                                       drops and the first missing ids; the default cap passes
# Every run uses a fixed --seed so the gateway's weighted choices are reproducible.
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

GATESIM = None


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def run(args, timeout=240):
    p = subprocess.run([GATESIM, "run", "--seed", "11"] + args, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def check_reports(report_dir, state):
    with open(os.path.join(report_dir, "results.json")) as f:
        res = json.load(f)
    if res.get("state") != state:
        fail("results.json state %r, expected %r" % (res.get("state"), state))
    for key in ("target", "startedAt", "summary", "scenarios"):
        if key not in res:
            fail("results.json lacks %s" % key)
    ET.parse(os.path.join(report_dir, "junit.xml"))  # well-formed XML
    with open(os.path.join(report_dir, "summary.md")) as f:
        if "gatesim" not in f.read().lower():
            fail("summary.md does not look like a report")
    return res


def scenario_labels(path):
    text = open(path).read()
    m = re.search(r'gatesim\.dev/expect: "([a-zA-Z]+)"', text)
    return m.group(1) if m else None


def expected_lines(path, key):
    """The lines "# expect-KEY: TEXT" of a failing scenario: each TEXT must be, exactly, the
    message (KEY message) or the observed text (KEY observed) of one of its failed checks."""
    return [line.split(":", 1)[1].strip() for line in open(path)
            if line.startswith("# expect-%s:" % key)]


def case_pass(d):
    with tempfile.TemporaryDirectory() as out:
        rc, so, se = run([d, "--report-dir", out])
        res = check_reports(out, "complete")
        if rc != 0:
            fail("exit %d for passing scenarios\n%s\n%s" % (rc, so, se))
        s = res["summary"]
        if s["passed"] != s["scenarios"] or s["scenarios"] < 4:
            fail("summary %r" % s)
        for sc in res["scenarios"]:
            for st in sc["steps"]:
                if st.get("convergenceMs") is None and st is sc["steps"][0]:
                    fail("%s: no convergence time on the first step" % sc["name"])
                for c in st["checks"]:
                    if c["result"] != "passed":
                        fail("%s: %s check %s" % (sc["name"], c["kind"], c["result"]))
                    if c["kind"] == "split" and ("pValue" not in c or "shares" not in c):
                        fail("split check without p-value or shares: %r" % c)
    print("ok: %d scenarios passed" % s["scenarios"])


def split_counts(report_dir):
    """The observed count per backend of every split check in results.json, in order."""
    with open(os.path.join(report_dir, "results.json")) as f:
        res = json.load(f)
    counts = []
    for sc in res["scenarios"]:
        for st in sc["steps"]:
            for c in st["checks"]:
                if c["kind"] == "split":
                    counts.append({s["backend"]: s["observedCount"] for s in c["shares"]})
    return res.get("seed"), counts


def case_seed_zero(scenario):
    runs = []
    for i in range(2):
        with tempfile.TemporaryDirectory() as out:
            p = subprocess.run([GATESIM, "run", "--seed", "0", scenario, "--report-dir", out],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               timeout=240)
            if p.returncode != 0:
                fail("--seed 0 run %d: exit %d\n%s\n%s" % (i, p.returncode, p.stdout, p.stderr))
            if "--seed 0 repeats" not in p.stdout:
                fail("the summary does not name seed 0: %s" % p.stdout)
            seed, counts = split_counts(out)
            if seed != 0:
                fail("results.json seed %r, expected 0" % seed)
            if not counts or any(len(c) < 2 or min(c.values()) == 0 for c in counts):
                fail("no split with two served backends to compare: %r" % counts)
            runs.append(counts)
    if runs[0] != runs[1]:
        fail("--seed 0 did not repeat the weighted choices: %r then %r" % (runs[0], runs[1]))
    print("ok: --seed 0 twice gives the same split counts %r" % runs[0])


def explain(path):
    """`gatesim explain PATH` as JSON and as text; both must succeed."""
    outs = []
    for fmt in (["-o", "json"], []):
        p = subprocess.run([GATESIM, "explain"] + fmt + [path], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=120)
        if p.returncode != 0:
            fail("explain %s: exit %d\n%s" % (path, p.returncode, p.stderr))
        outs.append(p.stdout)
    return json.loads(outs[0]), outs[1]


def case_explain_matches_run(scenario):
    """The scenario's namespaces (labels), backends (Services) and generated certificate are
    synthesized by one object set for the run and for explain: explaining the scenario and
    explaining the very objects the run applied give the same answer. The scenario has no
    apply/delete step, so the state explain shows (the start) is the one the run ends in."""
    with tempfile.TemporaryDirectory() as out:
        code, so, se = run(["--keep-workdir", scenario, "--report-dir", out])
        m = re.search(r"work folder kept: (\S+)", so + se)
        if m is None:
            fail("no kept work folder named (exit %d):\n%s\n%s" % (code, so, se))
        work = m.group(1)
        try:
            if code != 0:
                fail("run: exit %d\n%s\n%s" % (code, so, se))
            objects = os.path.join(work, "objects.yaml")
            want_json, want_text = explain(scenario)
            got_json, got_text = explain(objects)
        finally:
            subprocess.run(["rm", "-rf", "--", work], check=False)
    # the scenario's text starts with its title and a blank line; the rest is the world
    header = want_text.split("\n", 2)
    if not header[0].startswith("=== Scenario ") or header[1] != "":
        fail("explain of a scenario has no title line: %r" % want_text[:200])
    if header[2] != got_text:
        fail("explain of the scenario and of the run's objects differ:\n--- scenario\n%s\n"
             "--- objects.yaml\n%s" % (header[2], got_text))
    if want_json != got_json:
        fail("explain -o json differs:\n%s\n%s" % (json.dumps(want_json), json.dumps(got_json)))
    # not two empty answers: the synthesized labels and secret are what attach both routes
    gws = [o for o in want_json["objects"] if o["kind"] == "Gateway"]
    if not gws or gws[0]["status"]["listeners"][0]["attachedRoutes"] != 2:
        fail("the scenario's listener does not have its two routes: %r" % gws)
    print("ok: explain of %s equals explain of the objects its run applied (%d lines)" %
          (os.path.basename(scenario), got_text.count("\n")))


def case_seed(d):
    """The bundled seed scenarios (the founding walkthrough) all pass on the builtin target."""
    with tempfile.TemporaryDirectory() as out:
        rc, so, se = run([d, "--report-dir", out])
        res = check_reports(out, "complete")
        s = res["summary"]
        if rc != 0 or s["passed"] != s["scenarios"] or s["scenarios"] < 16:
            fail("seed scenarios: exit %d, summary %r\n%s\n%s" % (rc, s, so, se))
        checks = sum(len(st["checks"]) for sc in res["scenarios"] for st in sc["steps"])
        kinds = sorted(set(c["kind"] for sc in res["scenarios"] for st in sc["steps"]
                           for c in st["checks"]))
        for k in ("backend", "expectStatus", "grpcStatus", "mirror", "redirect", "request",
                  "response", "split", "status"):
            if k not in kinds:
                fail("no %s check ran in the seed suite" % k)
        if not os.path.exists(os.path.join(out, "report.html")):
            fail("no report.html")
        print("ok: %d seed scenarios passed, %d checks of kinds %s" % (s["scenarios"], checks,
                                                                          ",".join(kinds)))


def case_exec(d, adapter):
    """The seed scenarios through the exec target, with an adapter around gatesim gateway."""
    with tempfile.TemporaryDirectory() as out:
        rc, so, se = run(["--target", "exec:" + adapter, d, "--report-dir", out])
        res = check_reports(out, "complete")
        s = res["summary"]
        if rc != 0 or s["passed"] != s["scenarios"] or s["scenarios"] < 16:
            fail("exec target: exit %d, summary %r\n%s\n%s" % (rc, s, so, se))
        if res["target"] != "exec:" + adapter:
            fail("target in the report: %r" % res["target"])
        print("ok: %d seed scenarios passed through the exec target" % s["scenarios"])


def case_exec_doc(d, adapter):
    """docs/targets/exec.md, held to its word by an adapter written from it."""
    folder, name = os.path.split(os.path.abspath(adapter))
    target = "exec:./" + name  # relative: the page says it runs in gatesim's working directory

    def run_in(args, env):
        p = subprocess.run([GATESIM, "run", "--seed", "11"] + args, cwd=folder,
                           env=dict(os.environ, DOC_ADAPTER_CWD=folder, DOC_ADAPTER_SEED="11",
                                    **env),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=240)
        return p.returncode, p.stdout, p.stderr

    with tempfile.TemporaryDirectory() as out:
        trace = os.path.join(out, "trace")
        rc, so, se = run_in(["-t", target, os.path.abspath(d), "--report-dir",
                             os.path.join(out, "r")], {"DOC_ADAPTER_TRACE": trace})
        if not os.path.exists(os.path.join(out, "r", "results.json")):
            fail("the doc's adapter: exit %d, no results.json\n%s\n%s" % (rc, so, se))
        res = check_reports(os.path.join(out, "r"), "complete")
        s = res["summary"]
        if rc != 0 or s["passed"] != s["scenarios"] or s["scenarios"] < 16:
            fail("the doc's adapter: exit %d, summary %r\n%s\n%s" % (rc, s, so, se))
        with open(trace) as f:
            verbs = f.read().splitlines()
        for verb in ("serve", "status", "sighup"):
            if verb not in verbs:
                fail("the doc's adapter never got %s: %r" % (verb, sorted(set(verbs))))
        # ListenerSet listeners, named namespace/set/name in the ready line the adapter prints
        # (it keeps only the four fields the page names)
        lset = os.path.join(os.path.abspath(d), "..", "conformance", "ListenerSetHTTPRouting.yaml")
        rc, so, se = run_in(["-t", target, lset, "--report-dir", os.path.join(out, "r")], {})
        if rc != 0 or "1 scenario: 1 passed" not in so:
            fail("ListenerSet listeners through the doc's adapter: exit %d\n%s\n%s" % (rc, so, se))
        blue_green = os.path.join(os.path.abspath(d), "05-blue-green.yaml")
        rc, so, se = run_in(["-t", target, blue_green, "--report-dir", os.path.join(out, "r")],
                            {"DOC_ADAPTER_REFUSE_RELOAD": "1"})
        want = 'step "flip to green": the target rejected the new configuration: the proxy ' \
               'refused reload 1'
        if rc != 1 or want not in so:
            fail("a reloadError line: exit %d, want %r\n%s\n%s" % (rc, want, so, se))
        grant = os.path.join(os.path.abspath(d), "11-reference-grant.yaml")
        rc, so, se = run_in(["-t", target, grant, "--report-dir", os.path.join(out, "r"),
                             "--timeout", "5s"], {"DOC_ADAPTER_STATUS_FAIL": "1"})
        want = "status: the status command exited with status 3 without JSON output: " \
               "exec-doc-adapter: the controller is unreachable"
        if rc != 1 or want not in so:
            fail("a failing status: exit %d, want %r\n%s\n%s" % (rc, want, so, se))
        rc, so, se = run_in(["-t", target, grant, "--report-dir", os.path.join(out, "r"),
                             "--timeout", "5s"], {"DOC_ADAPTER_STATUS_GARBAGE": "1"})
        want = 'status: the status command exited with status 0 and printed no valid JSON ' \
               '(JSON: unexpected character at byte 0): "status: all good"'
        if rc != 1 or want not in so:
            fail("a status that is not JSON: exit %d, want %r\n%s\n%s" % (rc, want, so, se))
        logs = os.path.join(out, "r", "logs", "reference-grant")
        if "status.log" not in os.listdir(logs):
            fail("the status command's stderr is not among the logs: %r" % os.listdir(logs))
    print("ok: %d seed scenarios through the adapter written from docs/targets/exec.md; "
          "reloadError and a failing status end the step as the page says" % s["scenarios"])


def case_wrong_gateway(d, adapter):
    """The same scenario passes on the builtin gateway and fails on a deliberately wrong one."""
    with tempfile.TemporaryDirectory() as out:
        rc, so, se = run([d, "--report-dir", out])
        if rc != 0:
            fail("correct gateway: exit %d\n%s\n%s" % (rc, so, se))
        rc, so, se = run(["--target", "exec:" + adapter, d, "--report-dir", out])
        res = check_reports(out, "complete")
        sc = res["scenarios"][0]
        failed = [c for st in sc["steps"] for c in st["checks"] if c["result"] == "failed"]
        if rc != 1 or [c["kind"] for c in failed] != ["split"]:
            fail("wrong gateway: exit %d, failed %r\n%s" % (rc, failed, so))
        # It picks per request: the per-connection diagnostic must not blame the connections.
        if "every connection's requests went to one backend" in failed[0]["message"]:
            fail("wrong gateway: the per-request skew is blamed on connections: %s" %
                 failed[0]["message"])
        print("ok: the 75/25 gateway fails the 70/30 route: %s" % failed[0]["message"])


def case_fail(d, adapter=None, at_least=4):
    files = sorted(f for f in os.listdir(d) if f.endswith(".yaml"))
    if len(files) < at_least:
        fail("expected at least %d failing scenarios in %s" % (at_least, d))
    target = ["--target", "exec:" + adapter] if adapter else []
    for name in files:
        path = os.path.join(d, name)
        want = scenario_labels(path)
        with tempfile.TemporaryDirectory() as out:
            rc, so, se = run(target + [path, "--report-dir", out])
            res = check_reports(out, "complete")
            if rc != 1:
                fail("%s: exit %d, expected 1\n%s\n%s" % (name, rc, so, se))
            sc = res["scenarios"][0]
            if sc["result"] != "failed":
                fail("%s: result %s (%s), expected failed" % (name, sc["result"], sc.get("error")))
            failed = [c for st in sc["steps"] for c in st["checks"] if c["result"] == "failed"]
            kinds = sorted(set(c["kind"] for c in failed))
            if kinds != [want]:
                fail("%s: failed checks %r, expected only %r\n%s" % (name, kinds, want, so))
            c = failed[0]
            if not c.get("message") or not c.get("expected") or not c.get("observed"):
                fail("%s: failing check lacks message/expected/observed: %r" % (name, c))
            if want == "split" and not (c.get("pValue", 1) <= 0.001):
                fail("%s: split failed with p-value %r" % (name, c.get("pValue")))
            if want == "request" and "evidence" not in c:
                fail("%s: request check failed without evidence" % name)
            for key in ("message", "observed"):
                said = [c[key] for c in failed]
                for text in expected_lines(path, key):
                    if text not in said:
                        fail("%s: no failed check's %s is %r; they are: %r" % (name, key, text, said))
            for text in expected_lines(path, "message-part"):
                if not any(text in c["message"] for c in failed):
                    fail("%s: no failed check's message holds %r; they are: %r" %
                         (name, text, [c["message"] for c in failed]))
            if "FAIL " + sc["name"] not in so:
                fail("%s: the terminal output does not name the failure:\n%s" % (name, so))
            print("ok: %s fails on %s: %s" % (name, want, c["message"]))


def case_family(d):
    with tempfile.TemporaryDirectory() as out:
        rc, so, se = run(["--family-alpha", "0.001", d, "--report-dir", out], timeout=280)
        res = check_reports(out, "complete")
        if rc != 0:
            fail("family: exit %d\n%s\n%s" % (rc, so, se))
        n = res.get("randomChecks")
        if res.get("familyAlpha") != 0.001 or not n or n < 5:
            fail("family: results.json familyAlpha %r randomChecks %r" % (res.get("familyAlpha"), n))
        line = "family-wise false-failure rate 0.001 across %d random checks" % n
        if line not in so:
            fail("family: the summary does not say %r:\n%s" % (line, so))
        with open(os.path.join(out, "summary.md")) as f:
            if "Family-wise false-failure rate 0.001, divided across %d random checks" % n not in f.read():
                fail("family: summary.md does not state the family-wise rate")
        checks = [c for sc in res["scenarios"] for st in sc["steps"] for c in st["checks"]
                  if c["kind"] in ("split", "mirror") and "alpha" in c
                  and c.get("method") != "single"]  # one positive weight: nothing random
        if len(checks) != n:
            fail("family: %d statistical checks in the results, %d counted" % (len(checks), n))
        for c in checks:
            if abs(c["alpha"] - 0.001 / n) > 1e-15 or c.get("familyAlpha") != 0.001:
                fail("family: check planned at alpha %r (family %r), expected %r" %
                     (c["alpha"], c.get("familyAlpha"), 0.001 / n))
        print("ok: %d random checks share 0.001, each at %.3g" % (n, 0.001 / n))


def case_max_requests(d):
    path = os.path.join(d, "split-75-25.yaml")
    with tempfile.TemporaryDirectory() as out:
        rc, so, se = run(["--max-requests-per-step", "100", path, "--report-dir", out])
        res = check_reports(out, "complete")
        sc = res["scenarios"][0]
        err = (sc.get("error") or "") + " ".join(st.get("message") or "" for st in sc["steps"])
        if rc != 1 or sc["result"] != "error":
            fail("max-requests: exit %d, result %s\n%s" % (rc, sc["result"], so))
        for text in ("above --max-requests-per-step 100", "100 requests allow minEffect 0.",
                     "requests/s"):
            if text not in err:
                fail("max-requests: %r not in the error: %r" % (text, err))
        print("ok: %s" % err)


def case_mirror_drops(d):
    """A mirror backend slower than the traffic, with the gateway's in-flight cap at 4: copies
    are dropped, and the failed mirror check says how many, why, and which ids to look for."""
    with tempfile.TemporaryDirectory() as out:
        rc, so, se = run(["--max-mirrors-in-flight", "4", d, "--report-dir", out])
        res = check_reports(out, "complete")
        if rc != 1:
            fail("capped run: exit %d, expected 1\n%s\n%s" % (rc, so, se))
        st = res["scenarios"][0]["steps"][0]
        failed = [c for c in st["checks"] if c["result"] == "failed"]
        if [c["kind"] for c in failed] != ["mirror"]:
            fail("capped run: failed checks %r, expected only mirror\n%s" % (failed, so))
        msg = failed[0]["message"]
        ts = st.get("targetStats")
        if not ts:
            fail("capped run: no targetStats in the step: %r" % st)
        if ts.get("requests") != 400 or ts.get("maxMirrorsInFlight") != 4:
            fail("capped run: targetStats %r" % ts)
        if ts["mirrorsSent"] + ts["mirrorsDropped"] != 400 or ts["mirrorsDropped"] == 0:
            fail("capped run: sent + dropped should be the 400 requests, with drops: %r" % ts)
        m = re.match(r"([0-9,]+) of 400 request ids never reached default/orders-shadow; the "
                     r"gateway dropped ([0-9,]+) mirror cop(?:y|ies) in this step \(more than 4 "
                     r"in flight: the mirror backend did not keep up; raise the cap with "
                     r"--max-mirrors-in-flight on gatesim run or gatesim gateway\); first "
                     r"missing: (.*)$", msg)
        if not m:
            fail("capped run: the message does not explain the drops: %r" % msg)
        missing = int(m.group(1).replace(",", ""))
        dropped = int(m.group(2).replace(",", ""))
        if dropped != ts["mirrorsDropped"] or missing != dropped:
            fail("capped run: %d missing, %d dropped in the message, targetStats %r"
                 % (missing, dropped, ts))
        ids = m.group(3).split(", ")
        if len(ids) != 5 or len(set(ids)) != 5 or \
                not all(re.match(r"gs0-0-[0-9a-f]+-[0-9]+$", i) for i in ids):
            fail("capped run: first missing ids %r" % ids)
        if msg not in so:
            fail("capped run: the terminal output lacks the message:\n%s" % so)
        ts2 = res["scenarios"][0]["steps"][1].get("targetStats", {})
        if ts2.get("requests") != 100 or ts2["mirrorsSent"] + ts2["mirrorsDropped"] != 100:
            fail("capped run: the second step's counters are not its own: %r" % ts2)
        # The default cap (1024) holds all 400 copies: the same scenario passes.
        rc, so, se = run([d, "--report-dir", out])
        res = check_reports(out, "complete")
        steps = res["scenarios"][0]["steps"]
        sent = [st.get("targetStats", {}).get("mirrorsSent") for st in steps]
        ts = steps[0].get("targetStats", {})
        if rc != 0 or ts.get("mirrorsDropped") != 0 or sent != [400, 100] or \
                ts.get("maxMirrorsInFlight") != 1024:
            fail("default cap: exit %d, mirrors sent %r, targetStats %r\n%s\n%s"
                 % (rc, sent, ts, so, se))
        # The cap is the builtin gateway's: other targets refuse it (exit 2).
        rc, _, se = run(["--max-mirrors-in-flight", "4", "--target", "exec:/bin/true", d])
        if rc != 2 or "builtin gateway" not in se:
            fail("--max-mirrors-in-flight with an exec target: exit %d, %s" % (rc, se))
        rc, _, se = run(["--max-mirrors-in-flight", "0", d])
        if rc != 2 or "--max-mirrors-in-flight" not in se:
            fail("--max-mirrors-in-flight 0: exit %d, %s" % (rc, se))
    print("ok: %d of 400 mirror copies dropped over a cap of 4, and the check says so: %s"
          % (dropped, msg))


def session_processes(sid):
    """Pids whose session id is |sid| (every process the run started stays in its session)."""
    pids = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % p) as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        state, session = fields[0], int(fields[3])
        if session == sid and state != "Z":
            pids.append(int(p))
    return pids


def long_scenario(dirname, manifests):
    path = os.path.join(dirname, "long.yaml")
    with open(path, "w") as f:
        f.write("""apiVersion: gatesim.dev/v1alpha1
kind: Scenario
metadata: {name: long-running}
spec:
  manifests:
  - path: %s
  - inline:
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: {name: slow, namespace: default}
      spec:
        parentRefs: [{name: gw, namespace: infra}]
        rules: [{backendRefs: [{name: victim, port: 80}]}]
  backends: [{service: default/victim, replicas: 2}]
  steps:
  - name: a long open-loop step
    send: {requests: 20000, rate: 400, connections: 2}
    expect: {status: 200}
  - name: never reached
    send: {requests: 10}
    expect: {status: 200}
---
apiVersion: gatesim.dev/v1alpha1
kind: Scenario
metadata: {name: after}
spec:
  manifests:
  - path: %s
  - inline:
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: {name: quick, namespace: default}
      spec:
        parentRefs: [{name: gw, namespace: infra}]
        rules: [{backendRefs: [{name: app, port: 80}]}]
  backends: [{service: default/app}]
  steps:
  - name: quick
    send: {requests: 20}
    expect: {status: 200, backend: default/app}
""" % (manifests, manifests))
    return path


# The bound of the waits for processes to start or go: generous (a sanitizer build on a loaded
# machine is many times slower), and a wait ends as soon as its condition holds.
WAIT_S = 120


def wait_for(pred, timeout):
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    return None


def start_run(scenario, out, env=None):
    return subprocess.Popen([GATESIM, "run", "--seed", "11", scenario, "--report-dir", out],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env=env)


def echo_pids(sid, service):
    found = []
    for pid in session_processes(sid):
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"gatesim-echo") and service.encode() in argv:
            found.append(pid)
    return found


def case_interrupt(manifests, sig=signal.SIGINT):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "reports")
        scenario = long_scenario(d, manifests)
        p = start_run(scenario, out)
        # Wait until the backends and the gateway run and traffic flows.
        if not wait_for(lambda: len(echo_pids(p.pid, "default/victim")) == 2, WAIT_S) or \
                not wait_for(lambda: gateway_pids(p.pid) or None, WAIT_S):
            p.kill()
            fail("the run never started its backends and gateway: %s" % p.communicate()[1])
        time.sleep(1.0)
        before = session_processes(p.pid)
        if len(before) < 4:  # gatesim run, 2 echoes, gateway
            p.kill()
            fail("expected the run's processes, found %r" % before)
        p.send_signal(sig)
        try:
            so, se = p.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            p.kill()
            fail("gatesim run did not stop within 120 s of signal %d" % sig)
        if p.returncode != 128 + sig:
            fail("exit %d after signal %d, expected %d\n%s\n%s" % (p.returncode, sig, 128 + sig,
                                                                     so, se))
        left = wait_for(lambda: session_processes(p.pid) == [] or None, WAIT_S)
        if left is None:
            fail("processes left after the run: %r" % session_processes(p.pid))
        res = check_reports(out, "interrupted")
        names = [s["name"] for s in res["scenarios"]]
        if names != ["long-running", "after"]:
            fail("scenarios in the report: %r" % names)
        if res["scenarios"][0]["result"] != "error" or res["scenarios"][1]["result"] != "skipped":
            fail("results after interrupt: %r" % [s["result"] for s in res["scenarios"]])
        # The run stopped its processes itself: nobody is blamed, and every report says
        # "interrupted" (issue 21 item 2).
        signame = "SIGINT" if sig == signal.SIGINT else "SIGTERM"
        first = res["scenarios"][0]
        if not first.get("interrupted") or first["steps"][0].get("interrupted") is not True or \
                first["steps"][0].get("message") != "interrupted by " + signame or \
                res["summary"].get("interrupted") != 1:
            fail("results.json does not mark the scenario interrupted: %r" % first)
        if "killed by signal" in so + se + json.dumps(res):
            fail("a process the run stopped itself is blamed:\n%s%s" % (so, se))
        if "INTERRUPTED long-running" not in so or \
                'step "a long open-loop step": interrupted by ' + signame not in so or \
                "0 errors, 1 interrupted, 1 skipped" not in so:
            fail("the terminal output does not say interrupted:\n%s" % so)
        with open(os.path.join(out, "summary.md")) as f:
            md = f.read()
        if "checks failed" in md or "## gatesim: ⏹️ run interrupted" not in md or \
                "| long-running | ⏹️ interrupted |" not in md:
            fail("summary.md:\n%s" % md)
        junit = ET.parse(os.path.join(out, "junit.xml"))
        errs = [e for e in junit.iter("error") if e.get("type") == "interrupted"]
        if len(errs) != 1 or errs[0].get("message") != "interrupted by " + signame:
            fail("junit.xml has no interrupted error: %r" % [e.attrib for e in junit.iter("error")])
        with open(os.path.join(out, "report.html")) as f:
            html = f.read()
        if "checks failed" in html or "run interrupted</span>" not in html or \
                '<span class="r-error">interrupted</span>' not in html:
            fail("report.html does not say interrupted")
        print("ok: run stopped by signal %d: %d processes stopped, reports valid" %
              (sig, len(before) - 1))


def case_killed(manifests):
    """SIGKILL gives the run no chance to clean up: its children must still stop, and the next
    run must remove the work folder it left."""
    with tempfile.TemporaryDirectory() as d:
        tmp = os.path.join(d, "tmp")
        os.mkdir(tmp)
        env = dict(os.environ, TMPDIR=tmp)
        scenario = long_scenario(d, manifests)
        p = start_run(scenario, os.path.join(d, "reports"), env)
        if not wait_for(lambda: len(echo_pids(p.pid, "default/victim")) == 2, WAIT_S) or \
                not wait_for(lambda: gateway_pids(p.pid) or None, WAIT_S):
            p.kill()
            fail("the run never started its backends and gateway: %s" % p.communicate()[1])
        left = [n for n in os.listdir(tmp) if n.startswith("gatesim-run-")]
        if len(left) != 1:
            p.kill()
            fail("expected one work folder in TMPDIR, found %r" % left)
        p.kill()
        p.communicate()
        if wait_for(lambda: session_processes(p.pid) == [] or None, WAIT_S) is None:
            fail("processes left after SIGKILL of the run: %r" % session_processes(p.pid))
        if not os.path.isdir(os.path.join(tmp, left[0])):
            fail("the killed run's work folder vanished by itself?")
        # A kept folder of a finished run is not the next run's to remove.
        quick = os.path.join(d, "quick.yaml")
        with open(scenario) as f:
            text = f.read()
        with open(quick, "w") as f:
            f.write(text[text.index("---") + 4:])
        q = subprocess.run([GATESIM, "run", "--keep-workdir", quick, "--report-dir",
                            os.path.join(d, "r2")], env=env, capture_output=True, text=True,
                           timeout=120)
        if q.returncode != 0:
            fail("the next run: exit %d\n%s%s" % (q.returncode, q.stdout, q.stderr))
        now = [n for n in os.listdir(tmp) if n.startswith("gatesim-run-")]
        if left[0] in now:
            fail("the next run left the dead run's work folder %s" % left[0])
        if len(now) != 1 or "work folder kept" not in q.stdout:
            fail("the next run's kept folder: %r\n%s" % (now, q.stdout))
        q = subprocess.run([GATESIM, "run", quick, "--report-dir", os.path.join(d, "r3")],
                           env=env, capture_output=True, text=True, timeout=120)
        if q.returncode != 0 or os.listdir(tmp) != now:
            fail("a third run removed a kept folder or left its own: %r (exit %d)"
                 % (os.listdir(tmp), q.returncode))
        print("ok: after SIGKILL no process was left and the next run removed %s; kept folders stay"
              % left[0])


def case_backend_dies(manifests):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "reports")
        scenario = long_scenario(d, manifests)
        p = start_run(scenario, out)
        victims = wait_for(lambda: echo_pids(p.pid, "default/victim") or None, WAIT_S)
        if not victims or not wait_for(lambda: gateway_pids(p.pid) or None, WAIT_S):
            p.kill()
            fail("no victim backend or gateway started")
        time.sleep(1.0)
        os.kill(victims[0], signal.SIGKILL)
        try:
            so, se = p.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            p.kill()
            fail("the run did not finish after the backend died")
        if p.returncode != 1:
            fail("exit %d, expected 1\n%s\n%s" % (p.returncode, so, se))
        res = check_reports(out, "complete")
        first, second = res["scenarios"]
        if first["result"] != "error" or "default/victim" not in (first.get("error") or ""):
            fail("the dead backend is not reported: %r" % first)
        if "killed by signal 9" not in first["error"]:
            fail("the error does not say how the backend died: %s" % first["error"])
        if second["result"] != "passed":
            fail("the next scenario did not run cleanly: %r" % second)
        if wait_for(lambda: session_processes(p.pid) == [] or None, WAIT_S) is None:
            fail("processes left: %r" % session_processes(p.pid))
        print("ok: %s" % first["error"])


def case_cli(data_dir):
    def cli(args):
        p = subprocess.run([GATESIM, "run"] + args, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=60)
        return p.returncode, p.stdout, p.stderr

    rc, so, _ = cli(["--help"])
    if rc != 0 or "usage: gatesim run" not in so:
        fail("--help: exit %d" % rc)
    # The target kinds come from the registry: each is listed with its help line, and the
    # usage errors name them.
    if not re.search(r"\n +builtin +\S", so) or not re.search(r"\n +exec:COMMAND +\S", so):
        fail("--help does not list the target kinds:\n%s" % so)
    rc, _, se = cli(["--target", "nginx-plus", "x.yaml"])
    if rc != 2 or "unknown target \"nginx-plus\" (available: builtin, exec:COMMAND, nginx, ingress-nginx)" not in se:
        fail("unknown target: exit %d, %s" % (rc, se))
    rc, _, se = cli(["--target", "exec", "x.yaml"])
    if rc != 2 or "needs an argument: --target exec:COMMAND" not in se:
        fail("exec without a command: exit %d, %s" % (rc, se))
    rc, _, se = cli(["--target", "exec:true", "--max-mirrors-in-flight", "4", "x.yaml"])
    if rc != 2 or "setting of the builtin gateway" not in se:
        fail("--max-mirrors-in-flight on exec: exit %d, %s" % (rc, se))
    rc, _, se = cli([])
    if rc != 2 or "no scenario given" not in se:
        fail("no arguments: exit %d, %s" % (rc, se))
    bad = os.path.join(data_dir, "invalid", "bad-protocol.yaml")
    want = open(bad).readline().split()[2]  # "# expect LINE:COL ..."
    rc, so, se = cli([bad])
    if rc != 2 or ("bad-protocol.yaml:%s:" % want) not in se or "nothing was run" not in se:
        fail("invalid scenario: exit %d\n%s" % (rc, se))
    rc, _, se = cli(["/nonexistent/scenario.yaml"])
    if rc != 2 or "No such file" not in se:
        fail("missing file: exit %d, %s" % (rc, se))
    rc, _, se = cli(["--format", "pdf", bad])
    if rc != 2 or "unknown report format" not in se:
        fail("bad --format: exit %d, %s" % (rc, se))
    # Kinds outside the model are notes, or errors with --strict (at their line).
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "strict.yaml")
        with open(path, "w") as f:
            f.write("apiVersion: gatesim.dev/v1alpha1\nkind: Scenario\nmetadata: {name: strict}\n"
                    "spec:\n  manifests:\n  - inline: {apiVersion: apps/v1, kind: Deployment, "
                    "metadata: {name: web, namespace: default}}\n"
                    "  steps:\n  - name: nothing to send\n    expectStatus:\n"
                    "    - {kind: GatewayClass, name: none, conditions: {Accepted: {status: "
                    "\"True\"}}}\n")
        rc, _, se = cli(["--strict", path, "--report-dir", os.path.join(d, "r")])
        if rc != 2 or "strict.yaml:6:" not in se or "Deployment" not in se:
            fail("--strict with a Deployment: exit %d\n%s" % (rc, se))
    # A send that names a listener control did not program is an error that says why (the
    # scenario of pass/listener-choice-status with its listener named).
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "scenarios", "pass",
                       "listener-choice-status.yaml")
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "named.yaml")
        with open(path, "w") as f:
            f.write(open(src).read().split("  steps:\n")[0] +
                    "  steps:\n  - name: named\n    send: {listener: first, path: /, requests: 1}\n"
                    "    expect: {status: 200}\n")
        rc, so, se = cli([path, "--report-dir", os.path.join(d, "r")])
        why = ("the target reports no address for listener first of default/conflicts: Not "
               "programmed: Listener first (HTTP) and listener tcp (TCP) share port 8080")
        if rc != 1 or why not in so:
            fail("send to an unprogrammed listener: exit %d\n%s\n%s" % (rc, so, se))
    print("ok: usage errors and invalid scenarios exit 2 with file:line:col")


def gateway_pids(sid):
    found = []
    for pid in session_processes(sid):
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if len(argv) > 1 and argv[1] == b"gateway":
            found.append(pid)
    return found


def case_gateway_dies(manifests):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "reports")
        scenario = long_scenario(d, manifests)
        p = start_run(scenario, out)
        gw = wait_for(lambda: gateway_pids(p.pid) or None, WAIT_S)
        if not gw or not wait_for(lambda: len(echo_pids(p.pid, "default/victim")) == 2, WAIT_S):
            p.kill()
            fail("the gateway never started")
        time.sleep(1.0)
        os.kill(gw[0], signal.SIGKILL)
        try:
            so, se = p.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            p.kill()
            fail("the run did not finish after the gateway died")
        res = check_reports(out, "complete")
        first, second = res["scenarios"]
        if p.returncode != 1 or first["result"] != "error":
            fail("exit %d, first scenario %r" % (p.returncode, first))
        if "gateway killed by signal 9" not in (first.get("error") or ""):
            fail("the gateway's death is not reported: %s" % first.get("error"))
        logs = os.path.join(out, "logs", "long-running")
        for f in ("gateway.log", "objects.yaml"):
            if not os.path.exists(os.path.join(logs, f)):
                fail("the errored scenario's %s was not kept in %s" % (f, logs))
        if first["steps"][1]["result"] != "skipped":
            fail("the step after the error was not skipped: %r" % first["steps"][1])
        if second["result"] != "passed":
            fail("the next scenario did not run with a fresh gateway: %r" % second)
        if wait_for(lambda: session_processes(p.pid) == [] or None, WAIT_S) is None:
            fail("processes left: %r" % session_processes(p.pid))
        print("ok: %s" % first["error"])


def case_select(fail_dir):
    with tempfile.TemporaryDirectory() as out:
        rc, so, se = run(["--selector", "gatesim.dev/expect=mirror", fail_dir, "--report-dir", out])
        res = check_reports(out, "complete")
        names = [s["name"] for s in res["scenarios"]]
        if rc != 1 or names != ["mirror-unconfigured"]:
            fail("--selector ran %r (exit %d)" % (names, rc))
        rc, so, se = run(["--selector", "gatesim.dev/expect=nothing", fail_dir, "--report-dir", out])
        if rc != 2 or "no scenario matched" not in se:
            fail("an empty selection: exit %d, %s" % (rc, se))
    print("ok: --selector runs only the matching scenario")


def main():
    global GATESIM
    GATESIM = sys.argv[1]
    mode = sys.argv[2]
    here = os.path.dirname(os.path.abspath(__file__))
    manifests = os.path.join(here, "scenarios", "manifests", "gateway.yaml")
    if mode == "pass":
        case_pass(sys.argv[3])
    elif mode == "fail":
        case_fail(sys.argv[3])
    elif mode == "per-connection":
        case_fail(sys.argv[3], sys.argv[4], at_least=1)
    elif mode == "interrupt":
        case_interrupt(manifests)
    elif mode == "terminate":
        case_interrupt(manifests, signal.SIGTERM)
    elif mode == "killed":
        case_killed(manifests)
    elif mode == "backend-dies":
        case_backend_dies(manifests)
    elif mode == "gateway-dies":
        case_gateway_dies(manifests)
    elif mode == "select":
        case_select(sys.argv[3])
    elif mode == "seed":
        case_seed(sys.argv[3])
    elif mode == "seed-zero":
        case_seed_zero(sys.argv[3])
    elif mode == "explain-matches-run":
        case_explain_matches_run(sys.argv[3])
    elif mode == "exec-doc":
        case_exec_doc(sys.argv[3], sys.argv[4])
    elif mode == "exec":
        case_exec(sys.argv[3], sys.argv[4])
    elif mode == "wrong-gateway":
        case_wrong_gateway(sys.argv[3], sys.argv[4])
    elif mode == "cli":
        case_cli(sys.argv[3])
    elif mode == "family":
        case_family(sys.argv[3])
    elif mode == "max-requests":
        case_max_requests(sys.argv[3])
    elif mode == "mirror-drops":
        case_mirror_drops(sys.argv[3])
    else:
        fail("unknown mode " + mode)


if __name__ == "__main__":
    main()
