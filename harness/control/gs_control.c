/* SPDX-License-Identifier: MIT */
/* The controller's entry points and its Gateway side: GatewayClass status,
 * Gateway and listener status (protocols, supportedKinds, certificate references with
 * ReferenceGrants, conflicts, overlapping TLS hostnames). Routes are in gs_control_routes.c,
 * the table in gs_control_table.c. */
#include "control_priv.h"
#include "gs_hostname.h"

#include "gs_alloc.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- life cycle ----------------------------------------------------------------------------- */

int gs_control_new(gs_control **out, const gs_control_opts *opts)
{
    gs_control *c = gs_xcalloc(1, sizeof(*c));
    if (opts) {
        c->opts = *opts;
        if (opts->n_controller_names) {
            c->names = gs_xcalloc(opts->n_controller_names, sizeof(*c->names));
            for (size_t i = 0; i < opts->n_controller_names; i++)
                c->names[i] = gs_xstrdup(opts->controller_names[i]);
            c->opts.controller_names = (const char *const *)c->names;
        }
    }
    *out = c;
    return 0;
}

static void control_reset_results(gs_control *c)
{
    gs_status_set_clear(&c->status);
    gs_route_table_free(c->table);
    c->table = NULL;
}

void gs_control_free(gs_control *c)
{
    if (c == NULL)
        return;
    control_reset_results(c);
    for (size_t i = 0; i < c->opts.n_controller_names; i++)
        free(c->names[i]);
    free(c->names);
    free(c);
}

/* ---- lookups shared with the route side ----------------------------------------------------- */

const ctl_service *gs_ctl_find_service(const gs_control *c, const char *ns, const char *name)
{
    char key[512];
    int n = snprintf(key, sizeof(key), "%s/%s", ns, name);
    if (n < 0 || (size_t)n >= sizeof(key))
        return NULL;
    return gs_strmap_get(&c->service_index, key, (size_t)n);
}

const gs_labels *gs_ctl_namespace_labels(const gs_control *c, const char *name, gs_labels *scratch,
                                         gs_label *scratch_item)
{
    /* The model gives every Namespace object kubernetes.io/metadata.name, as the API server
     * does; a namespace with no object has that label only. */
    const gs_namespace *ns =
        (const gs_namespace *)gs_model_find(c->m, GS_KIND_NAMESPACE, NULL, name);
    if (ns != NULL)
        return &ns->obj.metadata.labels;
    memset(scratch_item, 0, sizeof(*scratch_item));
    scratch_item->key.v = "kubernetes.io/metadata.name";
    scratch_item->value.v = name;
    scratch->items = scratch_item;
    scratch->n = 1;
    return scratch;
}

bool gs_ctl_grant_permits(const gs_control *c, const char *from_group, const char *from_kind,
                       const char *from_ns, const char *to_ns, const char *to_group,
                       const char *to_kind, const char *to_name)
{
    const gs_model *m = c->m;
    for (size_t i = 0; i < m->n_reference_grants; i++) {
        const gs_reference_grant *g = m->reference_grants[i];
        if (strcmp(g->obj.metadata.namespace.v, to_ns) != 0)
            continue;
        bool from_ok = false, to_ok = false;
        for (size_t k = 0; k < g->spec.n_from && !from_ok; k++) {
            const gs_reference_grant_from *f = &g->spec.from[k];
            from_ok = strcmp(f->group.v ? f->group.v : "", from_group) == 0 &&
                      strcmp(f->kind.v ? f->kind.v : "", from_kind) == 0 &&
                      strcmp(f->namespace.v ? f->namespace.v : "", from_ns) == 0;
        }
        for (size_t k = 0; k < g->spec.n_to && !to_ok && from_ok; k++) {
            const gs_reference_grant_to *t = &g->spec.to[k];
            to_ok = strcmp(t->group.v ? t->group.v : "", to_group) == 0 &&
                    strcmp(t->kind.v ? t->kind.v : "", to_kind) == 0 &&
                    (t->name.v == NULL || strcmp(t->name.v, to_name) == 0);
        }
        if (from_ok && to_ok)
            return true;
    }
    return false;
}

