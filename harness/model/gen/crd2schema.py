#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Generates harness/model/gs_schema_gen.c from the Gateway API CRDs: for each served kind and
# version, the structural schema of `spec` (types, required, enums, patterns, lengths, ranges,
# item limits, list types, defaults) as C tables, and the x-kubernetes-validations rules as
# references to the C functions of gs_cel.c (matched by message; an unknown rule is an error).
# Descriptions are dropped. Both channels are emitted (identical subtrees are shared).
# Usage: crd2schema.py CRDS_V1.6.1_DIR > gs_schema_gen.c   (the folder holding standard/ and
# experimental/)
import json, re, sys, os
import yaml

CRDS = [  # file, kind, versions
    ("gateway.networking.k8s.io_gatewayclasses.yaml", "GatewayClass", ["v1", "v1beta1"]),
    ("gateway.networking.k8s.io_gateways.yaml", "Gateway", ["v1", "v1beta1"]),
    ("gateway.networking.k8s.io_httproutes.yaml", "HTTPRoute", ["v1", "v1beta1"]),
    ("gateway.networking.k8s.io_grpcroutes.yaml", "GRPCRoute", ["v1"]),
    ("gateway.networking.k8s.io_referencegrants.yaml", "ReferenceGrant", ["v1", "v1beta1"]),
    ("gateway.networking.k8s.io_listenersets.yaml", "ListenerSet", ["v1"]),
    # validated (schema and CEL) but not modelled as typed objects yet
    ("gateway.networking.k8s.io_tlsroutes.yaml", "TLSRoute", ["v1", "v1alpha2", "v1alpha3"]),
    ("gateway.networking.k8s.io_tcproutes.yaml", "TCPRoute", ["v1", "v1alpha2"]),
    ("gateway.networking.k8s.io_udproutes.yaml", "UDPRoute", ["v1", "v1alpha2"]),
    ("gateway.networking.k8s.io_backendtlspolicies.yaml", "BackendTLSPolicy", ["v1", "v1alpha3"]),
]

