/* SPDX-License-Identifier: MIT */
/* Defaulted, validated YAML trees -> typed Gateway API and core objects (gs_model.h). Every
 * value keeps its position; memory comes from the source stream's arena. Tolerant of invalid
 * trees (wrong types are skipped), since --keep-invalid decodes them too. */
#include "gs_model_internal.h"

#include "gs_alloc.h"
#include "gs_ingress.h"

#include <string.h>

struct gs_objects_dec {
    gs_yaml_stream *s;
    const char *ns; /* the object's namespace, the default of local references */
};
typedef gs_objects_dec dec;

static const gs_yaml_node *get(const gs_yaml_node *map, const char *key)
{
    const gs_yaml_node *v = gs_yaml_get(map, key);
    if (v && v->kind == GS_YAML_SCALAR && gs_yaml_type_of(v) == GS_YAML_T_NULL)
        return NULL;
    return v;
}

/* Shared default nodes have no position (line 0): values read from them get the position of
 * the object being decoded, which is what gs_sval.pos promises for defaults. */
static _Thread_local gs_pos decode_object_pos;

static gs_pos pos_of(const gs_yaml_node *n)
{
    if (n && n->pos.line)
        return n->pos;
    return decode_object_pos;
}

static gs_sval sv(const gs_yaml_node *map, const char *key)
{
    gs_sval r = {0};
    const gs_yaml_node *v = get(map, key);
    r.pos = pos_of(map);
    if (!v || v->kind != GS_YAML_SCALAR)
        return r;
    r.v = v->str;
    r.pos = v->defaulted ? pos_of(map) : v->pos;
    r.set = !v->defaulted;
    return r;
}

/* A string value with a default applied when absent (set=false). */
static gs_sval sv_def(const gs_yaml_node *map, const char *key, const char *def)
{
    gs_sval r = sv(map, key);
    if (!r.v)
        r.v = def;
    return r;
}

static gs_sval sv_node(const gs_yaml_node *n)
{
    gs_sval r = {0};
    if (n && n->kind == GS_YAML_SCALAR) {
        r.v = n->str;
        r.pos = pos_of(n);
        r.set = !n->defaulted;
    }
    return r;
}

static gs_ival iv(const gs_yaml_node *map, const char *key)
{
    gs_ival r = {0};
    const gs_yaml_node *v = get(map, key);
    r.pos = pos_of(map);
    if (!v)
        return r;
    r.pos = v->defaulted ? pos_of(map) : v->pos;
    if (gs_yaml_int(v, &r.v)) {
        r.has = true;
        r.set = !v->defaulted;
    }
    return r;
}

static gs_bval bv(const gs_yaml_node *map, const char *key)
{
    gs_bval r = {0};
    const gs_yaml_node *v = get(map, key);
    r.pos = pos_of(map);
    if (v && gs_yaml_bool(v, &r.v)) {
        r.pos = v->defaulted ? pos_of(map) : v->pos;
        r.set = !v->defaulted;
    }
    return r;
}

static size_t seq_len(const gs_yaml_node *n)
{
    return n && n->kind == GS_YAML_SEQUENCE ? n->nitems : 0;
}

static void *alloc_n(dec *d, size_t n, size_t size)
{
    return n ? gs_yaml_alloc(d->s, n * size) : NULL;
}

static gs_sval *str_list(dec *d, const gs_yaml_node *seq, size_t *n)
{
    *n = seq_len(seq);
    gs_sval *v = alloc_n(d, *n, sizeof *v);
    for (size_t i = 0; i < *n; i++)
        v[i] = sv_node(seq->items[i]);
    return v;
}

static void labels(dec *d, const gs_yaml_node *map, gs_labels *out)
{
    out->n = 0;
    out->items = NULL;
    if (!map || map->kind != GS_YAML_MAPPING)
        return;
    out->items = alloc_n(d, map->npairs, sizeof *out->items);
    for (size_t i = 0; i < map->npairs; i++) {
        if (map->pairs[i].key->kind != GS_YAML_SCALAR)
            continue;
        gs_label *l = &out->items[out->n++];
        l->key = sv_node(map->pairs[i].key);
        l->value = sv_node(map->pairs[i].value);
        if (!l->value.v) {
            l->value.v = "";
            l->value.pos = pos_of(map->pairs[i].key);
        }
    }
}

/* The namespace of a reference: written, else the referrer's (set=false). */
static gs_sval ref_ns(dec *d, const gs_yaml_node *ref)
{
    gs_sval r = sv(ref, "namespace");
    if (!r.v) {
        r.v = d->ns;
        r.set = false;
    }
    return r;
}

static void parent_ref(dec *d, const gs_yaml_node *n, gs_parent_ref *r)
{
    r->group = sv_def(n, "group", GS_GATEWAY_GROUP);
    r->kind = sv_def(n, "kind", "Gateway");
    r->namespace = ref_ns(d, n);
    r->name = sv(n, "name");
    r->section_name = sv(n, "sectionName");
    r->port = iv(n, "port");
    r->pos = pos_of(n);
}

static void backend_ref(dec *d, const gs_yaml_node *n, gs_backend_ref *r)
{
    r->group = sv_def(n, "group", "");
    r->kind = sv_def(n, "kind", "Service");
    r->namespace = ref_ns(d, n);
    r->name = sv(n, "name");
    r->port = iv(n, "port");
    r->pos = pos_of(n);
}

