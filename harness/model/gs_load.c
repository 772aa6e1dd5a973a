/* SPDX-License-Identifier: MIT */
/* Loading manifests into a gs_model: files and directories, multi-document streams, `kind:
 * List`, kind/apiVersion dispatch, object metadata, schema defaulting + validation, typed
 * decoding and semantic checks. Kinds outside the model are skipped with a note. */
#include "gs_model.h"

#include "gs_alloc.h"
#include "gs_decode.h"
#include "gs_dir.h"
#include "gs_ingress.h"
#include "gs_model_internal.h"
#include "gs_schema.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct load_ctx {
    gs_model *m;
    const gs_load_options *opt;
    gs_yaml_stream *stream;
    size_t errors; /* errors added by this load */
} load_ctx;

static const char dns_subdomain_re[] =
    "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
static const char dns_label_re[] = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
static const char dns1035_label_re[] = "^[a-z]([-a-z0-9]*[a-z0-9])?$";
static const char label_name_re[] = "^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$";
static const char label_value_re[] = "^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$";

/* ---- metadata ---- */

static bool load_check_name(gs_decoder *d, const gs_yaml_node *n, gs_kind kind)
{
    const char *s = n->str;
    size_t len = n->len;
    if (kind == GS_KIND_NAMESPACE) {
        if (len > 63 || !gs_regex_match(dns_label_re, s, len)) {
            gs_dec_error(d, n, "Invalid value: \"%s\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', start and end with an alphanumeric character, and be at most 63 characters", s);
            return false;
        }
    } else if (kind == GS_KIND_SERVICE) {
        if (len > 63 || !gs_regex_match(dns1035_label_re, s, len)) {
            gs_dec_error(d, n, "Invalid value: \"%s\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, end with an alphanumeric character, and be at most 63 characters", s);
            return false;
        }
    } else if (len > 253 || !gs_regex_match(dns_subdomain_re, s, len)) {
        gs_dec_error(d, n, "Invalid value: \"%s\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', start and end with an alphanumeric character, and be at most 253 characters", s);
        return false;
    }
    return true;
}

/* Checks a qualified name (label / annotation key): [prefix/]name. */
static bool load_qualified_key(gs_decoder *d, const gs_yaml_node *k)
{
    const char *s = k->str;
    const char *slash = strchr(s, '/');
    const char *name = slash ? slash + 1 : s;
    bool ok = true;
    if (slash) {
        size_t plen = (size_t)(slash - s);
        if (plen == 0 || plen > 253 || !gs_regex_match(dns_subdomain_re, s, plen))
            ok = false;
    }
    size_t nlen = strlen(name);
    if (nlen == 0 || nlen > 63 || strchr(name, '/') || !gs_regex_match(label_name_re, name, nlen))
        ok = false;
    if (!ok)
        gs_dec_error(d, k, "Invalid value: \"%s\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (at most 63 characters), with an optional DNS subdomain prefix and '/'", s);
    return ok;
}

static void load_string_map(gs_decoder *d, const gs_yaml_node *map, bool labels)
{
    if (!map || !gs_dec_expect(d, map, GS_YAML_T_MAP) || map->kind != GS_YAML_MAPPING)
        return;
    for (size_t i = 0; i < map->npairs; i++) {
        const gs_yaml_node *k = map->pairs[i].key, *v = map->pairs[i].value;
        if (k->kind != GS_YAML_SCALAR)
            continue;
        gs_dec_push_key(d, k->str);
        load_qualified_key(d, k);
        if (gs_yaml_type_of(v) != GS_YAML_T_STR) {
            gs_dec_expect(d, v, GS_YAML_T_STR);
        } else if (labels && (v->len > 63 || !gs_regex_match(label_value_re, v->str, v->len))) {
            gs_dec_error(d, v, "Invalid value: \"%s\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (at most 63 characters)", v->str);
        }
        gs_dec_pop(d);
    }
}

