/* SPDX-License-Identifier: MIT */
/* Ingress and IngressClass: the API server's validation (schema, then the built-in rules of
 * Kubernetes' networking validation, with its messages) and the typed decoding. No CRD exists
 * for these built-in kinds, so the schema is written out here field by field. */
#include "gs_ingress.h"

#include "gs_model_internal.h"
#include "gs_schema.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

static const char subdomain_re[] =
    "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
static const char wildcard_re[] =
    "^\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
static const char dns1035_re[] = "^[a-z]([-a-z0-9]*[a-z0-9])?$";
static const char namespace_re[] = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
static const char url_path_re[] = "^[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+$";

static const char subdomain_msg[] =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
static const char wildcard_msg[] =
    "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which "
    "must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric "
    "character (e.g. '*.example.com', regex used for validation is "
    "'\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

/* ---- the API server's string checks (one message per broken rule, as it reports them) ---- */

/* IsDNS1123Subdomain, or its wildcard form (a leading "*." and a subdomain). */
static void check_subdomain(gs_decoder *d, const gs_yaml_node *n, bool wildcard)
{
    if (n->len > 253)
        gs_dec_error(d, n, "Invalid value: \"%s\": must be no more than 253 characters", n->str);
    if (!gs_regex_match(wildcard ? wildcard_re : subdomain_re, n->str, n->len))
        gs_dec_error(d, n, "Invalid value: \"%s\": %s", n->str,
                     wildcard ? wildcard_msg : subdomain_msg);
}

/* Copies |s| to |out| with the leading zeros of each number of a final dotted quad removed
 * ("010.001.2.3" -> "10.1.2.3", "::ffff:01.2.3.4" -> "::ffff:1.2.3.4"), as the API server's
 * ParseIPSloppy does before Go's strict parser. False when |s| ends in no dotted quad. */
static bool strip_ip_zeros(const char *s, char *out, size_t n)
{
    const char *colon = strrchr(s, ':');
    const char *p = colon ? colon + 1 : s;
    size_t len = (size_t)(p - s);
    if (strlen(s) >= n)
        return false;
    memcpy(out, s, len);
    for (int part = 0; part < 4; part++) {
        if (part > 0 && *p++ != '.')
            return false;
        if (*p < '0' || *p > '9')
            return false;
        while (p[0] == '0' && p[1] >= '0' && p[1] <= '9')
            p++;
        while (*p >= '0' && *p <= '9')
            out[len++] = *p++;
        if (part < 3)
            out[len++] = '.';
    }
    out[len] = '\0';
    return *p == '\0';
}

/* The API server's ParseIPSloppy: Go's net.ParseIP (IPv4 without leading zeros, or IPv6), else
 * the same after leading zeros are stripped from a final dotted quad. */
static bool looks_like_ip(const char *s)
{
    unsigned char buf[16];
    char norm[256];
    if (inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1)
        return true;
    if (!strip_ip_zeros(s, norm, sizeof norm))
        return false;
    return inet_pton(AF_INET, norm, buf) == 1 || inet_pton(AF_INET6, norm, buf) == 1;
}

/* IsDNS1123Label (a namespace name): the length and the form, each its own message. */
static void check_label(gs_decoder *d, const gs_yaml_node *n)
{
    if (n->len > 63)
        gs_dec_error(d, n, "Invalid value: \"%s\": must be no more than 63 characters", n->str);
    if (gs_regex_match(namespace_re, n->str, n->len))
        return;
    if (gs_regex_match(subdomain_re, n->str, n->len)) /* a subdomain that is no label: dots */
        gs_dec_error(d, n, "Invalid value: \"%s\": must not contain dots", n->str);
    else
        gs_dec_error(d, n, "Invalid value: \"%s\": a lowercase RFC 1123 label must consist of "
                           "lower case alphanumeric characters or '-', and must start and end "
                           "with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
                           "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')", n->str);
}

