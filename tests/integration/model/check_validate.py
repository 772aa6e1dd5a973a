#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Runs the built `gatesim validate` on good and bad manifests and checks exit codes and output.
# usage: check_validate.py GATESIM DATA_DIR   (DATA_DIR = tests/data/model)
import json, os, shutil, subprocess, sys, tempfile

gatesim, data = sys.argv[1], sys.argv[2]
failures = []


def run(*args, cwd=None):
    r = subprocess.run([gatesim, "validate", *args], capture_output=True, text=True, cwd=cwd,
                       timeout=30)
    return r.returncode, r.stdout, r.stderr


def check(cond, what):
    if not cond:
        failures.append(what)


# valid manifests (a directory, recursively): exit 0, only a note for the skipped Deployment
rc, out, err = run("valid", cwd=data)
check(rc == 0, "valid: exit %d, want 0\n%s%s" % (rc, out, err))
check("error" not in out and "warning" not in out, "valid: unexpected problems:\n" + out)
check("valid/routes.yaml:90:3: note: Deployment team-a/store: skipped: apps/v1 Deployment" in out,
      "valid: the Deployment is not noted as skipped:\n" + out)
check("9 objects in 2 files: 0 errors" in err, "valid: summary line:\n" + err)

# --strict turns the skipped Deployment into an error
rc, out, err = run("--strict", "valid", cwd=data)
check(rc == 1, "strict: exit %d, want 1" % rc)
check("valid/routes.yaml:90:3: Deployment team-a/store: apps/v1 Deployment is not a kind gatesim models "
      "(rejected by --strict)" in out, "strict: message:\n" + out)

# --channel standard rejects experimental fields the default accepts
rc, out, err = run("--channel", "standard", "features", cwd=data)
check(rc == 1 and "spec.rules[1].sessionPersistence: unknown field \"sessionPersistence\"" in out,
      "channel standard: exit %d:\n%s" % (rc, out))
rc, out, err = run("features", cwd=data)
check(rc == 0, "features (experimental): exit %d:\n%s" % (rc, out))
rc, out, err = run("--channel", "beta", "features", cwd=data)
check(rc == 2, "bad channel: exit %d" % rc)

# invalid objects: exit 1, each problem on its own line with file:line:col
rc, out, err = run("invalid/route.yaml", cwd=data)
check(rc == 1, "invalid: exit %d, want 1" % rc)
want = [
    "invalid/route.yaml:10:3: HTTPRoute team-a/bad-route: spec.hostnmes: unknown field \"hostnmes\"; did you mean \"hostnames\"?",
    "invalid/route.yaml:13:39: HTTPRoute team-a/bad-route: spec.rules[0].matches[0].path.value: value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']",
    "invalid/route.yaml:15:13: HTTPRoute team-a/bad-route: spec.rules[0].backendRefs[0]: Must have port for Service reference",
    "invalid/route.yaml:28:5: Gateway team-a/edge: spec.listeners[0].tls: tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']",
]
lines = out.splitlines()
for w in want:
    check(w in lines, "invalid: missing line\n  %s\ngot:\n%s" % (w, out))
check(len(lines) == len(want), "invalid: %d lines, want %d:\n%s" % (len(lines), len(want), out))
check("3 objects in 1 file: 4 errors" in err, "invalid: summary:\n" + err)

# JSON output: the same problems with positions, and counts
rc, out, err = run("--output", "json", "invalid/route.yaml", cwd=data)
check(rc == 1, "json: exit %d" % rc)
try:
    doc = json.loads(out)
    check(doc["valid"] is False and doc["errors"] == 4 and doc["invalid"] == 2,
          "json: counts %r" % {k: doc.get(k) for k in ("valid", "errors", "invalid")})
    p = doc["problems"][0]
    check((p["file"], p["line"], p["column"], p["kind"], p["namespace"], p["name"], p["field"]) ==
          ("invalid/route.yaml", 10, 3, "HTTPRoute", "team-a", "bad-route", "spec.hostnmes"),
          "json: first problem %r" % p)
