#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# End-to-end tests of `gatesim conform` (docs/conformance.md).
#   conform_cases.py GATESIM builtin SRC    the library on the builtin target, GATEWAY-HTTP and
#                                           GATEWAY-GRPC: exit 0, every test the target's
#                                           features allow passes, and the ConformanceReport
#                                           satisfies upstream's field names and rules
#   conform_cases.py GATESIM tls SRC        GATEWAY-TLS on the builtin: every TLSRoute test
#                                           ported, core and extended success with the counts
#                                           the listing predicts, "not supported" tests unchecked
#   conform_cases.py GATESIM jobs SRC       --jobs 1 and --jobs 3 give the same report (GATEWAY-GRPC,
#                                           weights included, to keep the case short)
#   conform_cases.py GATESIM skewed SRC     exec:tests/data/targets/exec-skewed-gatesim.sh fails
#                                           HTTPRouteWeight and GRPCRouteWeight and nothing else
#                                           (and TCP/UDPRouteWeightedRouting, of no profile),
#                                           and gatesim's reports show the failed split
#   conform_cases.py GATESIM core-only SRC  --supported-features with core features only: no
#                                           extended test runs, each is listed as unsupported
#   conform_cases.py GATESIM usage SRC      unknown profile/feature/test: exit 2 with a suggestion;
#                                           --run-test and --skip-provisional-tests in the list
#                                           and the report
#   conform_cases.py GATESIM example SRC    the annotated example adapter of docs/targets/exec.md
#   conform_cases.py GATESIM sighup SRC     an adapter that starts a helper not handling SIGHUP
#                                           keeps it across reloads
#   conform_cases.py GATESIM doc SRC        docs/conformance.md's coverage table is current
import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

import yaml

GATESIM = SRC = None
PROFILES = "GATEWAY-HTTP,GATEWAY-GRPC"


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def conform(args, timeout=500):
    p = subprocess.run([GATESIM, "conform", "--seed", "7"] + args, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=timeout, cwd=SRC)
    return p.returncode, p.stdout, p.stderr


def listing(args):
    rc, out, err = conform(args + ["--list"])
    if rc != 0:
        fail("--list exited %d: %s" % (rc, err))
    return {t["shortName"]: t for t in json.loads(out)["tests"]}


# A copy of upstream's report types (conformance/apis/v1): every field and what it holds.
REPORT_FIELDS = {"apiVersion", "kind", "date", "gatewayAPIVersion", "gatewayAPIChannel",
                 "implementation", "mode", "profiles", "succeededProvisionalTests"}
IMPLEMENTATION_FIELDS = {"organization", "project", "url", "version", "contact"}
PROFILE_FIELDS = {"name", "summary", "core", "extended"}
STATUS_FIELDS = {"result", "statistics", "skippedTests", "failedTests"}
EXTENDED_FIELDS = STATUS_FIELDS | {"supportedFeatures", "unsupportedFeatures"}
STATISTICS_FIELDS = {"Passed", "Skipped", "Failed"}


def only(obj, allowed, where):
    if not isinstance(obj, dict):
        fail("%s is not a mapping" % where)
    extra = set(obj) - allowed
    if extra:
        fail("%s has fields upstream does not: %s" % (where, sorted(extra)))


def check_status(st, where, fields):
    only(st, fields, where)
    stats = st["statistics"]
    only(stats, STATISTICS_FIELDS, where + ".statistics")
    for k in STATISTICS_FIELDS:
        if not isinstance(stats[k], int) or stats[k] < 0:
            fail("%s.statistics.%s is not a count" % (where, k))
    want = "failure" if stats["Failed"] else "partial" if stats["Skipped"] else "success"
    if st["result"] != want:
        fail("%s.result %r, upstream's rule gives %r" % (where, st["result"], want))
    if len(st.get("failedTests") or []) != stats["Failed"]:
        fail("%s.failedTests does not match Failed" % where)
    if len(st.get("skippedTests") or []) != stats["Skipped"]:
        fail("%s.skippedTests does not match Skipped" % where)
    text = {"success": "succeeded",
            "partial": "partially succeeded with %d test skips" % stats["Skipped"],
            "failure": "failed with %d test failures" % stats["Failed"]}[want]
    return text