/* IsValidPortName: an IANA service name. */
static void check_port_name(gs_decoder *d, const gs_yaml_node *n)
{
    const char *s = n->str;
    bool letter = false, charset = true;
    for (const char *p = s; *p; p++) {
        if (*p >= 'a' && *p <= 'z')
            letter = true;
        else if (!(*p >= '0' && *p <= '9') && *p != '-')
            charset = false;
    }
    if (n->len > 15)
        gs_dec_error(d, n, "Invalid value: \"%s\": must be no more than 15 characters", s);
    if (!charset)
        gs_dec_error(d, n, "Invalid value: \"%s\": must contain only alpha-numeric characters "
                           "(a-z, 0-9), and hyphens (-)", s);
    if (!letter)
        gs_dec_error(d, n, "Invalid value: \"%s\": must contain at least one letter (a-z)", s);
    if (strstr(s, "--"))
        gs_dec_error(d, n, "Invalid value: \"%s\": must not contain consecutive hyphens", s);
    if (n->len && (s[0] == '-' || s[n->len - 1] == '-'))
        gs_dec_error(d, n, "Invalid value: \"%s\": must not begin or end with a hyphen", s);
}

/* IsValidPathSegmentName: what may stand between two slashes of an API URL. */
static void check_path_segment(gs_decoder *d, const gs_yaml_node *n)
{
    if (strcmp(n->str, ".") == 0 || strcmp(n->str, "..") == 0)
        gs_dec_error(d, n, "Invalid value: \"%s\": may not be '%s'", n->str, n->str);
    static const char *const bad[] = {"/", "%"};
    for (size_t i = 0; i < 2; i++)
        if (strstr(n->str, bad[i]))
            gs_dec_error(d, n, "Invalid value: \"%s\": may not contain '%s'", n->str, bad[i]);
}

/* ---- schema helpers: a string field, optionally required and non-empty ---- */

/* The string under |key| of |map| (NULL when absent or not a string, which is reported). */
static const gs_yaml_node *string_field(gs_decoder *d, const gs_yaml_node *map, const char *key)
{
    gs_yaml_node *n = gs_dec_field(d, map, key, false);
    if (!n)
        return NULL;
    gs_dec_push(d, key);
    bool ok = gs_dec_expect(d, n, GS_YAML_T_STR);
    gs_dec_pop(d);
    return ok ? n : NULL;
}

/* A mapping under |key| with only the |known| fields (NULL when absent or not a mapping). */
static const gs_yaml_node *object_field(gs_decoder *d, const gs_yaml_node *map, const char *key,
                                        const char *const *known)
{
    gs_yaml_node *n = gs_dec_map(d, map, key, false);
    if (!n)
        return NULL;
    gs_dec_push(d, key);
    gs_dec_check_fields(d, n, known);
    gs_dec_pop(d);
    return n;
}

/* ---- Ingress ---- */

/* TypedLocalObjectReference of a resource backend or of IngressClass parameters: kind and name
 * required path segments, apiGroup a subdomain when given. The path is at the reference. */
static void check_typed_ref(gs_decoder *d, const gs_yaml_node *ref)
{
    const gs_yaml_node *group = string_field(d, ref, "apiGroup");
    if (group) {
        gs_dec_push(d, "apiGroup");
        check_subdomain(d, group, false);
        gs_dec_pop(d);
    }
    static const char *const keys[] = {"kind", "name"};
    for (size_t i = 0; i < 2; i++) {
        bool present = gs_yaml_type_of(gs_yaml_get(ref, keys[i])) != GS_YAML_T_NULL;
        const gs_yaml_node *v = string_field(d, ref, keys[i]);
        gs_dec_push(d, keys[i]);
        if (!present || (v && v->len == 0))
            gs_dec_error(d, v ? v : ref, "Required value: %s is required", keys[i]);
        else if (v)
            check_path_segment(d, v);
        gs_dec_pop(d);
    }
}