static void secret_ref(dec *d, const gs_yaml_node *n, gs_secret_ref *r)
{
    r->group = sv_def(n, "group", "");
    r->kind = sv_def(n, "kind", "Secret");
    r->namespace = ref_ns(d, n);
    r->name = sv(n, "name");
    r->pos = pos_of(n);
}

static void local_ref(const gs_yaml_node *n, gs_local_ref *r)
{
    memset(r, 0, sizeof *r);
    if (!n)
        return;
    r->set = true;
    r->group = sv_def(n, "group", "");
    r->kind = sv(n, "kind");
    r->name = sv(n, "name");
    r->namespace = sv(n, "namespace");
    r->pos = pos_of(n);
}

static void selector(dec *d, const gs_yaml_node *n, gs_label_selector *sel)
{
    memset(sel, 0, sizeof *sel);
    if (!n || n->kind != GS_YAML_MAPPING)
        return;
    sel->set = true;
    sel->pos = pos_of(n);
    labels(d, get(n, "matchLabels"), &sel->match_labels);
    const gs_yaml_node *ex = get(n, "matchExpressions");
    sel->n_match_expressions = seq_len(ex);
    sel->match_expressions = alloc_n(d, sel->n_match_expressions, sizeof *sel->match_expressions);
    for (size_t i = 0; i < sel->n_match_expressions; i++) {
        gs_label_selector_requirement *r = &sel->match_expressions[i];
        const gs_yaml_node *e = ex->items[i];
        r->key = sv(e, "key");
        r->operator = sv(e, "operator");
        r->values = str_list(d, get(e, "values"), &r->n_values);
        r->pos = pos_of(e);
    }
}

/* ---- GatewayClass, Gateway ---- */

static void decode_gateway_class(dec *d, const gs_yaml_node *spec, gs_gateway_class *gc)
{
    gc->spec.controller_name = sv(spec, "controllerName");
    gc->spec.description = sv(spec, "description");
    local_ref(get(spec, "parametersRef"), &gc->spec.parameters_ref);
    (void)d;
}

static gs_protocol protocol_kind(const char *p)
{
    if (!p)
        return GS_PROTOCOL_OTHER;
    if (strcmp(p, "HTTP") == 0)
        return GS_PROTOCOL_HTTP;
    if (strcmp(p, "HTTPS") == 0)
        return GS_PROTOCOL_HTTPS;
    if (strcmp(p, "TLS") == 0)
        return GS_PROTOCOL_TLS;
    if (strcmp(p, "TCP") == 0)
        return GS_PROTOCOL_TCP;
    if (strcmp(p, "UDP") == 0)
        return GS_PROTOCOL_UDP;
    return GS_PROTOCOL_OTHER;
}

static gs_namespaces_from namespaces_from(const char *s)
{
    return strcmp(s, "All") == 0        ? GS_FROM_ALL
           : strcmp(s, "Selector") == 0 ? GS_FROM_SELECTOR
           : strcmp(s, "None") == 0     ? GS_FROM_NONE
                                        : GS_FROM_SAME;
}

static void decode_listener(dec *d, const gs_yaml_node *n, gs_listener *l)
{
    l->pos = pos_of(n);
    l->name = sv(n, "name");
    l->hostname = sv(n, "hostname");
    l->port = iv(n, "port");
    l->protocol = sv(n, "protocol");
    l->protocol_kind = protocol_kind(l->protocol.v);
    const gs_yaml_node *tls = get(n, "tls");
    if (tls && tls->kind == GS_YAML_MAPPING) {
        gs_gateway_tls_config *t = &l->tls;
        t->set = true;
        t->pos = pos_of(tls);
        t->mode_str = sv_def(tls, "mode", "Terminate");
        t->mode = strcmp(t->mode_str.v, "Passthrough") == 0 ? GS_TLS_MODE_PASSTHROUGH
                                                             : GS_TLS_MODE_TERMINATE;
        const gs_yaml_node *refs = get(tls, "certificateRefs");
        t->n_certificate_refs = seq_len(refs);
        t->certificate_refs = alloc_n(d, t->n_certificate_refs, sizeof *t->certificate_refs);
        for (size_t i = 0; i < t->n_certificate_refs; i++)
            secret_ref(d, refs->items[i], &t->certificate_refs[i]);
        labels(d, get(tls, "options"), &t->options);
    }
    const gs_yaml_node *ar = get(n, "allowedRoutes");
    gs_allowed_routes *a = &l->allowed_routes;
    a->pos = ar ? pos_of(ar) : l->pos;
    const gs_yaml_node *nss = get(ar, "namespaces");
    a->from_str = sv_def(nss, "from", "Same");
    a->from = namespaces_from(a->from_str.v);
    selector(d, get(nss, "selector"), &a->selector);
    const gs_yaml_node *kinds = get(ar, "kinds");
    a->kinds_set = kinds != NULL;
    a->n_kinds = seq_len(kinds);
    a->kinds = alloc_n(d, a->n_kinds, sizeof *a->kinds);
    for (size_t i = 0; i < a->n_kinds; i++) {
        a->kinds[i].group = sv_def(kinds->items[i], "group", GS_GATEWAY_GROUP);
        a->kinds[i].kind = sv(kinds->items[i], "kind");
        a->kinds[i].pos = pos_of(kinds->items[i]);
    }
}

