/* SPDX-License-Identifier: MIT */
/* Decodes one gatesim.dev/v1alpha1 Scenario document into gs_scenario: field by field with the
 * model's decoder (unknown fields with "did you mean", types, ranges), then the cross-references
 * a scenario needs to make sense (declared backends, step names, send/expect pairing). All
 * memory goes to the YAML stream's arena. Finding and reading files is gs_scenario_load.c. */
#include "gs_scenario.h"
#include "scenario_priv.h"

#include "gs_alloc.h"
#include "gs_buf.h"
#include "gs_decode.h"
#include "gs_route_kinds.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static void *sd_alloc_array(scenario_decoder *sd, size_t n, size_t size)
{
    return n ? gs_yaml_alloc(sd->stream, n * size) : NULL;
}

/* ---- names ---- */

/* One dot-free part of a name: lowercase letters, digits and '-', alphanumeric at both ends. */
static bool scenario_name_part(const char *s, size_t n)
{
    if (n == 0 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-'))
            return false;
    return true;
}

/* RFC 1123 label, as Kubernetes checks namespace names: at most 63 characters. */
static bool scenario_dns_label(const char *s, size_t n)
{
    return n <= 63 && scenario_name_part(s, n);
}

/* A Kubernetes object name (IsDNS1123Subdomain): at most 253 characters in all, dot-separated
 * parts; like the API server, no per-part length limit (a 253-character Gateway name without
 * dots is valid: the upstream GatewayNameMaximumLength test uses one). */
static bool scenario_dns_subdomain(const char *s, size_t n)
{
    if (n == 0 || n > 253)
        return false;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '.') {
            if (!scenario_name_part(s + start, i - start))
                return false;
            start = i + 1;
        }
    }
    return true;
}

/* Splits "ns/name" at |node| (field |field| of the current path) into arena strings. With
 * |ns_optional|, a bare name gets namespace "default". Reports and returns false when malformed. */
static bool sd_ref(scenario_decoder *sd, const gs_yaml_node *node, const char *field,
                   bool ns_optional, const char **ns, const char **name)
{
    const char *s = gs_yaml_str(node);
    if (s == NULL || !gs_yaml_is_string(node)) {
        gs_dec_error_field(&sd->d, node, field, "must be a string \"namespace/name\"");
        return false;
    }
    const char *slash = strchr(s, '/');
    if (slash == NULL && ns_optional) {
        *ns = "default";
        *name = s;
    } else if (slash == NULL || strchr(slash + 1, '/') != NULL) {
        gs_dec_error_field(&sd->d, node, field, "must be \"namespace/name\", got \"%s\"", s);
        return false;
    } else {
        *ns = gs_yaml_strdup(sd->stream, s);
        ((char *)(uintptr_t)*ns)[slash - s] = '\0';
        *name = slash + 1;
    }
    if (!scenario_dns_label(*ns, strlen(*ns))) {
        gs_dec_error_field(&sd->d, node, field,
                           "namespace \"%s\" must be a DNS label (lowercase letters, digits, '-')",
                           *ns);
        return false;
    }
    if (!scenario_dns_subdomain(*name, strlen(*name))) {
        gs_dec_error_field(&sd->d, node, field,
                           "name \"%s\" must be a DNS subdomain (lowercase letters, digits, '-', "
                           "'.')",
                           *name);
        return false;
    }
    return true;
}

/* ---- small typed lists ---- */

static bool scenario_header_name_ok(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || strchr("!#$%&'*+-.^_`|~", *s)))
            return false;
    return true;
}

/* A map name -> string, or (with |allow_list|) a list of {name, value} (repeats kept). */
static void sd_kv(scenario_decoder *sd, const gs_yaml_node *parent, const char *key, bool headers,
                  gs_scenario_kv **out, size_t *n_out)
{
    gs_yaml_node *v = gs_dec_field(&sd->d, parent, key, false);
    *out = NULL;
    *n_out = 0;
    if (v == NULL)
        return;
    gs_dec_push(&sd->d, key);
    if (v->kind == GS_YAML_MAPPING) {
        gs_scenario_kv *kv = sd_alloc_array(sd, v->npairs, sizeof(*kv));
        for (size_t i = 0; i < v->npairs; i++) {
            const gs_yaml_node *k = v->pairs[i].key, *val = v->pairs[i].value;
            const char *name = gs_yaml_str(k);
            gs_dec_push_key(&sd->d, name ? name : "?");
            if (name == NULL || (headers && !scenario_header_name_ok(name)))
                gs_dec_error(&sd->d, k, "invalid %s name", headers ? "header" : "label");
            else if (!gs_yaml_is_string(val))
                gs_dec_expect(&sd->d, val, GS_YAML_T_STR);
            else
                kv[(*n_out)++] = (gs_scenario_kv){name, val->str, k->pos};
            gs_dec_pop(&sd->d);
        }
        *out = kv;
    } else if (v->kind == GS_YAML_SEQUENCE && headers) {
        gs_scenario_kv *kv = sd_alloc_array(sd, v->nitems, sizeof(*kv));
        static const char *const fields[] = {"name", "value", NULL};
        for (size_t i = 0; i < v->nitems; i++) {
            const gs_yaml_node *item = v->items[i];
            gs_dec_push_index(&sd->d, i);
            if (gs_dec_expect(&sd->d, item, GS_YAML_T_MAP)) {
                gs_dec_check_fields(&sd->d, item, fields);
                const char *name = NULL, *value = NULL;
                bool ok = gs_dec_string(&sd->d, item, "name", true, &name);
                ok &= gs_dec_string(&sd->d, item, "value", true, &value);
                if (ok && !scenario_header_name_ok(name)) {
                    gs_dec_error_field(&sd->d, gs_yaml_get(item, "name"), "name",
                                       "invalid header name \"%s\"", name);
                    ok = false;
                }
                if (ok)
                    kv[(*n_out)++] = (gs_scenario_kv){name, value, item->pos};
            }
            gs_dec_pop(&sd->d);
        }
        *out = kv;
    } else {
        gs_dec_error(&sd->d, v,
                     headers ? "must be a map of header names to values, or a list of "
                               "{name, value}"
                             : "must be a map of label names to values");
    }
    gs_dec_pop(&sd->d);
}

static const char *const *sd_strings(scenario_decoder *sd, const gs_yaml_node *parent,
                                     const char *key, bool headers, size_t *n_out);

/* {answeredBy: service | backend}: the value is the name (service) or ns/name (backend) of the
 * Service that answered the request, compared per request (docs/scenario.md). */
static bool sd_header_answered_by(scenario_decoder *sd, const gs_yaml_node *v,
                                  gs_scenario_header_expect *h)
{
    const char *by = NULL;
    if (!gs_dec_string(&sd->d, v, "answeredBy", true, &by))
        return false;
    if (strcmp(by, "service") != 0 && strcmp(by, "backend") != 0) {
        gs_dec_error_field(&sd->d, gs_yaml_get(v, "answeredBy"), "answeredBy",
                           "must be service (the answering Service's name) or backend (its "
                           "namespace/name)");
        return false;
    }
    h->mode = GS_SCENARIO_VALUE_ANSWERED_BY;
    h->answered_by_backend = by[0] == 'b';
    h->value = h->answered_by_backend ? "the namespace/name of the Service that answered"
                                      : "the name of the Service that answered";
    return true;
}

/* {present: true}: any value, as long as a field of the name came. */
static bool sd_header_present(scenario_decoder *sd, const gs_yaml_node *v,
                              gs_scenario_header_expect *h)
{
    bool present = false;
    if (!gs_dec_bool(&sd->d, v, "present", true, &present))
        return false;
    if (!present) {
        gs_dec_error_field(&sd->d, gs_yaml_get(v, "present"), "present",
                           "must be true (a header expected absent goes in absentHeaders)");
        return false;
    }
    if (h->ignore_whitespace) {
        gs_dec_error_field(&sd->d, gs_yaml_get(v, "ignoreWhitespace"), "ignoreWhitespace",
                           "has no meaning with present");
        return false;
    }
    h->mode = GS_SCENARIO_VALUE_PRESENT;
    h->value = "present, any value";
    return true;
}

/* One expected header value: a string, or {value | exactly | oneOf | answeredBy | present,
 * ignoreWhitespace}. */
static bool sd_header_value(scenario_decoder *sd, const gs_yaml_node *v, bool in_list,
                            gs_scenario_header_expect *h)
{
    if (gs_yaml_is_string(v)) {
        h->value = v->str;
        return true;
    }
    if (v == NULL || v->kind != GS_YAML_MAPPING) {
        gs_dec_error(&sd->d, v,
                     "must be a string, or {exactly: [values]}, {oneOf: [values]}, {answeredBy: "
                     "service|backend}, {present: true} or {value: string} with an optional "
                     "ignoreWhitespace");
        return false;
    }
    static const char *const fields[] = {"value",   "exactly",          "oneOf", "answeredBy",
                                         "present", "ignoreWhitespace", NULL};
    static const char *const list_fields[] = {"name",       "value",   "exactly",
                                              "oneOf",      "answeredBy", "present",
                                              "ignoreWhitespace", NULL};
    gs_dec_check_fields(&sd->d, v, in_list ? list_fields : fields);
    gs_dec_bool(&sd->d, v, "ignoreWhitespace", false, &h->ignore_whitespace);
    const char *forms[5] = {"value", "exactly", "oneOf", "answeredBy", "present"};
    int given = -1, n_given = 0;
    for (int i = 0; i < 5; i++)
        if (gs_yaml_get(v, forms[i])) {
            given = i;
            n_given++;
        }
    if (n_given != 1) {
        gs_dec_error(&sd->d, v,
                     "give exactly one of value, exactly, oneOf, answeredBy and present");
        return false;
    }
    if (given == 4)
        return sd_header_present(sd, v, h);
    if (given == 3)
        return sd_header_answered_by(sd, v, h);
    if (given == 0)
        return gs_dec_string(&sd->d, v, "value", true, &h->value);
    h->mode = given == 1 ? GS_SCENARIO_VALUE_EXACTLY : GS_SCENARIO_VALUE_ONE_OF;
    h->values = sd_strings(sd, v, forms[given], false, &h->n_values);
    if (h->n_values == 0) {
        gs_dec_error_field(&sd->d, gs_yaml_get(v, forms[given]), forms[given],
                           "must list at least one value");
        return false;
    }
    gs_buf b = {0};
    gs_buf_printf(&b, "%s [", forms[given]);
    for (size_t i = 0; i < h->n_values; i++)
        gs_buf_printf(&b, "%s\"%s\"", i ? ", " : "", h->values[i]);
    gs_buf_printf(&b, "]%s", h->ignore_whitespace ? " ignoring whitespace" : "");
    h->value = gs_yaml_strdup(sd->stream, b.data);
    gs_buf_clear(&b);
    return true;
}

/* `expect.request.headers` / `expect.response.headers`: a map of names to values, or a list of
 * {name, value | exactly | oneOf, ignoreWhitespace}. */