/* The Service side of a backend: name a DNS-1035 label; port by name xor by number. The path is
 * at the backend (the API server reports both "port" problems there). */
static void check_service_backend(gs_decoder *d, const gs_yaml_node *backend,
                                  const gs_yaml_node *svc)
{
    static const char *const port_fields[] = {"name", "number", NULL};
    gs_dec_push(d, "service");
    const gs_yaml_node *name = string_field(d, svc, "name");
    gs_dec_push(d, "name");
    if (!name || name->len == 0) {
        gs_dec_error(d, name ? name : svc, "Required value");
    } else {
        if (name->len > 63)
            gs_dec_error(d, name, "Invalid value: \"%s\": must be no more than 63 characters",
                         name->str);
        if (!gs_regex_match(dns1035_re, name->str, name->len))
            gs_dec_error(d, name, "Invalid value: \"%s\": a DNS-1035 label must consist of lower "
                                  "case alphanumeric characters or '-', start with an alphabetic "
                                  "character, and end with an alphanumeric character (e.g. "
                                  "'my-name',  or 'abc-123', regex used for validation is "
                                  "'[a-z]([-a-z0-9]*[a-z0-9])?')", name->str);
    }
    gs_dec_pop(d);
    const gs_yaml_node *port = object_field(d, svc, "port", port_fields);
    const gs_yaml_node *pname = NULL, *pnum = NULL;
    int64_t number = 0;
    if (port) {
        gs_dec_push(d, "port");
        pname = string_field(d, port, "name");
        if (gs_dec_int(d, port, "number", false, INT32_MIN, INT32_MAX, &number))
            pnum = gs_yaml_get(port, "number");
        gs_dec_pop(d);
    }
    bool has_name = pname && pname->len > 0, has_number = pnum && number != 0;
    gs_dec_pop(d); /* service */
    if (has_name && has_number) {
        gs_dec_error(d, backend, "Invalid value: \"\": cannot set both port name & port number");
    } else if (has_name) {
        gs_dec_push(d, "service.port.name");
        check_port_name(d, pname);
        gs_dec_pop(d);
    } else if (has_number) {
        if (number < 1 || number > 65535)
            gs_dec_error_field(d, pnum, "service.port.number",
                               "Invalid value: %lld: must be between 1 and 65535, inclusive",
                               (long long)number);
    } else {
        /* the port is a struct, not a pointer, in the API: absent means empty */
        gs_dec_error(d, port ? port : backend, "Required value: port name or number is required");
    }
}

/* IngressBackend at |key| of |map| (the path is at the parent). */
static void check_backend(gs_decoder *d, const gs_yaml_node *map, const char *key, bool required)
{
    static const char *const fields[] = {"service", "resource", NULL};
    static const char *const svc_fields[] = {"name", "port", NULL};
    static const char *const ref_fields[] = {"apiGroup", "kind", "name", NULL};
    gs_yaml_node *b = gs_dec_map(d, map, key, required);
    if (!b)
        return;
    gs_dec_push(d, key);
    gs_dec_check_fields(d, b, fields);
    const gs_yaml_node *svc = object_field(d, b, "service", svc_fields);
    const gs_yaml_node *res = object_field(d, b, "resource", ref_fields);
    if (svc && res) {
        gs_dec_error(d, b, "Invalid value: \"\": cannot set both resource and service backends");
    } else if (res) {
        gs_dec_push(d, "resource");
        check_typed_ref(d, res);
        gs_dec_pop(d);
    } else if (svc) {
        check_service_backend(d, b, svc);
    } else {
        gs_dec_error(d, b, "Invalid value: \"\": resource or service backend is required");
    }
    gs_dec_pop(d);
}

