/* SPDX-License-Identifier: MIT */
/* Model → compiled route table: backendRef resolution (kind, ReferenceGrant, Service and port,
 * appProtocol), and the conversion of programmed listeners and accepted routes (valid rules
 * only) into the plain gs_rt_* structs the data plane consumes. */
#include "control_priv.h"

#include "gs_alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* appProtocols the builtin gateway can speak upstream. kubernetes.io/ws is plain HTTP/1.1 with
 * an Upgrade the gateway tunnels; kubernetes.io/wss would need TLS to the backend. */
static bool app_protocol_supported(const char *p)
{
    static const char *const ok[] = {"http", "HTTP", "kubernetes.io/h2c", "h2c", "grpc",
                                     "tcp",  "TCP",  "kubernetes.io/ws"};
    if (p == NULL || p[0] == '\0')
        return true;
    for (size_t i = 0; i < GS_ARRAY_LEN(ok); i++) {
        if (strcmp(ok[i], p) == 0)
            return true;
    }
    return false;
}

gs_rt_backend_state gs_ctl_backend_resolve(const gs_control *c, const ctl_route *r,
                                        const gs_backend_ref *ref, const char **app_protocol,
                                        char *why, size_t why_len)
{
    const char *group = ref->group.v ? ref->group.v : "";
    const char *kind = ref->kind.v ? ref->kind.v : "Service";
    const char *rns = r->v.obj->metadata.namespace.v;
    const char *ns = ref->namespace.v ? ref->namespace.v : rns;
    const char *name = ref->name.v ? ref->name.v : "";
    const char *rkind = gs_kind_name(r->kind);
    *app_protocol = NULL;
    if (group[0] != '\0' || strcmp(kind, "Service") != 0) {
        snprintf(why, why_len, "backendRef %s %s/%s: only core Services are supported", kind, ns,
                 name);
        return GS_RT_BACKEND_INVALID_KIND;
    }
    if (strcmp(ns, rns) != 0 &&
        !gs_ctl_grant_permits(c, GS_GATEWAY_GROUP, rkind, rns, ns, "", "Service", name)) {
        snprintf(why, why_len,
                 "backendRef Service %s/%s is in another namespace and no ReferenceGrant in %s "
                 "allows %ss of namespace %s to use it",
                 ns, name, ns, rkind, rns);
        return GS_RT_BACKEND_REF_NOT_PERMITTED;
    }
    const ctl_service *svc = gs_ctl_find_service(c, ns, name);
    if (svc == NULL && c->opts.assume_services && ref->port.has)
        return GS_RT_BACKEND_OK;
    if (svc == NULL) {
        snprintf(why, why_len, "backendRef Service %s/%s does not exist", ns, name);
        return GS_RT_BACKEND_NOT_FOUND;
    }
    if (!ref->port.has) {
        snprintf(why, why_len, "backendRef Service %s/%s has no port", ns, name);
        return GS_RT_BACKEND_NOT_FOUND;
    }
    for (size_t i = 0; i < svc->n_ports; i++) {
        if (svc->ports[i].port != ref->port.v)
            continue;
        *app_protocol = svc->ports[i].app_protocol;
        const gs_backend_tls_policy *pol = gs_ctl_btls_for(c, ns, name, svc->ports[i].name);
        bool https = *app_protocol && (strcmp(*app_protocol, "HTTPS") == 0 ||
                                       strcmp(*app_protocol, "https") == 0);
        if (https && pol == NULL) {
            snprintf(why, why_len,
                     "backendRef Service %s/%s port %lld: appProtocol %s needs a "
                     "BackendTLSPolicy for the port (the gateway speaks TLS to a backend only "
                     "with one)",
                     ns, name, (long long)ref->port.v, *app_protocol);
            return GS_RT_BACKEND_UNSUPPORTED_PROTOCOL;
        }
        if (!https && !app_protocol_supported(*app_protocol)) {
            snprintf(why, why_len,
                     "backendRef Service %s/%s port %lld: appProtocol %s is not "
                     "supported",
                     ns, name, (long long)ref->port.v, *app_protocol);
            return GS_RT_BACKEND_UNSUPPORTED_PROTOCOL;
        }
        /* Fail closed: a port whose BackendTLSPolicy is not accepted is never sent plaintext
         * (docs/l4.md, BackendTLSPolicy); an accepted one gets TLS (conv_backend_tls). */
        char pwhy[400] = "";
        if (pol && !gs_ctl_btls_accepted(c, pol, pwhy, sizeof(pwhy))) {
            snprintf(why, why_len,
                     "backendRef Service %s/%s port %lld: BackendTLSPolicy %s is not accepted "
                     "(%s), so requests to it fail closed",
                     ns, name, (long long)ref->port.v, pol->obj.metadata.name.v, pwhy);
            return GS_RT_BACKEND_UNSUPPORTED_PROTOCOL;
        }
        return GS_RT_BACKEND_OK;
    }
    char ports[128] = "";
    size_t used = 0;
    for (size_t i = 0; i < svc->n_ports && used < sizeof(ports); i++)
        used += (size_t)snprintf(ports + used, sizeof(ports) - used, "%s%u", i ? ", " : "",
                                 (unsigned)svc->ports[i].port);
    snprintf(why, why_len, "backendRef Service %s/%s has no port %lld (ports: %s)", ns, name,
             (long long)ref->port.v, used ? ports : "none");
    return GS_RT_BACKEND_NOT_FOUND;
}