def check_report(path):
    with open(path) as f:
        doc = yaml.safe_load(f)
    only(doc, REPORT_FIELDS, "report")
    if doc["apiVersion"] != "gateway.networking.k8s.io/v1" or doc["kind"] != "ConformanceReport":
        fail("not a ConformanceReport: %s %s" % (doc["apiVersion"], doc["kind"]))
    for k in ("date", "gatewayAPIVersion", "gatewayAPIChannel", "mode"):
        if not isinstance(doc[k], str) or not doc[k]:
            fail("%s must be a non-empty string, got %r" % (k, doc[k]))
    only(doc["implementation"], IMPLEMENTATION_FIELDS, "implementation")
    names = []
    for p in doc["profiles"]:
        only(p, PROFILE_FIELDS, "profile")
        names.append(p["name"])
        summary = "Core tests " + check_status(p["core"], p["name"] + ".core", STATUS_FIELDS)
        if "extended" in p:
            summary += ". Extended tests " + check_status(p["extended"], p["name"] + ".extended",
                                                          EXTENDED_FIELDS)
        if p["summary"] != summary + ".":
            fail("%s summary %r, upstream's rule gives %r" % (p["name"], p["summary"],
                                                              summary + "."))
    if names != sorted(names):
        fail("profiles not in name order: %s" % names)
    return doc


def profile(doc, name):
    for p in doc["profiles"]:
        if p["name"] == name:
            return p
    fail("no profile %s in the report" % name)


def mode_builtin():
    tmp = tempfile.mkdtemp()
    try:
        tests = listing(["--conformance-profiles", PROFILES])
        if len(tests) < 5:
            fail("the library has only %d tests" % len(tests))
        report = os.path.join(tmp, "submission", "report.yaml")
        rc, out, err = conform(["--conformance-profiles", PROFILES, "-j", "2",
                                "--report-dir", os.path.join(tmp, "gs"), "--report-output", report,
                                "--organization", "gatesim", "--project", "builtin",
                                "--contact", "@gatesim"])
        if rc != 0:
            fail("conform on builtin exited %d:\n%s\n%s" % (rc, out, err))
        doc = check_report(report)
        if doc["implementation"]["contact"] != ["@gatesim"]:
            fail("contact %r" % doc["implementation"]["contact"])
        ran = [n for n, t in tests.items() if t["outcome"] == "run"]
        passed = 0
        for p in doc["profiles"]:
            for part in ("core", "extended"):
                if part in p:
                    if p[part]["result"] != "success":
                        fail("%s %s is %s" % (p["name"], part, p[part]["result"]))
                    passed += p[part]["statistics"]["Passed"]
        if passed < len([n for n in ran if tests[n]["profiles"]]):
            fail("the report counts %d passes for %d tests run" % (passed, len(ran)))
        with open(os.path.join(tmp, "submission", "README.md")) as f:
            readme = f.read()
        if "## Reproduce" not in readme or "gatesim conform" not in readme:
            fail("README.md lacks the Reproduce section:\n" + readme)
        with open(os.path.join(tmp, "gs", "results.json")) as f:
            res = json.load(f)
        got = {s["name"]: s["result"] for s in res["scenarios"]}
        for n in ran:
            if got.get(n) != "passed":
                fail("results.json: %s is %r" % (n, got.get(n)))
        ET.parse(os.path.join(tmp, "gs", "junit.xml"))
        for n in ran:
            if not os.path.exists(os.path.join(tmp, "gs", "tests", n, "results.json")):
                fail("no reports of %s's own run" % n)
    finally:
        shutil.rmtree(tmp)