static void load_metadata(gs_decoder *d, const gs_yaml_node *doc, gs_kind kind)
{
    static const char *const fields[] = {
        "name", "namespace", "labels", "annotations", "generateName", "uid", "resourceVersion",
        "generation", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
        "ownerReferences", "finalizers", "managedFields", "selfLink", NULL};
    gs_yaml_node *md = gs_dec_map(d, doc, "metadata", true);
    if (!md)
        return;
    gs_dec_push(d, "metadata");
    gs_dec_check_fields(d, md, fields);
    gs_yaml_node *name = gs_dec_field(d, md, "name", true);
    if (name) {
        gs_dec_push(d, "name");
        if (gs_dec_expect(d, name, GS_YAML_T_STR))
            load_check_name(d, name, kind);
        gs_dec_pop(d);
    }
    gs_yaml_node *ns = gs_dec_field(d, md, "namespace", false);
    if (ns) {
        gs_dec_push(d, "namespace");
        if (gs_dec_expect(d, ns, GS_YAML_T_STR)) {
            if (!gs_kind_is_namespaced(kind))
                gs_dec_warn(d, ns, "%s is cluster-scoped: the namespace is ignored",
                            gs_kind_name(kind));
            else if (ns->len > 63 || !gs_regex_match(dns_label_re, ns->str, ns->len))
                gs_dec_error(d, ns, "Invalid value: \"%s\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', start and end with an alphanumeric character, and be at most 63 characters", ns->str);
        }
        gs_dec_pop(d);
    }
    gs_yaml_node *ct = gs_dec_field(d, md, "creationTimestamp", false);
    if (ct) {
        gs_dec_push(d, "creationTimestamp");
        if (gs_dec_expect(d, ct, GS_YAML_T_STR) && gs_parse_rfc3339(ct->str) < 0)
            gs_dec_error(d, ct, "Invalid value: \"%s\": must be an RFC 3339 date-time "
                                "(2024-05-01T10:00:00Z)", ct->str);
        gs_dec_pop(d);
    }
    int64_t gen;
    gs_dec_int(d, md, "generation", false, 0, INT64_MAX, &gen);
    gs_dec_push(d, "labels");
    load_string_map(d, gs_dec_field(d, md, "labels", false), true);
    gs_dec_pop(d);
    gs_dec_push(d, "annotations");
    load_string_map(d, gs_dec_field(d, md, "annotations", false), false);
    gs_dec_pop(d);
    gs_dec_pop(d);
}

/* ---- kinds ---- */

typedef struct kind_info {
    gs_kind kind;
    const char *group;
    const char *schema_version; /* which generated schema validates it; NULL = core */
    bool note_old;              /* served long ago, not by v1.6.1: say so */
} kind_info;

/* Resolves apiVersion + kind. Returns false (and reports) for a modelled kind at an unserved
 * version; *out.kind stays UNKNOWN for kinds outside the model. */