static gs_listener *listeners(dec *d, const gs_yaml_node *spec, size_t *n)
{
    const gs_yaml_node *ls = get(spec, "listeners");
    *n = seq_len(ls);
    gs_listener *v = alloc_n(d, *n, sizeof *v);
    for (size_t i = 0; i < *n; i++)
        decode_listener(d, ls->items[i], &v[i]);
    return v;
}

/* allowedListeners.namespaces: from defaults to None (no ListenerSet may attach). */
static void allowed_listeners(dec *d, const gs_yaml_node *spec, gs_allowed_listeners *a)
{
    const gs_yaml_node *al = get(spec, "allowedListeners");
    const gs_yaml_node *nss = get(al, "namespaces");
    a->pos = pos_of(nss ? nss : al ? al : spec);
    a->from_str = sv_def(nss, "from", "None");
    a->from = namespaces_from(a->from_str.v);
    selector(d, get(nss, "selector"), &a->selector);
}

static void decode_listener_set(dec *d, const gs_yaml_node *spec, gs_listener_set *ls)
{
    parent_ref(d, get(spec, "parentRef"), &ls->spec.parent_ref);
    ls->spec.listeners = listeners(d, spec, &ls->spec.n_listeners);
}

static void frontend_validation(dec *d, const gs_yaml_node *v, gs_frontend_validation *out)
{
    memset(out, 0, sizeof *out);
    if (!v || v->kind != GS_YAML_MAPPING)
        return;
    out->set = true;
    out->pos = pos_of(v);
    const gs_yaml_node *cas = get(v, "caCertificateRefs");
    out->n_ca_certificate_refs = seq_len(cas);
    out->ca_certificate_refs = alloc_n(d, seq_len(cas), sizeof *out->ca_certificate_refs);
    for (size_t i = 0; i < seq_len(cas); i++)
        local_ref(cas->items[i], &out->ca_certificate_refs[i]);
    out->mode_str = sv_def(v, "mode", "AllowValidOnly");
    out->mode = strcmp(out->mode_str.v, "AllowInsecureFallback") == 0
                    ? GS_FRONTEND_ALLOW_INSECURE_FALLBACK
                    : GS_FRONTEND_ALLOW_VALID_ONLY;
}

/* spec.tls.frontend: default.validation and perPort[].tls.validation. */
static void frontend_tls(dec *d, const gs_yaml_node *spec, gs_gateway_frontend_tls *f)
{
    const gs_yaml_node *fr = get(get(spec, "tls"), "frontend");
    memset(f, 0, sizeof *f);
    if (!fr || fr->kind != GS_YAML_MAPPING)
        return;
    f->set = true;
    f->pos = pos_of(fr);
    frontend_validation(d, get(get(fr, "default"), "validation"), &f->default_validation);
    const gs_yaml_node *pp = get(fr, "perPort");
    f->n_per_port = seq_len(pp);
    f->per_port = alloc_n(d, f->n_per_port, sizeof *f->per_port);
    for (size_t i = 0; i < f->n_per_port; i++) {
        f->per_port[i].port = iv(pp->items[i], "port");
        f->per_port[i].pos = pos_of(pp->items[i]);
        frontend_validation(d, get(get(pp->items[i], "tls"), "validation"),
                            &f->per_port[i].validation);
    }
}

static void decode_gateway(dec *d, const gs_yaml_node *spec, gs_gateway *gw)
{
    frontend_tls(d, spec, &gw->spec.tls_frontend);
    gw->spec.gateway_class_name = sv(spec, "gatewayClassName");
    allowed_listeners(d, spec, &gw->spec.allowed_listeners);
    gw->spec.listeners = listeners(d, spec, &gw->spec.n_listeners);
    const gs_yaml_node *as = get(spec, "addresses");
    gw->spec.n_addresses = seq_len(as);
    gw->spec.addresses = alloc_n(d, gw->spec.n_addresses, sizeof *gw->spec.addresses);
    for (size_t i = 0; i < gw->spec.n_addresses; i++) {
        gw->spec.addresses[i].type = sv_def(as->items[i], "type", "IPAddress");
        gw->spec.addresses[i].value = sv(as->items[i], "value");
        gw->spec.addresses[i].pos = pos_of(as->items[i]);
    }
    const gs_yaml_node *inf = get(spec, "infrastructure");
    if (inf) {
        gw->spec.infrastructure.set = true;
        gw->spec.infrastructure.pos = pos_of(inf);
        labels(d, get(inf, "labels"), &gw->spec.infrastructure.labels);
        labels(d, get(inf, "annotations"), &gw->spec.infrastructure.annotations);
        local_ref(get(inf, "parametersRef"), &gw->spec.infrastructure.parameters_ref);
    }
    const gs_yaml_node *backend = get(get(spec, "tls"), "backend");
    if (backend) {
        gs_gateway_backend_tls *b = &gw->spec.tls.backend;
        b->set = true;
        b->pos = pos_of(backend);
        const gs_yaml_node *ref = get(backend, "clientCertificateRef");
        if (ref) {
            b->has_client_certificate_ref = true;
            secret_ref(d, ref, &b->client_certificate_ref);
        }
    }
}

/* ---- routes ---- */

static void value_match(const gs_yaml_node *n, gs_http_value_match *m)
{
    gs_sval t = sv(n, "type");
    m->type = t.v && strcmp(t.v, "RegularExpression") == 0 ? GS_MATCH_REGULAR_EXPRESSION
                                                            : GS_MATCH_EXACT;
    m->name = sv(n, "name");
    m->value = sv(n, "value");
    m->pos = pos_of(n);
}