def mode_tls():
    """GATEWAY-TLS on the builtin: every TLSRoute test of upstream's list is ported, the run
    exits 0, core and extended succeed with the statistics the listing predicts, the two
    "not supported" tests pass unchecked (the builtin terminates and mixes), and the provisional
    Terminate tests are listed as succeeded."""
    tmp = tempfile.mkdtemp()
    try:
        tests = listing(["--conformance-profiles", "GATEWAY-TLS"])
        with open(os.path.join(SRC, "scenarios/conformance/upstream-tests.tsv")) as f:
            upstream = [l.split("\t")[0] for l in f if l.startswith("TLSRoute")]
        if len(upstream) < 13:
            fail("upstream-tests.tsv lists %d TLSRoute tests" % len(upstream))
        for n in upstream:
            if n not in tests:
                fail("%s is not ported" % n)
        tls = {n: t for n, t in tests.items() if "GATEWAY-TLS" in t["profiles"]}
        want = {"core": 0, "extended": 0}
        for n, t in tls.items():
            if t["outcome"] not in ("run", "succeeded"):
                fail("%s would be %s on the builtin" % (n, t["outcome"]))
            want[t["level"]] += 1
        unchecked = {n for n, t in tests.items() if t["outcome"] == "succeeded"}
        if unchecked != {"TLSRouteListenerTerminateNotSupported",
                         "TLSRouteListenerMixedTerminationNotSupported"}:
            fail("tests passing unchecked: %s" % sorted(unchecked))
        report = os.path.join(tmp, "report.yaml")
        rc, out, err = conform(["--conformance-profiles", "GATEWAY-TLS", "-j", "2",
                                "--report-dir", os.path.join(tmp, "gs"),
                                "--report-output", report])
        if rc != 0:
            fail("GATEWAY-TLS on builtin exited %d:\n%s\n%s" % (rc, out, err))
        doc = check_report(report)
        if [p["name"] for p in doc["profiles"]] != ["GATEWAY-TLS"]:
            fail("profiles %s" % [p["name"] for p in doc["profiles"]])
        p = profile(doc, "GATEWAY-TLS")
        for part in ("core", "extended"):
            st = p[part]
            if st["result"] != "success":
                fail("GATEWAY-TLS %s is %s" % (part, st["result"]))
            got = st["statistics"]
            if got != {"Passed": want[part], "Failed": 0, "Skipped": 0}:
                fail("GATEWAY-TLS %s statistics %s, the listing gives %d tests" %
                     (part, got, want[part]))
        if want["core"] < 21 or want["extended"] < 4:
            fail("GATEWAY-TLS has %s tests" % want)
        if p["summary"] != "Core tests succeeded. Extended tests succeeded.":
            fail("summary %r" % p["summary"])
        feats = p["extended"]
        for f in ("TLSRouteModeTerminate", "TLSRouteModeMixed"):
            if f not in feats.get("supportedFeatures", []):
                fail("%s not among the supported features: %s" % (f, feats))
        # v1.6.1's GATEWAY-TLS extended list (profiles.go at the tag): the Gateway extended
        # features and TLSRoute's, no BackendTLSPolicy (upstream main added it later)
        v161 = {"GatewayPort8080", "GatewayStaticAddresses", "GatewayHTTPListenerIsolation",
                "GatewayHTTPSListenerDetectMisdirectedRequests",
                "GatewayInfrastructurePropagation", "GatewayAddressEmpty",
                "GatewayBackendClientCertificate", "GatewayFrontendClientCertificateValidation",
                "GatewayFrontendClientCertificateValidationInsecureFallback", "ListenerSet",
                "TLSRouteModeTerminate", "TLSRouteModeMixed"}
        listed = feats.get("supportedFeatures", []) + feats.get("unsupportedFeatures", [])
        if set(listed) != v161 or len(listed) != len(v161):
            fail("GATEWAY-TLS extended features %s, v1.6.1 lists %s" % (sorted(listed), sorted(v161)))
        # BackendTLSPolicyTLSRouteTerminate needs BackendTLSPolicy: in no profile under
        # v1.6.1, it runs (and passes) with the run but counts under GATEWAY-TLS nowhere
        btls = tests.get("BackendTLSPolicyTLSRouteTerminate")
        if btls is None or btls["profiles"] or btls["outcome"] != "run":
            fail("BackendTLSPolicyTLSRouteTerminate in the listing: %s" % btls)
        prov = set(doc.get("succeededProvisionalTests") or [])
        for n in ("TLSRouteTerminateSimpleSameNamespace", "TLSRouteMixedTerminationSameNamespace"):
            if n not in prov:
                fail("%s not in succeededProvisionalTests %s" % (n, sorted(prov)))
        for n in unchecked:
            if "PASS %s (not run: " % n not in out:
                fail("%s not shown as passed unchecked:\n%s" % (n, out))
            if os.path.exists(os.path.join(tmp, "gs", "tests", n)):
                fail("%s was run" % n)
        with open(os.path.join(tmp, "gs", "results.json")) as f:
            res = {s["name"]: s for s in json.load(f)["scenarios"]}
        for n in list(tls) + ["BackendTLSPolicyTLSRouteTerminate"]:
            if res[n]["result"] != "passed":
                fail("results.json: %s is %s" % (n, res[n]["result"]))
        for n in unchecked:
            if "passed without running" not in (res[n].get("description") or ""):
                fail("results.json does not say %s was not run: %r" % (n, res[n]))
    finally:
        shutil.rmtree(tmp)