static bool load_resolve(gs_decoder *d, const gs_yaml_node *av, const char *kind_name,
                         kind_info *out)
{
    memset(out, 0, sizeof *out);
    const char *api = av->str;
    const char *slash = strrchr(api, '/');
    char group[256] = "";
    const char *version = api;
    if (slash) {
        size_t gl = (size_t)(slash - api);
        if (gl >= sizeof group)
            gl = sizeof group - 1;
        memcpy(group, api, gl);
        group[gl] = '\0';
        version = slash + 1;
    }
    gs_kind k = gs_kind_from_name(kind_name);
    if (strcmp(group, GS_GATEWAY_GROUP) == 0) {
        const gs_route_kind *rk = gs_route_kind_of(k);
        if (k == GS_KIND_GATEWAY_CLASS || k == GS_KIND_GATEWAY || gs_route_kind_modelled(rk) ||
            k == GS_KIND_REFERENCE_GRANT || k == GS_KIND_LISTENER_SET ||
            k == GS_KIND_BACKEND_TLS_POLICY) {
            out->kind = k;
            out->group = GS_GATEWAY_GROUP;
            if (gs_schema_find(kind_name, version)) {
                out->schema_version = version;
                return true;
            }
            if (k == GS_KIND_REFERENCE_GRANT && strcmp(version, "v1alpha2") == 0) {
                out->schema_version = "v1beta1";
                out->note_old = true;
                return true;
            }
            if (rk && rk->alias_from && strcmp(version, rk->alias_from) == 0) {
                out->schema_version = rk->alias_to;
                out->note_old = true;
                return true;
            }
            gs_dec_push(d, "apiVersion");
            gs_dec_error(d, av, "Invalid value: \"%s\": %s is not served at this version by Gateway API v1.6.1 (use %s/v1)", api, kind_name, GS_GATEWAY_GROUP);
            gs_dec_pop(d);
            out->kind = GS_KIND_UNKNOWN;
            return false;
        }
        if (rk && !gs_route_kind_modelled(rk)) {
            /* validated with their CRDs, not modelled as typed objects yet */
            out->kind = k;
            out->group = GS_GATEWAY_GROUP;
            if (gs_schema_find(kind_name, version)) {
                out->schema_version = version;
                return true;
            }
            gs_dec_push(d, "apiVersion");
            gs_dec_error(d, av, "Invalid value: \"%s\": %s is not served at this version by Gateway API v1.6.1", api, kind_name);
            gs_dec_pop(d);
            out->kind = GS_KIND_UNKNOWN;
            return false;
        }
        return true;
    }
    if (group[0] == '\0' && strcmp(version, "v1") == 0 &&
        (k == GS_KIND_NAMESPACE || k == GS_KIND_SERVICE || k == GS_KIND_SECRET ||
         k == GS_KIND_CONFIG_MAP)) {
        out->kind = k;
        out->group = "";
        return true;
    }
    if ((strcmp(group, GS_INGRESS_GROUP) == 0 || strcmp(group, "extensions") == 0) &&
        (k == GS_KIND_INGRESS || k == GS_KIND_INGRESS_CLASS)) {
        if (strcmp(group, GS_INGRESS_GROUP) == 0 && strcmp(version, "v1") == 0) {
            out->kind = k;
            out->group = GS_INGRESS_GROUP;
            return true;
        }
        /* v1beta1 (and extensions/v1beta1) stopped being served in Kubernetes 1.22 */
        gs_dec_push(d, "apiVersion");
        gs_dec_error(d, av, "Invalid value: \"%s\": no matches for kind \"%s\" in version "
                            "\"%s\" (served as %s/v1 since Kubernetes 1.19; the beta versions "
                            "were removed in 1.22)", api, kind_name, api, GS_INGRESS_GROUP);
        gs_dec_pop(d);
        return false;
    }
    return true;
}

/* ---- Service and Secret (core kinds, checked by hand) ---- */

static void load_check_service(gs_decoder *d, const gs_yaml_node *doc)
{
    gs_yaml_node *spec = gs_dec_map(d, doc, "spec", false);
    if (!spec)
        return;
    gs_dec_push(d, "spec");
    static const char *const types[] = {"ClusterIP", "NodePort", "LoadBalancer", "ExternalName",
                                        NULL};
    int t;
    gs_dec_enum(d, spec, "type", false, types, &t);
    gs_yaml_node *ports = gs_dec_seq(d, spec, "ports", false);
    for (size_t i = 0; ports && i < ports->nitems; i++) {
        gs_yaml_node *p = ports->items[i];
        gs_dec_push(d, "ports");
        gs_dec_push_index(d, i);
        if (gs_dec_expect(d, p, GS_YAML_T_MAP) && p->kind == GS_YAML_MAPPING) {
            static const char *const fields[] = {"name", "port", "targetPort", "protocol",
                                                 "appProtocol", "nodePort", NULL};
            gs_dec_check_fields(d, p, fields);
            int64_t port;
            gs_dec_int(d, p, "port", true, 1, 65535, &port);
            const char *s;
            gs_dec_string(d, p, "name", ports->nitems > 1, &s);
            gs_dec_string(d, p, "appProtocol", false, &s);
            static const char *const protos[] = {"TCP", "UDP", "SCTP", NULL};
            int pr;
            gs_dec_enum(d, p, "protocol", false, protos, &pr);
            gs_yaml_node *tp = gs_dec_field(d, p, "targetPort", false);
            if (tp && gs_yaml_type_of(tp) != GS_YAML_T_INT && gs_yaml_type_of(tp) != GS_YAML_T_STR)
                gs_dec_error_field(d, tp, "targetPort", "must be an integer or a port name");
            int64_t np;
            gs_dec_int(d, p, "nodePort", false, 1, 65535, &np);
        }
        gs_dec_pop(d);
        gs_dec_pop(d);
    }
    gs_dec_pop(d);
}

