#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""gatesim run --target ingress-nginx, end to end (docs/ingress.md).

  check_ingress_target.py GATESIM SCENARIOS_DIR MIGRATION_DIR DATA_DIR

- the Ingress conformance features ported under SCENARIOS_DIR (path, host and default-backend
  rules) pass, every step checked, answered by nginx (its Server header in the evidence of a
  deliberately wrong scenario from DATA_DIR, which must fail on exactly its wrong steps); the
  default-backend port's proto, header-presence, User-Agent and Ingress status (the Background's
  loadBalancer address) assertions each fail when the port is changed to expect otherwise;
- the "before" side of the seed's rewrite-target migration (MIGRATION_DIR) passes;
- backend-protocol (DATA_DIR/backend-protocol.yaml): GRPC: gRPC calls over the "https" listener
  reach the Service each Ingress path names (grpc_pass, HTTP/2 on TLS); GRPCS: a gRPC call
  reaches a backend serving gRPC over TLS only (grpc_pass grpcs://); HTTPS: requests reach a
  backend serving only TLS; without the annotations every step fails (grpc-status, status, and the
  TLS backends' backend check);
- a permanent-redirect on a TLS host answers plain HTTP before the redirect to HTTPS;
- an Ingress whose annotation fails ingress-nginx's validation (on by default) is not served: its
  host answers 404 from nginx; with the ConfigMap's enable-annotation-validation "false" it is;
- an Ingress the API server rejects stops the run with its file:line:col;
- no nginx outlives a run.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from migrate_lib import ENV, WORK_ROOT, done, fail, left_behind  # noqa: E402

GATESIM, SCENARIOS, MIGRATION, DATA = sys.argv[1:5]


def run(path, name):
    report = os.path.join(WORK_ROOT, name)
    proc = subprocess.run([GATESIM, "run", path, "--target", "ingress-nginx", "--report-dir",
                           report, "--seed", "7"], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=600, env=ENV)
    left = left_behind()
    if left:
        fail(f"nginx processes left behind: {left}", proc)
    results = None
    try:
        with open(os.path.join(report, "results.json")) as f:
            results = json.load(f)
    except OSError:
        pass
    return proc, results


def run_passing(path, name, steps, what):
    """run(), failing with |what| unless it exits 0 with one scenario of |steps| steps."""
    proc, results = run(path, name)
    if proc.returncode != 0 or results is None or \
            [len(s["steps"]) for s in results["scenarios"]] != [steps]:
        fail(f"{what} (exit {proc.returncode})", proc)
    return proc, results


def main():
    # 1. the ported features pass, every step checking something
    proc, results = run(SCENARIOS, "features")
    if proc.returncode != 0 or results is None:
        fail(f"the Ingress conformance scenarios did not pass (exit {proc.returncode})", proc)
    if results.get("target") != "ingress-nginx":
        fail(f"results name target {results.get('target')}", proc)
    names = sorted(s["name"] for s in results["scenarios"])
    if names != ["ingress-default-backend", "ingress-host-rules", "ingress-path-rules"]:
        fail(f"scenarios run: {names}", proc)
    steps = 0
    for s in results["scenarios"]:
        for st in s["steps"]:
            steps += 1
            if not st["checks"] or any(c["result"] != "passed" for c in st["checks"]):
                fail(f"{s['name']} / {st['name']}: {st['checks']}", proc)
    # path_rules: its 15 distinct scenarios; host_rules: its 6 (TLS included) and one added
    # (the wildcard over HTTPS, which plain HTTP redirects); default_backend: its 6 examples;
    # each its Background's "The Ingress status shows the IP address or FQDN where it is exposed"
    counts = {s["name"]: len(s["steps"]) for s in results["scenarios"]}
    if steps != 31 or counts != {"ingress-path-rules": 16, "ingress-host-rules": 8,
                                 "ingress-default-backend": 7}:
        fail(f"{steps} steps ran ({counts}), the three features have 31", proc)
    for s in results["scenarios"]:
        c = s["steps"][0]["checks"]
        if len(c) != 1 or c[0]["kind"] != "expectStatus" or \
                c[0]["observed"] != "loadBalancer.ingress[]: 127.0.0.1":
            fail(f"{s['name']}: the Background's status check: {c}", proc)

    # 1b. each assertion default_backend.feature adds beyond status and backend can fail: the
    #     port changed to expect what nginx does not do fails that check in all six examples,
    #     explained, and passes the others
    with open(os.path.join(SCENARIOS, "default-backend.yaml")) as f:
        db_text = f.read()
    ua = "headers: {User-Agent: Go-http-client/1.1}, "
    variants = [
        ("request-http2", "proto: HTTP/1.1, headers: {User-Agent",
         "proto: HTTP/2, headers: {User-Agent", "request",
         "the backend saw HTTP/1.1, expected HTTP/2"),
        ("response-http2", "        proto: HTTP/1.1\n", "        proto: HTTP/2\n", "response",
         "the response came over HTTP/1.1, expected HTTP/2"),
        ("header-present", "Server: {present: true}", "X-Powered-By: {present: true}",
         "response", "response header X-Powered-By missing (expected any value)"),
        ("user-agent", ua, "", "request",
         'the backend saw User-Agent: "gatesim", expected exactly ["Go-http-client/1.1"]'),
        ("status", "name: default/default-backend, loadBalancer", "name: default/other, "
         "loadBalancer", "expectStatus", "Ingress default/other: the target reports no status"),
    ]
    for name, old_text, new_text, kind, message in variants:
        count = db_text.count(old_text)
        if count not in (1, 6):
            fail(f"default-backend.yaml: {old_text!r} found {count} times", None)
        path = os.path.join(WORK_ROOT, f"default-backend-{name}.yaml")
        with open(path, "w") as f:
            f.write(db_text.replace(old_text, new_text))
        proc, results = run(path, f"default-backend-{name}")
        if proc.returncode != 1 or results is None:
            fail(f"default-backend {name}: exit {proc.returncode}, want 1", proc)
        steps = results["scenarios"][0]["steps"]
        if len(steps) != 7:
            fail(f"default-backend {name}: {len(steps)} steps", proc)
        for st in steps[1:] if kind != "expectStatus" else steps[:1]:
            bad = [c for c in st["checks"] if c["result"] != "passed"]
            if len(bad) != 1 or bad[0]["kind"] != kind or \
                    message not in bad[0].get("message", ""):
                fail(f"default-backend {name} / {st['name']}: {st['checks']}", proc)
        if kind == "expectStatus" and \
                any(c["result"] != "passed" for st in steps[1:] for c in st["checks"]):
            fail(f"default-backend {name}: a request step failed", proc)

    # the migration's "before" side answers as the seed's HTTPRoute does, and /V1 too
    # (its diff scenario runs its after side on the builtin: ingress-nginx serves no Gateway API)
    proc, results = run(MIGRATION, "migration")
    if proc.returncode != 0 or results is None or \
            {s["name"]: len(s["steps"]) for s in results["scenarios"]} != \
            {"rewrite-target-before": 4, "rewrite-target-migration": 3}:
        fail(f"the rewrite-target migration did not pass (exit {proc.returncode})", proc)

    # Ingresses alone on the builtin: an error that names the target to use
    proc = subprocess.run([GATESIM, "run", os.path.join(MIGRATION, "rewrite-target.yaml"),
                           "--report-dir", os.path.join(WORK_ROOT, "builtin")],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600,
                          env=ENV)
    if proc.returncode != 1 or "Ingresses are served by --target ingress-nginx" not in proc.stdout:
        fail(f"Ingresses on the builtin: exit {proc.returncode}", proc)

    # 2. a scenario expecting what ingress-nginx does not do fails on exactly those steps,
    #    and the answers it shows are nginx's
    proc, results = run(os.path.join(DATA, "wrong-answer.yaml"), "wrong")
    if proc.returncode != 1 or results is None:
        fail(f"the wrong scenario exited {proc.returncode}, want 1", proc)
    verdicts = {st["name"]: all(c["result"] == "passed" for c in st["checks"])
                for st in results["scenarios"][0]["steps"]}
    want = {"exact /foo matches": True, "exact /foo matches /FOO (it does not)": False,
            "the wildcard covers two labels (it does not)": False}
    if verdicts != want:
        fail(f"step verdicts {verdicts}, want {want}", proc)
    evidence = json.dumps(results["scenarios"][0]["steps"][1]["checks"])
    # ingress-nginx's server-tokens is off by default: "Server: nginx" without a version
    if "server: nginx\\n" not in evidence or "404" not in evidence:
        fail(f"the failing step's evidence is not nginx's 404: {evidence[:400]}", proc)

    # 3. backend-protocol GRPC: gRPC calls through nginx's HTTPS listener reach their Services;
    #    HTTPS: nginx speaks TLS to the backend; without the annotations every check fails
    bp_yaml = os.path.join(DATA, "backend-protocol.yaml")
    proc, results = run_passing(bp_yaml, "backend-protocol", 4,
                                "backend-protocol GRPC, GRPCS and HTTPS did not pass")
    with open(bp_yaml) as f:
        text = f.read()
    plain_text = text
    for proto in ("GRPC", "GRPCS", "HTTPS"):
        annot = "annotations: {nginx.ingress.kubernetes.io/backend-protocol: %s}" % proto
        if annot not in text:
            fail(f"backend-protocol.yaml has no {proto} annotation to remove", None)
        plain_text = plain_text.replace(annot, "annotations: {}")
    plain = os.path.join(WORK_ROOT, "backend-protocol-plain.yaml")
    with open(plain, "w") as f:
        f.write(plain_text)
    proc, results = run(plain, "backend-protocol-plain")
    # without them: the gRPC calls still reach their Services over HTTP/2 (the TLS listener
    # offers it whatever the backends speak), but nginx proxies them as HTTP/1.1 and the echo
    # answers JSON, not gRPC: every grpcStatus and status check fails; the TLS-only backends
    # are not reached at all
    if proc.returncode != 1 or results is None or \
            any(c["result"] == "passed" and (c["kind"] != "backend" or "TLS" in st["name"])
                for st in results["scenarios"][0]["steps"] for c in st["checks"]) or \
            any(all(c["result"] == "passed" for c in st["checks"])
                for st in results["scenarios"][0]["steps"]):
        fail(f"without backend-protocol: exit {proc.returncode}, want every step failed: its "
             "grpcStatus or status check, and its backend check for the TLS backends", proc)

    # 3b. the routing annotations on a real nginx (force-ssl-redirect, ssl-redirect, app-root,
    #     redirect codes, upstream-vhost, x-forwarded-prefix, canary header value / pattern /
    #     cookie / weight precedence, the header value and keywords compared with letter case,
    #     the pattern unanchored and case-sensitive); without the annotations exactly the steps that expect an
    #     annotation's effect fail
    an_yaml = os.path.join(DATA, "annotations.yaml")
    proc, results = run_passing(an_yaml, "annotations", 18,
                                "the annotations scenario did not pass")
    with open(an_yaml) as f:
        lines = f.read().split("\n")
    bare_lines, skip = [], False
    for line in lines:
        if line.strip().startswith("annotations:"):
            indent = len(line) - len(line.lstrip())
            skip = not line.rstrip().endswith("}")
            continue
        if skip and (len(line) - len(line.lstrip())) > indent:
            continue
        skip = False
        bare_lines.append(line)
    bare = os.path.join(WORK_ROOT, "annotations-bare.yaml")
    with open(bare, "w") as f:
        f.write("\n".join(bare_lines))
    if "nginx.ingress.kubernetes.io" in "\n".join(bare_lines):
        fail("annotations-bare.yaml still has annotations", None)
    proc, results = run(bare, "annotations-bare")
    controls = {"app-root leaves other paths to the rules",
                "with canary-by-header-value, \"always\" is just another value",
                "canary-by-header-pattern, a value it does not match stays on the main backend",
                "canary-by-cookie \"never\" beats a canary-weight of 100",
                "the header \"never\" beats the cookie \"always\"",
                "canary-by-header-value is compared exactly (Lua's ==), \"V2\" stays on the main "
                "backend",
                "with canary-by-header (no value), \"ALWAYS\" is no keyword (Lua compares "
                "\"always\" exactly)"}
    passed = {st["name"] for st in results["scenarios"][0]["steps"] if st["result"] == "passed"} \
        if results else None
    if proc.returncode != 1 or passed != controls:
        fail(f"without the annotations: exit {proc.returncode}, passed {passed}, want only the "
             f"controls {controls}", proc)

    # 3c. spec.defaultBackend with rules: the root location of the Ingress's hosts, not the
    #     catch-all (which only an Ingress without rules configures), and only of the hosts the
    #     Ingress is the first of
    run_passing(os.path.join(DATA, "default-backend-rules.yaml"), "default-backend-rules", 5,
                "defaultBackend with rules did not pass")

    # 3d. an annotation the target does not model is a warning at its line:col, printed once
    #     for the two states that hold the Ingress; a diff step's Ingress gets its own
    proc, results = run_passing(os.path.join(DATA, "snippet.yaml"), "snippet", 3,
                                "the unmodelled-annotation scenario did not pass")
    for where, ing, annot in (("snippet.yaml:18:11:", "snippet", "configuration-snippet"),
                              ("snippet.yaml:50:27:", "snippet-diff", "server-snippet")):
        want = (f"{where} warning: Ingress default/{ing}: annotation "
                f"nginx.ingress.kubernetes.io/{annot} is not modelled: the ingress-nginx target "
                "serves the Ingress as if it were absent\n")
        if proc.stderr.count(want) != 1:
            fail(f"want once on stderr: {want!r}", proc)

    # 3d. permanent-redirect on a host with TLS: plain HTTP gets the redirect (nginx's return in
    #     the rewrite phase runs before the Lua redirect to HTTPS), on the Ingress's path and on
    #     the host's root location
    run_passing(os.path.join(DATA, "redirect-before-ssl-redirect.yaml"), "redirect-ssl", 2,
                "permanent-redirect before ssl-redirect did not pass")

    # 3e. annotation validation (on by default): an Ingress with a permanent-redirect-code that
    #     is no integer is not loaded: its host answers nginx's 404, the note at the value's
    #     line:col; with the ConfigMap's enable-annotation-validation "false" it is served
    #     without the redirect, so exactly the first step fails
    av_yaml = os.path.join(DATA, "annotation-validation.yaml")
    proc, results = run_passing(av_yaml, "annotation-validation", 2,
                                "the annotation-validation scenario did not pass")
    want = ("annotation-validation.yaml:21:64: warning: Ingress default/bad-code: "
            "metadata.annotations[nginx.ingress.kubernetes.io/permanent-redirect-code]: "
            "ingress-nginx rejects this Ingress: annotation nginx.ingress.kubernetes.io/permanent-redirect-code "
            "value \"30x\" fails its validation (ValidateInt: an integer); fix the value")
    if want not in proc.stderr:
        fail(f"want on stderr: {want!r}", proc)
    with open(av_yaml) as f:
        text = f.read()
    off_text = text.replace(
        "  backends:\n",
        "  - inline:\n"
        "      apiVersion: v1\n"
        "      kind: ConfigMap\n"
        "      metadata: {name: ingress-nginx-controller, namespace: ingress-nginx}\n"
        "      data: {enable-annotation-validation: \"false\"}\n"
        "  backends:\n", 1)
    if off_text == text:
        fail("annotation-validation.yaml has no backends: to insert the ConfigMap before", None)
    off = os.path.join(WORK_ROOT, "annotation-validation-off.yaml")
    with open(off, "w") as f:
        f.write(off_text)
    proc, results = run(off, "annotation-validation-off")
    verdicts = [st["result"] for st in results["scenarios"][0]["steps"]] if results else None
    if proc.returncode != 1 or verdicts != ["failed", "passed"] or \
            "ingress-nginx rejects this Ingress" in proc.stderr:
        fail(f"validation off: exit {proc.returncode}, steps {verdicts}, want the 404 step failed "
             "(the Ingress served) and no rejection", proc)
    evidence = json.dumps(results["scenarios"][0]["steps"][0]["checks"])
    if "200" not in evidence or "default/app" not in evidence:
        fail(f"validation off: the Ingress is not served by default/app: {evidence[:400]}", proc)

    # 4. an invalid Ingress is reported at its position; nothing runs
    proc, _ = run(os.path.join(DATA, "invalid.yaml"), "invalid")
    if proc.returncode != 2 or "invalid.yaml:15:15:" not in proc.stderr or \
            "pathType must be specified" not in proc.stderr:
        fail(f"invalid Ingress: exit {proc.returncode}", proc)
    done(f"ok: {steps} feature steps passed on ingress-nginx; gRPC, gRPC over TLS and HTTPS by backend-protocol; wrong "
         "answers and invalid Ingresses caught")


main()