except (ValueError, KeyError, IndexError) as e:
    failures.append("json: cannot read output (%s):\n%s" % (e, out))

# a scenario: its inline objects are validated like manifests, at their lines
rc, out, err = run("scenario", cwd=data)
check(rc == 1, "scenario: exit %d, want 1" % rc)
check(out.splitlines() == ["scenario/bad-inline.yaml:15:32: HTTPRoute default/web: "
                           "spec.rules[0].backendRefs[0]: Must have port for Service reference"],
      "scenario: output:\n" + out)
check("1 scenario" in err, "scenario: summary:\n" + err)

# malformed YAML and unreadable paths: exit 2 with the parser's position
tmp = tempfile.mkdtemp()
try:
    shutil.copy(os.path.join(data, "invalid", "malformed.yaml.txt"), os.path.join(tmp, "bad.yaml"))
    rc, out, err = run("bad.yaml", cwd=tmp)
    check(rc == 2, "malformed: exit %d, want 2" % rc)
    check(out.startswith("bad.yaml:4:1: malformed YAML: did not find expected ',' or '}'"),
          "malformed: message:\n" + out)
    rc, out, err = run("does-not-exist.yaml", cwd=tmp)
    check(rc == 2, "missing file: exit %d, want 2" % rc)
    check("does-not-exist.yaml: cannot read: No such file or directory" in out, "missing: " + out)
finally:
    shutil.rmtree(tmp)

# stdout and stderr into one file (2>&1, as CI logs do): the summary (stderr) comes after the
# last problem line (stdout), never inside one; enough problems that stdout's buffer is
# written out more than once
tmp = tempfile.mkdtemp()
try:
    with open(os.path.join(tmp, "many.yaml"), "w") as f:
        for i in range(200):
            f.write("---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
                    "metadata: {name: r%d}\nspec:\n  hostnames: [10.0.0.%d]\n"
                    "  rules: [{backendRefs: [{name: s, port: 80}]}]\n" % (i, i % 250))
    with open(os.path.join(tmp, "log"), "w") as log:
        r = subprocess.run([gatesim, "validate", "many.yaml"], stdout=log,
                           stderr=subprocess.STDOUT, cwd=tmp, timeout=30)
    lines = open(os.path.join(tmp, "log")).read().splitlines()
    check(r.returncode == 0 and len(lines) == 201, "2>&1: exit %d, %d lines" % (r.returncode, len(lines)))
    check(all(l.startswith("many.yaml:") and ": warning: HTTPRoute default/r" in l and
              l.endswith("(the CRD pattern accepts IPs by mistake)") for l in lines[:-1]),
          "2>&1: a problem line was cut:\n" + "\n".join(l for l in lines[:-1]
                                                          if not l.endswith("mistake)")))
    check(lines and lines[-1] == "200 objects in 1 file: 0 errors, 200 warnings",
          "2>&1: the summary is not the last line: %r" % (lines[-1:],))
finally:
    shutil.rmtree(tmp)

# standard input
r = subprocess.run([gatesim, "validate", "-"], input="apiVersion: v1\nkind: Service\n"
                   "metadata: {name: Web}\n", capture_output=True, text=True, timeout=30)
check(r.returncode == 1 and r.stdout.startswith("<stdin>:3:18: Service default/Web: metadata.name: "
                                                "Invalid value: \"Web\""),
      "stdin: exit %d:\n%s" % (r.returncode, r.stdout))

# usage
rc, out, err = run()
check(rc == 2 and "usage: gatesim validate" in err, "no args: exit %d" % rc)
rc, out, err = run("--bogus", "x")
check(rc == 2, "bad option: exit %d" % rc)
rc, out, err = run("--help")
check(rc == 0 and "-o, --output FORMAT" in out and "json or yaml" in out and "--strict" in out,
      "help: exit %d" % rc)

if failures:
    print("\n\n".join(failures))
    sys.exit(1)
print("gatesim validate: all checks passed")