static void sd_header_expects(scenario_decoder *sd, const gs_yaml_node *parent, const char *key,
                              gs_scenario_header_expect **out, size_t *n_out)
{
    gs_yaml_node *v = gs_dec_field(&sd->d, parent, key, false);
    *out = NULL;
    *n_out = 0;
    if (v == NULL)
        return;
    gs_dec_push(&sd->d, key);
    bool map = v->kind == GS_YAML_MAPPING;
    if (!map && v->kind != GS_YAML_SEQUENCE) {
        gs_dec_error(&sd->d, v, "must be a map of header names to values, or a list of "
                                "{name, value}");
        gs_dec_pop(&sd->d);
        return;
    }
    size_t n = map ? v->npairs : v->nitems;
    gs_scenario_header_expect *hs = sd_alloc_array(sd, n, sizeof(*hs));
    for (size_t i = 0; i < n; i++) {
        gs_scenario_header_expect h = {0};
        const gs_yaml_node *val;
        if (map) {
            const gs_yaml_node *k = v->pairs[i].key;
            h.name = gs_yaml_str(k);
            h.pos = k->pos;
            val = v->pairs[i].value;
            gs_dec_push_key(&sd->d, h.name ? h.name : "?");
            if (h.name == NULL || !scenario_header_name_ok(h.name)) {
                gs_dec_error(&sd->d, k, "invalid header name");
                gs_dec_pop(&sd->d);
                continue;
            }
        } else {
            const gs_yaml_node *item = v->items[i];
            gs_dec_push_index(&sd->d, i);
            if (!gs_dec_expect(&sd->d, item, GS_YAML_T_MAP) ||
                !gs_dec_string(&sd->d, item, "name", true, &h.name)) {
                gs_dec_pop(&sd->d);
                continue;
            }
            h.pos = item->pos;
            if (!scenario_header_name_ok(h.name)) {
                gs_dec_error_field(&sd->d, gs_yaml_get(item, "name"), "name",
                                   "invalid header name \"%s\"", h.name);
                gs_dec_pop(&sd->d);
                continue;
            }
            val = item; /* the item holds the value's fields beside `name` */
        }
        if (sd_header_value(sd, val, !map, &h))
            hs[(*n_out)++] = h;
        gs_dec_pop(&sd->d);
    }
    *out = hs;
    gs_dec_pop(&sd->d);
}

static const char *const *sd_strings(scenario_decoder *sd, const gs_yaml_node *parent,
                                     const char *key, bool headers, size_t *n_out)
{
    *n_out = 0;
    gs_yaml_node *v = gs_dec_seq(&sd->d, parent, key, false);
    if (v == NULL || v->kind != GS_YAML_SEQUENCE)
        return NULL;
    const char **out = sd_alloc_array(sd, v->nitems, sizeof(*out));
    gs_dec_push(&sd->d, key);
    for (size_t i = 0; i < v->nitems; i++) {
        gs_dec_push_index(&sd->d, i);
        const gs_yaml_node *item = v->items[i];
        if (gs_dec_expect(&sd->d, item, GS_YAML_T_STR)) {
            if (headers && !scenario_header_name_ok(item->str))
                gs_dec_error(&sd->d, item, "invalid header name \"%s\"", item->str);
            else if (item->len == 0)
                gs_dec_error(&sd->d, item, "must not be empty");
            else
                out[(*n_out)++] = item->str;
        }
        gs_dec_pop(&sd->d);
    }
    gs_dec_pop(&sd->d);
    return out;
}

/* A listener's `supportedKinds`: a list (exactly these kinds), or {includes: [kinds]} (these
 * among others; not empty). */
static void sd_supported_kinds(scenario_decoder *sd, const gs_yaml_node *listener,
                               gs_scenario_listener_expect *le)
{
    const gs_yaml_node *v = gs_yaml_get(listener, "supportedKinds");
    le->has_supported_kinds = true;
    if (v->kind != GS_YAML_MAPPING) {
        le->supported_kinds = sd_strings(sd, listener, "supportedKinds", false,
                                         &le->n_supported_kinds);
        return;
    }
    static const char *const fields[] = {"includes", NULL};
    gs_dec_push(&sd->d, "supportedKinds");
    gs_dec_check_fields(&sd->d, v, fields);
    if (gs_dec_field(&sd->d, v, "includes", true)) {
        le->supported_kinds_includes = true;
        le->supported_kinds = sd_strings(sd, v, "includes", false, &le->n_supported_kinds);
        if (le->n_supported_kinds == 0)
            gs_dec_error_field(&sd->d, gs_yaml_get(v, "includes"), "includes",
                               "must name at least one kind (`supportedKinds: []` says none)");
    }
    gs_dec_pop(&sd->d);
}

/* ---- manifests ---- */

/* |p| (field |field| at |node|) resolved against the scenario's folder unless absolute; an
 * error when nothing is there. */
static const char *sd_existing_path(scenario_decoder *sd, const gs_yaml_node *node,
                                    const char *field, const char *p)
{
    const char *full = p;
    /* Relative to the scenario's folder, shown as the user would write it: no "./" in
     * front when the scenario was named without a folder ("../x.yaml", not "./../x.yaml"). */
    if (p[0] != '/' && strcmp(sd->sc->dir, ".") != 0) {
        const char *dir = sd->sc->dir;
        char *tmp = gs_xasprintf("%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", p);
        full = gs_yaml_strdup(sd->stream, tmp);
        free(tmp);
    }
    struct stat st;
    if (stat(full, &st) != 0)
        gs_dec_error_field(&sd->d, node, field,
                           "%s: no such file or directory (paths are relative to the scenario's "
                           "folder)",
                           p);
    return full;
}

static void sd_source(scenario_decoder *sd, const gs_yaml_node *item, gs_scenario_source *out)
{
    static const char *const fields[] = {"path", "inline", NULL};
    out->pos = item->pos;
    if (!gs_dec_expect(&sd->d, item, GS_YAML_T_MAP))
        return;
    gs_dec_check_fields(&sd->d, item, fields);
    gs_yaml_node *path = gs_yaml_get(item, "path");
    gs_yaml_node *obj = gs_yaml_get(item, "inline");
    if ((path == NULL) == (obj == NULL)) {
        gs_dec_error(&sd->d, item, "exactly one of \"path\" or \"inline\" is required");
        return;
    }
    if (path) {
        const char *p = NULL;
        if (!gs_dec_string(&sd->d, item, "path", true, &p))
            return;
        out->path = sd_existing_path(sd, path, "path", p);
        out->pos = path->pos;
        return;
    }
    gs_dec_push(&sd->d, "inline");
    if (gs_dec_expect(&sd->d, obj, GS_YAML_T_MAP)) {
        const gs_yaml_node *meta = gs_yaml_get(obj, "metadata");
        if (!gs_yaml_is_string(gs_yaml_get(obj, "apiVersion")))
            gs_dec_error_field(&sd->d, obj, "apiVersion", "Required value");
        if (!gs_yaml_is_string(gs_yaml_get(obj, "kind")))
            gs_dec_error_field(&sd->d, obj, "kind", "Required value");
        if (meta == NULL || !gs_yaml_is_string(gs_yaml_get(meta, "name")))
            gs_dec_error_field(&sd->d, meta ? meta : obj, "metadata.name", "Required value");
        out->inline_obj = obj;
    }
    gs_dec_pop(&sd->d);
}

static gs_scenario_source *sd_sources(scenario_decoder *sd, const gs_yaml_node *parent,
                                      const char *key, size_t *n_out)
{
    *n_out = 0;
    gs_yaml_node *seq = gs_dec_seq(&sd->d, parent, key, false);
    if (seq == NULL || seq->kind != GS_YAML_SEQUENCE)
        return NULL;
    gs_scenario_source *out = sd_alloc_array(sd, seq->nitems, sizeof(*out));
    gs_dec_push(&sd->d, key);
    for (size_t i = 0; i < seq->nitems; i++) {
        gs_dec_push_index(&sd->d, i);
        sd_source(sd, seq->items[i], &out[i]);
        gs_dec_pop(&sd->d);
    }
    gs_dec_pop(&sd->d);
    *n_out = seq->nitems;
    return out;
}

/* ---- spec sections ---- */

static void sd_namespaces(scenario_decoder *sd, const gs_yaml_node *spec)
{
    gs_scenario *sc = sd->sc;
    gs_yaml_node *seq = gs_dec_seq(&sd->d, spec, "namespaces", false);
    if (seq == NULL || seq->kind != GS_YAML_SEQUENCE)
        return;
    static const char *const fields[] = {"name", "labels", NULL};
    sc->namespaces = sd_alloc_array(sd, seq->nitems, sizeof(*sc->namespaces));
    gs_dec_push(&sd->d, "namespaces");
    for (size_t i = 0; i < seq->nitems; i++) {
        const gs_yaml_node *item = seq->items[i];
        gs_dec_push_index(&sd->d, i);
        if (gs_dec_expect(&sd->d, item, GS_YAML_T_MAP)) {
            gs_dec_check_fields(&sd->d, item, fields);
            gs_scenario_namespace *ns = &sc->namespaces[sc->n_namespaces];
            ns->pos = item->pos;
            if (gs_dec_string(&sd->d, item, "name", true, &ns->name)) {
                if (!scenario_dns_label(ns->name, strlen(ns->name)))
                    gs_dec_error_field(&sd->d, gs_yaml_get(item, "name"), "name",
                                       "\"%s\" must be a DNS label", ns->name);
                for (size_t j = 0; j < sc->n_namespaces; j++)
                    if (strcmp(sc->namespaces[j].name, ns->name) == 0)
                        gs_dec_error_field(&sd->d, gs_yaml_get(item, "name"), "name",
                                           "namespace \"%s\" is listed twice (first at line %u)",
                                           ns->name, sc->namespaces[j].pos.line);
            }
            sd_kv(sd, item, "labels", false, &ns->labels, &ns->n_labels);
            if (ns->name)
                sc->n_namespaces++;
        }
        gs_dec_pop(&sd->d);
    }
    gs_dec_pop(&sd->d);
}

void gs_scenario_dec_behaviour(scenario_decoder *sd, const gs_yaml_node *beh,
                               gs_scenario_behaviour *out)
{
    static const char *const fields[] = {"delay", "errorRate", "status", NULL};
    int64_t v;
    gs_dec_check_fields(&sd->d, beh, fields);
    gs_dec_duration(&sd->d, beh, "delay", false, &out->delay_ns);
    if (out->delay_ns < 0)
        gs_dec_error_field(&sd->d, gs_yaml_get(beh, "delay"), "delay", "must not be negative");
    gs_dec_double(&sd->d, beh, "errorRate", false, 0, 1, &out->error_rate);
    if (gs_dec_int(&sd->d, beh, "status", false, 100, 599, &v))
        out->status = (int)v;
}