static void check_path(gs_decoder *d, const gs_yaml_node *p)
{
    static const char *const fields[] = {"path", "pathType", "backend", NULL};
    static const char *const types[] = {"Exact", "ImplementationSpecific", "Prefix", NULL};
    gs_dec_check_fields(d, p, fields);
    const gs_yaml_node *path = string_field(d, p, "path");
    const char *s = path ? path->str : "";
    /* the backend is an object, not a pointer, in the Go type: absent, it is an empty one,
     * which the API server's backend rule refuses */
    if (gs_yaml_type_of(gs_yaml_get(p, "backend")) == GS_YAML_T_NULL) {
        gs_dec_push(d, "backend");
        gs_dec_error(d, p, "Invalid value: \"\": resource or service backend is required");
        gs_dec_pop(d);
    } else {
        check_backend(d, p, "backend", false);
    }
    const gs_yaml_node *tn = gs_dec_field(d, p, "pathType", false);
    if (!tn) {
        gs_dec_push(d, "pathType");
        gs_dec_error(d, p, "Required value: pathType must be specified");
        gs_dec_pop(d);
        return;
    }
    int type;
    if (!gs_dec_enum(d, p, "pathType", true, types, &type))
        return;
    gs_dec_push(d, "path");
    const gs_yaml_node *at = path ? path : p;
    if (type == 1) { /* ImplementationSpecific: only absoluteness, and only when given */
        if (s[0] && s[0] != '/')
            gs_dec_error(d, at, "Invalid value: \"%s\": must be an absolute path", s);
    } else {
        static const char *const seqs[] = {"//", "/./", "/../", "%2f", "%2F"};
        static const char *const suffixes[] = {"/..", "/."};
        if (s[0] != '/')
            gs_dec_error(d, at, "Invalid value: \"%s\": must be an absolute path", s);
        for (size_t i = 0; s[0] && i < sizeof seqs / sizeof seqs[0]; i++)
            if (strstr(s, seqs[i]))
                gs_dec_error(d, at, "Invalid value: \"%s\": must not contain '%s'", s, seqs[i]);
        size_t len = strlen(s);
        for (size_t i = 0; s[0] && i < 2; i++) {
            size_t sl = strlen(suffixes[i]);
            if (len >= sl && strcmp(s + len - sl, suffixes[i]) == 0)
                gs_dec_error(d, at, "Invalid value: \"%s\": cannot end with '%s'", s, suffixes[i]);
        }
    }
    gs_dec_pop(d);
}

static void check_rule(gs_decoder *d, const gs_yaml_node *rule)
{
    static const char *const fields[] = {"host", "http", NULL};
    static const char *const http_fields[] = {"paths", NULL};
    gs_dec_check_fields(d, rule, fields);
    const gs_yaml_node *host = string_field(d, rule, "host");
    if (host && host->len) {
        gs_dec_push(d, "host");
        if (looks_like_ip(host->str))
            gs_dec_error(d, host, "Invalid value: \"%s\": must be a DNS name, not an IP address",
                         host->str);
        check_subdomain(d, host, strchr(host->str, '*') != NULL);
        gs_dec_pop(d);
    }
    const gs_yaml_node *http = object_field(d, rule, "http", http_fields);
    if (!http)
        return;
    gs_dec_push(d, "http");
    gs_yaml_node *paths = gs_dec_seq(d, http, "paths", false);
    if (!paths || paths->nitems == 0) {
        gs_dec_push(d, "paths");
        if (!paths && !gs_yaml_get(http, "paths"))
            gs_dec_error(d, http, "Required value");
        else if (paths)
            gs_dec_error(d, paths, "Required value");
        gs_dec_pop(d);
    }
    for (size_t i = 0; paths && i < paths->nitems; i++) {
        gs_dec_push(d, "paths");
        gs_dec_push_index(d, i);
        if (gs_dec_expect(d, paths->items[i], GS_YAML_T_MAP))
            check_path(d, paths->items[i]);
        gs_dec_pop(d);
        gs_dec_pop(d);
    }
    gs_dec_pop(d);
}