void gs_ctl_selector_explain(const gs_label_selector *sel, const gs_labels *labels, char *out,
                          size_t n)
{
    snprintf(out, n, "does not match the selector");
    for (size_t i = 0; i < sel->match_labels.n; i++) {
        const gs_label *l = &sel->match_labels.items[i];
        const char *want = l->value.v ? l->value.v : "";
        const char *have = gs_labels_get(labels, l->key.v);
        if (have == NULL) {
            snprintf(out, n, "has no label %s=%s", l->key.v, want);
            return;
        }
        if (strcmp(have, want) != 0) {
            snprintf(out, n, "has label %s=%s, not %s=%s", l->key.v, have, l->key.v, want);
            return;
        }
    }
    for (size_t i = 0; i < sel->n_match_expressions; i++) {
        const gs_label_selector_requirement *r = &sel->match_expressions[i];
        const char *op = r->operator.v ? r->operator.v : "";
        const char *have = gs_labels_get(labels, r->key.v);
        if (!gs_label_requirement_valid(r)) {
            snprintf(out, n,
                     "is excluded by the invalid matchExpressions[%zu] (an invalid selector "
                     "selects nothing)",
                     i);
            return;
        }
        char vals[256] = "";
        size_t used = 0;
        bool in = false;
        for (size_t k = 0; k < r->n_values; k++) {
            used += (size_t)snprintf(vals + used, used < sizeof(vals) ? sizeof(vals) - used : 0,
                                     "%s%s", k ? ", " : "", r->values[k].v ? r->values[k].v : "");
            if (used >= sizeof(vals))
                used = sizeof(vals) - 1;
            in = in || (have && r->values[k].v && strcmp(r->values[k].v, have) == 0);
        }
        if (strcmp(op, "In") == 0 && !in) {
            if (have)
                snprintf(out, n, "has label %s=%s, not one of (%s)", r->key.v, have, vals);
            else
                snprintf(out, n, "has no label %s with a value in (%s)", r->key.v, vals);
            return;
        }
        if (strcmp(op, "NotIn") == 0 && in) {
            snprintf(out, n, "has label %s=%s, excluded by NotIn (%s)", r->key.v, have, vals);
            return;
        }
        if (strcmp(op, "Exists") == 0 && !have) {
            snprintf(out, n, "has no label %s", r->key.v);
            return;
        }
        if (strcmp(op, "DoesNotExist") == 0 && have) {
            snprintf(out, n, "has label %s, which the selector excludes", r->key.v);
            return;
        }
    }
}

bool gs_ctl_regex_ok(const char *pattern)
{
    int code;
    PCRE2_SIZE off;
    pcre2_code *re =
        pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &code, &off, NULL);
    if (re == NULL)
        return false;
    pcre2_code_free(re);
    return true;
}

int64_t gs_ctl_object_age(const gs_object *o)
{
    int64_t t = o->metadata.creation_time;
    if (t < 0 || t > GS_RT_CREATED_UNKNOWN)
        t = GS_RT_CREATED_UNKNOWN;
    return t;
}

/* ---- GatewayClasses ------------------------------------------------------------------------ */

static bool control_manages(const gs_control *c, const char *controller_name)
{
    if (c->opts.n_controller_names == 0)
        return true;
    for (size_t i = 0; i < c->opts.n_controller_names; i++) {
        if (controller_name && strcmp(c->opts.controller_names[i], controller_name) == 0)
            return true;
    }
    return false;
}

static const char *control_default_controller(const gs_control *c)
{
    return c->opts.n_controller_names ? c->opts.controller_names[0] : GS_CONTROL_DEFAULT_CONTROLLER;
}

static void control_classes(gs_control *c)
{
    const gs_model *m = c->m;
    for (size_t i = 0; i < m->n_gateway_classes; i++) {
        const gs_gateway_class *gc = m->gateway_classes[i];
        if (!control_manages(c, gc->spec.controller_name.v))
            continue;
        gs_status_set *s = &c->status;
        gs_xgrow((void **)&s->classes, &s->cap_classes, s->n_classes + 1, sizeof(*s->classes));
        gs_class_status *cs = &s->classes[s->n_classes++];
        memset(cs, 0, sizeof(*cs));
        cs->name = gs_xstrdup(gc->obj.metadata.name.v);
        cs->controller_name = gs_xstrdup(gc->spec.controller_name.v);
        cs->generation = gc->obj.metadata.generation.v;
        if (gc->spec.parameters_ref.set)
            gs_conditions_set(&cs->conditions, "Accepted", "True", "Accepted",
                              "Accepted; parametersRef %s %s is not used by gatesim",
                              gc->spec.parameters_ref.kind.v ? gc->spec.parameters_ref.kind.v : "",
                              gc->spec.parameters_ref.name.v ? gc->spec.parameters_ref.name.v : "");
        else
            gs_conditions_set(&cs->conditions, "Accepted", "True", "Accepted", "Managed by %s",
                              cs->controller_name);
    }
}

/* ---- listeners ----------------------------------------------------------------------------- */

/* The route kinds a listener of protocol |p| can carry and control attaches. */
static gs_kind_set listener_fitting_kinds(gs_protocol p)
{
    return gs_route_kinds_for_protocol(p) & gs_control_route_kinds();
}

/* The same for one listener (a TLS Passthrough listener takes no TCPRoute). */
static gs_kind_set listener_fitting_kinds_of(const gs_listener *l)
{
    return gs_route_kinds_for_listener(l) & gs_control_route_kinds();
}