# message (regex) -> CEL function id; the argument is the first group when present.
CEL = [
    (r"^Value is immutable$", "IMMUTABLE"),
    (r"^IPAddress values must be unique$", "GW_ADDR_IP_UNIQUE"),
    (r"^Hostname values must be unique$", "GW_ADDR_HOSTNAME_UNIQUE"),
    (r"^Hostname value must be empty or contain only valid characters", "GW_ADDR_HOSTNAME_PATTERN"),
    (r"^Hostname value must only contain valid characters", "IGNORE"),  # status
    (r"^(Annotation|Label) keys must be in the form", "GW_INFRA_KEY_FORMAT"),
    (r"^If specified, the (annotation|label) key's prefix must be", "GW_INFRA_KEY_PREFIX"),
    (r"^tls must not be specified for protocols", "GW_TLS_FORBIDDEN"),
    (r"^tls mode must be Terminate for protocol HTTPS$", "GW_HTTPS_TERMINATE"),
    (r"^tls mode must be set for protocol TLS$", "GW_TLS_MODE_SET"),
    (r"^hostname must not be specified for protocols", "GW_HOSTNAME_FORBIDDEN"),
    (r"^Listener name must be unique within the Gateway$", "GW_LISTENER_NAME_UNIQUE"),
    (r"^Combination of port, protocol and hostname must be unique", "GW_LISTENER_COMBO_UNIQUE"),
    (r"^certificateRefs or options must be specified when mode is Terminate$", "GW_TERMINATE_CERTS"),
    (r"^Port for TLS configuration must be unique within the Gateway$", "GW_PERPORT_UNIQUE"),
    (r"^sectionName or port must be specified when parentRefs includes 2 or more", "PARENT_SPECIFIED"),
    (r"^sectionName or port must be unique when parentRefs includes 2 or more", "PARENT_UNIQUE"),
    # standard channel: the same rules without port ("sectionName" as the argument)
    (r"^(sectionName) must be specified when parentRefs includes 2 or more", "PARENT_SPECIFIED"),
    (r"^(sectionName) must be unique when parentRefs includes 2 or more", "PARENT_UNIQUE"),
    (r"^(sectionName) must be specified when targetRefs includes 2 or more", "PARENT_SPECIFIED"),
    (r"^(sectionName) must be unique when targetRefs includes 2 or more", "PARENT_UNIQUE"),
    (r"^Hostnames cannot contain an IP$", "HOSTNAMES_NO_IP"),
    (r"^Hostnames must be valid based on RFC-1123$", "HOSTNAMES_RFC1123"),
    (r"^Wildcards on hostnames must be the first label", "HOSTNAMES_WILDCARD"),
    (r"^must not contain both CACertificateRefs and WellKnownCACertificates$", "BTLS_CA_BOTH"),
    (r"^must specify either CACertificateRefs or WellKnownCACertificates$", "BTLS_CA_EITHER"),
    (r"^SubjectAltName element must contain (Hostname|URI), if Type is set to", "SAN_NEEDS"),
    (r"^SubjectAltName element must not contain (Hostname|URI), if Type is not set to", "SAN_FORBIDS"),
    (r"^While 16 rules and 64 matches per rule are allowed", "RULES_MATCH_TOTAL"),
    (r"^Rule name must be unique within the route$", "RULE_NAME_UNIQUE"),
    (r"^RequestRedirect filter must not be used together with backendRefs$", "REDIRECT_WITH_BACKENDS"),
    (r"^When using RequestRedirect filter with path.replacePrefixMatch", "PREFIX_MATCH_REDIRECT"),
    (r"^When using URLRewrite filter with path.replacePrefixMatch", "PREFIX_MATCH_REWRITE"),
    (r"^Within backendRefs, when using RequestRedirect filter with path.replacePrefixMatch", "PREFIX_MATCH_BR_REDIRECT"),
    (r"^Within backendRefs, When using URLRewrite filter with path.replacePrefixMatch", "PREFIX_MATCH_BR_REWRITE"),
    (r"^Must have port for Service reference$", "SERVICE_PORT"),
    (r"^May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite", "FILTER_REDIRECT_REWRITE"),
    (r"^(\w+) filter cannot be repeated$", "FILTER_REPEAT"),
    (r"^filter\.(\w+) must be nil if the filter\.type is not \w+$", "FILTER_UNION_NIL"),
    (r"^filter\.(\w+) must be specified for \w+ filter\.type$", "FILTER_UNION_SET"),
    (r"^Allow(\w+) cannot contain '\*' alongside other", "CORS_STAR"),
    (r"^(\w+) must be specified when protocol is set to", "EXTAUTH_PROTOCOL_NEEDS"),
    (r"^protocol must be '\w+' when (\w+) is set$", "EXTAUTH_FIELD_NEEDS"),
    (r"^Only one of percent or fraction may be specified", "MIRROR_PERCENT_FRACTION"),
    (r"^numerator must be less than or equal to denominator$", "MIRROR_FRACTION"),
    (r"^(replaceFullPath|replacePrefixMatch) must be specified when type is set to", "PATHMOD_NEEDS_VALUE"),
    (r"^type must be '(\w+)' when \w+ is set$", "PATHMOD_NEEDS_TYPE"),
    (r"^value must be an absolute path and start with '/'", "PATH_ABSOLUTE"),
    (r"^must not contain '(.*)' when type one of", "PATH_NOT_CONTAIN"),
    (r"^must not end with '(.*)' when type one of", "PATH_NOT_END"),
    (r"^type must be one of \['Exact', 'PathPrefix', 'RegularExpression'\]$", "PATH_TYPE"),
    (r"^must only contain valid characters \(matching .*\) for types", "PATH_CHARS"),
    (r"^AbsoluteTimeout must be specified when cookie lifetimeType is Permanent$", "SESSION_PERMANENT"),
    (r"^cookieConfig can only be set with type Cookie$", "SESSION_COOKIE"),
    (r"^backendRequest timeout cannot be longer than request timeout$", "TIMEOUTS"),
    (r"^One or both of 'service' or 'method' must be specified$", "GRPC_SERVICE_OR_METHOD"),
    (r"^service must only contain valid characters", "GRPC_SERVICE_CHARS"),
    (r"^method must only contain valid characters", "GRPC_METHOD_CHARS"),
]