static void sd_backend(scenario_decoder *sd, const gs_yaml_node *item, gs_scenario_backend *b)
{
    static const char *const fields[] = {"service",   "port", "ports", "replicas",
                                         "behaviour", "tls",  NULL};
    b->pos = item->pos;
    b->replicas = 1;
    gs_dec_check_fields(&sd->d, item, fields);
    gs_yaml_node *svc = gs_dec_field(&sd->d, item, "service", true);
    if (svc)
        sd_ref(sd, svc, "service", false, &b->ns, &b->name);
    gs_yaml_node *ports = gs_dec_seq(&sd->d, item, "ports", false);
    bool listed = ports && ports->kind == GS_YAML_SEQUENCE;
    /* `port`, then every entry of `ports` (or the default 80): room for all of them. */
    b->ports = sd_alloc_array(sd, 1 + (listed ? ports->nitems : 0), sizeof(*b->ports));
    int64_t v;
    if (gs_dec_int(&sd->d, item, "port", false, 1, 65535, &v))
        b->ports[b->n_ports++] = (unsigned)v;
    if (listed) {
        gs_dec_push(&sd->d, "ports");
        for (size_t i = 0; i < ports->nitems; i++) {
            int64_t p;
            gs_dec_push_index(&sd->d, i);
            if (gs_dec_expect(&sd->d, ports->items[i], GS_YAML_T_INT) &&
                gs_yaml_int(ports->items[i], &p)) {
                bool dup = false;
                for (size_t j = 0; j < b->n_ports; j++)
                    dup |= b->ports[j] == p;
                if (p < 1 || p > 65535)
                    gs_dec_error(&sd->d, ports->items[i], "must be between 1 and 65535");
                else if (dup)
                    gs_dec_error(&sd->d, ports->items[i], "port %lld is listed twice",
                                 (long long)p);
                else
                    b->ports[b->n_ports++] = (unsigned)p;
            }
            gs_dec_pop(&sd->d);
        }
        gs_dec_pop(&sd->d);
    }
    if (b->n_ports == 0 && !gs_yaml_get(item, "port") && !ports)
        b->ports[b->n_ports++] = 80;
    if (gs_dec_int(&sd->d, item, "replicas", false, 1, 64, &v))
        b->replicas = (unsigned)v;
    gs_yaml_node *beh = gs_dec_map(&sd->d, item, "behaviour", false);
    if (beh && beh->kind == GS_YAML_MAPPING) {
        gs_dec_push(&sd->d, "behaviour");
        gs_scenario_dec_behaviour(sd, beh, &b->behaviour);
        gs_dec_pop(&sd->d);
    }
    gs_yaml_node *tls = gs_dec_map(&sd->d, item, "tls", false);
    if (tls && tls->kind == GS_YAML_MAPPING) {
        static const char *const tls_fields[] = {"hosts", "clientCertificate", NULL};
        static const char *const client_cert[] = {"none", "optional", "required", NULL};
        gs_dec_push(&sd->d, "tls");
        gs_dec_check_fields(&sd->d, tls, tls_fields);
        b->tls_hosts = sd_strings(sd, tls, "hosts", false, &b->n_tls_hosts);
        if (b->n_tls_hosts == 0)
            gs_dec_error_field(&sd->d, tls, "hosts", "at least one name is required");
        int cc = 0;
        if (gs_dec_enum(&sd->d, tls, "clientCertificate", false, client_cert, &cc))
            b->client_certificate = (gs_scenario_client_cert)cc;
        gs_dec_pop(&sd->d);
    }
}

static void sd_backends(scenario_decoder *sd, const gs_yaml_node *spec)
{
    gs_scenario *sc = sd->sc;
    gs_yaml_node *seq = gs_dec_seq(&sd->d, spec, "backends", false);
    if (seq == NULL || seq->kind != GS_YAML_SEQUENCE)
        return;
    sc->backends = sd_alloc_array(sd, seq->nitems, sizeof(*sc->backends));
    gs_dec_push(&sd->d, "backends");
    for (size_t i = 0; i < seq->nitems; i++) {
        const gs_yaml_node *item = seq->items[i];
        gs_dec_push_index(&sd->d, i);
        if (gs_dec_expect(&sd->d, item, GS_YAML_T_MAP)) {
            gs_scenario_backend *b = &sc->backends[sc->n_backends];
            sd_backend(sd, item, b);
            if (b->name) {
                for (size_t j = 0; j < sc->n_backends; j++)
                    if (strcmp(sc->backends[j].ns, b->ns) == 0 &&
                        strcmp(sc->backends[j].name, b->name) == 0)
                        gs_dec_error_field(&sd->d, gs_yaml_get(item, "service"), "service",
                                           "backend %s/%s is declared twice (first at line %u)",
                                           b->ns, b->name, sc->backends[j].pos.line);
                sc->n_backends++;
            }
        }
        gs_dec_pop(&sd->d);
    }
    gs_dec_pop(&sd->d);
}

/* A DNS label: 1 to 63 of [a-z0-9-], not starting or ending with '-'. */
static bool sd_label_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-'))
            return false;
    return true;
}

static void sd_tls(scenario_decoder *sd, const gs_yaml_node *spec)
{
    gs_scenario *sc = sd->sc;
    gs_yaml_node *seq = gs_dec_seq(&sd->d, spec, "tls", false);
    if (seq == NULL || seq->kind != GS_YAML_SEQUENCE)
        return;
    static const char *const fields[] = {"secret", "hosts", "configMap", "issuer", NULL};
    sc->tls = sd_alloc_array(sd, seq->nitems, sizeof(*sc->tls));
    gs_dec_push(&sd->d, "tls");
    for (size_t i = 0; i < seq->nitems; i++) {
        const gs_yaml_node *item = seq->items[i];
        gs_dec_push_index(&sd->d, i);
        if (gs_dec_expect(&sd->d, item, GS_YAML_T_MAP)) {
            gs_scenario_tls *t = &sc->tls[sc->n_tls];
            t->pos = item->pos;
            gs_dec_check_fields(&sd->d, item, fields);
            t->config_map = gs_yaml_get(item, "configMap") != NULL;
            const char *what = t->config_map ? "configMap" : "secret";
            if (t->config_map && gs_yaml_get(item, "secret"))
                gs_dec_error_field(&sd->d, item, "configMap",
                                   "give either secret (a certificate) or configMap (the CA)");
            gs_yaml_node *sec = gs_dec_field(&sd->d, item, what, true);
            bool ok = sec && sd_ref(sd, sec, what, false, &t->ns, &t->name);
            t->hosts = sd_strings(sd, item, "hosts", false, &t->n_hosts);
            if (gs_dec_string(&sd->d, item, "issuer", false, &t->issuer) && !sd_label_ok(t->issuer))
                gs_dec_error_field(&sd->d, gs_yaml_get(item, "issuer"), "issuer",
                                   "must be a DNS label (lowercase letters, digits, '-'), got "
                                   "\"%s\"",
                                   t->issuer);
            if (t->config_map) {
                if (gs_yaml_get(item, "hosts"))
                    gs_dec_error_field(&sd->d, item, "hosts",
                                       "a configMap entry holds the CA: it names no hosts");
            } else if (!gs_yaml_get(item, "hosts"))
                gs_dec_error_field(&sd->d, item, "hosts", "Required value");
            else if (t->n_hosts == 0 && gs_yaml_get(item, "hosts")->kind == GS_YAML_SEQUENCE &&
                     gs_yaml_get(item, "hosts")->nitems == 0)
                gs_dec_error_field(&sd->d, gs_yaml_get(item, "hosts"), "hosts",
                                   "at least one host name is required");
            for (size_t j = 0; ok && j < sc->n_tls; j++)
                if (sc->tls[j].config_map == t->config_map && strcmp(sc->tls[j].ns, t->ns) == 0 &&
                    strcmp(sc->tls[j].name, t->name) == 0)
                    gs_dec_error_field(&sd->d, sec, what,
                                       "%s %s/%s is declared twice (first at line %u)", what, t->ns,
                                       t->name, sc->tls[j].pos.line);
            if (ok)
                sc->n_tls++;
        }
        gs_dec_pop(&sd->d);
    }
    gs_dec_pop(&sd->d);
}

static void sd_statistics(scenario_decoder *sd, const gs_yaml_node *spec)
{
    gs_scenario_statistics *st = &sd->sc->statistics;
    gs_yaml_node *m = gs_dec_map(&sd->d, spec, "statistics", false);
    if (m == NULL || m->kind != GS_YAML_MAPPING)
        return;
    static const char *const fields[] = {"alpha",     "power",       "minEffect",
                                         "tolerance", "familyAlpha", NULL};
    gs_dec_push(&sd->d, "statistics");
    gs_dec_check_fields(&sd->d, m, fields);
    double v;
    if (gs_dec_double(&sd->d, m, "alpha", false, 1e-12, 0.5, &v))
        st->alpha = v;
    if (gs_dec_double(&sd->d, m, "power", false, 0.5, 0.999999, &v))
        st->power = v;
    if (gs_dec_double(&sd->d, m, "minEffect", false, 0.001, 0.5, &v))
        st->min_effect = v;
    if (gs_dec_double(&sd->d, m, "tolerance", false, 0.0, 0.1, &v))
        st->tolerance = v;
    if (gs_dec_double(&sd->d, m, "familyAlpha", false, 1e-12, 0.5, &v))
        st->family_alpha = v;
    const char *blame = gs_yaml_get(m, "tolerance") ? "tolerance" : "minEffect";
    if (st->tolerance >= st->min_effect)
        gs_dec_error_field(&sd->d, gs_yaml_get(m, blame), blame,
                           "tolerance %g must be below minEffect %g: planning targets deviations "
                           "the tolerance does not excuse",
                           st->tolerance, st->min_effect);
    gs_dec_pop(&sd->d);
}

/* ---- steps ---- */

static const gs_scenario_backend *sd_find_backend(const gs_scenario *sc, const char *ns,
                                                  const char *name)
{
    for (size_t i = 0; i < sc->n_backends; i++)
        if (strcmp(sc->backends[i].ns, ns) == 0 && strcmp(sc->backends[i].name, name) == 0)
            return &sc->backends[i];
    return NULL;
}

/* A "ns/name" that must name a declared backend; returns the canonical string or NULL. */
static const char *sd_backend_ref(scenario_decoder *sd, const gs_yaml_node *node, const char *field)
{
    const char *ns, *name;
    if (!sd_ref(sd, node, field, false, &ns, &name))
        return NULL;
    if (sd_find_backend(sd->sc, ns, name) == NULL) {
        gs_dec_error_field(&sd->d, node, field,
                           "backend %s/%s is not declared in spec.backends (a Service nothing "
                           "declares does not exist)",
                           ns, name);
        return NULL;
    }
    return node->str;
}