/* Decodes standard base64 (with padding). Returns false at the first bad byte (*bad_at). */
static bool load_base64(const char *s, size_t len, unsigned char *out, size_t *out_len,
                        size_t *bad_at)
{
    unsigned acc = 0;
    int bits = 0;
    size_t n = 0, pad = 0, chars = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        int v;
        if (c == '\n' || c == '\r' || c == ' ' || c == '\t')
            continue; /* YAML folding leaves these in long values */
        if (c == '=') {
            pad++;
            chars++;
            continue;
        }
        if (pad) {
            *bad_at = i;
            return false;
        }
        if (c >= 'A' && c <= 'Z')
            v = c - 'A';
        else if (c >= 'a' && c <= 'z')
            v = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            v = c - '0' + 52;
        else if (c == '+')
            v = 62;
        else if (c == '/')
            v = 63;
        else {
            *bad_at = i;
            return false;
        }
        chars++;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (chars % 4 != 0 || pad > 2) {
        *bad_at = len;
        return false;
    }
    *out_len = n;
    return true;
}

/* ConfigMap: data values are strings, binaryData values base64, a key in only one of them. */
static void load_check_config_map(gs_decoder *d, const gs_yaml_node *doc)
{
    bool b;
    gs_dec_bool(d, doc, "immutable", false, &b);
    gs_yaml_node *data = gs_dec_map(d, doc, "data", false);
    gs_yaml_node *bin = gs_dec_map(d, doc, "binaryData", false);
    for (size_t i = 0; data && i < data->npairs; i++) {
        const gs_yaml_node *k = data->pairs[i].key, *v = data->pairs[i].value;
        gs_dec_push(d, "data");
        gs_dec_push_key(d, k->str ? k->str : "?");
        if (gs_yaml_type_of(v) != GS_YAML_T_NULL)
            gs_dec_expect(d, v, GS_YAML_T_STR);
        gs_dec_pop(d);
        gs_dec_pop(d);
    }
    for (size_t i = 0; bin && i < bin->npairs; i++) {
        const gs_yaml_node *k = bin->pairs[i].key, *v = bin->pairs[i].value;
        gs_dec_push(d, "binaryData");
        gs_dec_push_key(d, k->str ? k->str : "?");
        if (gs_dec_expect(d, v, GS_YAML_T_STR)) {
            unsigned char *buf = gs_xmalloc(v->len + 1);
            size_t olen, bad;
            if (!load_base64(v->str, v->len, buf, &olen, &bad))
                gs_dec_error(d, v, "illegal base64 data at input byte %zu", bad);
            free(buf);
        }
        if (k->str && gs_yaml_get(data, k->str))
            gs_dec_error(d, k, "Invalid value: \"%s\": duplicate of key present in data", k->str);
        gs_dec_pop(d);
        gs_dec_pop(d);
    }
}