/* ---- conversion ---------------------------------------------------------------------------- */

/* Temporary arrays of one route's conversion, freed once the table has copied it. */
struct ctl_scratch {
    void **ptrs;
    size_t n, cap;
};

static void *scratch_alloc(ctl_scratch *s, size_t n, size_t size)
{
    void *p = gs_xcalloc(n ? n : 1, size);
    gs_xgrow((void **)&s->ptrs, &s->cap, s->n + 1, sizeof(*s->ptrs));
    s->ptrs[s->n++] = p;
    return p;
}

static void scratch_free(ctl_scratch *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->ptrs[i]);
    free(s->ptrs);
    memset(s, 0, sizeof(*s));
}

static const char **conv_strv(ctl_scratch *s, const gs_sval *v, size_t n)
{
    const char **out = scratch_alloc(s, n, sizeof(*out));
    for (size_t i = 0; i < n; i++)
        out[i] = v[i].v ? v[i].v : "";
    return out;
}

static gs_rt_header_value *conv_headers(ctl_scratch *s, const gs_http_header *h, size_t n)
{
    gs_rt_header_value *out = scratch_alloc(s, n, sizeof(*out));
    for (size_t i = 0; i < n; i++)
        out[i] = (gs_rt_header_value){h[i].name.v, h[i].value.v ? h[i].value.v : ""};
    return out;
}

static gs_rt_header_mod conv_header_mod(ctl_scratch *s, const gs_http_header_filter *f)
{
    return (gs_rt_header_mod){.set = conv_headers(s, f->set, f->n_set),
                              .n_set = f->n_set,
                              .add = conv_headers(s, f->add, f->n_add),
                              .n_add = f->n_add,
                              .remove = conv_strv(s, f->remove, f->n_remove),
                              .n_remove = f->n_remove};
}

static gs_rt_path_mod conv_path_mod(const gs_http_path_modifier *p)
{
    switch (p->type) {
    case GS_PATH_MODIFIER_REPLACE_FULL_PATH:
        return (gs_rt_path_mod){GS_RT_PATH_REPLACE_FULL, p->replace_full_path.v};
    case GS_PATH_MODIFIER_REPLACE_PREFIX_MATCH:
        return (gs_rt_path_mod){GS_RT_PATH_REPLACE_PREFIX, p->replace_prefix_match.v};
    case GS_PATH_MODIFIER_NONE:
        break;
    }
    return (gs_rt_path_mod){GS_RT_PATH_KEEP, NULL};
}