/* send.sni, send.ca, send.verify, send.addressAsHost (docs/scenario.md). */
static void sd_send_tls(scenario_decoder *sd, const gs_yaml_node *m, gs_scenario_send *s)
{
    if (gs_dec_string(&sd->d, m, "sni", false, &s->sni) &&
        (s->sni[0] == '\0' || strchr(s->sni, ':') || strchr(s->sni, '/')))
        gs_dec_error_field(&sd->d, gs_yaml_get(m, "sni"), "sni",
                           "must be a host name (no port, no path), got \"%s\"", s->sni);
    const char *ca = NULL;
    if (gs_dec_string(&sd->d, m, "ca", false, &ca))
        s->ca_file = sd_existing_path(sd, gs_yaml_get(m, "ca"), "ca", ca);
    gs_dec_bool(&sd->d, m, "verify", false, &s->verify);
    if (!s->verify && s->ca_file)
        gs_dec_error_field(&sd->d, gs_yaml_get(m, "verify"), "verify",
                           "contradicts ca: a CA is only used to verify");
    gs_yaml_node *cc = gs_dec_field(&sd->d, m, "clientCertificate", false);
    const char *ns, *name;
    if (cc && sd_ref(sd, cc, "clientCertificate", false, &ns, &name)) {
        const gs_scenario *sc = sd->sc;
        for (size_t i = 0; i < sc->n_tls; i++)
            if (!sc->tls[i].config_map && strcmp(sc->tls[i].ns, ns) == 0 &&
                strcmp(sc->tls[i].name, name) == 0)
                s->client_certificate = (long)i;
        if (s->client_certificate < 0)
            gs_dec_error_field(&sd->d, cc, "clientCertificate",
                               "Secret %s/%s is not declared in spec.tls (the certificate "
                               "the client presents is one the run makes)",
                               ns, name);
    }
    gs_dec_bool(&sd->d, m, "addressAsHost", false, &s->address_as_host);
    if (s->address_as_host && gs_yaml_get(m, "host"))
        gs_dec_error_field(&sd->d, gs_yaml_get(m, "addressAsHost"), "addressAsHost",
                           "contradicts host: give one of them");
}

/* An error "<field>: <why>" for each of the |n| fields |names| that |m| has. */
static void sd_refuse_fields(scenario_decoder *sd, const gs_yaml_node *m,
                             const char *const *names, size_t n, const char *why)
{
    for (size_t i = 0; i < n; i++) {
        const gs_yaml_node *f = gs_yaml_get(m, names[i]);
        if (f != NULL)
            gs_dec_error_field(&sd->d, f, names[i], "%s", why);
    }
}

/* Layer-4 sends carry a line, not an HTTP request: the HTTP fields mean nothing there, and a
 * field that means nothing is an error, not silently dropped. */
static void sd_send_l4(scenario_decoder *sd, const gs_yaml_node *m, gs_scenario_send *s,
                       bool proto_known)
{
    /* (grpc has its own "only valid with protocol: grpc") */
    static const char *const http_only[] = {"method", "path", "headers", "streams",
                                            "addressAsHost"};
    bool l4 = proto_known && gs_scenario_protocol_is_l4(s->protocol);
    if (gs_dec_string(&sd->d, m, "alpn", false, &s->alpn) && proto_known &&
        s->protocol != GS_SCENARIO_TLS)
        gs_dec_error_field(&sd->d, gs_yaml_get(m, "alpn"), "alpn",
                           "only valid with protocol: tls (HTTP picks its own ALPN)");
    if (!l4)
        return;
    char why[96];
    snprintf(why, sizeof(why), "not valid with protocol: %s (one line per connection, no HTTP)",
             gs_scenario_protocol_name(s->protocol));
    sd_refuse_fields(sd, m, http_only, GS_ARRAY_LEN(http_only), why);
    if (s->protocol != GS_SCENARIO_TLS) {
        static const char *const tls_only[] = {"sni", "ca", "verify", "clientCertificate"};
        sd_refuse_fields(sd, m, tls_only, GS_ARRAY_LEN(tls_only), "only valid with protocol: tls");
    } else if (gs_yaml_get(m, "verify") == NULL && s->ca_file == NULL) {
        /* a passthrough backend's certificate is its own (an echo's generated CA), so by
         * default the client does not verify and expect.certificate says who answered */
        s->verify = false;
    }
    /* each request is its own connection already */
    s->new_connection_per_request = true;
}

/* `messages` of a websocket send; the default is one text message. */
static void sd_send_websocket(scenario_decoder *sd, const gs_yaml_node *m, gs_scenario_send *s,
                              bool proto_known)
{
    gs_yaml_node *seq = gs_dec_seq(&sd->d, m, "messages", false);
    bool ws = proto_known && s->protocol == GS_SCENARIO_WEBSOCKET;
    if (seq != NULL && proto_known && !ws)
        gs_dec_error_field(&sd->d, seq, "messages", "only valid with protocol: websocket");
    if (gs_dec_bool(&sd->d, m, "http2", false, &s->ws_h2) && proto_known && !ws)
        gs_dec_error_field(&sd->d, gs_yaml_get(m, "http2"), "http2",
                           "only valid with protocol: websocket (the other protocols name "
                           "their HTTP version: h2c, http2)");
    if (ws) {
        static const char *const not_ws[] = {"method", "streams"};
        sd_refuse_fields(sd, m, not_ws, GS_ARRAY_LEN(not_ws),
                         "not valid with protocol: websocket (one upgrade GET per connection)");
        s->new_connection_per_request = true;
    }
    if (ws && seq == NULL) {
        static const char hello[] = "gatesim websocket";
        s->messages = sd_alloc_array(sd, 1, sizeof(*s->messages));
        s->messages[0] = (gs_scenario_ws_message){false, (const uint8_t *)hello,
                                                  sizeof(hello) - 1};
        s->n_messages = 1;
        return;
    }
    if (seq == NULL)
        return;
    if (seq->nitems == 0)
        gs_dec_error_field(&sd->d, seq, "messages", "Required value: at least one message");
    gs_dec_push(&sd->d, "messages");
    s->messages = sd_alloc_array(sd, seq->nitems, sizeof(*s->messages));
    static const char *const fields[] = {"text", "binary", NULL};
    for (size_t i = 0; i < seq->nitems; i++) {
        const gs_yaml_node *item = seq->items[i];
        gs_dec_push_index(&sd->d, i);
        if (!gs_dec_expect(&sd->d, item, GS_YAML_T_MAP)) {
            gs_dec_pop(&sd->d);
            continue;
        }
        gs_dec_check_fields(&sd->d, item, fields);
        const char *text = NULL;
        bool has_text = gs_dec_string(&sd->d, item, "text", false, &text);
        gs_yaml_node *bin = gs_dec_seq(&sd->d, item, "binary", false);
        gs_scenario_ws_message *msg = &s->messages[s->n_messages];
        if (has_text == (bin != NULL)) {
            if (gs_yaml_get(item, "text") == NULL || gs_yaml_get(item, "binary") != NULL)
                gs_dec_error(&sd->d, item, "want exactly one of text and binary");
        } else if (has_text) {
            *msg = (gs_scenario_ws_message){false, (const uint8_t *)text, strlen(text)};
            s->n_messages++;
        } else {
            uint8_t *bytes = sd_alloc_array(sd, bin->nitems, 1);
            bool ok = true;
            gs_dec_push(&sd->d, "binary");
            for (size_t k = 0; k < bin->nitems; k++) {
                int64_t v;
                if (!gs_yaml_int(bin->items[k], &v) || v < 0 || v > 255) {
                    gs_dec_push_index(&sd->d, k);
                    gs_dec_error(&sd->d, bin->items[k], "must be a byte (0 to 255)");
                    gs_dec_pop(&sd->d);
                    ok = false;
                } else {
                    bytes[k] = (uint8_t)v;
                }
            }
            gs_dec_pop(&sd->d);
            if (ok) {
                *msg = (gs_scenario_ws_message){true, bytes, bin->nitems};
                s->n_messages++;
            }
        }
        gs_dec_pop(&sd->d);
    }
    gs_dec_pop(&sd->d);
}

static void sd_send(scenario_decoder *sd, const gs_yaml_node *m, gs_scenario_send *s)
{
    static const char *const fields[] = {"gateway",
                                         "listener",
                                         "protocol",
                                         "method",
                                         "host",
                                         "path",
                                         "headers",
                                         "grpc",
                                         "requests",
                                         "connections",
                                         "newConnectionPerRequest",
                                         "streams",
                                         "rate",
                                         "sni",
                                         "ca",
                                         "verify",
                                         "addressAsHost",
                                         "alpn",
                                         "messages",
                                         "http2",
                                         "clientCertificate",
                                         NULL};
    static const char *const protocols[] = {"http1", "h2c", "http2",     "grpc",
                                            "tcp",   "udp", "tls",       "websocket",
                                            NULL};
    s->present = true;
    s->verify = true;
    s->client_certificate = -1;
    s->pos = m->pos;
    s->method = "GET";
    s->path = "/";
    s->requests = 100;
    s->connections = 1;
    s->streams = 1;
    gs_dec_check_fields(&sd->d, m, fields);
    gs_yaml_node *gw = gs_dec_field(&sd->d, m, "gateway", false);
    const char *ns, *name;
    if (gw && sd_ref(sd, gw, "gateway", true, &ns, &name))
        s->gateway = gs_yaml_str(gw);
    gs_dec_string(&sd->d, m, "listener", false, &s->listener);
    const gs_yaml_node *lnode = gs_yaml_get(m, "listener"), *pnode = gs_yaml_get(m, "protocol");
    s->listener_pos = lnode ? lnode->pos : m->pos;
    s->protocol_pos = pnode ? pnode->pos : m->pos;
    int proto = 0;
    bool proto_known = true; /* false: an unsupported protocol, already an error */
    if (gs_dec_enum(&sd->d, m, "protocol", false, protocols, &proto))
        s->protocol = (gs_scenario_protocol)proto;
    else
        proto_known = gs_yaml_get(m, "protocol") == NULL;
    if (gs_dec_string(&sd->d, m, "method", false, &s->method) &&
        !scenario_header_name_ok(s->method))
        gs_dec_error_field(&sd->d, gs_yaml_get(m, "method"), "method", "invalid method \"%s\"",
                           s->method);
    gs_dec_string(&sd->d, m, "host", false, &s->host);
    sd_send_tls(sd, m, s);
    if (gs_dec_string(&sd->d, m, "path", false, &s->path) && s->path[0] != '/')
        gs_dec_error_field(&sd->d, gs_yaml_get(m, "path"), "path", "must start with '/'");
    sd_kv(sd, m, "headers", true, &s->headers, &s->n_headers);
    gs_yaml_node *grpc = gs_dec_map(&sd->d, m, "grpc", false);
    if (grpc && grpc->kind == GS_YAML_MAPPING) {
        static const char *const gfields[] = {"service", "method", NULL};
        gs_dec_push(&sd->d, "grpc");
        gs_dec_check_fields(&sd->d, grpc, gfields);
        gs_dec_string(&sd->d, grpc, "service", true, &s->grpc_service);
        gs_dec_string(&sd->d, grpc, "method", true, &s->grpc_method);
        gs_dec_pop(&sd->d);
        if (proto_known && s->protocol != GS_SCENARIO_GRPC)
            gs_dec_error_field(&sd->d, grpc, "grpc", "only valid with protocol: grpc");
    } else if (s->protocol == GS_SCENARIO_GRPC && grpc == NULL) {
        gs_dec_error_field(&sd->d, m, "grpc",
                           "Required value: protocol grpc needs "
                           "{service, method}");
    }
    gs_yaml_node *req = gs_dec_field(&sd->d, m, "requests", false);
    if (req && gs_yaml_scalar_eq(req, "auto") && gs_yaml_is_string(req)) {
        s->requests_auto = true;
    } else if (req && gs_yaml_is_string(req)) {
        gs_dec_error_field(&sd->d, req, "requests",
                           "must be a number of requests or \"auto\", got \"%s\"", req->str);
    } else {
        int64_t v;
        if (gs_dec_int(&sd->d, m, "requests", false, 1, 100000000, &v))
            s->requests = (uint64_t)v;
    }
    int64_t v;
    if (gs_dec_int(&sd->d, m, "connections", false, 1, 10000, &v))
        s->connections = (unsigned)v;
    gs_dec_bool(&sd->d, m, "newConnectionPerRequest", false, &s->new_connection_per_request);
    if (gs_dec_int(&sd->d, m, "streams", false, 1, 10000, &v))
        s->streams = (unsigned)v;
    gs_dec_double(&sd->d, m, "rate", false, 0.001, 10000000, &s->rate);
    if (proto_known && s->streams > 1 && (s->protocol == GS_SCENARIO_HTTP1))
        gs_dec_error_field(&sd->d, gs_yaml_get(m, "streams"), "streams",
                           "concurrent streams need HTTP/2 (protocol h2c, http2 or grpc)");
    sd_send_l4(sd, m, s, proto_known);
    sd_send_websocket(sd, m, s, proto_known);
}