static void load_check_secret(gs_decoder *d, const gs_yaml_node *doc)
{
    const char *type = "Opaque";
    gs_dec_string(d, doc, "type", false, &type);
    bool b;
    gs_dec_bool(d, doc, "immutable", false, &b);
    gs_yaml_node *data = gs_dec_map(d, doc, "data", false);
    gs_yaml_node *sdata = gs_dec_map(d, doc, "stringData", false);
    for (size_t i = 0; data && i < data->npairs; i++) {
        const gs_yaml_node *k = data->pairs[i].key, *v = data->pairs[i].value;
        if (k->kind != GS_YAML_SCALAR)
            continue;
        gs_dec_push(d, "data");
        gs_dec_push_key(d, k->str);
        if (gs_yaml_type_of(v) == GS_YAML_T_NULL) {
            /* empty value: allowed */
        } else if (gs_dec_expect(d, v, GS_YAML_T_STR)) {
            unsigned char *buf = gs_xmalloc(v->len + 1);
            size_t olen, bad;
            if (!load_base64(v->str, v->len, buf, &olen, &bad))
                /* The API server rejects this Secret, so it is an error here too. */
                gs_dec_error(d, v, "illegal base64 data at input byte %zu", bad);
            free(buf);
        }
        gs_dec_pop(d);
        gs_dec_pop(d);
    }
    for (size_t i = 0; sdata && i < sdata->npairs; i++) {
        gs_dec_push(d, "stringData");
        gs_dec_push_key(d, sdata->pairs[i].key->str ? sdata->pairs[i].key->str : "?");
        gs_dec_expect(d, sdata->pairs[i].value, GS_YAML_T_STR);
        gs_dec_pop(d);
        gs_dec_pop(d);
    }
    if (strcmp(type, "kubernetes.io/tls") == 0) {
        static const char *const keys[] = {"tls.crt", "tls.key"};
        for (size_t i = 0; i < 2; i++) {
            if (gs_yaml_get(data, keys[i]) || gs_yaml_get(sdata, keys[i]))
                continue;
            gs_dec_push(d, "data");
            gs_dec_push_key(d, keys[i]);
            gs_dec_error(d, data ? data : doc, "Required value");
            gs_dec_pop(d);
            gs_dec_pop(d);
        }
    }
}

/* Internal helpers shared with gs_objects.c (decoding) */
bool gs_load_base64(const char *s, size_t len, unsigned char *out, size_t *out_len)
{
    size_t bad;
    return load_base64(s, len, out, out_len, &bad);
}

/* ---- documents ---- */

static void load_document(load_ctx *c, gs_yaml_node *doc, int depth);

static void load_skip(load_ctx *c, gs_decoder *d, const gs_yaml_node *doc, const char *api,
                      const char *kind, const char *why)
{
    c->m->n_skipped++;
    if (c->opt && c->opt->strict) {
        gs_dec_error(d, doc, "%s %s is not a kind gatesim models (rejected by --strict)", api,
                     kind);
        c->errors++;
    } else {
        gs_dec_note(d, doc, "skipped: %s %s %s", api, kind, why);
    }
}

static void load_list(load_ctx *c, gs_decoder *d, gs_yaml_node *doc, int depth)
{
    static const char *const fields[] = {"apiVersion", "kind", "items", "metadata", NULL};
    gs_dec_check_fields(d, doc, fields);
    gs_yaml_node *items = gs_dec_seq(d, doc, "items", false);
    for (size_t i = 0; items && i < items->nitems; i++)
        load_document(c, items->items[i], depth + 1);
}