TYPES = {"object": "GS_ST_OBJECT", "array": "GS_ST_ARRAY", "string": "GS_ST_STRING",
         "integer": "GS_ST_INTEGER", "number": "GS_ST_NUMBER", "boolean": "GS_ST_BOOLEAN"}

nodes = {}      # canonical key -> C name
out = []        # C definitions in dependency order
patterns = {}   # pattern -> index
cel_ids = set()

def cstr(s):
    return json.dumps(s, ensure_ascii=False)

def pattern_id(p):
    if p not in patterns:
        patterns[p] = len(patterns) + 1
    return patterns[p]

def cel_ref(rule):
    msg = rule.get("message") or rule["rule"]
    for rx, ident in CEL:
        m = re.search(rx, msg)
        if m:
            arg = m.group(1) if m.groups() else None
            cel_ids.add(ident)
            return ident, arg, msg, rule["rule"]
    sys.exit("crd2schema: no C function for CEL rule: %s" % msg)

def emit(s, path):
    s = {k: v for k, v in s.items() if k not in ("description",)}
    key = json.dumps(s, sort_keys=True)
    if key in nodes:
        return nodes[key]
    t = s.get("type")
    fields = {}
    if s.get("x-kubernetes-int-or-string"):
        fields["type"] = "GS_ST_INT_OR_STRING"
    elif t == "object" and isinstance(s.get("additionalProperties"), dict):
        fields["type"] = "GS_ST_MAP"
        fields["items"] = "&" + emit(s["additionalProperties"], path + "{}")
    elif t in TYPES:
        fields["type"] = TYPES[t]
    else:
        fields["type"] = "GS_ST_ANY"
    flags = []
    if s.get("x-kubernetes-preserve-unknown-fields"):
        flags.append("GS_SF_PRESERVE_UNKNOWN")
    if s.get("nullable"):
        flags.append("GS_SF_NULLABLE")
    if s.get("format") == "int32":
        flags.append("GS_SF_INT32")
    if s.get("x-kubernetes-list-type") == "set":
        flags.append("GS_SF_LIST_SET")
    if s.get("x-kubernetes-list-type") == "map":
        flags.append("GS_SF_LIST_MAP")
    if "oneOf" in s and path.endswith("addresses[]"):
        flags.append("GS_SF_ADDRESS_ONEOF")
    if flags:
        fields["flags"] = "|".join(flags)
    if "properties" in s:
        req = set(s.get("required", []))
        props = []
        for name in sorted(s["properties"]):
            if path == "" and name == "status":
                continue
            child = emit(s["properties"][name], path + "." + name)
            props.append("{%s, &%s, %d}" % (cstr(name), child, 1 if name in req else 0))
        pname = "P%d" % (len(out) + 1)
        out.append("static const gs_schema_prop %s[] = {%s};" % (pname, ", ".join(props)))
        fields["props"] = pname
        fields["nprops"] = str(len(props))
    if "items" in s:
        fields["items"] = "&" + emit(s["items"], path + "[]")
    if "x-kubernetes-list-map-keys" in s:
        kname = "K%d" % (len(out) + 1)
        out.append("static const char *const %s[] = {%s, NULL};" % (
            kname, ", ".join(cstr(k) for k in s["x-kubernetes-list-map-keys"])))
        fields["map_keys"] = kname
    for k, f in (("minLength", "min_len"), ("maxLength", "max_len"), ("minItems", "min_items"),
                 ("maxItems", "max_items"), ("minimum", "minimum"), ("maximum", "maximum"),
                 ("maxProperties", "max_props")):
        if k in s:
            fields[f] = "%dLL" % int(s[k])
    if "pattern" in s:
        fields["pattern"] = str(pattern_id(s["pattern"]))
    if "enum" in s:
        ename = "E%d" % (len(out) + 1)
        if all(isinstance(e, str) for e in s["enum"]):
            out.append("static const char *const %s[] = {%s, NULL};" % (
                ename, ", ".join(cstr(e) for e in s["enum"])))
            fields["enum_str"] = ename
        else:
            out.append("static const long long %s[] = {%s};" % (
                ename, ", ".join("%dLL" % e for e in s["enum"])))
            fields["enum_int"] = ename
            fields["nenum"] = str(len(s["enum"]))
    if "default" in s:
        fields["default_json"] = cstr(json.dumps(s["default"], separators=(",", ":")))
    rules = [cel_ref(r) for r in s.get("x-kubernetes-validations", [])]
    rules = [r for r in rules if r[0] not in ("IGNORE", "IMMUTABLE")]
    if rules:
        cname = "C%d" % (len(out) + 1)
        out.append("static const gs_cel_ref %s[] = {%s};" % (cname, ", ".join(
            "{GS_CEL_%s, %s, %s}" % (i, cstr(a) if a else "NULL", cstr(m)) for i, a, m, _ in rules)))
        fields["cel"] = cname
        fields["ncel"] = str(len(rules))
    name = "S%d" % (len(out) + 1)
    init = ", ".join(".%s = %s" % (k, v) for k, v in fields.items())
    for lim in ("min_len", "max_len", "min_items", "max_items", "minimum", "maximum", "max_props"):
        if lim not in fields:
            init += ", .%s = GS_SCHEMA_NONE" % lim
    out.append("static const gs_schema %s = {%s};" % (name, init))
    nodes[key] = name
    return name