static void check_tls(gs_decoder *d, const gs_yaml_node *tls)
{
    static const char *const fields[] = {"hosts", "secretName", NULL};
    gs_dec_check_fields(d, tls, fields);
    gs_yaml_node *hosts = gs_dec_seq(d, tls, "hosts", false);
    for (size_t i = 0; hosts && i < hosts->nitems; i++) {
        gs_dec_push(d, "hosts");
        gs_dec_push_index(d, i);
        const gs_yaml_node *h = hosts->items[i];
        if (gs_dec_expect(d, h, GS_YAML_T_STR))
            check_subdomain(d, h, strchr(h->str, '*') != NULL);
        gs_dec_pop(d);
        gs_dec_pop(d);
    }
    const gs_yaml_node *secret = string_field(d, tls, "secretName");
    if (secret && secret->len) {
        gs_dec_push(d, "secretName");
        check_subdomain(d, secret, false);
        gs_dec_pop(d);
    }
}

static void check_ingress_spec(gs_decoder *d, const gs_yaml_node *doc)
{
    static const char *const fields[] = {"defaultBackend", "ingressClassName", "rules", "tls",
                                         NULL};
    gs_yaml_node *spec = gs_dec_map(d, doc, "spec", false);
    gs_dec_push(d, "spec");
    gs_dec_check_fields(d, spec, fields);
    gs_yaml_node *rules = spec ? gs_dec_seq(d, spec, "rules", false) : NULL;
    bool has_default = gs_yaml_type_of(gs_yaml_get(spec, "defaultBackend")) == GS_YAML_T_MAP;
    if (!has_default && (!rules || rules->nitems == 0))
        gs_dec_error(d, spec ? spec : doc, "Invalid value: \"null\": either `defaultBackend` or "
                                           "`rules` must be specified");
    if (spec)
        check_backend(d, spec, "defaultBackend", false);
    for (size_t i = 0; rules && i < rules->nitems; i++) {
        gs_dec_push(d, "rules");
        gs_dec_push_index(d, i);
        if (gs_dec_expect(d, rules->items[i], GS_YAML_T_MAP))
            check_rule(d, rules->items[i]);
        gs_dec_pop(d);
        gs_dec_pop(d);
    }
    gs_yaml_node *tls = spec ? gs_dec_seq(d, spec, "tls", false) : NULL;
    for (size_t i = 0; tls && i < tls->nitems; i++) {
        gs_dec_push(d, "tls");
        gs_dec_push_index(d, i);
        if (gs_dec_expect(d, tls->items[i], GS_YAML_T_MAP))
            check_tls(d, tls->items[i]);
        gs_dec_pop(d);
        gs_dec_pop(d);
    }
    const gs_yaml_node *cls = spec ? string_field(d, spec, "ingressClassName") : NULL;
    if (cls) {
        gs_dec_push(d, "ingressClassName");
        check_subdomain(d, cls, false);
        gs_dec_pop(d);
    }
    gs_dec_pop(d);
    /* on create, the old class annotation must agree with the field when both are given */
    const gs_yaml_node *ann = gs_yaml_get(gs_yaml_get(gs_yaml_get(doc, "metadata"), "annotations"),
                                          GS_INGRESS_CLASS_ANNOTATION);
    if (cls && gs_yaml_is_string(ann) && strcmp(ann->str, cls->str) != 0) {
        gs_dec_push(d, "metadata.annotations");
        gs_dec_push_key(d, GS_INGRESS_CLASS_ANNOTATION);
        gs_dec_error(d, ann, "Invalid value: \"%s\": must match `ingressClassName` when both are "
                             "specified", ann->str);
        gs_dec_pop(d);
        gs_dec_pop(d);
    }
}

/* ---- IngressClass ---- */