def profiles_part(path):
    with open(path) as f:
        doc = yaml.safe_load(f)
    return doc["profiles"], doc.get("succeededProvisionalTests")


def mode_jobs():
    tmp = tempfile.mkdtemp()
    try:
        reports = []
        for jobs in ("1", "3"):
            out_dir = os.path.join(tmp, "j" + jobs)
            rc, out, err = conform(["--conformance-profiles", "GATEWAY-GRPC", "-j", jobs, "-q",
                                    "--report-dir", out_dir])
            if rc != 0:
                fail("-j %s exited %d: %s" % (jobs, rc, err))
            reports.append(profiles_part(os.path.join(out_dir, "conformance-report.yaml")))
        if reports[0] != reports[1]:
            fail("reports differ between -j 1 and -j 3:\n%s\n%s" % reports)
    finally:
        shutil.rmtree(tmp)


def mode_skewed():
    tmp = tempfile.mkdtemp()
    try:
        adapter = os.path.join(SRC, "tests/data/targets/exec-skewed-gatesim.sh")
        rc, out, err = conform(["--conformance-profiles", PROFILES, "-j", "2",
                                "--target", "exec:" + adapter, "--report-dir", tmp])
        if rc != 1:
            fail("the skewed target exited %d, expected 1:\n%s\n%s" % (rc, out, err))
        doc = check_report(os.path.join(tmp, "conformance-report.yaml"))
        failed = set()
        for p in doc["profiles"]:
            for part in ("core", "extended"):
                failed |= set(p.get(part, {}).get("failedTests") or [])
        if failed != {"HTTPRouteWeight", "GRPCRouteWeight"}:
            fail("failed tests %s, expected exactly the two weight tests" % sorted(failed))
        with open(os.path.join(tmp, "results.json")) as f:
            res = json.load(f)
        # The TCPRoute and UDPRoute weight tests belong to no profile, so the report leaves them
        # out; they run and fail all the same.
        failed |= {"TCPRouteWeightedRouting", "UDPRouteWeightedRouting"}
        bad = {s["name"] for s in res["scenarios"] if s["result"] != "passed"}
        if bad != failed:
            fail("failed scenarios %s, expected exactly the weight tests" % sorted(bad))
        for s in res["scenarios"]:
            if s["name"] in failed:
                msgs = [c["message"] for st in s["steps"] for c in st["checks"]
                        if c["result"] == "failed"]
                if not any("split" in m or "weights" in m for m in msgs):
                    fail("%s's evidence lacks the failed split: %s" % (s["name"], msgs))
        with open(os.path.join(tmp, "report.html")) as f:
            if "HTTPRouteWeight" not in f.read():
                fail("report.html does not list HTTPRouteWeight")
    finally:
        shutil.rmtree(tmp)