/* The TLS settings of the accepted BackendTLSPolicy covering |out|'s Service port, or NULL:
 * the PEM of every caCertificateRefs ConfigMap that holds one, SNI, SANs by type. */
static const gs_rt_backend_tls *conv_backend_tls(const gs_control *c, ctl_scratch *s,
                                                 const gs_rt_backend *out)
{
    const gs_backend_tls_policy *p = gs_ctl_btls_for_port(c, out->namespace, out->name, out->port);
    char why[8];
    if (p == NULL || !gs_ctl_btls_accepted(c, p, why, sizeof(why)))
        return NULL;
    gs_rt_backend_tls *t = scratch_alloc(s, 1, sizeof(*t));
    const char *pns = p->obj.metadata.namespace.v;
    char *policy = scratch_alloc(s, strlen(pns) + strlen(p->obj.metadata.name.v) + 2, 1);
    sprintf(policy, "%s/%s", pns, p->obj.metadata.name.v);
    t->policy = policy;
    t->hostname = p->spec.validation.hostname.v;
    t->system_ca = p->spec.validation.well_known_ca_certificates.v != NULL;
    size_t total = 0;
    for (int pass = 0; pass < 2 && !t->system_ca; pass++) {
        char *pem = pass ? scratch_alloc(s, total + 1, 1) : NULL;
        size_t used = 0;
        for (size_t i = 0; i < p->spec.validation.n_ca_certificate_refs; i++) {
            const gs_local_ref *r = &p->spec.validation.ca_certificate_refs[i];
            if ((r->group.v && r->group.v[0]) || r->kind.v == NULL ||
                strcmp(r->kind.v, "ConfigMap") != 0 || r->name.v == NULL)
                continue;
            const gs_config_map *cm =
                (const gs_config_map *)gs_model_find(c->m, GS_KIND_CONFIG_MAP, pns, r->name.v);
            size_t len = 0;
            const unsigned char *v = cm ? gs_config_map_get(cm, "ca.crt", &len) : NULL;
            if (v == NULL)
                continue;
            if (pem) {
                memcpy(pem + used, v, len);
                pem[used + len] = '\n';
            }
            used += len + 1;
        }
        if (pem) {
            pem[used] = '\0';
            t->ca_pem = pem;
        }
        total = used;
    }
    size_t n = p->spec.validation.n_subject_alt_names;
    const char **hosts = scratch_alloc(s, n, sizeof(*hosts));
    const char **uris = scratch_alloc(s, n, sizeof(*uris));
    for (size_t i = 0; i < n; i++) {
        const gs_subject_alt_name *san = &p->spec.validation.subject_alt_names[i];
        if (san->type.v && strcmp(san->type.v, "URI") == 0 && san->uri.v)
            uris[t->n_san_uris++] = san->uri.v;
        else if (san->hostname.v)
            hosts[t->n_san_hosts++] = san->hostname.v;
    }
    t->san_hosts = hosts;
    t->san_uris = uris;
    return t;
}

static void conv_backend_ref(const gs_control *c, const ctl_route *r, ctl_scratch *s,
                             const gs_backend_ref *ref, gs_rt_backend *out)
{
    char why[512];
    const char *app = NULL;
    out->state = gs_ctl_backend_resolve(c, r, ref, &app, why, sizeof(why));
    out->group = ref->group.v ? ref->group.v : "";
    out->kind = ref->kind.v ? ref->kind.v : "Service";
    out->namespace = ref->namespace.v ? ref->namespace.v : r->v.obj->metadata.namespace.v;
    out->name = ref->name.v ? ref->name.v : "";
    out->port = ref->port.has ? (uint16_t)ref->port.v : 0;
    out->app_protocol = app;
    out->tls = out->state == GS_RT_BACKEND_OK ? conv_backend_tls(c, s, out) : NULL;
}