/* IsDomainPrefixedPath: "example.com/some-controller". */
static void check_controller(gs_decoder *d, const gs_yaml_node *n)
{
    const char *s = n->str;
    const char *slash = strchr(s, '/');
    if (n->len > 250)
        gs_dec_error(d, n, "Too long: may not be more than 250 bytes");
    if (!slash || slash == s || slash[1] == '\0') {
        gs_dec_error(d, n, "Invalid value: \"%s\": must be a domain-prefixed path (such as "
                           "\"acme.io/foo\")", s);
        return;
    }
    size_t hl = (size_t)(slash - s);
    if (hl > 253 || !gs_regex_match(subdomain_re, s, hl))
        gs_dec_error(d, n, "Invalid value: \"%.*s\": %s", (int)hl, s, subdomain_msg);
    if (!gs_regex_match(url_path_re, slash + 1, strlen(slash + 1)))
        gs_dec_error(d, n, "Invalid value: \"%s\": Invalid path (regex used for validation is "
                           "'[A-Za-z0-9/\\-._~%%!$&'()*+,;=:]+')", slash + 1);
}

static void check_parameters(gs_decoder *d, const gs_yaml_node *p)
{
    check_typed_ref(d, p);
    static const char *const scopes[] = {"Cluster", "Namespace", NULL};
    const gs_yaml_node *ns = string_field(d, p, "namespace");
    if (!gs_dec_field(d, p, "scope", false)) {
        gs_dec_push(d, "scope");
        gs_dec_error(d, p, "Required value");
        gs_dec_pop(d);
        return;
    }
    int scope;
    if (!gs_dec_enum(d, p, "scope", true, scopes, &scope))
        return;
    gs_dec_push(d, "namespace");
    if (scope == 1 && !ns)
        gs_dec_error(d, p, "Required value: `parameters.scope` is set to 'Namespace'");
    else if (scope == 1)
        check_label(d, ns);
    else if (scope == 0 && ns)
        gs_dec_error(d, ns, "Forbidden: `parameters.scope` is set to 'Cluster'");
    gs_dec_pop(d);
}

static void check_ingress_class_spec(gs_decoder *d, const gs_yaml_node *doc)
{
    static const char *const fields[] = {"controller", "parameters", NULL};
    static const char *const param_fields[] = {"apiGroup", "kind", "name", "namespace", "scope",
                                               NULL};
    gs_yaml_node *spec = gs_dec_map(d, doc, "spec", false);
    bool present = spec && gs_yaml_type_of(gs_yaml_get(spec, "controller")) != GS_YAML_T_NULL;
    if (!spec) {
        /* the controller is required: an IngressClass without spec has none (a spec of the
         * wrong type is reported as such) */
        if (gs_yaml_type_of(gs_yaml_get(doc, "spec")) == GS_YAML_T_NULL)
            gs_dec_error_field(d, doc, "spec.controller", "Required value");
        return;
    }
    gs_dec_push(d, "spec");
    gs_dec_check_fields(d, spec, fields);
    const gs_yaml_node *ctl = string_field(d, spec, "controller");
    gs_dec_push(d, "controller");
    if (!present || (ctl && ctl->len == 0))
        gs_dec_error(d, ctl ? ctl : spec, "Required value"); /* IsDomainPrefixedPath of "" */
    else if (ctl)
        check_controller(d, ctl);
    gs_dec_pop(d);
    const gs_yaml_node *params = object_field(d, spec, "parameters", param_fields);
    if (params) {
        gs_dec_push(d, "parameters");
        check_parameters(d, params);
        gs_dec_pop(d);
    }
    gs_dec_pop(d);
}

void gs_ingress_check(gs_decoder *d, const gs_yaml_node *doc, gs_kind kind)
{
    if (kind == GS_KIND_INGRESS)
        check_ingress_spec(d, doc);
    else if (kind == GS_KIND_INGRESS_CLASS)
        check_ingress_class_spec(d, doc);
}

/* ---- typed decoding (of checked trees) ---- */

typedef struct ing_dec {
    gs_yaml_stream *s;
    gs_pos fallback;
} ing_dec;