/* request.clientCertificate: "none", or the "namespace/name" of a `tls:` Secret entry. */
static void sd_client_certificate(scenario_decoder *sd, const gs_yaml_node *m,
                                  gs_scenario_http_expect *h)
{
    const gs_yaml_node *n = gs_yaml_get(m, "clientCertificate");
    if (n == NULL)
        return;
    const char *s = gs_yaml_str(n);
    if (s && gs_yaml_is_string(n) && strcmp(s, "none") == 0) {
        h->client_certificate = s;
        return;
    }
    const char *ns = NULL, *name = NULL;
    if (!sd_ref(sd, n, "clientCertificate", false, &ns, &name))
        return;
    for (size_t i = 0; i < sd->sc->n_tls; i++) {
        const gs_scenario_tls *t = &sd->sc->tls[i];
        if (!t->config_map && t->ns && t->name && strcmp(t->ns, ns) == 0 &&
            strcmp(t->name, name) == 0) {
            h->client_certificate = s;
            return;
        }
    }
    gs_dec_error_field(&sd->d, n, "clientCertificate",
                       "\"%s\" is not a Secret of spec.tls (give one there, or \"none\")", s);
}

/* `proto`: HTTP/1.0, HTTP/1.1 or HTTP/2 (HTTP/2.0, as Go's Request.Proto says, taken for it). */
static void sd_http_proto(scenario_decoder *sd, const gs_yaml_node *m, gs_scenario_http_expect *h)
{
    static const char *const protos[] = {"HTTP/1.0", "HTTP/1.1", "HTTP/2", "HTTP/2.0", NULL};
    int i = -1;
    if (!gs_dec_enum(&sd->d, m, "proto", false, protos, &i) || i < 0)
        return;
    h->proto = protos[i == 3 ? 2 : i];
}

static void sd_http_expect(scenario_decoder *sd, const gs_yaml_node *parent, const char *key,
                           bool request, gs_scenario_http_expect *h)
{
    gs_yaml_node *m = gs_dec_map(&sd->d, parent, key, false);
    if (m == NULL || m->kind != GS_YAML_MAPPING)
        return;
    static const char *const req_fields[] = {"method", "path",          "host",
                                             "proto",  "headers",       "absentHeaders",
                                             "sni",    "clientCertificate", NULL};
    static const char *const resp_fields[] = {"proto", "headers", "absentHeaders", NULL};
    h->present = true;
    h->pos = m->pos;
    gs_dec_push(&sd->d, key);
    gs_dec_check_fields(&sd->d, m, request ? req_fields : resp_fields);
    if (request) {
        gs_dec_string(&sd->d, m, "method", false, &h->method);
        gs_dec_string(&sd->d, m, "path", false, &h->path);
        gs_dec_string(&sd->d, m, "host", false, &h->host);
        gs_dec_string(&sd->d, m, "sni", false, &h->sni);
        sd_client_certificate(sd, m, h);
    }
    sd_header_expects(sd, m, "headers", &h->headers, &h->n_headers);
    h->absent = sd_strings(sd, m, "absentHeaders", true, &h->n_absent);
    sd_http_proto(sd, m, h);
    for (size_t i = 0; i < h->n_absent; i++)
        for (size_t j = 0; j < h->n_headers; j++)
            if (strcasecmp(h->absent[i], h->headers[j].name) == 0)
                gs_dec_error_field(&sd->d, m, "absentHeaders",
                                   "header %s is expected both present and absent", h->absent[i]);
    gs_dec_pop(&sd->d);
}

static void sd_statuses(scenario_decoder *sd, const gs_yaml_node *m, gs_scenario_expect *e)
{
    gs_yaml_node *st = gs_dec_field(&sd->d, m, "status", false);
    if (st == NULL)
        return;
    e->status_pos = st->pos;
    gs_dec_push(&sd->d, "status");
    const gs_yaml_node *one = st;
    size_t n = 1;
    if (st->kind == GS_YAML_SEQUENCE) {
        n = st->nitems;
        if (n == 0 || n > GS_ARRAY_LEN(e->statuses))
            gs_dec_error(&sd->d, st, "must list between 1 and %zu status codes",
                         GS_ARRAY_LEN(e->statuses));
    }
    for (size_t i = 0; i < n && i < GS_ARRAY_LEN(e->statuses); i++) {
        if (st->kind == GS_YAML_SEQUENCE) {
            one = st->items[i];
            gs_dec_push_index(&sd->d, i);
        }
        int64_t v;
        if (gs_dec_expect(&sd->d, one, GS_YAML_T_INT) && gs_yaml_int(one, &v)) {
            if (v < 100 || v > 599)
                gs_dec_error(&sd->d, one, "must be an HTTP status between 100 and 599");
            else
                e->statuses[e->n_statuses++] = (int)v;
        }
        if (st->kind == GS_YAML_SEQUENCE)
            gs_dec_pop(&sd->d);
    }
    gs_dec_pop(&sd->d);
}

/* A `split` key: a declared backend "ns/name" (NULL after an error). */
static const char *sd_split_key(scenario_decoder *sd, const gs_yaml_node *k)
{
    return sd_backend_ref(sd, k, "");
}

/* A `statusShares` key: an HTTP status code, 100-599 (NULL after an error). */
static const char *sd_status_key(scenario_decoder *sd, const gs_yaml_node *k)
{
    const char *code = gs_yaml_str(k);
    if (code && strlen(code) == 3 && code[0] >= '1' && code[0] <= '5' &&
        isdigit((unsigned char)code[1]) && isdigit((unsigned char)code[2]))
        return code;
    gs_dec_error(&sd->d, k, "must be an HTTP status code (100-599)");
    return NULL;
}

/* `split` and `statusShares`: a map of names (checked by |key|) to relative weights, at least
 * one entry, not all zero. */
static void sd_weights(scenario_decoder *sd, const gs_yaml_node *m, const char *field,
                       const char *(*key)(scenario_decoder *, const gs_yaml_node *),
                       const char *what, gs_scenario_weight **out, size_t *n_out, gs_pos *pos)
{
    gs_yaml_node *map = gs_dec_map(&sd->d, m, field, false);
    if (map == NULL || map->kind != GS_YAML_MAPPING)
        return;
    *pos = map->pos;
    gs_scenario_weight *ws = sd_alloc_array(sd, map->npairs, sizeof(*ws));
    size_t n = 0;
    double total = 0;
    gs_dec_push(&sd->d, field);
    for (size_t i = 0; i < map->npairs; i++) {
        const gs_yaml_node *k = map->pairs[i].key, *w = map->pairs[i].value;
        gs_dec_push_key(&sd->d, gs_yaml_str(k) ? gs_yaml_str(k) : "?");
        const char *name = key(sd, k);
        double weight;
        if (gs_dec_expect(&sd->d, w, GS_YAML_T_FLOAT) && gs_yaml_double(w, &weight)) {
            if (weight < 0)
                gs_dec_error(&sd->d, w, "weight must not be negative");
            else if (name) {
                ws[n++] = (gs_scenario_weight){name, weight, k->pos};
                total += weight;
            }
        }
        gs_dec_pop(&sd->d);
    }
    gs_dec_pop(&sd->d);
    *out = ws;
    *n_out = n;
    if (map->npairs < 1)
        gs_dec_error_field(&sd->d, map, field, "must name at least one %s", what);
    else if (n == map->npairs && !(total > 0))
        gs_dec_error_field(&sd->d, map, field, "the weights must not all be zero");
}

/* With `status` too, every response must have one of those: a status share outside them
 * could never pass. */
static void sd_status_shares_listed(scenario_decoder *sd, const gs_yaml_node *m,
                                    const gs_scenario_expect *e)
{
    for (size_t i = 0; i < e->n_status_shares && e->n_statuses; i++) {
        bool listed = false;
        for (size_t j = 0; j < e->n_statuses; j++)
            listed |= e->statuses[j] == atoi(e->status_shares[i].backend);
        if (!listed && e->status_shares[i].weight > 0)
            gs_dec_error_field(&sd->d, gs_yaml_get(m, "statusShares"), "statusShares",
                               "status %s has a share but is not in status",
                               e->status_shares[i].backend);
    }
}

/* What a layer-4 step can expect: the answering backend, the split, latency, (tls) the
 * certificate the client saw, and request.sni, the server name a TLS backend saw. HTTP's
 * statuses, the rest of request/response, redirects and mirrors do not exist on a line
 * exchange. */