static void load_object(load_ctx *c, gs_decoder *d, gs_yaml_node *doc, const kind_info *ki,
                        const char *api)
{
    gs_kind kind = ki->kind;
    size_t before = d->nerrors;
    static const char *const top[] = {"apiVersion", "kind", "metadata", "spec", "status", NULL};
    static const char *const top_secret[] = {"apiVersion", "kind", "metadata", "data",
                                             "stringData", "type", "immutable", NULL};
    static const char *const top_config_map[] = {"apiVersion", "kind",       "metadata",
                                                 "data",       "binaryData", "immutable", NULL};
    if (ki->note_old)
        gs_dec_note(d, gs_yaml_get(doc, "apiVersion"),
                    "%s is not served by Gateway API v1.6.1; validated as %s/%s", api,
                    GS_GATEWAY_GROUP, ki->schema_version);
    gs_dec_check_fields(d, doc, kind == GS_KIND_SECRET       ? top_secret
                                : kind == GS_KIND_CONFIG_MAP ? top_config_map
                                                             : top);
    load_metadata(d, doc, kind);
    const char *ns = NULL;
    if (gs_kind_is_namespaced(kind)) {
        const gs_yaml_node *nsn = gs_yaml_get(gs_yaml_get(doc, "metadata"), "namespace");
        ns = gs_yaml_is_string(nsn) ? nsn->str
             : (c->opt && c->opt->default_namespace) ? c->opt->default_namespace
                                                      : "default";
    }
    if (ki->schema_version) {
        const gs_schema *schema = gs_schema_find_channel(c->opt ? c->opt->channel : NULL,
                                                         gs_kind_name(kind), ki->schema_version);
        gs_yaml_node *spec = gs_dec_map(d, doc, "spec", true);
        if (spec && schema) {
            gs_vctx v = {.dec = d, .stream = c->stream, .object_ns = ns};
            gs_dec_push(d, "spec");
            gs_schema_validate(&v, spec, schema);
            gs_dec_pop(d);
        }
    } else if (kind == GS_KIND_SERVICE) {
        load_check_service(d, doc);
    } else if (kind == GS_KIND_SECRET) {
        load_check_secret(d, doc);
    } else if (kind == GS_KIND_CONFIG_MAP) {
        load_check_config_map(d, doc);
    } else if (kind == GS_KIND_INGRESS || kind == GS_KIND_INGRESS_CLASS) {
        gs_ingress_check(d, doc, kind);
    }
    bool valid = d->nerrors == before;
    if (!gs_kind_is_modelled(kind)) {
        if (valid)
            load_skip(c, d, doc, api, gs_kind_name(kind), "(validated; not modelled yet)");
        else
            c->m->n_invalid++;
        return;
    }
    if (!valid && !(c->opt && c->opt->keep_invalid)) {
        c->m->n_invalid++;
        return;
    }
    gs_object *o = gs_objects_decode(c->stream, kind, doc, ns, api, ki->group, NULL);
    if (!o)
        return;
    gs_semantic_check_object(d, o);
    if (d->nerrors != before && !(c->opt && c->opt->keep_invalid)) {
        c->m->n_invalid++;
        return;
    }
    if (!valid || d->nerrors != before)
        c->m->n_invalid++;
    gs_object *old = gs_model_put(c->m, o);
    if (old && !(c->opt && c->opt->replace_quietly)) {
        /* within one file a second definition is a likely mistake; across files it is how
         * scenario steps and test folders replace objects */
        bool same_file = old->pos.file && doc->pos.file && strcmp(old->pos.file, doc->pos.file) == 0;
        gs_dec_report(d, same_file ? GS_DIAG_WARNING : GS_DIAG_NOTE, doc->pos, NULL,
                      "%s is defined again; this definition replaces the one at %s:%u:%u",
                      gs_kind_name(kind), old->pos.file ? old->pos.file : "?", old->pos.line,
                      old->pos.col);
    }
}