static gs_sval ing_str(const ing_dec *x, const gs_yaml_node *map, const char *key)
{
    const gs_yaml_node *n = gs_yaml_get(map, key);
    gs_sval r = {.pos = map && map->pos.line ? map->pos : x->fallback};
    if (gs_yaml_is_string(n)) {
        r.v = n->str;
        r.pos = n->pos;
        r.set = true;
    }
    return r;
}

static gs_pos ing_pos(const ing_dec *x, const gs_yaml_node *n)
{
    return n && n->pos.line ? n->pos : x->fallback;
}

static void *ing_alloc(const ing_dec *x, size_t n, size_t size)
{
    return n ? gs_yaml_alloc(x->s, n * size) : NULL;
}

static size_t ing_len(const gs_yaml_node *seq)
{
    return seq && seq->kind == GS_YAML_SEQUENCE ? seq->nitems : 0;
}

static void decode_backend(const ing_dec *x, const gs_yaml_node *b, gs_ingress_backend *out)
{
    if (!b || b->kind != GS_YAML_MAPPING)
        return;
    out->set = true;
    out->pos = ing_pos(x, b);
    const gs_yaml_node *svc = gs_yaml_get(b, "service");
    const gs_yaml_node *res = gs_yaml_get(b, "resource");
    if (svc && svc->kind == GS_YAML_MAPPING) {
        out->service_name = ing_str(x, svc, "name");
        const gs_yaml_node *port = gs_yaml_get(svc, "port");
        out->port_name = ing_str(x, port, "name");
        const gs_yaml_node *num = gs_yaml_get(port, "number");
        out->port_number.pos = ing_pos(x, num ? num : port);
        if (num && gs_yaml_int(num, &out->port_number.v) && out->port_number.v != 0)
            out->port_number.has = out->port_number.set = true;
    }
    if (res && res->kind == GS_YAML_MAPPING) {
        out->resource_group = ing_str(x, res, "apiGroup");
        out->resource_kind = ing_str(x, res, "kind");
        out->resource_name = ing_str(x, res, "name");
    }
}

static void decode_ingress(const ing_dec *x, const gs_yaml_node *spec, gs_ingress *ing)
{
    ing->spec.ingress_class_name = ing_str(x, spec, "ingressClassName");
    decode_backend(x, gs_yaml_get(spec, "defaultBackend"), &ing->spec.default_backend);
    const gs_yaml_node *rules = gs_yaml_get(spec, "rules");
    ing->spec.n_rules = ing_len(rules);
    ing->spec.rules = ing_alloc(x, ing->spec.n_rules, sizeof *ing->spec.rules);
    for (size_t i = 0; i < ing->spec.n_rules; i++) {
        const gs_yaml_node *r = rules->items[i];
        gs_ingress_rule *rule = &ing->spec.rules[i];
        rule->pos = ing_pos(x, r);
        rule->host = ing_str(x, r, "host");
        if (rule->host.v && !rule->host.v[0])
            rule->host.v = NULL; /* "" is every host, as absent */
        const gs_yaml_node *paths = gs_yaml_get(gs_yaml_get(r, "http"), "paths");
        rule->n_paths = ing_len(paths);
        rule->paths = ing_alloc(x, rule->n_paths, sizeof *rule->paths);
        for (size_t k = 0; k < rule->n_paths; k++) {
            const gs_yaml_node *p = paths->items[k];
            gs_ingress_path *path = &rule->paths[k];
            path->pos = ing_pos(x, p);
            path->path = ing_str(x, p, "path");
            if (!path->path.v)
                path->path.v = "";
            path->type_str = ing_str(x, p, "pathType");
            const char *t = path->type_str.v ? path->type_str.v : "";
            path->type = strcmp(t, "Exact") == 0    ? GS_INGRESS_PATH_EXACT
                         : strcmp(t, "Prefix") == 0 ? GS_INGRESS_PATH_PREFIX
                                                    : GS_INGRESS_PATH_IMPLEMENTATION_SPECIFIC;
            decode_backend(x, gs_yaml_get(p, "backend"), &path->backend);
        }
    }
    const gs_yaml_node *tls = gs_yaml_get(spec, "tls");
    ing->spec.n_tls = ing_len(tls);
    ing->spec.tls = ing_alloc(x, ing->spec.n_tls, sizeof *ing->spec.tls);
    for (size_t i = 0; i < ing->spec.n_tls; i++) {
        const gs_yaml_node *t = tls->items[i];
        gs_ingress_tls *out = &ing->spec.tls[i];
        out->pos = ing_pos(x, t);
        out->secret_name = ing_str(x, t, "secretName");
        const gs_yaml_node *hosts = gs_yaml_get(t, "hosts");
        out->n_hosts = ing_len(hosts);
        out->hosts = ing_alloc(x, out->n_hosts, sizeof *out->hosts);
        for (size_t k = 0; k < out->n_hosts; k++) {
            const gs_yaml_node *h = hosts->items[k];
            out->hosts[k] = (gs_sval){.v = gs_yaml_is_string(h) ? h->str : NULL,
                                      .pos = ing_pos(x, h), .set = true};
        }
    }
}