static gs_http_value_match *value_matches(dec *d, const gs_yaml_node *seq, size_t *n)
{
    *n = seq_len(seq);
    gs_http_value_match *v = alloc_n(d, *n, sizeof *v);
    for (size_t i = 0; i < *n; i++)
        value_match(seq->items[i], &v[i]);
    return v;
}

static gs_http_header *headers(dec *d, const gs_yaml_node *seq, size_t *n)
{
    *n = seq_len(seq);
    gs_http_header *v = alloc_n(d, *n, sizeof *v);
    for (size_t i = 0; i < *n; i++) {
        v[i].name = sv(seq->items[i], "name");
        v[i].value = sv(seq->items[i], "value");
        v[i].pos = pos_of(seq->items[i]);
    }
    return v;
}

static void header_filter(dec *d, const gs_yaml_node *n, gs_http_header_filter *f)
{
    if (!n)
        return;
    f->pos = pos_of(n);
    f->set = headers(d, get(n, "set"), &f->n_set);
    f->add = headers(d, get(n, "add"), &f->n_add);
    f->remove = str_list(d, get(n, "remove"), &f->n_remove);
}

static void path_modifier(const gs_yaml_node *n, gs_http_path_modifier *p)
{
    if (!n)
        return;
    p->pos = pos_of(n);
    gs_sval t = sv(n, "type");
    p->type = !t.v                                      ? GS_PATH_MODIFIER_NONE
              : strcmp(t.v, "ReplaceFullPath") == 0    ? GS_PATH_MODIFIER_REPLACE_FULL_PATH
              : strcmp(t.v, "ReplacePrefixMatch") == 0 ? GS_PATH_MODIFIER_REPLACE_PREFIX_MATCH
                                                       : GS_PATH_MODIFIER_NONE;
    p->replace_full_path = sv(n, "replaceFullPath");
    p->replace_prefix_match = sv(n, "replacePrefixMatch");
}

static gs_filter_type filter_type(const char *t)
{
    static const struct {
        const char *name;
        gs_filter_type type;
    } types[] = {
        {"RequestHeaderModifier", GS_FILTER_REQUEST_HEADER_MODIFIER},
        {"ResponseHeaderModifier", GS_FILTER_RESPONSE_HEADER_MODIFIER},
        {"RequestMirror", GS_FILTER_REQUEST_MIRROR},
        {"RequestRedirect", GS_FILTER_REQUEST_REDIRECT},
        {"URLRewrite", GS_FILTER_URL_REWRITE},
        {"ExtensionRef", GS_FILTER_EXTENSION_REF},
        {"CORS", GS_FILTER_CORS},
        {"ExternalAuth", GS_FILTER_EXTERNAL_AUTH},
    };
    for (size_t i = 0; t && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(types[i].name, t) == 0)
            return types[i].type;
    return GS_FILTER_UNKNOWN;
}

static void route_filter(dec *d, const gs_yaml_node *n, gs_route_filter *f)
{
    f->pos = pos_of(n);
    f->type_str = sv(n, "type");
    f->type = filter_type(f->type_str.v);
    header_filter(d, get(n, "requestHeaderModifier"), &f->request_header_modifier);
    header_filter(d, get(n, "responseHeaderModifier"), &f->response_header_modifier);
    const gs_yaml_node *m = get(n, "requestMirror");
    if (m) {
        gs_http_request_mirror *rm = &f->request_mirror;
        rm->pos = pos_of(m);
        backend_ref(d, get(m, "backendRef"), &rm->backend_ref);
        rm->percent = iv(m, "percent");
        const gs_yaml_node *fr = get(m, "fraction");
        if (fr) {
            rm->has_fraction = true;
            rm->fraction_numerator = iv(fr, "numerator");
            rm->fraction_denominator = iv(fr, "denominator");
            if (!rm->fraction_denominator.has) {
                rm->fraction_denominator.v = 100;
                rm->fraction_denominator.has = true;
            }
        }
    }
    const gs_yaml_node *r = get(n, "requestRedirect");
    if (r) {
        gs_http_request_redirect *rr = &f->request_redirect;
        rr->pos = pos_of(r);
        rr->scheme = sv(r, "scheme");
        rr->hostname = sv(r, "hostname");
        path_modifier(get(r, "path"), &rr->path);
        rr->port = iv(r, "port");
        rr->status_code = iv(r, "statusCode");
        if (!rr->status_code.has) {
            rr->status_code.v = 302;
            rr->status_code.has = true;
        }
    }
    const gs_yaml_node *u = get(n, "urlRewrite");
    if (u) {
        f->url_rewrite.pos = pos_of(u);
        f->url_rewrite.hostname = sv(u, "hostname");
        path_modifier(get(u, "path"), &f->url_rewrite.path);
    }
    const gs_yaml_node *c = get(n, "cors");
    if (c) {
        gs_http_cors *co = &f->cors;
        co->pos = pos_of(c);
        co->allow_origins = str_list(d, get(c, "allowOrigins"), &co->n_allow_origins);
        co->allow_methods = str_list(d, get(c, "allowMethods"), &co->n_allow_methods);
        co->allow_headers = str_list(d, get(c, "allowHeaders"), &co->n_allow_headers);
        co->expose_headers = str_list(d, get(c, "exposeHeaders"), &co->n_expose_headers);
        co->allow_credentials = bv(c, "allowCredentials");
        co->max_age = iv(c, "maxAge");
        if (!co->max_age.has) {
            co->max_age.v = 5;
            co->max_age.has = true;
        }
    }
    local_ref(get(n, "extensionRef"), &f->extension_ref);
}