static void load_document(load_ctx *c, gs_yaml_node *doc, int depth)
{
    if (!doc)
        return;
    gs_diags *diags = &c->m->diags;
    if (c->opt && c->opt->strict)
        diags->warnings_are_errors = true;
    gs_decoder d;
    gs_decoder_init(&d, diags);
    d.fallback = doc->pos;
    if (depth > 8 || doc->kind != GS_YAML_MAPPING) {
        gs_dec_error(&d, doc, "a manifest must be an object (mapping), got %s",
                     gs_yaml_type_name(gs_yaml_type_of(doc)));
        c->m->n_invalid++;
        goto out;
    }
    const gs_yaml_node *kn = gs_yaml_get(doc, "kind");
    const gs_yaml_node *md = gs_yaml_get(doc, "metadata");
    const gs_yaml_node *nn = gs_yaml_get(md, "name");
    const gs_yaml_node *nsn = gs_yaml_get(md, "namespace");
    const char *kind = gs_yaml_is_string(kn) ? kn->str : NULL;
    gs_kind k = gs_kind_from_name(kind);
    const char *ns = gs_yaml_is_string(nsn) ? nsn->str : NULL;
    if (!ns && k != GS_KIND_UNKNOWN && gs_kind_is_namespaced(k) && kind)
        ns = (c->opt && c->opt->default_namespace) ? c->opt->default_namespace : "default";
    if (k == GS_KIND_GATEWAY_CLASS || k == GS_KIND_NAMESPACE || k == GS_KIND_INGRESS_CLASS)
        ns = NULL;
    gs_decoder_set_object(&d, kind, ns, gs_yaml_is_string(nn) ? nn->str : NULL);

    const char *api = NULL;
    bool ok = gs_dec_string(&d, doc, "apiVersion", true, &api);
    ok = gs_dec_string(&d, doc, "kind", true, &kind) && ok;
    if (!ok) {
        c->m->n_invalid++;
        goto out;
    }
    if (strcmp(kind, "List") == 0 && (strcmp(api, "v1") == 0 || strstr(api, "/v1"))) {
        load_list(c, &d, doc, depth);
        goto out;
    }
    if (strcmp(api, GS_SCENARIO_API_VERSION) == 0 && strcmp(kind, "Scenario") == 0) {
        gs_model *m = c->m;
        m->scenario_docs = gs_xrealloc(m->scenario_docs, (m->n_scenarios + 1) *
                                                             sizeof(*m->scenario_docs));
        m->scenario_docs[m->n_scenarios++] = (gs_model_scenario_doc){c->stream, doc};
        if (!(c->opt && c->opt->scenarios_checked_by_caller))
            gs_dec_note(&d, doc, "a Scenario, not an object: skipped here (gatesim validate "
                                 "checks scenarios, gatesim run runs them)");
        goto out;
    }
    kind_info ki;
    if (!load_resolve(&d, gs_yaml_get(doc, "apiVersion"), kind, &ki)) {
        c->m->n_invalid++;
        goto out;
    }
    if (!gs_kind_is_modelled(ki.kind) && ki.kind == GS_KIND_UNKNOWN) {
        /* "HTTPRoutes", "Sevice": a typo of a kind we model is an error (the API server would
         * answer "no matches for kind"), not a kind to skip */
        const char *known[GS_KIND_COUNT_]; /* the kind table's names, NULL-terminated */
        size_t n_known = 0;
        for (int i = GS_KIND_UNKNOWN + 1; i < GS_KIND_COUNT_; i++)
            known[n_known++] = gs_kind_name((gs_kind)i);
        known[n_known] = NULL;
        const char *hint = gs_suggest(kind, known);
        if (hint && strcmp(hint, kind) != 0 && gs_kind_is_modelled(gs_kind_from_name(hint))) {
            gs_dec_push(&d, "kind");
            gs_dec_error(&d, gs_yaml_get(doc, "kind"),
                         "no matches for kind \"%s\" in version \"%s\"; did you mean \"%s\"?",
                         kind, api, hint);
            gs_dec_pop(&d);
            c->m->n_invalid++;
            goto out;
        }
    }
    if (!gs_kind_is_modelled(ki.kind) && !ki.schema_version) {
        bool gateway_group = strncmp(api, GS_GATEWAY_GROUP "/", strlen(GS_GATEWAY_GROUP) + 1) == 0 ||
                             strncmp(api, "gateway.networking.x-k8s.io/", 28) == 0;
        load_skip(c, &d, doc, api, kind,
                  ki.kind != GS_KIND_UNKNOWN ? "(recognised; not modelled yet)"
                  : gateway_group            ? "(a Gateway API kind gatesim does not model yet)"
                                             : "(not a Gateway API or core kind gatesim models)");
        goto out;
    }
    load_object(c, &d, doc, &ki, api);
out:
    c->errors += d.nerrors;
    gs_decoder_release(&d);
}

static void load_stream(load_ctx *c)
{
    for (size_t i = 0; i < c->stream->ndocs; i++)
        load_document(c, c->stream->docs[i], 0);
}

int gs_model_load_buffer(gs_model *m, const char *name, const void *data, size_t len,
                         const gs_load_options *opt, gs_error *err)
{
    gs_yaml_stream *s = NULL;
    gs_error e = {0};
    int rc = gs_yaml_parse_buffer(&s, name, data, len, &e);
    m->n_files++;
    if (rc) {
        /* the message already starts with file:line:col */
        const char *msg = e.msg;
        char prefix[64];
        int pl = snprintf(prefix, sizeof prefix, ":%u:%u: ", e.pos.line, e.pos.col);
        const char *p = strstr(msg, prefix);
        if (p && pl > 0)
            msg = p + pl;
        gs_diags_add(&m->diags, GS_DIAG_ERROR, e.pos, NULL, NULL, NULL, NULL, "%s", msg);
        if (err)
            *err = e;
        return rc;
    }
    gs_model_adopt_stream(m, s);
    load_ctx c = {.m = m, .opt = opt, .stream = s};
    load_stream(&c);
    return 0;
}