static void decode_ingress_class(const ing_dec *x, const gs_yaml_node *spec,
                                 gs_ingress_class *ic)
{
    ic->spec.controller = ing_str(x, spec, "controller");
    const gs_yaml_node *p = gs_yaml_get(spec, "parameters");
    if (!p || p->kind != GS_YAML_MAPPING)
        return;
    ic->spec.has_parameters = true;
    ic->spec.parameters_group = ing_str(x, p, "apiGroup");
    ic->spec.parameters_kind = ing_str(x, p, "kind");
    ic->spec.parameters_name = ing_str(x, p, "name");
    ic->spec.parameters_scope = ing_str(x, p, "scope");
    ic->spec.parameters_namespace = ing_str(x, p, "namespace");
}

void gs_ingress_decode(gs_yaml_stream *s, const gs_yaml_node *spec, gs_object *o,
                       gs_pos fallback)
{
    ing_dec x = {.s = s, .fallback = fallback};
    if (o->kind == GS_KIND_INGRESS)
        decode_ingress(&x, spec, (gs_ingress *)o);
    else if (o->kind == GS_KIND_INGRESS_CLASS)
        decode_ingress_class(&x, spec, (gs_ingress_class *)o);
}

/* ---- queries ---- */

const char *gs_ingress_class_of(const gs_ingress *ing)
{
    if (ing->spec.ingress_class_name.v)
        return ing->spec.ingress_class_name.v;
    return gs_labels_get(&ing->obj.metadata.annotations, GS_INGRESS_CLASS_ANNOTATION);
}

const gs_ingress_class *gs_ingress_default_class(const gs_model *m)
{
    for (size_t i = 0; i < m->n_ingress_classes; i++) {
        const gs_ingress_class *ic = m->ingress_classes[i];
        const char *v = gs_labels_get(&ic->obj.metadata.annotations,
                                      GS_INGRESS_CLASS_DEFAULT_ANNOTATION);
        if (v && strcmp(v, "true") == 0)
            return ic;
    }
    return NULL;
}

int64_t gs_ingress_backend_port(const gs_model *m, const gs_ingress *ing,
                                const gs_ingress_backend *b)
{
    if (!b->service_name.v)
        return 0;
    if (b->port_number.has)
        return b->port_number.v;
    const gs_service *svc = (const gs_service *)gs_model_find(
        m, GS_KIND_SERVICE, ing->obj.metadata.namespace.v, b->service_name.v);
    for (size_t i = 0; svc && b->port_name.v && i < svc->spec.n_ports; i++)
        if (svc->spec.ports[i].name.v && strcmp(svc->spec.ports[i].name.v, b->port_name.v) == 0)
            return svc->spec.ports[i].port.v;
    return 0;
}