static size_t conv_filters(const gs_control *c, const ctl_route *r, ctl_scratch *s,
                           const gs_route_filter *in, size_t n, const gs_rt_filter **out)
{
    gs_rt_filter *f = scratch_alloc(s, n, sizeof(*f));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const gs_route_filter *src = &in[i];
        gs_rt_filter *d = &f[k];
        switch (src->type) {
        case GS_FILTER_REQUEST_HEADER_MODIFIER:
            d->type = GS_RT_FILTER_REQUEST_HEADER_MODIFIER;
            d->header_mod = conv_header_mod(s, &src->request_header_modifier);
            break;
        case GS_FILTER_RESPONSE_HEADER_MODIFIER:
            d->type = GS_RT_FILTER_RESPONSE_HEADER_MODIFIER;
            d->header_mod = conv_header_mod(s, &src->response_header_modifier);
            break;
        case GS_FILTER_REQUEST_REDIRECT: {
            const gs_http_request_redirect *rr = &src->request_redirect;
            d->type = GS_RT_FILTER_REQUEST_REDIRECT;
            d->redirect.scheme = rr->scheme.v;
            d->redirect.hostname = rr->hostname.v;
            d->redirect.path = conv_path_mod(&rr->path);
            d->redirect.port = rr->port.has ? (uint16_t)rr->port.v : 0;
            d->redirect.status_code = rr->status_code.has ? (int)rr->status_code.v : 302;
            break;
        }
        case GS_FILTER_URL_REWRITE:
            d->type = GS_RT_FILTER_URL_REWRITE;
            d->rewrite.hostname = src->url_rewrite.hostname.v;
            d->rewrite.path = conv_path_mod(&src->url_rewrite.path);
            break;
        case GS_FILTER_REQUEST_MIRROR: {
            const gs_http_request_mirror *mr = &src->request_mirror;
            d->type = GS_RT_FILTER_REQUEST_MIRROR;
            conv_backend_ref(c, r, s, &mr->backend_ref, &d->mirror.backend);
            if (mr->percent.has) {
                d->mirror.numerator = (uint32_t)mr->percent.v;
                d->mirror.denominator = 100;
            } else if (mr->has_fraction) {
                d->mirror.numerator = (uint32_t)mr->fraction_numerator.v;
                d->mirror.denominator =
                    mr->fraction_denominator.has ? (uint32_t)mr->fraction_denominator.v : 100;
            }
            break;
        }
        case GS_FILTER_CORS: {
            const gs_http_cors *cr = &src->cors;
            d->type = GS_RT_FILTER_CORS;
            d->cors.allow_origins = conv_strv(s, cr->allow_origins, cr->n_allow_origins);
            d->cors.n_allow_origins = cr->n_allow_origins;
            d->cors.allow_methods = conv_strv(s, cr->allow_methods, cr->n_allow_methods);
            d->cors.n_allow_methods = cr->n_allow_methods;
            d->cors.allow_headers = conv_strv(s, cr->allow_headers, cr->n_allow_headers);
            d->cors.n_allow_headers = cr->n_allow_headers;
            d->cors.expose_headers = conv_strv(s, cr->expose_headers, cr->n_expose_headers);
            d->cors.n_expose_headers = cr->n_expose_headers;
            d->cors.allow_credentials = cr->allow_credentials.v;
            d->cors.max_age = cr->max_age.has ? (int)cr->max_age.v : 5;
            break;
        }
        case GS_FILTER_EXTENSION_REF:
            d->type = GS_RT_FILTER_EXTENSION_REF;
            d->extension_ref = (gs_rt_extension_ref){
                src->extension_ref.group.v, src->extension_ref.kind.v, src->extension_ref.name.v};
            break;
        case GS_FILTER_UNKNOWN:
        case GS_FILTER_EXTERNAL_AUTH:
            continue; /* such rules are dropped before conversion */
        }
        k++;
    }
    *out = f;
    return k;
}

