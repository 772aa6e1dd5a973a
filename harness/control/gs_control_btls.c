/* SPDX-License-Identifier: MIT */
/* BackendTLSPolicy (docs/l4.md, BackendTLSPolicy): which policy is in force for a Service port
 * (a port named by sectionName beats the whole Service; then the oldest, then by name; the
 * others targeting the same thing are Conflicted), the CA certificate references (ConfigMaps
 * of the policy's namespace with a PEM `ca.crt`), and the ancestor status: one entry per
 * managed Gateway whose accepted routes send to a target. The data plane side is in
 * gs_control_table.c: a port covered by an accepted policy gets the policy's TLS settings in its
 * table entry, one covered by a policy that is not accepted fails closed. */
#include "control_priv.h"

#include "gs_alloc.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- which policy covers a port ------------------------------------------------------------ */

static bool str_eq(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

/* How |t| covers port |port_name| of Service |svc|: 0 not, 1 the whole Service, 2 by name. */
static int target_covers(const gs_policy_target_ref *t, const char *svc, const char *port_name)
{
    if (!str_eq(t->group.v, "") || !str_eq(t->kind.v, "Service") || !str_eq(t->name.v, svc))
        return 0;
    if (t->section_name.v == NULL)
        return 1;
    return port_name && strcmp(t->section_name.v, port_name) == 0 ? 2 : 0;
}

static int policy_covers(const gs_backend_tls_policy *p, const char *svc, const char *port_name)
{
    int best = 0;
    for (size_t i = 0; i < p->spec.n_target_refs; i++) {
        int c = target_covers(&p->spec.target_refs[i], svc, port_name);
        best = c > best ? c : best;
    }
    return best;
}

/* Precedence between policies: the oldest, then by name (same namespace). */
static bool policy_before(const gs_backend_tls_policy *a, const gs_backend_tls_policy *b)
{
    int64_t x = gs_ctl_object_age(&a->obj), y = gs_ctl_object_age(&b->obj);
    if (x != y)
        return x < y;
    return strcmp(a->obj.metadata.name.v, b->obj.metadata.name.v) < 0;
}

const gs_backend_tls_policy *gs_ctl_btls_for(const gs_control *c, const char *ns,
                                             const char *svc, const char *port_name)
{
    const gs_backend_tls_policy *best = NULL;
    int best_level = 0;
    for (size_t i = 0; i < c->m->n_backend_tls_policies; i++) {
        const gs_backend_tls_policy *p = c->m->backend_tls_policies[i];
        if (strcmp(p->obj.metadata.namespace.v, ns) != 0)
            continue;
        int level = policy_covers(p, svc, port_name);
        if (level > best_level || (level && level == best_level && policy_before(p, best))) {
            best = p;
            best_level = level;
        }
    }
    return best;
}

/* The policy that takes a target of |p| away from it (the same target written by an older
 * policy), or NULL. */
static const gs_backend_tls_policy *policy_conflict(const gs_control *c,
                                                    const gs_backend_tls_policy *p)
{
    for (size_t i = 0; i < c->m->n_backend_tls_policies; i++) {
        const gs_backend_tls_policy *q = c->m->backend_tls_policies[i];
        if (q == p || strcmp(q->obj.metadata.namespace.v, p->obj.metadata.namespace.v) != 0 ||
            !policy_before(q, p))
            continue;
        for (size_t a = 0; a < p->spec.n_target_refs; a++)
            for (size_t b = 0; b < q->spec.n_target_refs; b++) {
                const gs_policy_target_ref *x = &p->spec.target_refs[a],
                                           *y = &q->spec.target_refs[b];
                if (str_eq(x->group.v, y->group.v) && str_eq(x->kind.v, y->kind.v) &&
                    str_eq(x->name.v, y->name.v) && str_eq(x->section_name.v, y->section_name.v))
                    return q;
            }
    }
    return NULL;
}

/* ---- CA certificates ----------------------------------------------------------------------- */

/* Whether |pem| holds at least one PEM certificate. */
static bool pem_has_certificate(const unsigned char *pem, size_t len)
{
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    bool ok = x != NULL;
    X509_free(x);
    BIO_free(b);
    return ok;
}

/* Checks the caCertificateRefs of |p|: the number that resolve, and for the first that does
 * not, its reason (InvalidKind / InvalidCACertificateRef) with a message in |why|. */
static const char *policy_ca_refs(const gs_control *c, const gs_backend_tls_policy *p,
                                  size_t *n_valid, char *why, size_t n)
{
    const char *reason = NULL;
    const char *ns = p->obj.metadata.namespace.v;
    *n_valid = 0;
    for (size_t i = 0; i < p->spec.validation.n_ca_certificate_refs; i++) {
        const gs_local_ref *r = &p->spec.validation.ca_certificate_refs[i];
        const char *name = r->name.v ? r->name.v : "";
        const char *bad = NULL, *bad_reason = "InvalidCACertificateRef";
        char text[320];
        if (!str_eq(r->group.v, "") || !str_eq(r->kind.v, "ConfigMap")) {
            snprintf(text, sizeof(text),
                     "caCertificateRefs[%zu] %s/%s %s: only core ConfigMaps are supported", i,
                     str_eq(r->group.v, "") ? "core" : r->group.v, r->kind.v ? r->kind.v : "",
                     name);
            bad = text;
            bad_reason = "InvalidKind";
        } else {
            const gs_config_map *cm =
                (const gs_config_map *)gs_model_find(c->m, GS_KIND_CONFIG_MAP, ns, name);
            size_t len = 0;
            const unsigned char *pem = cm ? gs_config_map_get(cm, "ca.crt", &len) : NULL;
            if (cm == NULL) {
                snprintf(text, sizeof(text), "caCertificateRefs[%zu]: ConfigMap %s/%s does not exist",
                         i, ns, name);
                bad = text;
            } else if (pem == NULL || !pem_has_certificate(pem, len)) {
                snprintf(text, sizeof(text),
                         "caCertificateRefs[%zu]: ConfigMap %s/%s has no PEM certificate under "
                         "ca.crt",
                         i, ns, name);
                bad = text;
            } else {
                (*n_valid)++;
            }
        }
        if (bad && reason == NULL) {
            reason = bad_reason;
            snprintf(why, n, "%s", bad);
        }
    }
    return reason;
}

/* ---- status -------------------------------------------------------------------------------- */

/* The conditions every ancestor of |p| gets (they do not depend on the Gateway). */
static void policy_conditions(const gs_control *c, const gs_backend_tls_policy *p,
                              gs_conditions *out)
{
    char why[512] = "";
    size_t n_valid = 0;
    const char *refs = policy_ca_refs(c, p, &n_valid, why, sizeof(why));
    const gs_backend_tls_policy *winner = policy_conflict(c, p);
    if (refs)
        gs_conditions_set(out, "ResolvedRefs", "False", refs, "%s", why);
    else
        gs_conditions_set(out, "ResolvedRefs", "True", "ResolvedRefs", "All references resolved");
    if (winner)
        gs_conditions_set(out, "Accepted", "False", "Conflicted",
                          "BackendTLSPolicy %s (older, or equal age and first by name) targets "
                          "the same Service port",
                          winner->obj.metadata.name.v);
    else if (p->spec.validation.well_known_ca_certificates.v &&
             strcmp(p->spec.validation.well_known_ca_certificates.v, "System") != 0)
        gs_conditions_set(out, "Accepted", "False", "Invalid",
                          "wellKnownCACertificates %s is not supported (only System)",
                          p->spec.validation.well_known_ca_certificates.v);
    else if (p->spec.validation.well_known_ca_certificates.v)
        gs_conditions_set(out, "Accepted", "True", "Accepted", "Accepted");
    else if (n_valid == 0)
        gs_conditions_set(out, "Accepted", "False", "NoValidCACertificate",
                          "No CA certificate reference resolves: %s", why);
    else
        gs_conditions_set(out, "Accepted", "True", "Accepted", "Accepted");
}

bool gs_ctl_btls_accepted(const gs_control *c, const gs_backend_tls_policy *p, char *why,
                          size_t n)
{
    gs_conditions conds = {0};
    policy_conditions(c, p, &conds);
    bool ok = gs_conditions_true(&conds, "Accepted");
    for (size_t i = 0; !ok && i < conds.n; i++)
        if (strcmp(conds.items[i].type, "Accepted") == 0)
            snprintf(why, n, "%s: %s", conds.items[i].reason, conds.items[i].message);
    gs_conditions_clear(&conds);
    return ok;
}

const gs_backend_tls_policy *gs_ctl_btls_for_port(const gs_control *c, const char *ns,
                                                  const char *svc, uint16_t port)
{
    const ctl_service *s = gs_ctl_find_service(c, ns, svc);
    const char *port_name = NULL;
    for (size_t k = 0; s && k < s->n_ports; k++)
        if (s->ports[k].port == port)
            port_name = s->ports[k].name;
    return gs_ctl_btls_for(c, ns, svc, port_name);
}

/* Whether some backendRef of |r| sends to a target of |p|. */
static bool route_uses_policy(const gs_control *c, const ctl_route *r,
                              const gs_backend_tls_policy *p)
{
    const char *pns = p->obj.metadata.namespace.v;
    for (size_t i = 0; i < r->v.n_rules; i++) {
        gs_route_rule_view rule;
        gs_route_rule_view_of(r->v.obj, i, &rule);
        for (size_t b = 0; b < rule.n_backend_refs; b++) {
            const gs_backend_ref *ref = &rule.backend_refs[b].ref;
            const char *ns = ref->namespace.v ? ref->namespace.v : r->v.obj->metadata.namespace.v;
            if (strcmp(ns, pns) != 0 || !str_eq(ref->group.v, "") ||
                !str_eq(ref->kind.v, "Service") || ref->name.v == NULL)
                continue;
            const ctl_service *svc = gs_ctl_find_service(c, ns, ref->name.v);
            const char *port_name = NULL;
            for (size_t k = 0; svc && k < svc->n_ports; k++)
                if (ref->port.has && svc->ports[k].port == ref->port.v)
                    port_name = svc->ports[k].name;
            if (policy_covers(p, ref->name.v, port_name))
                return true;
        }
    }
    return false;
}

static void policy_add_ancestor(gs_policy_status *ps, const ctl_gateway *g,
                                const gs_conditions *conds)
{
    const gs_object *o = &g->gw->obj;
    for (size_t i = 0; i < ps->n_ancestors; i++)
        if (strcmp(ps->ancestors[i].ref.namespace, o->metadata.namespace.v) == 0 &&
            strcmp(ps->ancestors[i].ref.name, o->metadata.name.v) == 0)
            return;
    ps->ancestors = gs_xrealloc(ps->ancestors, (ps->n_ancestors + 1) * sizeof(*ps->ancestors));
    gs_ancestor_status *a = &ps->ancestors[ps->n_ancestors++];
    memset(a, 0, sizeof(*a));
    a->ref.group = gs_xstrdup(GS_GATEWAY_GROUP);
    a->ref.kind = gs_xstrdup("Gateway");
    a->ref.namespace = gs_xstrdup(o->metadata.namespace.v);
    a->ref.name = gs_xstrdup(o->metadata.name.v);
    a->controller_name = gs_xstrdup(g->controller_name);
    for (size_t i = 0; i < conds->n; i++)
        gs_conditions_set(&a->conditions, conds->items[i].type, conds->items[i].status,
                          conds->items[i].reason, "%s", conds->items[i].message);
}

void gs_ctl_btls_status(gs_control *c)
{
    const gs_model *m = c->m;
    gs_status_set *s = &c->status;
    for (size_t i = 0; i < m->n_backend_tls_policies; i++) {
        const gs_backend_tls_policy *p = m->backend_tls_policies[i];
        gs_xgrow((void **)&s->policies, &s->cap_policies, s->n_policies + 1,
                 sizeof(*s->policies));
        gs_policy_status *ps = &s->policies[s->n_policies++];
        memset(ps, 0, sizeof(*ps));
        ps->kind = gs_xstrdup("BackendTLSPolicy");
        ps->namespace = gs_xstrdup(p->obj.metadata.namespace.v);
        ps->name = gs_xstrdup(p->obj.metadata.name.v);
        ps->generation = p->obj.metadata.generation.v;
        gs_conditions conds = {0};
        policy_conditions(c, p, &conds);
        for (size_t r = 0; r < c->n_routes; r++) {
            const ctl_route *route = &c->routes[r];
            if (!route_uses_policy(c, route, p))
                continue;
            const gs_route_status *rs = &s->routes[route->status_index];
            for (size_t k = 0; k < route->n_parents; k++)
                if (gs_conditions_true(&rs->parents[route->parents[k].status_index].conditions,
                                       "Accepted"))
                    policy_add_ancestor(ps, route->parents[k].gw, &conds);
        }
        if (ps->n_ancestors == 0)
            gs_status_strv_add(&ps->notes, &ps->n_notes,
                               "no accepted route of a managed Gateway sends to its targets");
        if (!gs_conditions_true(&conds, "Accepted"))
            gs_status_strv_add(&ps->notes, &ps->n_notes,
                               "not accepted: requests to the ports it covers get 500 (fail "
                               "closed, never plaintext)");
        gs_conditions_clear(&conds);
    }
}