/* A listener whose protocol carries no route kind control attaches is UnsupportedProtocol. */
static bool listener_protocol_supported(const gs_listener *l)
{
    return listener_fitting_kinds(l->protocol_kind) != 0;
}

/* "HTTP and HTTPS": the protocols some route kind control handles attaches to. */
static void supported_protocols_text(char *out, size_t n)
{
    static const struct {
        gs_protocol p;
        const char *name;
    } protocols[] = {{GS_PROTOCOL_HTTP, "HTTP"},
                     {GS_PROTOCOL_HTTPS, "HTTPS"},
                     {GS_PROTOCOL_TLS, "TLS"},
                     {GS_PROTOCOL_TCP, "TCP"},
                     {GS_PROTOCOL_UDP, "UDP"}};
    const char *names[GS_ARRAY_LEN(protocols)];
    size_t k = 0, used = 0;
    for (size_t i = 0; i < GS_ARRAY_LEN(protocols); i++) {
        if (listener_fitting_kinds(protocols[i].p))
            names[k++] = protocols[i].name;
    }
    out[0] = '\0';
    for (size_t i = 0; i < k && used < n; i++) {
        const char *sep = i == 0 ? "" : i + 1 == k ? " and " : ", ";
        used += (size_t)snprintf(out + used, n - used, "%s%s", sep, names[i]);
    }
}

/* supportedKinds and InvalidRouteKinds. Returns false when a listed kind is invalid. Without
 * allowedRoutes.kinds, a listener takes every kind its protocol fits (the route kind table). */
static bool listener_kinds(ctl_listener *cl, gs_listener_status *ls, char *bad, size_t bad_len)
{
    const gs_listener *l = cl->spec;
    gs_kind_set fit = listener_fitting_kinds_of(l);
    bool ok = true;
    bad[0] = '\0';
    if (!listener_protocol_supported(l))
        return true; /* nothing routable: reported as UnsupportedProtocol */
    if (!l->allowed_routes.kinds_set || l->allowed_routes.n_kinds == 0) {
        if (l->allowed_routes.kinds_set)
            return true; /* kinds: [] — no kind at all */
        cl->kinds = fit;
    }
    for (size_t i = 0; l->allowed_routes.kinds_set && i < l->allowed_routes.n_kinds; i++) {
        const gs_route_group_kind *k = &l->allowed_routes.kinds[i];
        const char *group = k->group.v ? k->group.v : GS_GATEWAY_GROUP;
        const char *kind = k->kind.v ? k->kind.v : "";
        const gs_route_kind *rk = gs_route_kind_find(group, kind);
        if (rk && (fit & GS_KIND_BIT(rk->kind))) {
            cl->kinds |= GS_KIND_BIT(rk->kind);
        } else {
            size_t used = strlen(bad);
            snprintf(bad + used, bad_len - used, "%s%s/%s", used ? ", " : "", group, kind);
            ok = false;
        }
    }
    for (size_t i = 0; i < gs_route_kinds_count; i++) {
        const gs_route_kind *rk = &gs_route_kinds[i];
        if ((cl->kinds & GS_KIND_BIT(rk->kind)) &&
            ls->n_supported_kinds < GS_ARRAY_LEN(ls->supported_kinds))
            ls->supported_kinds[ls->n_supported_kinds++] = (gs_group_kind){rk->group, rk->name};
    }
    return ok;
}

static bool pem_pair_ok(const unsigned char *crt, size_t crt_len, const unsigned char *key,
                        size_t key_len, const char **why)
{
    bool ok = false;
    BIO *cb = BIO_new_mem_buf(crt, (int)crt_len);
    BIO *kb = BIO_new_mem_buf(key, (int)key_len);
    X509 *x = cb ? PEM_read_bio_X509(cb, NULL, NULL, NULL) : NULL;
    EVP_PKEY *k = kb ? PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL) : NULL;
    if (x == NULL)
        *why = "tls.crt is not a PEM certificate";
    else if (k == NULL)
        *why = "tls.key is not a PEM private key";
    else if (X509_check_private_key(x, k) != 1)
        *why = "tls.key does not match the certificate in tls.crt";
    else
        ok = true;
    X509_free(x);
    EVP_PKEY_free(k);
    BIO_free(cb);
    BIO_free(kb);
    return ok;
}

/* Resolves one reference |field| (certificateRef, clientCertificateRef) to a TLS Secret, made
 * by an object of kind |owner_kind| in namespace |gw_ns|: fills |cert| and returns NULL, or
 * returns the failing reason (|invalid| — InvalidCertificateRef or InvalidClientCertificateRef
 * — or RefNotPermitted) with a message in |why|. */