static gs_rt_backend *conv_backends(const gs_control *c, const ctl_route *r, ctl_scratch *s,
                                    const gs_route_backend_ref *in, size_t n)
{
    gs_rt_backend *b = scratch_alloc(s, n, sizeof(*b));
    for (size_t i = 0; i < n; i++) {
        conv_backend_ref(c, r, s, &in[i].ref, &b[i]);
        b[i].weight = in[i].weight.has ? (uint32_t)in[i].weight.v : 1;
        b[i].n_filters = conv_filters(c, r, s, in[i].filters, in[i].n_filters, &b[i].filters);
    }
    return b;
}

static int64_t conv_timeout(int64_t ns)
{
    if (ns < 0)
        return GS_RT_TIMEOUT_UNSET;
    return (ns + 999999) / 1000000;
}

/* attempts unset: one retry (Envoy's default; the spec leaves it to the implementation);
 * backoff unset: retry at once. */
static void conv_retry(const gs_http_route_retry *in, gs_rt_retry *out)
{
    memset(out, 0, sizeof(*out));
    if (!in->set)
        return;
    out->set = true;
    out->attempts = in->attempts.has && in->attempts.v > 0 ? (uint32_t)in->attempts.v : 1;
    out->backoff_ms = in->backoff_ns > 0 ? (in->backoff_ns + 999999) / 1000000 : 0;
    for (size_t i = 0; i < in->n_codes; i++)
        if (in->codes[i].has)
            gs_rt_retry_add_code(out, (int)in->codes[i].v);
}

static gs_rt_kv_match *conv_values(ctl_scratch *s, const gs_http_value_match *v, size_t n)
{
    gs_rt_kv_match *out = scratch_alloc(s, n, sizeof(*out));
    for (size_t i = 0; i < n; i++)
        out[i] =
            (gs_rt_kv_match){.type = v[i].type == GS_MATCH_REGULAR_EXPRESSION ? GS_RT_MATCH_REGEX
                                                                              : GS_RT_MATCH_EXACT,
                             .name = v[i].name.v ? v[i].name.v : "",
                             .value = v[i].value.v ? v[i].value.v : ""};
    return out;
}

void gs_control_http_rule_to_table(const gs_control *c, const ctl_route *r, ctl_scratch *s,
                                   size_t i_rule, gs_rt_rule *out)
{
    const gs_http_route_rule *in = &((const gs_http_route *)r->v.obj)->spec.rules[i_rule];
    out->name = in->name.v;
    gs_rt_match *m = scratch_alloc(s, in->n_matches, sizeof(*m));
    for (size_t i = 0; i < in->n_matches; i++) {
        const gs_http_route_match *src = &in->matches[i];
        m[i].path.type = src->path.type == GS_PATH_EXACT                ? GS_RT_MATCH_EXACT
                         : src->path.type == GS_PATH_REGULAR_EXPRESSION ? GS_RT_MATCH_REGEX
                                                                        : GS_RT_MATCH_PREFIX;
        m[i].path.value = src->path.value.v ? src->path.value.v : "/";
        m[i].method = src->method.v;
        m[i].headers = conv_values(s, src->headers, src->n_headers);
        m[i].n_headers = src->n_headers;
        m[i].query = conv_values(s, src->query_params, src->n_query_params);
        m[i].n_query = src->n_query_params;
    }
    out->matches = m;
    out->n_matches = in->n_matches;
    out->n_filters = conv_filters(c, r, s, in->filters, in->n_filters, &out->filters);
    out->backends = conv_backends(c, r, s, in->backend_refs, in->n_backend_refs);
    out->n_backends = in->n_backend_refs;
    out->request_timeout_ms =
        in->timeouts.set ? conv_timeout(in->timeouts.request_ns) : GS_RT_TIMEOUT_UNSET;
    out->backend_request_timeout_ms =
        in->timeouts.set ? conv_timeout(in->timeouts.backend_request_ns) : GS_RT_TIMEOUT_UNSET;
    conv_retry(&in->retry, &out->retry);
}