static int load_file(gs_model *m, const char *path, const gs_load_options *opt, gs_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        gs_pos pos = {path, 0, 0};
        gs_diags_add(&m->diags, GS_DIAG_ERROR, pos, NULL, NULL, NULL, NULL, "cannot read: %s",
                     strerror(e));
        return gs_error_set_errno(err, e, "%s", path);
    }
    gs_buf b = {0};
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
        gs_buf_reserve(&b, (size_t)st.st_size + 1); /* one allocation of the right size */
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        gs_buf_append(&b, chunk, n);
    bool failed = ferror(f);
    int e = errno;
    fclose(f);
    if (failed) {
        gs_buf_clear(&b);
        gs_pos pos = {path, 0, 0};
        gs_diags_add(&m->diags, GS_DIAG_ERROR, pos, NULL, NULL, NULL, NULL, "cannot read: %s",
                     strerror(e));
        return gs_error_set_errno(err, e, "%s", path);
    }
    int rc = gs_model_load_buffer(m, path, b.data ? b.data : "", b.len, opt, err);
    gs_buf_clear(&b);
    return rc;
}

/* The directories on the current descent, so a symlink back up the tree is not followed. */
typedef struct dir_chain {
    dev_t dev;
    ino_t ino;
    const struct dir_chain *up;
} dir_chain;

static int load_dir(gs_model *m, const char *path, const gs_load_options *opt, gs_error *err,
                    const dir_chain *up, int depth)
{
    struct stat self;
    if (depth > 32 || stat(path, &self) != 0)
        return 0;
    for (const dir_chain *c = up; c; c = c->up)
        if (c->dev == self.st_dev && c->ino == self.st_ino) {
            gs_pos pos = {path, 0, 0};
            gs_diags_add(&m->diags, GS_DIAG_NOTE, pos, NULL, NULL, NULL, NULL,
                         "not followed: a link back to a directory being read");
            return 0;
        }
    dir_chain here = {self.st_dev, self.st_ino, up};
    char **names;
    size_t n;
    if (gs_dir_names(path, &names, &n) < 0) {
        int e = errno;
        gs_pos pos = {path, 0, 0};
        gs_diags_add(&m->diags, GS_DIAG_ERROR, pos, NULL, NULL, NULL, NULL, "cannot read: %s",
                     strerror(e));
        return gs_error_set_errno(err, e, "%s", path);
    }
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        char *full = gs_xasprintf("%s%s%s", path,
                                  path[0] && path[strlen(path) - 1] == '/' ? "" : "/", names[i]);
        struct stat st;
        int r = 0;
        if (stat(full, &st) == 0 && S_ISDIR(st.st_mode))
            r = load_dir(m, full, opt, err, &here, depth + 1);
        else if (gs_path_is_yaml(names[i]))
            r = load_file(m, full, opt, err);
        if (r && !rc)
            rc = r;
        free(full);
    }
    gs_dir_names_free(names, n);
    return rc;
}

int gs_model_load_path(gs_model *m, const char *path, const gs_load_options *opt, gs_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        int e = errno;
        gs_pos pos = {path, 0, 0};
        gs_diags_add(&m->diags, GS_DIAG_ERROR, pos, NULL, NULL, NULL, NULL, "cannot read: %s",
                     strerror(e));
        return gs_error_set_errno(err, e, "%s", path);
    }
    if (S_ISDIR(st.st_mode))
        return load_dir(m, path, opt, err, NULL, 0);
    return load_file(m, path, opt, err);
}

size_t gs_model_load_node(gs_model *m, const gs_yaml_node *doc, const gs_load_options *opt)
{
    gs_yaml_stream *s = gs_yaml_stream_new(doc && doc->pos.file ? doc->pos.file : "<inline>");
    gs_model_adopt_stream(m, s);
    if (!doc)
        return 0;
    gs_yaml_node *copy = gs_yaml_clone(s, doc);
    load_ctx c = {.m = m, .opt = opt, .stream = s};
    load_document(&c, copy, 0);
    return c.errors;
}