static const char *cert_ref_resolve(gs_control *c, const char *owner_kind, const char *gw_ns,
                                    const char *field, const char *invalid,
                                    const gs_secret_ref *ref, gs_rt_cert *cert, char *why,
                                    size_t why_len)
{
    const char *group = ref->group.v ? ref->group.v : "";
    const char *kind = ref->kind.v ? ref->kind.v : "Secret";
    const char *ns = ref->namespace.v ? ref->namespace.v : gw_ns;
    const char *name = ref->name.v ? ref->name.v : "";
    if (group[0] != '\0' || strcmp(kind, "Secret") != 0) {
        snprintf(why, why_len, "%s %s/%s %s: only core Secrets are supported", field,
                 group[0] ? group : "core", kind, name);
        return invalid;
    }
    if (strcmp(ns, gw_ns) != 0 &&
        !gs_ctl_grant_permits(c, GS_GATEWAY_GROUP, owner_kind, gw_ns, ns, "", "Secret", name)) {
        snprintf(why, why_len,
                 "%s Secret %s/%s is in another namespace and no ReferenceGrant in %s "
                 "allows %ss of %s to use it",
                 field, ns, name, ns, owner_kind, gw_ns);
        return "RefNotPermitted";
    }
    const gs_secret *s = (const gs_secret *)gs_model_find(c->m, GS_KIND_SECRET, ns, name);
    if (s == NULL) {
        snprintf(why, why_len, "%s Secret %s/%s does not exist", field, ns, name);
        return invalid;
    }
    size_t crt_len = 0, key_len = 0;
    const unsigned char *crt = gs_secret_get(s, "tls.crt", &crt_len);
    const unsigned char *key = gs_secret_get(s, "tls.key", &key_len);
    const char *bad = NULL;
    if (s->type.v && strcmp(s->type.v, "kubernetes.io/tls") != 0)
        bad = "its type is not kubernetes.io/tls";
    else if (crt == NULL || key == NULL)
        bad = "it lacks tls.crt or tls.key";
    else
        pem_pair_ok(crt, crt_len, key, key_len, &bad);
    if (bad) {
        snprintf(why, why_len, "%s Secret %s/%s is malformed: %s", field, ns, name, bad);
        return invalid;
    }
    *cert = (gs_rt_cert){ns, name, (const char *)crt, (const char *)key};
    return NULL;
}

/* One listener certificateRef. The declaring object's namespace and kind: a ListenerSet's
 * certificates are its own (a ReferenceGrant must name kind ListenerSet for another
 * namespace). */
static const char *listener_cert(gs_control *c, const ctl_listener *cl, const gs_secret_ref *ref,
                                 gs_rt_cert *cert, char *why, size_t why_len)
{
    const char *owner_kind, *gw_ns, *owner_name;
    gs_ctl_listener_owner(cl, &owner_kind, &gw_ns, &owner_name);
    return cert_ref_resolve(c, owner_kind, gw_ns, "certificateRef", "InvalidCertificateRef", ref,
                            cert, why, why_len);
}

/* spec.tls.backend.clientCertificateRef: the Gateway's ResolvedRefs condition (only on a Gateway
 * that sets it), and the certificate the data plane presents to TLS backends. A reference that
 * does not resolve leaves the Gateway Accepted; its backends are then reached without a client
 * certificate (one that requires it refuses the handshake: 502). */
static void control_gateway_backend_tls(gs_control *c, ctl_gateway *g, gs_gateway_status *gs)
{
    const gs_gateway_backend_tls *b = &g->gw->spec.tls.backend;
    if (!b->has_client_certificate_ref)
        return;
    char why[512] = "";
    const char *reason =
        cert_ref_resolve(c, "Gateway", g->gw->obj.metadata.namespace.v,
                         "tls.backend.clientCertificateRef", "InvalidClientCertificateRef",
                         &b->client_certificate_ref, &g->backend_client_cert, why, sizeof(why));
    g->has_backend_client_cert = reason == NULL;
    if (reason)
        gs_conditions_set(&gs->conditions, "ResolvedRefs", "False", reason, "%s", why);
    else
        gs_conditions_set(&gs->conditions, "ResolvedRefs", "True", "ResolvedRefs",
                          "All references resolved");
}