void gs_control_grpc_rule_to_table(const gs_control *c, const ctl_route *r, ctl_scratch *s,
                                   size_t i_rule, gs_rt_rule *out)
{
    const gs_grpc_route_rule *in = &((const gs_grpc_route *)r->v.obj)->spec.rules[i_rule];
    out->name = in->name.v;
    gs_rt_grpc_match *m = scratch_alloc(s, in->n_matches, sizeof(*m));
    for (size_t i = 0; i < in->n_matches; i++) {
        const gs_grpc_route_match *src = &in->matches[i];
        m[i].type =
            src->method.type == GS_MATCH_REGULAR_EXPRESSION ? GS_RT_MATCH_REGEX : GS_RT_MATCH_EXACT;
        m[i].service = src->method.set ? src->method.service.v : NULL;
        m[i].method = src->method.set ? src->method.method.v : NULL;
        m[i].headers = conv_values(s, src->headers, src->n_headers);
        m[i].n_headers = src->n_headers;
    }
    out->grpc_matches = m;
    out->n_grpc_matches = in->n_matches;
    out->n_filters = conv_filters(c, r, s, in->filters, in->n_filters, &out->filters);
    out->backends = conv_backends(c, r, s, in->backend_refs, in->n_backend_refs);
    out->n_backends = in->n_backend_refs;
    out->request_timeout_ms = GS_RT_TIMEOUT_UNSET;
    out->backend_request_timeout_ms = GS_RT_TIMEOUT_UNSET;
}

/* A TLSRoute, TCPRoute or UDPRoute rule: its name and backends. */
void gs_control_l4_rule_to_table(const gs_control *c, const ctl_route *r, ctl_scratch *s, size_t i,
                                 gs_rt_rule *out)
{
    const gs_l4_route_rule *in = &((const gs_l4_route *)r->v.obj)->spec.rules[i];
    memset(out, 0, sizeof(*out));
    out->name = in->name.v;
    out->backends = conv_backends(c, r, s, in->backend_refs, in->n_backend_refs);
    out->n_backends = in->n_backend_refs;
    out->request_timeout_ms = GS_RT_TIMEOUT_UNSET;
    out->backend_request_timeout_ms = GS_RT_TIMEOUT_UNSET;
}

/* Adds |r| on the programmed listeners that admitted it under an Accepted parent. */
static int table_add_route(gs_control *c, gs_route_table *t, const ctl_route *r, gs_error *err)
{
    const gs_route_status *rs = &c->status.routes[r->status_index];
    size_t idx[64];
    size_t n_idx = 0;
    for (size_t p = 0; p < r->n_parents; p++) {
        if (!gs_conditions_true(&rs->parents[r->parents[p].status_index].conditions, "Accepted"))
            continue;
        for (size_t k = 0; k < r->parents[p].n_cands; k++) {
            const ctl_candidate *cand = &r->parents[p].cands[k];
            if (cand->verdict != CTL_ADMITTED || !cand->listener->programmed)
                continue;
            bool dup = false;
            for (size_t q = 0; q < n_idx && !dup; q++)
                dup = idx[q] == cand->listener->table_index;
            if (!dup && n_idx < GS_ARRAY_LEN(idx))
                idx[n_idx++] = cand->listener->table_index;
        }
    }
    if (n_idx == 0 || r->n_rules_ok == 0)
        return 0;
    ctl_scratch s = {0};
    gs_rt_rule *rules = scratch_alloc(&s, r->n_rules_ok, sizeof(*rules));
    size_t k = 0;
    for (size_t i = 0; i < r->v.n_rules; i++) {
        if (!r->rule_ok[i])
            continue;
        r->ops->table_rule(c, r, &s, i, &rules[k++]);
    }
    const char **hosts = conv_strv(&s, r->v.hostnames, r->v.n_hostnames);
    gs_rt_route route = {.kind = r->ops->table_kind,
                         .namespace = r->v.obj->metadata.namespace.v,
                         .name = r->v.obj->metadata.name.v,
                         .created = gs_ctl_object_age(r->v.obj),
                         .hostnames = hosts,
                         .n_hostnames = r->v.n_hostnames,
                         .rules = rules,
                         .n_rules = k};
    int rc = gs_route_table_add_route(t, &route, idx, n_idx, err);
    scratch_free(&s);
    return rc;
}