static gs_route_filter *route_filters(dec *d, const gs_yaml_node *seq, size_t *n)
{
    *n = seq_len(seq);
    gs_route_filter *v = alloc_n(d, *n, sizeof *v);
    for (size_t i = 0; i < *n; i++)
        route_filter(d, seq->items[i], &v[i]);
    return v;
}

static gs_route_backend_ref *route_backend_refs(dec *d, const gs_yaml_node *seq, size_t *n)
{
    *n = seq_len(seq);
    gs_route_backend_ref *v = alloc_n(d, *n, sizeof *v);
    for (size_t i = 0; i < *n; i++) {
        const gs_yaml_node *b = seq->items[i];
        backend_ref(d, b, &v[i].ref);
        v[i].weight = iv(b, "weight");
        if (!v[i].weight.has) {
            v[i].weight.v = 1;
            v[i].weight.has = true;
        }
        v[i].filters = route_filters(d, get(b, "filters"), &v[i].n_filters);
        v[i].pos = pos_of(b);
    }
    return v;
}

static void session_persistence(const gs_yaml_node *n, gs_session_persistence *sp)
{
    sp->absolute_timeout_ns = -1;
    if (!n)
        return;
    sp->set = true;
    sp->pos = pos_of(n);
    sp->type = sv_def(n, "type", "Cookie");
    sp->session_name = sv(n, "sessionName");
    sp->absolute_timeout = sv(n, "absoluteTimeout");
    if (sp->absolute_timeout.v)
        gs_parse_go_duration(sp->absolute_timeout.v, &sp->absolute_timeout_ns);
    sp->lifetime_type = sv_def(get(n, "cookieConfig"), "lifetimeType", "Session");
}

static void retry(dec *d, const gs_yaml_node *n, gs_http_route_retry *r)
{
    r->backoff_ns = -1;
    if (!n)
        return;
    r->set = true;
    r->pos = pos_of(n);
    r->attempts = iv(n, "attempts");
    r->backoff = sv(n, "backoff");
    if (r->backoff.v)
        gs_parse_go_duration(r->backoff.v, &r->backoff_ns);
    const gs_yaml_node *codes = get(n, "codes");
    r->n_codes = seq_len(codes);
    r->codes = alloc_n(d, r->n_codes, sizeof *r->codes);
    for (size_t i = 0; i < r->n_codes; i++) {
        r->codes[i].pos = pos_of(codes->items[i]);
        r->codes[i].has = gs_yaml_int(codes->items[i], &r->codes[i].v);
        r->codes[i].set = r->codes[i].has;
    }
}

/* What every route kind's spec has: parentRefs and hostnames. */
static void route_common(dec *d, const gs_yaml_node *spec, gs_parent_ref **prs, size_t *n_prs,
                         gs_sval **hosts, size_t *n_hosts)
{
    const gs_yaml_node *p = get(spec, "parentRefs");
    *n_prs = seq_len(p);
    *prs = alloc_n(d, *n_prs, sizeof **prs);
    for (size_t i = 0; i < *n_prs; i++)
        parent_ref(d, p->items[i], &(*prs)[i]);
    *hosts = str_list(d, get(spec, "hostnames"), n_hosts);
}

/* The rules of |spec| (the sequence), with room for them allocated: |size| is the kind's rule
 * struct. */
static void *route_rules(dec *d, const gs_yaml_node *spec, const gs_yaml_node **seq, size_t size,
                         size_t *n)
{
    *seq = get(spec, "rules");
    *n = seq_len(*seq);
    return alloc_n(d, *n, size);
}

/* The fields HTTPRoute and GRPCRoute rules share (position, name, filters, backendRefs,
 * sessionPersistence), for any rule struct that spells them as gs_http_route_rule does. */
#define ROUTE_RULE_COMMON(d, rn, rule)                                                             \
    do {                                                                                           \
        (rule)->pos = pos_of(rn);                                                                  \
        (rule)->name = sv((rn), "name");                                                           \
        (rule)->filters = route_filters((d), get((rn), "filters"), &(rule)->n_filters);            \
        (rule)->backend_refs =                                                                     \
            route_backend_refs((d), get((rn), "backendRefs"), &(rule)->n_backend_refs);            \
        session_persistence(get((rn), "sessionPersistence"), &(rule)->session_persistence);        \
    } while (0)

static void http_route_match(dec *d, const gs_yaml_node *mn, gs_http_route_match *m)
{
    m->pos = pos_of(mn);
    const gs_yaml_node *path = get(mn, "path");
    gs_sval pt = sv(path, "type");
    m->path.type = !pt.v || strcmp(pt.v, "PathPrefix") == 0 ? GS_PATH_PREFIX
                   : strcmp(pt.v, "Exact") == 0             ? GS_PATH_EXACT
                                                            : GS_PATH_REGULAR_EXPRESSION;
    m->path.value = sv_def(path, "value", "/");
    m->path.pos = path ? pos_of(path) : m->pos;
    m->headers = value_matches(d, get(mn, "headers"), &m->n_headers);
    m->query_params = value_matches(d, get(mn, "queryParams"), &m->n_query_params);
    m->method = sv(mn, "method");
}