static void listener_refs(gs_control *c, ctl_listener *cl, gs_listener_status *ls,
                          bool kinds_ok, const char *bad_kinds)
{
    const gs_listener *l = cl->spec;
    char why[512] = "";
    const char *reason = NULL;
    bool terminates = l->protocol_kind == GS_PROTOCOL_HTTPS ||
                      (l->protocol_kind == GS_PROTOCOL_TLS && l->tls.mode == GS_TLS_MODE_TERMINATE);
    if (terminates) {
        const gs_gateway_tls_config *tls = &l->tls;
        if (!tls->set || tls->n_certificate_refs == 0) {
            reason = "InvalidCertificateRef";
            snprintf(why, sizeof(why), "%s listener without tls.certificateRefs%s", l->protocol.v,
                     l->protocol_kind == GS_PROTOCOL_TLS ? " (mode Terminate)" : "");
        }
        cl->certs =
            gs_xcalloc(tls->n_certificate_refs ? tls->n_certificate_refs : 1, sizeof(*cl->certs));
        for (size_t i = 0; i < tls->n_certificate_refs && reason == NULL; i++) {
            reason = listener_cert(c, cl, &tls->certificate_refs[i], &cl->certs[cl->n_certs],
                                   why, sizeof(why));
            if (reason == NULL)
                cl->n_certs++;
        }
    }
    if (reason) {
        gs_conditions_set(&ls->conditions, "ResolvedRefs", "False", reason, "%s", why);
    } else if (!kinds_ok) {
        gs_conditions_set(&ls->conditions, "ResolvedRefs", "False", "InvalidRouteKinds",
                          "Route kinds not supported on a %s listener: %s", l->protocol.v,
                          bad_kinds);
    } else {
        gs_conditions_set(&ls->conditions, "ResolvedRefs", "True", "ResolvedRefs",
                          "All references resolved");
    }
    if (reason)
        cl->programmed = false;
    if (!kinds_ok && !cl->kinds)
        cl->programmed = false;
}

/* "listener NAME", naming its Gateway or ListenerSet when that is not |here|'s owner. */
static void listener_label(const ctl_listener *cl, const struct ctl_lset *here, char *out,
                           size_t n)
{
    const char *kind, *ns, *name;
    gs_ctl_listener_owner(cl, &kind, &ns, &name);
    if (cl->set == here)
        snprintf(out, n, "listener %s", cl->spec->name.v);
    else
        snprintf(out, n, "listener %s of %s %s/%s", cl->spec->name.v, kind, ns, name);
}

/* Whether listener |i| can take a conflict away from listener |idx|. Among the Gateway's own
 * listeners, a conflict hits every listener involved. With ListenerSets precedence decides:
 * the Gateway's own listeners first, then the ListenerSets' in order (g->listeners is in that
 * order: ListenerSets by age then name, each in its listeners' order), and only a listener
 * that did not itself lose counts, so one losing listener does not take its set down. */
static bool listener_competes(const ctl_gateway *g, size_t idx, size_t i)
{
    const ctl_listener *l = &g->listeners[idx], *o = &g->listeners[i];
    if (l->set == NULL)
        return o->set == NULL;
    return i < idx && !o->conflicted;
}

/* Listener conflicts on one port of one Gateway (docs/semantics.md, Listeners): different protocols
 * → ProtocolConflict; equal protocol and hostname → HostnameConflict. */
static const char *listener_conflict(const ctl_gateway *g, size_t idx, char *why, size_t why_len)
{
    const gs_listener *l = g->listeners[idx].spec;
    for (size_t i = 0; i < g->n_listeners; i++) {
        const gs_listener *o = g->listeners[i].spec;
        if (i == idx || o->port.v != l->port.v || !listener_competes(g, idx, i))
            continue;
        bool udp_l = l->protocol_kind == GS_PROTOCOL_UDP,
             udp_o = o->protocol_kind == GS_PROTOCOL_UDP;
        if (udp_l != udp_o)
            continue; /* different transports share port numbers freely */
        char other[320];
        listener_label(&g->listeners[i], g->listeners[idx].set, other, sizeof(other));
        if (strcmp(l->protocol.v, o->protocol.v) != 0) {
            snprintf(why, why_len, "Listener %s (%s) and %s (%s) share port %lld", l->name.v,
                     l->protocol.v, other, o->protocol.v, (long long)l->port.v);
            return "ProtocolConflict";
        }
        const char *lh = l->hostname.v, *oh = o->hostname.v;
        if ((lh == NULL && oh == NULL) || (lh && oh && strcmp(lh, oh) == 0)) {
            snprintf(why, why_len, "Listener %s and %s share port %lld and hostname %s",
                     l->name.v, other, (long long)l->port.v, lh ? lh : "(none)");
            return "HostnameConflict";
        }
    }
    return NULL;
}

static bool hostnames_overlap(const char *a, const char *b)
{
    const char *out;
    return gs_hostname_intersect(a, b, &out);
}