def main():
    top = sys.argv[1]
    roots = []
    for channel in ("experimental", "standard"):
        d = os.path.join(top, channel)
        for fname, kind, versions in CRDS:
            if not os.path.exists(os.path.join(d, fname)):
                continue
            crd = yaml.safe_load(open(os.path.join(d, fname)))
            for v in crd["spec"]["versions"]:
                if v["name"] not in versions or not v.get("served", True):
                    continue
                spec = v["schema"]["openAPIV3Schema"]["properties"]["spec"]
                roots.append((channel, kind, v["name"], emit(spec, "")))
    print("/* SPDX-License-Identifier: MIT */")
    print("/* GENERATED by harness/model/gen/crd2schema.py from the Gateway API v1.6.1 CRDs")
    print(" * (experimental and standard channels). Do not edit: regenerate. The spec schemas of each")
    print(" * channel/kind/version as tables for gs_schema.c; CEL rules refer to gs_cel.c. */")
    print('#include "gs_schema.h"\n')
    print("#include <stddef.h>\n")
    print("const char *const gs_schema_patterns[] = {NULL,")
    for p, i in sorted(patterns.items(), key=lambda x: x[1]):
        print("    %s," % cstr(p))
    print("};")
    print("const unsigned gs_schema_npatterns = %d;\n" % (len(patterns) + 1))
    for line in out:
        print(line)
    print("\nconst gs_schema_root gs_schema_roots[] = {")
    for channel, kind, ver, name in roots:
        print("    {%s, %s, &%s, %s}," % (cstr(kind), cstr(ver), name, cstr(channel)))
    print("    {NULL, NULL, NULL, NULL},\n};")
    ids = sorted(cel_ids - {"IGNORE", "IMMUTABLE"})
    sys.stderr.write("CEL ids used: %s\n" % " ".join(ids))

main()