static void http_route_timeouts(const gs_yaml_node *t, gs_http_route_timeouts *out)
{
    out->request_ns = -1;
    out->backend_request_ns = -1;
    if (!t)
        return;
    out->set = true;
    out->pos = pos_of(t);
    out->request = sv(t, "request");
    out->backend_request = sv(t, "backendRequest");
    if (out->request.v)
        gs_parse_go_duration(out->request.v, &out->request_ns);
    if (out->backend_request.v)
        gs_parse_go_duration(out->backend_request.v, &out->backend_request_ns);
}

void gs_objects_decode_http_route(dec *d, const gs_yaml_node *spec, gs_object *o)
{
    gs_http_route *r = (gs_http_route *)o;
    route_common(d, spec, &r->spec.parent_refs, &r->spec.n_parent_refs, &r->spec.hostnames,
                 &r->spec.n_hostnames);
    const gs_yaml_node *rules;
    r->spec.rules = route_rules(d, spec, &rules, sizeof *r->spec.rules, &r->spec.n_rules);
    for (size_t i = 0; i < r->spec.n_rules; i++) {
        const gs_yaml_node *rn = rules->items[i];
        gs_http_route_rule *rule = &r->spec.rules[i];
        ROUTE_RULE_COMMON(d, rn, rule);
        const gs_yaml_node *ms = get(rn, "matches");
        rule->n_matches = seq_len(ms);
        rule->matches = alloc_n(d, rule->n_matches, sizeof *rule->matches);
        for (size_t k = 0; k < rule->n_matches; k++)
            http_route_match(d, ms->items[k], &rule->matches[k]);
        retry(d, get(rn, "retry"), &rule->retry);
        http_route_timeouts(get(rn, "timeouts"), &rule->timeouts);
    }
}

static void grpc_route_match(dec *d, const gs_yaml_node *mn, gs_grpc_route_match *m)
{
    m->pos = pos_of(mn);
    const gs_yaml_node *meth = get(mn, "method");
    if (meth) {
        m->method.set = true;
        m->method.pos = pos_of(meth);
        gs_sval t = sv(meth, "type");
        m->method.type = t.v && strcmp(t.v, "RegularExpression") == 0 ? GS_MATCH_REGULAR_EXPRESSION
                                                                       : GS_MATCH_EXACT;
        m->method.service = sv(meth, "service");
        m->method.method = sv(meth, "method");
    }
    m->headers = value_matches(d, get(mn, "headers"), &m->n_headers);
}

void gs_objects_decode_grpc_route(dec *d, const gs_yaml_node *spec, gs_object *o)
{
    gs_grpc_route *r = (gs_grpc_route *)o;
    route_common(d, spec, &r->spec.parent_refs, &r->spec.n_parent_refs, &r->spec.hostnames,
                 &r->spec.n_hostnames);
    const gs_yaml_node *rules;
    r->spec.rules = route_rules(d, spec, &rules, sizeof *r->spec.rules, &r->spec.n_rules);
    for (size_t i = 0; i < r->spec.n_rules; i++) {
        const gs_yaml_node *rn = rules->items[i];
        gs_grpc_route_rule *rule = &r->spec.rules[i];
        ROUTE_RULE_COMMON(d, rn, rule);
        const gs_yaml_node *ms = get(rn, "matches");
        rule->n_matches = seq_len(ms);
        rule->matches = alloc_n(d, rule->n_matches, sizeof *rule->matches);
        for (size_t k = 0; k < rule->n_matches; k++)
            grpc_route_match(d, ms->items[k], &rule->matches[k]);
    }
}

/* TLSRoute, TCPRoute and UDPRoute: parentRefs, hostnames (absent from the TCPRoute and UDPRoute
 * schemas, so none there) and rules of backendRefs. */
void gs_objects_decode_l4_route(dec *d, const gs_yaml_node *spec, gs_object *o)
{
    gs_l4_route *r = (gs_l4_route *)o;
    route_common(d, spec, &r->spec.parent_refs, &r->spec.n_parent_refs, &r->spec.hostnames,
                 &r->spec.n_hostnames);
    const gs_yaml_node *rules;
    r->spec.rules = route_rules(d, spec, &rules, sizeof *r->spec.rules, &r->spec.n_rules);
    for (size_t i = 0; i < r->spec.n_rules; i++) {
        const gs_yaml_node *rn = rules->items[i];
        gs_l4_route_rule *rule = &r->spec.rules[i];
        rule->pos = pos_of(rn);
        rule->name = sv(rn, "name");
        rule->backend_refs = route_backend_refs(d, get(rn, "backendRefs"), &rule->n_backend_refs);
    }
}