static void control_gateway(gs_control *c, ctl_gateway *g)
{
    const gs_gateway *gw = g->gw;
    gs_status_set *s = &c->status;
    gs_xgrow((void **)&s->gateways, &s->cap_gateways, s->n_gateways + 1, sizeof(*s->gateways));
    g->status_index = s->n_gateways;
    gs_gateway_status *gs = &s->gateways[s->n_gateways++];
    memset(gs, 0, sizeof(*gs));
    gs->namespace = gs_xstrdup(gw->obj.metadata.namespace.v);
    gs->name = gs_xstrdup(gw->obj.metadata.name.v);
    gs->class_name = gs_xstrdup(gw->spec.gateway_class_name.v ? gw->spec.gateway_class_name.v : "");
    gs->controller_name = gs_xstrdup(g->controller_name);
    gs->generation = gw->obj.metadata.generation.v;
    gs->n_listeners = g->n_own; /* the ListenerSets' listeners report in their own status */
    gs->listeners = gs_xcalloc(g->n_own ? g->n_own : 1, sizeof(*gs->listeners));

    for (size_t i = 0; i < g->n_listeners; i++) {
        ctl_listener *cl = &g->listeners[i];
        const gs_listener *l = cl->spec;
        gs_listener_status *ls = gs_ctl_listener_status(c, cl);
        ls->name = gs_xstrdup(l->name.v);
        ls->port = (uint16_t)l->port.v;
        ls->protocol = gs_xstrdup(l->protocol.v ? l->protocol.v : "");
        ls->hostname = l->hostname.v ? gs_xstrdup(l->hostname.v) : NULL;
        char why[512], bad[256];
        bool kinds_ok = listener_kinds(cl, ls, bad, sizeof(bad));
        const char *conflict = listener_conflict(g, i, why, sizeof(why));
        cl->accepted = cl->programmed = true;
        if (conflict) {
            cl->accepted = cl->programmed = false;
            cl->conflicted = true;
            gs_conditions_set(&ls->conditions, "Accepted", "False", conflict, "%s", why);
            gs_conditions_set(&ls->conditions, "Conflicted", "True", conflict, "%s", why);
        } else if (!listener_protocol_supported(l)) {
            cl->accepted = cl->programmed = false;
            char supported[64];
            supported_protocols_text(supported, sizeof(supported));
            gs_conditions_set(&ls->conditions, "Accepted", "False", "UnsupportedProtocol",
                              "Protocol %s is not supported by the builtin gateway (%s are)",
                              l->protocol.v, supported);
            gs_conditions_set(&ls->conditions, "Conflicted", "False", "NoConflicts",
                              "No conflicts");
        } else {
            gs_conditions_set(&ls->conditions, "Accepted", "True", "Accepted", "Accepted");
            gs_conditions_set(&ls->conditions, "Conflicted", "False", "NoConflicts",
                              "No conflicts");
        }
        listener_refs(c, cl, ls, kinds_ok, bad);
        if (!conflict && cl->accepted)
            gs_ctl_frontend_listener(c, cl, ls);
        if (conflict)
            gs_conditions_set(&ls->conditions, "Programmed", "False", conflict,
                              "Not programmed: %s", why);
        else if (!cl->accepted)
            gs_conditions_set(&ls->conditions, "Programmed", "False", "Invalid",
                              "Not programmed: the listener is not accepted");
        else if (!cl->programmed)
            gs_conditions_set(&ls->conditions, "Programmed", "False", "Invalid",
                              "Not programmed: %s",
                              gs_conditions_get(&ls->conditions, "ResolvedRefs")->message);
        else
            gs_conditions_set(&ls->conditions, "Programmed", "True", "Programmed", "Programmed");
    }
    /* OverlappingTLSConfig: HTTPS listeners on one port whose hostnames overlap. */
    for (size_t i = 0; i < g->n_listeners; i++) {
        const gs_listener *l = g->listeners[i].spec;
        if (l->protocol_kind != GS_PROTOCOL_HTTPS)
            continue;
        for (size_t k = 0; k < g->n_listeners; k++) {
            const gs_listener *o = g->listeners[k].spec;
            if (k == i || o->protocol_kind != GS_PROTOCOL_HTTPS || o->port.v != l->port.v ||
                !hostnames_overlap(l->hostname.v, o->hostname.v))
                continue;
            gs_conditions_set(&gs_ctl_listener_status(c, &g->listeners[i])->conditions,
                              "OverlappingTLSConfig", "True",
                              "OverlappingHostnames",
                              "Hostname %s overlaps hostname %s of listener %s on port %lld",
                              l->hostname.v ? l->hostname.v : "(any)",
                              o->hostname.v ? o->hostname.v : "(any)", o->name.v,
                              (long long)l->port.v);
            break;
        }
    }
}

/* The builtin gateway has no parameters kind, so any infrastructure.parametersRef refers to a
 * kind it does not support: the spec's case for Accepted=False/InvalidParameters. Such a
 * Gateway is not served (its listeners stay out of the table) rather than served with
 * parameters silently ignored. Returns whether the Gateway was rejected. */
static bool control_gateway_parameters(gs_control *c, ctl_gateway *g, gs_gateway_status *gs)
{
    const gs_local_ref *ref = &g->gw->spec.infrastructure.parameters_ref;
    if (!ref->set)
        return false;
    for (size_t i = 0; i < g->n_listeners; i++) {
        g->listeners[i].programmed = false;
        gs_conditions_set(&gs_ctl_listener_status(c, &g->listeners[i])->conditions, "Programmed",
                          "False", "Invalid",
                          "Not programmed: the Gateway is not accepted (InvalidParameters)");
    }
    gs_conditions_set(&gs->conditions, "Accepted", "False", "InvalidParameters",
                      "infrastructure.parametersRef %s/%s %s: the builtin gateway supports no "
                      "parameters kind",
                      ref->group.v ? ref->group.v : "", ref->kind.v ? ref->kind.v : "",
                      ref->name.v ? ref->name.v : "");
    gs_conditions_set(&gs->conditions, "Programmed", "False", "Invalid",
                      "Not programmed: the Gateway is not accepted (InvalidParameters)");
    return true;
}