/* The listener's name in the table: its own for a Gateway's listener, "{namespace}/{name}/
 * {listener}" of its ListenerSet otherwise ('/' cannot occur in a listener name, so the two
 * never collide). */
static void table_listener_name(const ctl_listener *cl, char *out, size_t n)
{
    if (cl->set == NULL) {
        snprintf(out, n, "%s", cl->spec->name.v);
        return;
    }
    const gs_object *o = &cl->set->ls->obj;
    snprintf(out, n, "%s/%s/%s", o->metadata.namespace.v, o->metadata.name.v, cl->spec->name.v);
}

/* The table's protocol of a programmed listener (control programs only these five). */
static gs_rt_protocol table_protocol(gs_protocol p)
{
    switch (p) {
    case GS_PROTOCOL_HTTPS:
        return GS_RT_PROTO_HTTPS;
    case GS_PROTOCOL_TLS:
        return GS_RT_PROTO_TLS;
    case GS_PROTOCOL_TCP:
        return GS_RT_PROTO_TCP;
    case GS_PROTOCOL_UDP:
        return GS_RT_PROTO_UDP;
    case GS_PROTOCOL_HTTP:
    case GS_PROTOCOL_OTHER:
        break;
    }
    return GS_RT_PROTO_HTTP;
}

int gs_ctl_table_build(gs_control *c, gs_error *err)
{
    gs_rt_options opt = {.no_hostname_fallthrough = c->opts.no_hostname_fallthrough};
    gs_route_table *t = NULL;
    gs_route_table_new(&t, &opt);
    gs_error e = {0};
    for (size_t g = 0; g < c->n_gws; g++) {
        ctl_gateway *gw = &c->gws[g];
        for (size_t i = 0; i < gw->n_listeners; i++) {
            ctl_listener *cl = &gw->listeners[i];
            if (!cl->programmed)
                continue;
            char name[512];
            table_listener_name(cl, name, sizeof(name));
            gs_rt_listener l = {.gateway_namespace = gw->gw->obj.metadata.namespace.v,
                                .gateway_name = gw->gw->obj.metadata.name.v,
                                .name = name,
                                .port = (uint16_t)cl->spec->port.v,
                                .protocol = table_protocol(cl->spec->protocol_kind),
                                .hostname = cl->spec->hostname.v,
                                .tls_passthrough = cl->spec->protocol_kind == GS_PROTOCOL_TLS &&
                                                   cl->spec->tls.mode == GS_TLS_MODE_PASSTHROUGH,
                                .certs = cl->certs,
                                .n_certs = cl->n_certs,
                                .backend_client_cert =
                                    gw->has_backend_client_cert ? &gw->backend_client_cert : NULL,
                                .client_ca_pem = cl->client_ca_pem,
                                .client_insecure_fallback = cl->client_insecure_fallback};
            if (gs_route_table_add_listener(t, &l, &cl->table_index, &e) < 0) {
                /* Cannot happen for listeners control accepted; keep going without it. */
                cl->programmed = false;
                gs_status_add_note(&c->status,
                                   "listener %s of %s/%s left out of the route "
                                   "table: %s",
                                   l.name, l.gateway_namespace, l.gateway_name, e.msg);
            }
        }
    }
    for (size_t i = 0; i < c->n_routes; i++) {
        if (table_add_route(c, t, &c->routes[i], &e) < 0)
            gs_status_add_note(&c->status, "%s left out of the route table: %s",
                               c->status.routes[c->routes[i].status_index].name, e.msg);
    }
    int rc = gs_route_table_compile(t, err);
    if (rc < 0) {
        gs_route_table_free(t);
        return rc;
    }
    c->table = t;
    return 0;
}