static void sd_expect_l4(scenario_decoder *sd, const gs_yaml_node *m, const gs_scenario_send *send,
                         gs_scenario_expect *e)
{
    gs_yaml_node *cert = gs_dec_map(&sd->d, m, "certificate", false);
    if (cert && cert->kind == GS_YAML_MAPPING) {
        static const char *const cfields[] = {"backend", NULL};
        e->certificate_pos = cert->pos;
        gs_dec_push(&sd->d, "certificate");
        gs_dec_check_fields(&sd->d, cert, cfields);
        gs_yaml_node *b = gs_dec_field(&sd->d, cert, "backend", true);
        if (b)
            e->certificate_backend = sd_backend_ref(sd, b, "backend");
        gs_dec_pop(&sd->d);
        if (!send->present || send->protocol != GS_SCENARIO_TLS)
            gs_dec_error_field(&sd->d, cert, "certificate",
                               "only valid when the step sends with protocol: tls");
    }
    if (send->present && send->protocol == GS_SCENARIO_WEBSOCKET) {
        /* the backend's side of a WebSocket is its echo of the messages, not an HTTP echo */
        static const char *const not_ws[] = {"request", "redirect", "mirror"};
        sd_refuse_fields(sd, m, not_ws, GS_ARRAY_LEN(not_ws),
                         "not valid with protocol: websocket (the backend echoes the messages, "
                         "which the send checks itself)");
    }
    if (!send->present || !gs_scenario_protocol_is_l4(send->protocol))
        return;
    static const char *const http_only[] = {"status", "statusShares", "response", "redirect",
                                            "mirror"};
    char why[96];
    snprintf(why, sizeof(why), "not valid with protocol: %s (a line exchange has no HTTP)",
             gs_scenario_protocol_name(send->protocol));
    sd_refuse_fields(sd, m, http_only, GS_ARRAY_LEN(http_only), why);
    /* request: only the TLS server name the backend saw (a TLS echo behind a BackendTLSPolicy,
     * or a passthrough one) */
    const gs_yaml_node *req = gs_yaml_get(m, "request");
    if (req == NULL || req->kind != GS_YAML_MAPPING)
        return;
    static const char *const not_sni[] = {"method", "path", "host", "headers", "absentHeaders"};
    snprintf(why, sizeof(why), "not valid with protocol: %s (only request.sni is: a line exchange has no HTTP)",
             gs_scenario_protocol_name(send->protocol));
    gs_dec_push(&sd->d, "request");
    sd_refuse_fields(sd, req, not_sni, GS_ARRAY_LEN(not_sni), why);
    gs_dec_pop(&sd->d);
}

/* `handshake: rejected`: the connection does not get through TLS, so nothing else about the
 * answer can be expected beside it. */
static void sd_expect_handshake(scenario_decoder *sd, const gs_yaml_node *m,
                                const gs_scenario_send *send, gs_scenario_expect *e)
{
    static const char *const values[] = {"rejected", NULL};
    int v = 0;
    if (!gs_dec_enum(&sd->d, m, "handshake", false, values, &v))
        return;
    e->handshake_rejected = true;
    e->handshake_pos = gs_yaml_get(m, "handshake")->pos;
    static const char *const answered[] = {"status",       "grpcStatus", "backend",    "split",
                                           "statusShares", "request",    "response",   "redirect",
                                           "mirror",       "latency",    "certificate"};
    sd_refuse_fields(sd, m, answered, GS_ARRAY_LEN(answered),
                     "contradicts handshake: rejected (no request gets an answer)");
    if (send->present && send->protocol != GS_SCENARIO_HTTP1 &&
        send->protocol != GS_SCENARIO_HTTP2 && send->protocol != GS_SCENARIO_GRPC &&
        send->protocol != GS_SCENARIO_TLS && send->protocol != GS_SCENARIO_WEBSOCKET)
        gs_dec_error_field(&sd->d, gs_yaml_get(m, "handshake"), "handshake",
                           "only valid when the step sends over TLS");
}

static void sd_expect(scenario_decoder *sd, const gs_yaml_node *m, const gs_scenario_send *send,
                      gs_scenario_expect *e)
{
    static const char *const fields[] = {
        "status",   "grpcStatus", "backend", "split",       "statusShares", "request", "response",
        "redirect", "mirror",     "latency", "certificate", "handshake",    NULL};
    e->present = true;
    e->pos = m->pos;
    gs_dec_check_fields(&sd->d, m, fields);
    sd_statuses(sd, m, e);
    sd_expect_l4(sd, m, send, e);
    int64_t v;
    if (gs_dec_int(&sd->d, m, "grpcStatus", false, 0, 16, &v)) {
        e->has_grpc_status = true;
        e->grpc_status = (int)v;
        e->grpc_status_pos = gs_yaml_get(m, "grpcStatus")->pos;
        if (send->present && send->protocol != GS_SCENARIO_GRPC)
            gs_dec_error_field(&sd->d, gs_yaml_get(m, "grpcStatus"), "grpcStatus",
                               "only valid when the step sends with protocol: grpc");
    }
    gs_yaml_node *be = gs_dec_field(&sd->d, m, "backend", false);
    if (be) {
        e->backend_pos = be->pos;
        if (gs_yaml_scalar_eq(be, "none"))
            e->backend_none = true;
        else
            e->backend = sd_backend_ref(sd, be, "backend");
    }
    sd_weights(sd, m, "split", sd_split_key, "backend", &e->split, &e->n_split, &e->split_pos);
    sd_weights(sd, m, "statusShares", sd_status_key, "status", &e->status_shares,
               &e->n_status_shares, &e->status_shares_pos);
    sd_status_shares_listed(sd, m, e);
    sd_http_expect(sd, m, "request", true, &e->request);
    sd_http_expect(sd, m, "response", false, &e->response);
    sd_expect_handshake(sd, m, send, e);
    if (e->request.present && e->backend_none)
        gs_dec_error_field(&sd->d, gs_yaml_get(m, "request"), "request",
                           "no backend sees the request when backend is none");
    gs_yaml_node *rd = gs_dec_map(&sd->d, m, "redirect", false);
    if (rd && rd->kind == GS_YAML_MAPPING) {
        static const char *const rfields[] = {"status", "location", NULL};
        e->has_redirect = true;
        e->redirect_pos = rd->pos;
        gs_dec_push(&sd->d, "redirect");
        gs_dec_check_fields(&sd->d, rd, rfields);
        if (gs_dec_int(&sd->d, rd, "status", false, 300, 399, &v))
            e->redirect_status = (int)v;
        gs_dec_string(&sd->d, rd, "location", false, &e->redirect_location);
        gs_dec_pop(&sd->d);
    }
    gs_yaml_node *mir = gs_dec_seq(&sd->d, m, "mirror", false);
    if (mir && mir->kind == GS_YAML_SEQUENCE) {
        static const char *const mfields[] = {"backend", "fraction", NULL};
        e->mirror_pos = mir->pos;
        e->mirror = sd_alloc_array(sd, mir->nitems, sizeof(*e->mirror));
        gs_dec_push(&sd->d, "mirror");
        for (size_t i = 0; i < mir->nitems; i++) {
            const gs_yaml_node *item = mir->items[i];
            gs_dec_push_index(&sd->d, i);
            if (gs_dec_expect(&sd->d, item, GS_YAML_T_MAP)) {
                gs_dec_check_fields(&sd->d, item, mfields);
                gs_yaml_node *b = gs_dec_field(&sd->d, item, "backend", true);
                const char *ref = b ? sd_backend_ref(sd, b, "backend") : NULL;
                double frac = 1.0;
                gs_dec_double(&sd->d, item, "fraction", false, 0, 1, &frac);
                if (ref)
                    e->mirror[e->n_mirror++] = (gs_scenario_mirror){ref, frac, item->pos};
            }
            gs_dec_pop(&sd->d);
        }
        gs_dec_pop(&sd->d);
    }
    gs_yaml_node *lat = gs_dec_map(&sd->d, m, "latency", false);
    if (lat && lat->kind == GS_YAML_MAPPING) {
        static const char *const lfields[] = {"p50", "p90", "p99", "p999", "max", NULL};
        gs_scenario_latency *l = &e->latency;
        l->present = true;
        l->pos = lat->pos;
        gs_dec_push(&sd->d, "latency");
        gs_dec_check_fields(&sd->d, lat, lfields);
        gs_dec_duration(&sd->d, lat, "p50", false, &l->p50_ns);
        gs_dec_duration(&sd->d, lat, "p90", false, &l->p90_ns);
        gs_dec_duration(&sd->d, lat, "p99", false, &l->p99_ns);
        gs_dec_duration(&sd->d, lat, "p999", false, &l->p999_ns);
        gs_dec_duration(&sd->d, lat, "max", false, &l->max_ns);
        gs_dec_pop(&sd->d);
    }
}

static gs_scenario_condition *sd_conditions(scenario_decoder *sd, const gs_yaml_node *parent,
                                            size_t *n_out)
{
    *n_out = 0;
    gs_yaml_node *m = gs_dec_map(&sd->d, parent, "conditions", false);
    if (m == NULL || m->kind != GS_YAML_MAPPING)
        return NULL;
    static const char *const fields[] = {"status", "reason", NULL};
    static const char *const statuses[] = {"True", "False", "Unknown", NULL};
    gs_scenario_condition *out = sd_alloc_array(sd, m->npairs, sizeof(*out));
    gs_dec_push(&sd->d, "conditions");
    for (size_t i = 0; i < m->npairs; i++) {
        const gs_yaml_node *k = m->pairs[i].key, *c = m->pairs[i].value;
        const char *type = gs_yaml_str(k);
        gs_dec_push_key(&sd->d, type ? type : "?");
        if (gs_dec_expect(&sd->d, c, GS_YAML_T_MAP) && c && type) {
            gs_dec_check_fields(&sd->d, c, fields);
            gs_scenario_condition *cond = &out[*n_out];
            cond->type = type;
            cond->pos = k->pos;
            bool b;
            const gs_yaml_node *st = gs_yaml_get(c, "status");
            int idx;
            if (st && gs_yaml_bool(st, &b)) /* status: True unquoted is a YAML boolean */
                cond->status = b ? "True" : "False";
            else if (gs_dec_enum(&sd->d, c, "status", true, statuses, &idx))
                cond->status = statuses[idx];
            gs_dec_string(&sd->d, c, "reason", false, &cond->reason);
            if (cond->status)
                (*n_out)++;
        }
        gs_dec_pop(&sd->d);
    }
    gs_dec_pop(&sd->d);
    return out;
}

/* An Ingress's expectStatus: {kind: Ingress, name: ns/name, loadBalancer: exposed}. */
static void sd_status_ingress(scenario_decoder *sd, const gs_yaml_node *m,
                              gs_scenario_status_expect *x)
{
    static const char *const fields[] = {"kind", "name", "loadBalancer", NULL};
    static const char *const lb_values[] = {"exposed", NULL};
    gs_dec_check_fields(&sd->d, m, fields);
    gs_yaml_node *name = gs_dec_field(&sd->d, m, "name", true);
    if (name)
        sd_ref(sd, name, "name", true, &x->ns, &x->name);
    int lb = -1;
    x->lb_exposed = gs_dec_enum(&sd->d, m, "loadBalancer", true, lb_values, &lb) && lb == 0;
}