const char *gs_ctl_listener_fault(const gs_listener_status *ls)
{
    const gs_condition *c = gs_conditions_get(&ls->conditions, "Conflicted");
    if (c && strcmp(c->status, "True") == 0)
        return c->reason;
    static const char *const must_hold[] = {"Accepted", "ResolvedRefs"};
    for (size_t i = 0; i < GS_ARRAY_LEN(must_hold); i++) {
        c = gs_conditions_get(&ls->conditions, must_hold[i]);
        if (c && strcmp(c->status, "True") != 0)
            return c->reason;
    }
    return NULL;
}

/* The Gateway's conditions agree with its listeners': it is Accepted while one listener is
 * (a listener whose certificate is missing is Accepted but not valid, so its Gateway is
 * Accepted=True/ListenersNotValid, not Accepted=False beside an Accepted listener), and the
 * message names each listener that is not valid and why. */
static void control_gateway_conditions(gs_control *c, ctl_gateway *g, gs_gateway_status *gs)
{
    control_gateway_backend_tls(c, g, gs);
    gs_ctl_frontend_gateway(g, &gs->conditions);
    if (control_gateway_parameters(c, g, gs))
        return;
    size_t valid = 0, accepted = 0, programmed = 0;
    char faults[512] = "";
    for (size_t i = 0; i < g->n_own; i++) {
        const gs_listener_status *ls = &gs->listeners[i];
        const char *fault = gs_ctl_listener_fault(ls);
        valid += fault == NULL;
        accepted += gs_conditions_true(&ls->conditions, "Accepted") &&
                    !gs_conditions_true(&ls->conditions, "Conflicted");
        programmed += g->listeners[i].programmed;
        size_t used = strlen(faults);
        if (fault && used + 1 < sizeof(faults))
            snprintf(faults + used, sizeof(faults) - used, "%s%s (%s)", used ? ", " : "",
                     ls->name, fault);
    }
    if (valid == g->n_own)
        gs_conditions_set(&gs->conditions, "Accepted", "True", "Accepted", "Accepted");
    else if (accepted > 0 || programmed > 0)
        gs_conditions_set(&gs->conditions, "Accepted", "True", "ListenersNotValid",
                          "%zu of %zu listener%s not valid: %s", g->n_own - valid,
                          g->n_own, g->n_own == 1 ? " is" : "s are", faults);
    else
        gs_conditions_set(&gs->conditions, "Accepted", "False", "ListenersNotValid",
                          "No listener is accepted: %s", faults);
    if (programmed)
        gs_conditions_set(&gs->conditions, "Programmed", "True", "Programmed",
                          "%zu of %zu listeners programmed", programmed, g->n_own);
    else
        gs_conditions_set(&gs->conditions, "Programmed", "False", "Invalid",
                          "No listener could be programmed: %s", faults);
}

/* ---- compute ------------------------------------------------------------------------------- */

static void control_collect_services(gs_control *c)
{
    const gs_model *m = c->m;
    size_t n = m->n_services;
    c->all_services = gs_xcalloc(n ? n : 1, sizeof(*c->all_services));
    for (size_t i = 0; i < m->n_services; i++) {
        const gs_service *s = m->services[i];
        ctl_service *cs = &c->all_services[c->n_all_services++];
        cs->ns = s->obj.metadata.namespace.v;
        cs->name = s->obj.metadata.name.v;
        cs->n_ports = s->spec.n_ports;
        cs->ports = gs_xcalloc(s->spec.n_ports ? s->spec.n_ports : 1, sizeof(*cs->ports));
        for (size_t k = 0; k < s->spec.n_ports; k++)
            cs->ports[k] = (ctl_service_port){(uint16_t)s->spec.ports[k].port.v,
                                                     s->spec.ports[k].app_protocol.v,
                                                     s->spec.ports[k].name.v};
    }
    /* Index by "ns/name". */
    c->service_keys =
        gs_xcalloc(c->n_all_services ? c->n_all_services : 1, sizeof(*c->service_keys));
    for (size_t i = 0; i < c->n_all_services; i++) {
        ctl_service *cs = &c->all_services[i];
        c->service_keys[i] = gs_xasprintf("%s/%s", cs->ns, cs->name);
        *gs_strmap_slot_for(&c->service_index, c->service_keys[i], strlen(c->service_keys[i])) = cs;
    }
}