def mode_core_only():
    tmp = tempfile.mkdtemp()
    try:
        core = "Gateway,ReferenceGrant,HTTPRoute,GRPCRoute"
        tests = listing(["--conformance-profiles", PROFILES, "--supported-features", core])
        extended = [n for n, t in tests.items() if t["level"] == "extended"]
        if not extended:
            fail("the library has no extended test to leave out")
        for n in extended:
            if tests[n]["outcome"] != "not supported":
                fail("%s would %s" % (n, tests[n]["outcome"]))
        rc, out, err = conform(["--conformance-profiles", PROFILES, "-j", "2",
                                "--supported-features", core, "--report-dir", tmp])
        if rc != 0:
            fail("core-only exited %d:\n%s\n%s" % (rc, out, err))
        for n in extended:
            if "UNSUPPORTED %s" % n not in out:
                fail("%s not listed as unsupported:\n%s" % (n, out))
            if os.path.exists(os.path.join(tmp, "tests", n)):
                fail("%s was run" % n)
        doc = check_report(os.path.join(tmp, "conformance-report.yaml"))
        for p in doc["profiles"]:
            if "extended" in p:
                fail("%s reports extended results with no extended test run" % p["name"])
            if p["core"]["result"] != "success":
                fail("%s core is %s" % (p["name"], p["core"]["result"]))
    finally:
        shutil.rmtree(tmp)


def usage_case(args, text):
    rc, out, err = conform(args)
    if rc != 2 or text not in err:
        fail("%s: exit %d, stderr %r (expected 2 and %r)" % (args, rc, err, text))


def mode_usage():
    usage_case(["--conformance-profiles", "GATEWAY-HTPP", "--list"], 'did you mean "GATEWAY-HTTP"?')
    usage_case(["--supported-features", "HTTPRoutes", "--list"], 'did you mean "HTTPRoute"?')
    usage_case(["--run-test", "HTTPRouteWieght", "--list"], 'did you mean "HTTPRouteWeight"?')
    usage_case(["--jobs", "0", "--list"], "--jobs")
    usage_case(["--skip-provisional-tests=maybe", "--list"], "expected true or false")
    # --skip-provisional-tests (bare or =true) skips exactly the provisional tests; =false none
    for flag, skips in (("--skip-provisional-tests", True), ("--skip-provisional-tests=true", True),
                        ("--skip-provisional-tests=false", False)):
        tests = listing(["--all-features", "--conformance-profiles", PROFILES, flag])
        prov = [n for n, t in tests.items() if t["provisional"]]
        if not prov:
            fail("the library has no provisional test to skip")
        for n, t in tests.items():
            want = t["provisional"] and skips
            if (t["outcome"] == "provisional, skipped") != want:
                fail("%s: %s has outcome %r" % (flag, n, t["outcome"]))
    usage_case(["--target", "exec:/nonexistent/adapter", "--list"],
               "cannot learn the target's features")
    # --run-test: the other tests are skipped, and the report says partial
    tmp = tempfile.mkdtemp()
    try:
        rc, out, err = conform(["--run-test", "HTTPRouteSimpleSameNamespace", "--report-dir", tmp])
        if rc != 0:
            fail("--run-test exited %d: %s" % (rc, err))
        doc = check_report(os.path.join(tmp, "conformance-report.yaml"))
        http = profile(doc, "GATEWAY-HTTP")
        if http["core"]["statistics"]["Passed"] != 1 or http["core"]["result"] != "partial":
            fail("--run-test report: %s" % http)
    finally:
        shutil.rmtree(tmp)
    # a provisional test skipped with --skip-provisional-tests is in no count and no list of the
    # report (upstream's PROVISIONAL_SKIPPED), unlike one --run-test leaves out
    tmp = tempfile.mkdtemp()
    try:
        rc, out, err = conform(["--run-test", "HTTPRoute303Redirect", "--skip-provisional-tests",
                                "--all-features", "--report-dir", tmp])
        if rc != 0 or "SKIP HTTPRoute303Redirect (provisional)" not in out:
            fail("--skip-provisional-tests run exited %d: %s%s" % (rc, out, err))
        doc = check_report(os.path.join(tmp, "conformance-report.yaml"))
        http = profile(doc, "GATEWAY-HTTP")
        listed = (http["core"].get("skippedTests") or []) + \
            (http.get("extended", {}).get("skippedTests") or [])
        if "HTTPRoute303Redirect" in listed or "HTTPRouteRedirectPath" not in listed:
            fail("--skip-provisional-tests report lists %s" % listed)
        if doc.get("succeededProvisionalTests"):
            fail("--skip-provisional-tests report: %s" % doc["succeededProvisionalTests"])
    finally:
        shutil.rmtree(tmp)