static void sd_status_expect(scenario_decoder *sd, const gs_yaml_node *m,
                             gs_scenario_status_expect *x)
{
    static const char *const fields[] = {"kind",
                                         "name",
                                         "parent",
                                         "parentKind",
                                         "conditions",
                                         "listeners",
                                         "status",
                                         "exactListeners",
                                         "parentCount",
                                         "observedGeneration",
                                         "attachedListenerSets",
                                         "loadBalancer",
                                         NULL};
    static const char *const status_values[] = {"none", NULL};
    static const char *const parent_kinds[] = {"Gateway", "ListenerSet", NULL};
    /* GatewayClass and Gateway, then every route kind of the table, then BackendTLSPolicy (its
     * `parent` names the ancestor Gateway, checked as a route's parent), then ListenerSet
     * (indexes 0 and 1 are not routes, below; nor is the last) */
    const char *kinds[2 + 16 + 4] = {"GatewayClass", "Gateway"};
    size_t n_kinds = 2;
    for (size_t i = 0; i < gs_route_kinds_count && i < 16; i++)
        kinds[n_kinds++] = gs_route_kinds[i].name;
    kinds[n_kinds++] = "BackendTLSPolicy";
    kinds[n_kinds++] = "ListenerSet";
    kinds[n_kinds++] = "Ingress"; /* `loadBalancer` only: sd_status_ingress */
    kinds[n_kinds] = NULL;
    x->pos = m->pos;
    int kind = -1;
    if (gs_dec_enum(&sd->d, m, "kind", true, kinds, &kind))
        x->kind = kinds[kind];
    if (kind == (int)n_kinds - 1) {
        sd_status_ingress(sd, m, x);
        return;
    }
    if (gs_yaml_get(m, "loadBalancer"))
        gs_dec_error_field(&sd->d, gs_yaml_get(m, "loadBalancer"), "loadBalancer",
                           "only an Ingress has a loadBalancer status here");
    gs_dec_check_fields(&sd->d, m, fields);
    n_kinds--; /* the index logic below knows ListenerSet as the last */
    /* a ListenerSet has conditions and listeners as a Gateway has: kind 1 below means either */
    bool lset = kind == (int)n_kinds - 1;
    if (lset)
        kind = 1;
    gs_yaml_node *name = gs_dec_field(&sd->d, m, "name", true);
    if (name && kind == 0) {
        if (gs_dec_string(&sd->d, m, "name", true, &x->name) && strchr(x->name, '/'))
            gs_dec_error_field(&sd->d, name, "name",
                               "a GatewayClass is cluster-scoped: give "
                               "its name without a namespace");
    } else if (name) {
        sd_ref(sd, name, "name", true, &x->ns, &x->name);
    }
    gs_yaml_node *parent = gs_dec_field(&sd->d, m, "parent", false);
    if (parent) {
        const char *p = gs_yaml_str(parent);
        if (kind >= 0 && kind < 2) {
            gs_dec_error_field(&sd->d, parent, "parent", "only routes have parents");
        } else if (!gs_yaml_is_string(parent) || p == NULL) {
            gs_dec_expect(&sd->d, parent, GS_YAML_T_STR);
        } else {
            /* ns/name or ns/name/section */
            char *copy = gs_yaml_strdup(sd->stream, p);
            char *s1 = strchr(copy, '/');
            char *s2 = s1 ? strchr(s1 + 1, '/') : NULL;
            if (s1 == NULL || (s2 && strchr(s2 + 1, '/'))) {
                gs_dec_error_field(&sd->d, parent, "parent",
                                   "must be \"namespace/gateway\" or "
                                   "\"namespace/gateway/sectionName\", got \"%s\"",
                                   p);
            } else {
                *s1 = '\0';
                if (s2)
                    *s2 = '\0';
                x->parent_ns = copy;
                x->parent_name = s1 + 1;
                x->parent_section = s2 ? s2 + 1 : NULL;
                if (!scenario_dns_label(copy, strlen(copy)) || x->parent_name[0] == '\0' ||
                    (s2 && s2[1] == '\0'))
                    gs_dec_error_field(&sd->d, parent, "parent", "malformed parent \"%s\"", p);
            }
        }
    }
    int pk = 0;
    const gs_yaml_node *pkn = gs_yaml_get(m, "parentKind");
    if (pkn && gs_dec_enum(&sd->d, m, "parentKind", false, parent_kinds, &pk)) {
        x->parent_kind = parent_kinds[pk];
        if (!parent)
            gs_dec_error_field(&sd->d, pkn, "parentKind", "needs parent: the parent it qualifies");
    }
    int64_t als;
    const gs_yaml_node *alsn = gs_yaml_get(m, "attachedListenerSets");
    if (alsn && gs_dec_int(&sd->d, m, "attachedListenerSets", false, 0, 100000, &als)) {
        if (kind != 1 || lset)
            gs_dec_error_field(&sd->d, alsn, "attachedListenerSets",
                               "only a Gateway has ListenerSets attached");
        x->has_attached_listener_sets = true;
        x->attached_listener_sets = (unsigned)als;
    }
    x->conditions = sd_conditions(sd, m, &x->n_conditions);
    gs_yaml_node *ls = gs_dec_map(&sd->d, m, "listeners", false);
    if (ls && ls->kind == GS_YAML_MAPPING) {
        if (kind != 1)
            gs_dec_error_field(&sd->d, ls, "listeners",
                               "only a Gateway or a ListenerSet has listeners");
        static const char *const lfields[] = {"attachedRoutes", "conditions", "supportedKinds",
                                              NULL};
        x->listeners = sd_alloc_array(sd, ls->npairs, sizeof(*x->listeners));
        gs_dec_push(&sd->d, "listeners");
        for (size_t i = 0; i < ls->npairs; i++) {
            const gs_yaml_node *k = ls->pairs[i].key, *lv = ls->pairs[i].value;
            const char *lname = gs_yaml_str(k);
            gs_dec_push_key(&sd->d, lname ? lname : "?");
            if (gs_dec_expect(&sd->d, lv, GS_YAML_T_MAP) && lv && lname) {
                gs_scenario_listener_expect *le = &x->listeners[x->n_listeners++];
                le->name = lname;
                le->pos = k->pos;
                gs_dec_check_fields(&sd->d, lv, lfields);
                int64_t v;
                if (gs_dec_int(&sd->d, lv, "attachedRoutes", false, 0, 1000000, &v)) {
                    le->has_attached_routes = true;
                    le->attached_routes = (unsigned)v;
                }
                le->conditions = sd_conditions(sd, lv, &le->n_conditions);
                if (gs_yaml_get(lv, "supportedKinds"))
                    sd_supported_kinds(sd, lv, le);
            }
            gs_dec_pop(&sd->d);
        }
        gs_dec_pop(&sd->d);
    }
    /* `status: none`: nothing may be expected of a status that must not exist. */
    const gs_yaml_node *stn = gs_dec_field(&sd->d, m, "status", false);
    int idx;
    if (stn && gs_dec_enum(&sd->d, m, "status", false, status_values, &idx)) {
        x->no_status = true;
        x->status_pos = stn->pos;
        const gs_yaml_node *cn = gs_yaml_get(m, "conditions");
        const gs_yaml_node *ln = gs_yaml_get(m, "listeners");
        if (cn)
            gs_dec_error_field(&sd->d, cn, "conditions",
                               "contradicts status: none (an object without status has no "
                               "conditions)");
        if (ln)
            gs_dec_error_field(&sd->d, ln, "listeners",
                               "contradicts status: none (a Gateway without status has no "
                               "listener status)");
    }
    const gs_yaml_node *el = gs_yaml_get(m, "exactListeners");
    if (el && gs_dec_bool(&sd->d, m, "exactListeners", false, &x->exact_listeners)) {
        if (kind != 1)
            gs_dec_error_field(&sd->d, el, "exactListeners",
                               "only a Gateway or a ListenerSet has listeners");
        else if (x->exact_listeners && !gs_yaml_get(m, "listeners"))
            gs_dec_error_field(&sd->d, el, "exactListeners",
                               "needs listeners: the ones the status must list, and only them");
    }
    const gs_yaml_node *og = gs_yaml_get(m, "observedGeneration");
    if (og && gs_dec_int(&sd->d, m, "observedGeneration", false, 1, INT64_MAX,
                         &x->observed_generation) && x->no_status)
        gs_dec_error_field(&sd->d, og, "observedGeneration",
                           "contradicts status: none (no conditions to carry it)");
    const gs_yaml_node *pc = gs_yaml_get(m, "parentCount");
    int64_t count;
    if (pc && gs_dec_int(&sd->d, m, "parentCount", false, 0, 1000, &count)) {
        if (kind >= 0 && kind < 2)
            gs_dec_error_field(&sd->d, pc, "parentCount", "only routes have parents");
        else if (x->no_status)
            gs_dec_error_field(&sd->d, pc, "parentCount",
                               "contradicts status: none (use parentCount: 0 alone)");
        x->has_parent_count = true;
        x->parent_count = (unsigned)count;
    }
    if (x->n_conditions == 0 && x->n_listeners == 0 && !gs_yaml_get(m, "conditions") &&
        !gs_yaml_get(m, "listeners") && !stn && !pc && !og && !alsn)
        gs_dec_error(&sd->d, m, "nothing to check: give conditions%s, or status: none",
                     kind == 1 ? " or listeners" : kind > 1 ? ", parentCount" : "");
}