static void control_release_compute(gs_control *c)
{
    for (size_t i = 0; i < c->n_all_services; i++)
        free(c->all_services[i].ports);
    gs_strmap_free(&c->service_index);
    for (size_t i = 0; i < c->n_all_services; i++)
        free(c->service_keys[i]);
    free(c->service_keys);
    c->service_keys = NULL;
    free(c->all_services);
    c->all_services = NULL;
    c->n_all_services = 0;
    for (size_t i = 0; i < c->n_gws; i++) {
        for (size_t k = 0; k < c->gws[i].n_listeners; k++) {
            free(c->gws[i].listeners[k].certs);
            free(c->gws[i].listeners[k].client_ca_pem);
        }
        free(c->gws[i].listeners);
    }
    free(c->gws);
    c->gws = NULL;
    c->n_gws = 0;
    gs_ctl_lsets_release(c);
    for (size_t i = 0; i < c->n_routes; i++) {
        ctl_route *r = &c->routes[i];
        for (size_t p = 0; p < r->n_parents; p++) {
            for (size_t k = 0; k < r->parents[p].n_cands; k++)
                free(r->parents[p].cands[k].why);
            free(r->parents[p].cands);
        }
        free(r->parents);
        free(r->rule_ok);
    }
    free(c->routes);
    c->routes = NULL;
    c->n_routes = 0;
    c->m = NULL;
}

int gs_control_compute(gs_control *c, const gs_model *m, gs_error *err)
{
    control_reset_results(c);
    c->m = m;
    control_collect_services(c);
    control_classes(c);

    c->gws = gs_xcalloc(m->n_gateways ? m->n_gateways : 1, sizeof(*c->gws));
    for (size_t i = 0; i < m->n_gateways; i++) {
        const gs_gateway *gw = m->gateways[i];
        ctl_gateway *g = &c->gws[c->n_gws];
        const char *cls = gw->spec.gateway_class_name.v ? gw->spec.gateway_class_name.v : "";
        const gs_gateway_class *gc =
            (const gs_gateway_class *)gs_model_find(m, GS_KIND_GATEWAY_CLASS, NULL, cls);
        if (gc && !control_manages(c, gc->spec.controller_name.v))
            continue; /* another controller's Gateway: no status from us */
        c->n_gws++;
        g->gw = gw;
        g->managed = true;
        g->controller_name = gc ? gc->spec.controller_name.v : control_default_controller(c);
        g->n_listeners = g->n_own = gw->spec.n_listeners;
        g->listeners = gs_xcalloc(g->n_listeners ? g->n_listeners : 1, sizeof(*g->listeners));
        for (size_t k = 0; k < g->n_listeners; k++) {
            g->listeners[k].spec = &gw->spec.listeners[k];
            g->listeners[k].gw = g;
            g->listeners[k].index = k;
        }
    }
    /* Gateways first, so every ListenerSet's parent can be found; its listeners join the
     * Gateway's before any listener is checked (conflicts span both). */
    gs_ctl_lsets_attach(c);
    for (size_t i = 0; i < c->n_gws; i++) {
        ctl_gateway *g = &c->gws[i];
        const gs_gateway *gw = g->gw;
        const char *cls = gw->spec.gateway_class_name.v ? gw->spec.gateway_class_name.v : "";
        const gs_gateway_class *gc =
            (const gs_gateway_class *)gs_model_find(m, GS_KIND_GATEWAY_CLASS, NULL, cls);
        control_gateway(c, g);
        if (gc == NULL) {
            gs_gateway_status *gs = &c->status.gateways[g->status_index];
            char *note = gs_xasprintf("GatewayClass %s is not among the objects; gatesim treats "
                                      "it as existing and managed by %s",
                                      cls, g->controller_name);
            gs_status_strv_add(&gs->notes, &gs->n_notes, note);
            free(note);
        }
    }
    gs_ctl_routes_compute(c);
    for (size_t i = 0; i < c->n_gws; i++) {
        gs_gateway_status *gs = &c->status.gateways[c->gws[i].status_index];
        control_gateway_conditions(c, &c->gws[i], gs);
        for (size_t k = 0; k < c->gws[i].n_listeners; k++)
            gs_ctl_listener_status(c, &c->gws[i].listeners[k])->attached_routes =
                c->gws[i].listeners[k].attached;
    }
    gs_ctl_lsets_conditions(c);
    gs_ctl_btls_status(c);
    int rc = gs_ctl_table_build(c, err);
    control_release_compute(c);
    return rc;
}

const gs_status_set *gs_control_status(const gs_control *c)
{
    return &c->status;
}

const gs_route_table *gs_control_table(const gs_control *c)
{
    return c->table;
}

gs_route_table *gs_control_take_table(gs_control *c)
{
    gs_route_table *t = c->table;
    c->table = NULL;
    return t;
}