static void decode_reference_grant(dec *d, const gs_yaml_node *spec, gs_reference_grant *g)
{
    const gs_yaml_node *from = get(spec, "from"), *to = get(spec, "to");
    g->spec.n_from = seq_len(from);
    g->spec.from = alloc_n(d, g->spec.n_from, sizeof *g->spec.from);
    for (size_t i = 0; i < g->spec.n_from; i++) {
        g->spec.from[i].group = sv_def(from->items[i], "group", "");
        g->spec.from[i].kind = sv(from->items[i], "kind");
        g->spec.from[i].namespace = sv(from->items[i], "namespace");
        g->spec.from[i].pos = pos_of(from->items[i]);
    }
    g->spec.n_to = seq_len(to);
    g->spec.to = alloc_n(d, g->spec.n_to, sizeof *g->spec.to);
    for (size_t i = 0; i < g->spec.n_to; i++) {
        g->spec.to[i].group = sv_def(to->items[i], "group", "");
        g->spec.to[i].kind = sv(to->items[i], "kind");
        g->spec.to[i].name = sv(to->items[i], "name");
        g->spec.to[i].pos = pos_of(to->items[i]);
    }
}

static void decode_service(dec *d, const gs_yaml_node *spec, gs_service *svc)
{
    svc->spec.type = sv_def(spec, "type", "ClusterIP");
    const gs_yaml_node *ports = get(spec, "ports");
    svc->spec.n_ports = seq_len(ports);
    svc->spec.ports = alloc_n(d, svc->spec.n_ports, sizeof *svc->spec.ports);
    for (size_t i = 0; i < svc->spec.n_ports; i++) {
        const gs_yaml_node *p = ports->items[i];
        gs_service_port *sp = &svc->spec.ports[i];
        sp->name = sv(p, "name");
        sp->port = iv(p, "port");
        sp->target_port = sv(p, "targetPort");
        sp->protocol = sv_def(p, "protocol", "TCP");
        sp->app_protocol = sv(p, "appProtocol");
        sp->pos = pos_of(p);
    }
}

/* The entries of a base64 map (Secret data, ConfigMap binaryData) then of a plain one (Secret
 * stringData, ConfigMap data), decoded. */
static gs_secret_entry *data_entries(dec *d, const gs_yaml_node *b64, const gs_yaml_node *plain,
                                     size_t *n_out)
{
    size_t n = (b64 && b64->kind == GS_YAML_MAPPING ? b64->npairs : 0) +
               (plain && plain->kind == GS_YAML_MAPPING ? plain->npairs : 0);
    gs_secret_entry *entries = alloc_n(d, n, sizeof *entries);
    *n_out = 0;
    for (int pass = 0; pass < 2; pass++) {
        const gs_yaml_node *map = pass == 0 ? b64 : plain;
        if (!map || map->kind != GS_YAML_MAPPING)
            continue;
        for (size_t i = 0; i < map->npairs; i++) {
            const gs_yaml_node *k = map->pairs[i].key, *v = map->pairs[i].value;
            if (k->kind != GS_YAML_SCALAR)
                continue;
            gs_secret_entry *e = &entries[(*n_out)++];
            e->key = sv_node(k);
            e->value = sv_node(v);
            const char *text = e->value.v ? e->value.v : "";
            size_t len = strlen(text);
            e->decoded = gs_yaml_alloc(d->s, len + 1);
            if (pass == 1) {
                memcpy(e->decoded, text, len);
                e->decoded_len = len;
            } else if (!gs_load_base64(text, len, e->decoded, &e->decoded_len)) {
                e->decoded_len = 0;
            }
            e->decoded[e->decoded_len] = '\0';
        }
    }
    return entries;
}

static void decode_secret(dec *d, const gs_yaml_node *doc, gs_secret *sec)
{
    sec->type = sv_def(doc, "type", "Opaque");
    sec->data = data_entries(d, get(doc, "data"), get(doc, "stringData"), &sec->n_data);
}

static void decode_backend_tls_policy(dec *d, const gs_yaml_node *spec,
                                      gs_backend_tls_policy *p)
{
    const gs_yaml_node *t = get(spec, "targetRefs");
    p->spec.n_target_refs = seq_len(t);
    p->spec.target_refs = alloc_n(d, p->spec.n_target_refs, sizeof *p->spec.target_refs);
    for (size_t i = 0; i < p->spec.n_target_refs; i++) {
        gs_policy_target_ref *r = &p->spec.target_refs[i];
        r->group = sv_def(t->items[i], "group", "");
        r->kind = sv(t->items[i], "kind");
        r->name = sv(t->items[i], "name");
        r->section_name = sv(t->items[i], "sectionName");
        r->pos = pos_of(t->items[i]);
    }
    const gs_yaml_node *v = get(spec, "validation");
    p->spec.validation.pos = pos_of(v ? v : spec);
    const gs_yaml_node *cas = get(v, "caCertificateRefs");
    p->spec.validation.n_ca_certificate_refs = seq_len(cas);
    p->spec.validation.ca_certificate_refs =
        alloc_n(d, seq_len(cas), sizeof *p->spec.validation.ca_certificate_refs);
    for (size_t i = 0; i < seq_len(cas); i++)
        local_ref(cas->items[i], &p->spec.validation.ca_certificate_refs[i]);
    p->spec.validation.well_known_ca_certificates = sv(v, "wellKnownCACertificates");
    p->spec.validation.hostname = sv(v, "hostname");
    const gs_yaml_node *sans = get(v, "subjectAltNames");
    p->spec.validation.n_subject_alt_names = seq_len(sans);
    p->spec.validation.subject_alt_names =
        alloc_n(d, seq_len(sans), sizeof *p->spec.validation.subject_alt_names);
    for (size_t i = 0; i < seq_len(sans); i++) {
        gs_subject_alt_name *n = &p->spec.validation.subject_alt_names[i];
        n->type = sv(sans->items[i], "type");
        n->hostname = sv(sans->items[i], "hostname");
        n->uri = sv(sans->items[i], "uri");
        n->pos = pos_of(sans->items[i]);
    }
    labels(d, get(spec, "options"), &p->spec.options);
}