def run_adapter(adapter, extra):
    tmp = tempfile.mkdtemp()
    try:
        rc, out, err = conform(["--target", "exec:" + adapter, "--report-dir", tmp] + extra)
        return rc, out, err, tmp
    except Exception:
        shutil.rmtree(tmp)
        raise


def mode_example():
    """The example adapter runs the library with its own feature list (one extended feature),
    and the reload scenario of data/ (its SIGHUP trap translates again and reloads its proxy)."""
    adapter = os.path.join(SRC, "examples/exec-adapter.sh")
    rc, out, err, tmp = run_adapter(adapter, ["--conformance-profiles", PROFILES, "-j", "2"])
    try:
        if rc != 0:
            fail("the example adapter: exit %d\n%s\n%s" % (rc, out, err))
        for name in ("HTTPRouteExactPathMatching", "HTTPRouteMethodMatching", "GRPCRouteWeight"):
            if "PASS " + name not in out:
                fail("%s did not pass through the example adapter:\n%s" % (name, out))
    finally:
        shutil.rmtree(tmp)
    data = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
    rc, out, err, tmp = run_adapter(adapter, [data])
    try:
        if rc != 0 or "PASS ReloadKeepsHelper" not in out:
            fail("a reload through the example adapter: exit %d\n%s\n%s" % (rc, out, err))
    finally:
        shutil.rmtree(tmp)


def mode_sighup():
    data = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
    adapter = os.path.join(data, "helper-adapter.sh")
    rc, out, err, tmp = run_adapter(adapter, ["--supported-features", "Gateway,HTTPRoute", data])
    try:
        if rc != 0 or "PASS ReloadKeepsHelper" not in out:
            fail("an adapter's helper did not survive the reload: exit %d\n%s\n%s" %
                 (rc, out, err))
    finally:
        shutil.rmtree(tmp)


def mode_doc():
    script = os.path.join(SRC, "scripts/conformance_table.py")
    p = subprocess.run(["/usr/bin/python3", script, GATESIM, SRC, "--check"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        fail(p.stdout)


def main():
    global GATESIM, SRC
    GATESIM, mode, SRC = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3]
    {"builtin": mode_builtin, "jobs": mode_jobs, "skewed": mode_skewed,
     "core-only": mode_core_only, "usage": mode_usage, "example": mode_example,
     "sighup": mode_sighup, "doc": mode_doc, "tls": mode_tls}[mode]()
    print("ok")


if __name__ == "__main__":
    main()