static void sd_step(scenario_decoder *sd, const gs_yaml_node *m, gs_scenario_step *st)
{
    static const char *const fields[] = {"name",   "apply",   "delete", "expectStatus", "send",
                                         "expect", "rollout", "diff",   NULL};
    st->pos = m->pos;
    /* A misspelt field (`expct:`) already has its error: checks that need the field it meant
     * would only add wrong follow-on errors. */
    bool fields_known = gs_dec_check_fields(&sd->d, m, fields);
    if (gs_dec_string(&sd->d, m, "name", true, &st->name) && st->name[0] == '\0')
        gs_dec_error_field(&sd->d, gs_yaml_get(m, "name"), "name", "must not be empty");
    st->apply = sd_sources(sd, m, "apply", &st->n_apply);

    gs_yaml_node *del = gs_dec_seq(&sd->d, m, "delete", false);
    if (del && del->kind == GS_YAML_SEQUENCE) {
        static const char *const dfields[] = {"kind", "name", "namespace", NULL};
        st->deletes = sd_alloc_array(sd, del->nitems, sizeof(*st->deletes));
        gs_dec_push(&sd->d, "delete");
        for (size_t i = 0; i < del->nitems; i++) {
            const gs_yaml_node *item = del->items[i];
            gs_dec_push_index(&sd->d, i);
            if (gs_dec_expect(&sd->d, item, GS_YAML_T_MAP)) {
                gs_scenario_delete *dl = &st->deletes[st->n_deletes];
                dl->pos = item->pos;
                gs_dec_check_fields(&sd->d, item, dfields);
                bool ok = gs_dec_string(&sd->d, item, "kind", true, &dl->kind);
                const char *ns = NULL;
                gs_dec_string(&sd->d, item, "namespace", false, &ns);
                gs_yaml_node *name = gs_dec_field(&sd->d, item, "name", true);
                bool cluster = dl->kind && (strcmp(dl->kind, "GatewayClass") == 0 ||
                                            strcmp(dl->kind, "Namespace") == 0);
                if (name && (cluster || ns)) {
                    ok &= gs_dec_string(&sd->d, item, "name", true, &dl->name);
                    if (dl->name && strchr(dl->name, '/')) {
                        gs_dec_error_field(&sd->d, name, "name",
                                           "give the namespace in name or namespace, not both");
                        ok = false;
                    }
                    dl->ns = cluster ? NULL : ns;
                } else if (name) {
                    ok &= sd_ref(sd, name, "name", true, &dl->ns, &dl->name);
                } else {
                    ok = false;
                }
                if (ok)
                    st->n_deletes++;
            }
            gs_dec_pop(&sd->d);
        }
        gs_dec_pop(&sd->d);
    }

    gs_yaml_node *xs = gs_dec_seq(&sd->d, m, "expectStatus", false);
    if (xs && xs->kind == GS_YAML_SEQUENCE) {
        st->expect_status = sd_alloc_array(sd, xs->nitems, sizeof(*st->expect_status));
        gs_dec_push(&sd->d, "expectStatus");
        for (size_t i = 0; i < xs->nitems; i++) {
            gs_dec_push_index(&sd->d, i);
            if (gs_dec_expect(&sd->d, xs->items[i], GS_YAML_T_MAP))
                sd_status_expect(sd, xs->items[i], &st->expect_status[st->n_expect_status++]);
            gs_dec_pop(&sd->d);
        }
        gs_dec_pop(&sd->d);
    }

    gs_yaml_node *send = gs_dec_map(&sd->d, m, "send", false);
    if (send && send->kind == GS_YAML_MAPPING) {
        gs_dec_push(&sd->d, "send");
        sd_send(sd, send, &st->send);
        gs_dec_pop(&sd->d);
    }
    gs_yaml_node *exp = gs_dec_map(&sd->d, m, "expect", false);
    if (gs_yaml_get(m, "rollout")) {
        gs_scenario_decode_rollout(sd, m, st); /* its own `expect` */
    } else if (gs_yaml_get(m, "diff")) {
        gs_scenario_decode_diff(sd, m, st); /* its own `expect` */
    } else if (exp && exp->kind == GS_YAML_MAPPING) {
        gs_dec_push(&sd->d, "expect");
        sd_expect(sd, exp, &st->send, &st->expect);
        gs_dec_pop(&sd->d);
        if (!st->send.present)
            gs_dec_error_field(&sd->d, exp, "expect",
                               "expect checks the responses of a send: this step sends nothing");
    }
    if (fields_known && st->send.requests_auto && st->expect.n_split == 0 &&
        st->expect.n_status_shares == 0) {
        bool fractional = false;
        for (size_t i = 0; i < st->expect.n_mirror; i++)
            fractional |= st->expect.mirror[i].fraction > 0 && st->expect.mirror[i].fraction < 1;
        if (!fractional)
            gs_dec_error_field(&sd->d, gs_yaml_get(send, "requests"), "send.requests",
                               "requests: auto is sized from a split or a mirror fraction (or "
                               "statusShares); give a number");
    }
    if (!gs_yaml_get(m, "apply") && !gs_yaml_get(m, "delete") && !gs_yaml_get(m, "expectStatus") &&
        !send && !gs_yaml_get(m, "rollout") && !gs_yaml_get(m, "diff"))
        gs_dec_error(&sd->d, m,
                     "the step does nothing: give apply, delete, expectStatus, send, rollout or "
                     "diff");
}

static void sd_steps(scenario_decoder *sd, const gs_yaml_node *spec)
{
    gs_scenario *sc = sd->sc;
    gs_yaml_node *seq = gs_dec_seq(&sd->d, spec, "steps", true);
    if (seq == NULL || seq->kind != GS_YAML_SEQUENCE)
        return;
    if (seq->nitems == 0)
        gs_dec_error_field(&sd->d, seq, "steps", "at least one step is required");
    sc->steps = sd_alloc_array(sd, seq->nitems, sizeof(*sc->steps));
    gs_dec_push(&sd->d, "steps");
    for (size_t i = 0; i < seq->nitems; i++) {
        gs_dec_push_index(&sd->d, i);
        if (gs_dec_expect(&sd->d, seq->items[i], GS_YAML_T_MAP)) {
            gs_scenario_step *st = &sc->steps[sc->n_steps];
            sd_step(sd, seq->items[i], st);
            for (size_t j = 0; st->name && j < sc->n_steps; j++)
                if (sc->steps[j].name && strcmp(sc->steps[j].name, st->name) == 0)
                    gs_dec_error_field(&sd->d, gs_yaml_get(seq->items[i], "name"), "name",
                                       "step name \"%s\" is used twice (first at line %u)",
                                       st->name, sc->steps[j].pos.line);
            sc->n_steps++;
        }
        gs_dec_pop(&sd->d);
    }
    gs_dec_pop(&sd->d);
}

/* What the rollout and diff decoders (gs_rollout_decode.c, gs_diff_decode.c) share with this
 * file. */
gs_scenario_source *gs_scenario_dec_sources(scenario_decoder *sd, const gs_yaml_node *parent,
                                            const char *key, size_t *n_out)
{
    return sd_sources(sd, parent, key, n_out);
}

bool gs_scenario_dec_ref(scenario_decoder *sd, const gs_yaml_node *node, const char *field,
                         bool ns_optional, const char **ns, const char **name)
{
    return sd_ref(sd, node, field, ns_optional, ns, name);
}

const char *gs_scenario_dec_backend_ref(scenario_decoder *sd, const gs_yaml_node *node,
                                        const char *field)
{
    return sd_backend_ref(sd, node, field);
}

void gs_scenario_dec_send(scenario_decoder *sd, const gs_yaml_node *m, gs_scenario_send *s)
{
    sd_send(sd, m, s);
}

const char *gs_scenario_dec_path(scenario_decoder *sd, const gs_yaml_node *node, const char *field,
                                 const char *p)
{
    return sd_existing_path(sd, node, field, p);
}

/* ---- the document ---- */

bool gs_scenario_is_scenario(const gs_yaml_node *doc)
{
    const char *api = gs_yaml_str(gs_yaml_get(doc, "apiVersion"));
    const char *kind = gs_yaml_str(gs_yaml_get(doc, "kind"));
    return api && kind && strncmp(api, "gatesim.dev/", 12) == 0 && strcmp(kind, "Scenario") == 0;
}

static const char *scenario_dirname(gs_yaml_stream *stream, const char *file)
{
    const char *slash = strrchr(file, '/');
    if (slash == NULL)
        return ".";
    if (slash == file)
        return "/";
    char *dir = gs_yaml_strdup(stream, file);
    dir[slash - file] = '\0';
    return dir;
}

gs_scenario *gs_scenario_decode(gs_yaml_stream *stream, const gs_yaml_node *doc, gs_diags *diags,
                                bool *ok)
{
    scenario_decoder sd = {.stream = stream};
    gs_scenario *sc = gs_yaml_alloc(stream, sizeof(*sc));
    sd.sc = sc;
    sc->file = stream->file;
    sc->dir = scenario_dirname(stream, stream->file);
    sc->root = doc;
    sc->pos = doc ? doc->pos : (gs_pos){stream->file, 1, 1};
    sc->statistics = (gs_scenario_statistics){.alpha = 0.001,
                                                .power = 0.99,
                                                .min_effect = 0.02,
                                                .tolerance = GS_SCENARIO_TOLERANCE};
    gs_decoder_init(&sd.d, diags);
    gs_decoder_set_object(&sd.d, "Scenario", NULL, NULL);

    static const char *const top[] = {"apiVersion", "kind", "metadata", "spec", NULL};
    static const char *const meta_fields[] = {"name", "description", "labels", "annotations", NULL};
    static const char *const spec_fields[] = {"manifests",  "namespaces", "backends",        "tls",
                                              "statistics", "steps",      "controllerNames", "conformance",
                                              NULL};
    if (!gs_dec_expect(&sd.d, doc, GS_YAML_T_MAP) || doc == NULL) {
        if (doc == NULL)
            gs_dec_report(&sd.d, GS_DIAG_ERROR, sc->pos, NULL, "empty document");
        goto out;
    }
    gs_dec_check_fields(&sd.d, doc, top);
    const char *api = NULL, *kind = NULL;
    if (gs_dec_string(&sd.d, doc, "apiVersion", true, &api) &&
        strcmp(api, GS_SCENARIO_API_VERSION) != 0)
        gs_dec_error_field(&sd.d, gs_yaml_get(doc, "apiVersion"), "apiVersion",
                           "unsupported apiVersion \"%s\": this gatesim reads %s", api,
                           GS_SCENARIO_API_VERSION);
    if (gs_dec_string(&sd.d, doc, "kind", true, &kind) && strcmp(kind, GS_SCENARIO_KIND) != 0)
        gs_dec_error_field(&sd.d, gs_yaml_get(doc, "kind"), "kind",
                           "expected kind Scenario, got \"%s\"", kind);

    gs_yaml_node *meta = gs_dec_map(&sd.d, doc, "metadata", true);
    if (meta && meta->kind == GS_YAML_MAPPING) {
        gs_dec_push(&sd.d, "metadata");
        gs_dec_check_fields(&sd.d, meta, meta_fields);
        if (gs_dec_string(&sd.d, meta, "name", true, &sc->name)) {
            gs_decoder_set_object(&sd.d, "Scenario", NULL, sc->name);
            if (!scenario_dns_subdomain(sc->name, strlen(sc->name)))
                gs_dec_error_field(&sd.d, gs_yaml_get(meta, "name"), "name",
                                   "\"%s\" must be lowercase letters, digits, '-' and '.'",
                                   sc->name);
        }
        gs_dec_string(&sd.d, meta, "description", false, &sc->description);
        sd_kv(&sd, meta, "labels", false, &sc->labels, &sc->n_labels);
        gs_scenario_kv *ann;
        size_t n_ann;
        sd_kv(&sd, meta, "annotations", false, &ann, &n_ann);
        gs_dec_pop(&sd.d);
    }

    gs_yaml_node *spec = gs_dec_map(&sd.d, doc, "spec", true);
    if (spec && spec->kind == GS_YAML_MAPPING) {
        gs_dec_push(&sd.d, "spec");
        gs_dec_check_fields(&sd.d, spec, spec_fields);
        sd_statistics(&sd, spec);
        gs_scenario_decode_conformance(&sd.d, stream, spec, &sc->conformance);
        sc->controller_names =
            sd_strings(&sd, spec, "controllerNames", false, &sc->n_controller_names);
        sc->manifests = sd_sources(&sd, spec, "manifests", &sc->n_manifests);
        sd_namespaces(&sd, spec);
        sd_backends(&sd, spec);
        sd_tls(&sd, spec);
        sd_steps(&sd, spec);
        gs_dec_pop(&sd.d);
    }
out:
    *ok = sd.d.nerrors == 0;
    gs_decoder_release(&sd.d);
    return sc;
}

const char *gs_scenario_protocol_name(gs_scenario_protocol p)
{
    switch (p) {
    case GS_SCENARIO_HTTP1:
        return "http1";
    case GS_SCENARIO_H2C:
        return "h2c";
    case GS_SCENARIO_HTTP2:
        return "http2";
    case GS_SCENARIO_GRPC:
        return "grpc";
    case GS_SCENARIO_TCP:
        return "tcp";
    case GS_SCENARIO_UDP:
        return "udp";
    case GS_SCENARIO_TLS:
        return "tls";
    case GS_SCENARIO_WEBSOCKET:
        return "websocket";
    }
    return "?";
}

bool gs_scenario_protocol_is_l4(gs_scenario_protocol p)
{
    return p == GS_SCENARIO_TCP || p == GS_SCENARIO_UDP || p == GS_SCENARIO_TLS;
}