static void decode_config_map(dec *d, const gs_yaml_node *doc, gs_config_map *cm)
{
    cm->data = data_entries(d, get(doc, "binaryData"), get(doc, "data"), &cm->n_data);
}

gs_object *gs_objects_decode(gs_yaml_stream *s, gs_kind kind, const gs_yaml_node *doc,
                             const char *ns, const char *api_version, const char *group,
                             const char *version)
{
    static const size_t sizes[GS_KIND_COUNT_] = {
        [GS_KIND_GATEWAY_CLASS] = sizeof(gs_gateway_class),
        [GS_KIND_GATEWAY] = sizeof(gs_gateway),
        [GS_KIND_REFERENCE_GRANT] = sizeof(gs_reference_grant),
        [GS_KIND_NAMESPACE] = sizeof(gs_namespace),
        [GS_KIND_SERVICE] = sizeof(gs_service),
        [GS_KIND_SECRET] = sizeof(gs_secret),
        [GS_KIND_INGRESS] = sizeof(gs_ingress),
        [GS_KIND_INGRESS_CLASS] = sizeof(gs_ingress_class),
        [GS_KIND_LISTENER_SET] = sizeof(gs_listener_set),
        [GS_KIND_BACKEND_TLS_POLICY] = sizeof(gs_backend_tls_policy),
        [GS_KIND_CONFIG_MAP] = sizeof(gs_config_map),
    };
    if (!gs_kind_is_modelled(kind))
        return NULL;
    const gs_route_kind *rk = gs_route_kind_of(kind);
    dec d = {.s = s, .ns = ns};
    decode_object_pos = doc->pos;
    gs_object *o = gs_yaml_alloc(s, rk ? rk->size : sizes[kind]);
    o->kind = kind;
    o->api_version = api_version ? gs_yaml_strdup(s, api_version) : "";
    o->group = group ? gs_yaml_strdup(s, group) : "";
    if (version)
        o->version = gs_yaml_strdup(s, version);
    else {
        const char *slash = api_version ? strrchr(api_version, '/') : NULL;
        o->version = gs_yaml_strdup(s, slash ? slash + 1 : (api_version ? api_version : ""));
    }
    o->pos = doc->pos;
    o->node = doc;
    const gs_yaml_node *md = get(doc, "metadata");
    o->metadata.pos = pos_of(md);
    o->metadata.name = sv(md, "name");
    if (ns) {
        o->metadata.namespace = sv(md, "namespace");
        if (!o->metadata.namespace.v) {
            o->metadata.namespace.v = gs_yaml_strdup(s, ns);
            o->metadata.namespace.set = false;
        }
    }
    labels(&d, get(md, "labels"), &o->metadata.labels);
    labels(&d, get(md, "annotations"), &o->metadata.annotations);
    o->metadata.creation_timestamp = sv(md, "creationTimestamp");
    o->metadata.creation_time = gs_parse_rfc3339(o->metadata.creation_timestamp.v);
    o->metadata.generation = iv(md, "generation");
    if (!o->metadata.generation.has) {
        o->metadata.generation.v = 1;
        o->metadata.generation.has = true;
    }
    const gs_yaml_node *spec = get(doc, "spec");
    if (rk) {
        rk->decode(&d, spec, o);
        return o;
    }
    switch (kind) {
    case GS_KIND_GATEWAY_CLASS: decode_gateway_class(&d, spec, (gs_gateway_class *)o); break;
    case GS_KIND_GATEWAY: decode_gateway(&d, spec, (gs_gateway *)o); break;
    case GS_KIND_REFERENCE_GRANT: decode_reference_grant(&d, spec, (gs_reference_grant *)o); break;
    case GS_KIND_LISTENER_SET: decode_listener_set(&d, spec, (gs_listener_set *)o); break;
    case GS_KIND_BACKEND_TLS_POLICY:
        decode_backend_tls_policy(&d, spec, (gs_backend_tls_policy *)o);
        break;
    case GS_KIND_CONFIG_MAP: decode_config_map(&d, doc, (gs_config_map *)o); break;
    case GS_KIND_SERVICE: decode_service(&d, spec, (gs_service *)o); break;
    case GS_KIND_SECRET: decode_secret(&d, doc, (gs_secret *)o); break;
    case GS_KIND_INGRESS:
    case GS_KIND_INGRESS_CLASS: gs_ingress_decode(s, spec, o, doc->pos); break;
    case GS_KIND_NAMESPACE: {
        /* the API server adds kubernetes.io/metadata.name = name */
        if (o->metadata.name.v && !gs_labels_get(&o->metadata.labels, "kubernetes.io/metadata.name")) {
            gs_labels *l = &o->metadata.labels;
            gs_label *items = gs_yaml_alloc(s, (l->n + 1) * sizeof *items);
            if (l->n)
                memcpy(items, l->items, l->n * sizeof *items);
            items[l->n].key.v = "kubernetes.io/metadata.name";
            items[l->n].key.pos = o->metadata.pos;
            items[l->n].value = o->metadata.name;
            items[l->n].value.set = false;
            l->items = items;
            l->n++;
        }
        break;
    }
    default: break;
    }
    return o;
}
