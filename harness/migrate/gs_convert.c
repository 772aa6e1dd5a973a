/* SPDX-License-Identifier: MIT */
/* Ingress -> Gateway API. The routes are built as small structs first (so a canary Ingress can
 * join its main Ingress's rule), then written as YAML. Every deviation from ingress-nginx's
 * behaviour is a note or warning at the Ingress field it comes from. */
#include "gs_convert.h"

#include "gs_alloc.h"
#include "gs_ingress.h"
#include "gs_ingress_nginx.h"
#include "gs_json.h"
#include "gs_nginx_annot.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CV_MAX_BACKENDS 2
#define CV_ANY_LISTENER (-1L)
#define CV_HTTP_LISTENER (-2L)

typedef enum cv_match { CV_PREFIX, CV_EXACT, CV_REGEX } cv_match;

typedef struct cv_backend {
    const char *group, *kind, *name; /* group/kind NULL: a Service */
    int64_t port;                    /* 0: none (resource backends) */
    int64_t weight;                  /* -1: unset */
} cv_backend;

typedef struct cv_rule {
    cv_match match;
    const char *path;
    const char *header, *header_value; /* a header match (canary); NULL: none */
    bool header_regex;
    const char *rewrite_full, *rewrite_prefix, *rewrite_host, *x_forwarded_prefix;
    bool redirect; /* RequestRedirect instead of backends */
    const char *redirect_scheme, *redirect_host, *redirect_path;
    int64_t redirect_port, redirect_code;
    cv_backend backends[CV_MAX_BACKENDS];
    size_t n_backends;
    const gs_ingress_path *src; /* NULL for rules the conversion adds */
    const char *comment;        /* a YAML comment line above the rule, or NULL */
} cv_rule;

typedef struct cv_route {
    const gs_ingress *ing;
    char *name;
    const char *host; /* NULL: every host */
    long listener;    /* CV_ANY_LISTENER, CV_HTTP_LISTENER or the index of an HTTPS one */
    cv_rule *rules;
    size_t n_rules;
} cv_route;

typedef struct cv_listener {
    const char *host;
    const char *secret_ns, *secret_name;
} cv_listener;

typedef struct cv_class {
    const char *name;
    const char *ns;
    bool cross_ns;
    cv_listener *listeners;
    size_t n_listeners;
    cv_route *routes;
    size_t n_routes;
    char **regex_hosts; /* hosts ("" = no host) where some Ingress turns on regex matching */
    size_t n_regex_hosts;
} cv_class;

typedef struct cv_ctx {
    const gs_model *m;
    const gs_convert_options *opt;
    gs_diags *notes;
    cv_class *classes;
    size_t n_classes;
    char **owned; /* strings the routes point to, freed at the end */
    size_t n_owned;
} cv_ctx;

/* Keeps |s| until the conversion ends; returns it. */
static char *cv_keep(cv_ctx *c, char *s)
{
    c->owned = gs_xrealloc(c->owned, (c->n_owned + 1) * sizeof *c->owned);
    c->owned[c->n_owned++] = s;
    return s;
}

/* ---- notes ---- */

static void cv_note(cv_ctx *c, gs_diag_severity sev, const gs_ingress *ing, gs_pos pos,
                    const char *field, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void cv_note(cv_ctx *c, gs_diag_severity sev, const gs_ingress *ing, gs_pos pos,
                    const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    gs_diags_addv(c->notes, sev, pos, "Ingress", ing->obj.metadata.namespace.v,
                  ing->obj.metadata.name.v, field, fmt, ap);
    va_end(ap);
}

/* ---- names ---- */

/* A DNS-1123 name for a route: "<ingress>-<host>" with "*" spelled "wildcard". */
static char *cv_route_name(const gs_ingress *ing, const char *host, const char *suffix)
{
    gs_buf b = {0};
    gs_buf_puts(&b, ing->obj.metadata.name.v);
    gs_buf_putc(&b, '-');
    if (!host)
        gs_buf_puts(&b, "all-hosts");
    for (const char *p = host; p && *p; p++)
        if (*p == '*')
            gs_buf_puts(&b, "wildcard");
        else
            gs_buf_putc(&b, *p);
    if (suffix)
        gs_buf_puts(&b, suffix);
    return gs_buf_take(&b);
}

/* ---- classes, hosts, listeners ---- */

/* The class of |ing| (added on first use); |first| says so in notes, once per Ingress. */
static cv_class *cv_class_of(cv_ctx *c, const gs_ingress *ing, bool first)
{
    const char *name = gs_ingress_class_of(ing);
    if (!name) {
        const gs_ingress_class *def = gs_ingress_default_class(c->m);
        name = def ? def->obj.metadata.name.v : "nginx";
        if (first)
            cv_note(c, GS_DIAG_NOTE, ing, ing->obj.pos, "spec.ingressClassName",
                    "no class: converted with the %s class \"%s\"",
                    def ? "cluster's default" : "ingress-nginx default", name);
    }
    for (size_t i = 0; i < c->n_classes; i++)
        if (strcmp(c->classes[i].name, name) == 0)
            return &c->classes[i];
    c->classes = gs_xrealloc(c->classes, (c->n_classes + 1) * sizeof *c->classes);
    cv_class *k = &c->classes[c->n_classes++];
    memset(k, 0, sizeof *k);
    k->name = name;
    if (!first)
        return k;
    const gs_ingress_class *ic =
        (const gs_ingress_class *)gs_model_find(c->m, GS_KIND_INGRESS_CLASS, NULL, name);
    if (ic && ic->spec.controller.v && strcmp(ic->spec.controller.v, "k8s.io/ingress-nginx") != 0)
        cv_note(c, GS_DIAG_WARNING, ing, ic->spec.controller.pos, NULL,
                "IngressClass %s is served by %s: the conversion assumes ingress-nginx's "
                "behaviour", name, ic->spec.controller.v);
    return k;
}

static const char *cv_host_key(const char *host)
{
    return host ? host : "";
}

static bool cv_regex_host(const cv_class *k, const char *host)
{
    for (size_t i = 0; i < k->n_regex_hosts; i++)
        if (strcmp(k->regex_hosts[i], cv_host_key(host)) == 0)
            return true;
    return false;
}

static void cv_add_regex_host(cv_class *k, const char *host)
{
    if (cv_regex_host(k, host))
        return;
    k->regex_hosts = gs_xrealloc(k->regex_hosts, (k->n_regex_hosts + 1) * sizeof(char *));
    k->regex_hosts[k->n_regex_hosts++] = gs_xstrdup(cv_host_key(host));
}

/* The HTTPS listener for |host| (added on first use); its name is "https-<index>". */
static size_t cv_listener_for(cv_class *k, const char *host, const char *ns, const char *secret)
{
    for (size_t i = 0; i < k->n_listeners; i++)
        if (strcmp(cv_host_key(k->listeners[i].host), cv_host_key(host)) == 0)
            return i;
    k->listeners = gs_xrealloc(k->listeners, (k->n_listeners + 1) * sizeof *k->listeners);
    k->listeners[k->n_listeners] = (cv_listener){host, ns, secret};
    return k->n_listeners++;
}


/* ---- backends ---- */

static int64_t cv_service_port(cv_ctx *c, const gs_ingress *ing, const gs_ingress_backend *b)
{
    int64_t port = gs_ingress_backend_port(c->m, ing, b);
    if (port)
        return port;
    const gs_object *svc = gs_model_find(c->m, GS_KIND_SERVICE, ing->obj.metadata.namespace.v,
                                         b->service_name.v);
    cv_note(c, GS_DIAG_WARNING, ing, b->port_name.pos, NULL,
            "port \"%s\" of Service %s is given by name and %s: a backendRef needs a number, "
            "80 is written; correct it", b->port_name.v ? b->port_name.v : "", b->service_name.v,
            svc ? "the Service has no port of that name" : "the Service is not among the inputs");
    return 80;
}

static cv_backend cv_backend_of(cv_ctx *c, const gs_ingress *ing, const gs_ingress_backend *b)
{
    cv_backend r = {.weight = -1};
    if (b->service_name.v) {
        r.name = b->service_name.v;
        r.port = cv_service_port(c, ing, b);
        return r;
    }
    r.group = b->resource_group.v ? b->resource_group.v : "";
    r.kind = b->resource_kind.v;
    r.name = b->resource_name.v;
    cv_note(c, GS_DIAG_NOTE, ing, b->pos, NULL,
            "resource backend %s %s: written as a backendRef of that kind; the Gateway's "
            "implementation must support it", r.kind ? r.kind : "", r.name ? r.name : "");
    return r;
}

/* ---- rules of one path ---- */

static bool cv_has_regex_chars(const char *s)
{
    return strpbrk(s, "^$()[]{}*+?|\\.") != NULL;
}

/* Path match of |p| on a host in regex mode or not, with the notes ingress-nginx needs. */
static void cv_match_of(cv_ctx *c, const gs_ingress *ing, const gs_ingress_path *p, bool regex,
                        cv_rule *r)
{
    const char *path = p->path.v[0] ? p->path.v : "/";
    r->path = path;
    if (regex) {
        /* ingress-nginx writes `location ~* "^<path>"` for every path of the host, Exact ones
         * too: anchored at the start only and case-insensitive; RegularExpression path
         * matches are full matches */
        char *re = cv_keep(c, gs_xasprintf("(?i)%s.*", path));
        r->match = CV_REGEX;
        r->path = re;
        cv_note(c, GS_DIAG_NOTE, ing, p->path.pos, NULL,
                "%s: use-regex or rewrite-target on an Ingress of this host makes ingress-nginx "
                "match every path of the host, Exact ones too, as a case-insensitive regular "
                "expression prefix, the first in its order that matches; written as "
                "RegularExpression \"%s\" ((?i), the dialect and the order among regular "
                "expressions are implementation-specific)", path, re);
        return;
    }
    if (p->type == GS_INGRESS_PATH_EXACT) {
        r->match = CV_EXACT;
        return;
    }
    r->match = CV_PREFIX;
    if (p->type == GS_INGRESS_PATH_IMPLEMENTATION_SPECIFIC && strcmp(path, "/") != 0)
        cv_note(c, GS_DIAG_NOTE, ing, p->path.pos, NULL,
                "%s: ImplementationSpecific is a plain nginx prefix in ingress-nginx (it also "
                "matches %sx); PathPrefix matches whole segments only", path, path);
}

/* rewrite-target on a rule: exact when the target has no capture reference (nginx replaces the
 * whole URI), or in the documented form `P(/|$)(.*)` -> `T$2`, which is ReplacePrefixMatch on
 * PathPrefix P. Returns true when it chose the path match too. */
static bool cv_rewrite(cv_ctx *c, const gs_ingress *ing, const gs_ingress_path *p,
                       const char *target, cv_rule *r)
{
    if (!strchr(target, '$')) {
        r->rewrite_full = target;
        return false;
    }
    const char *path = p->path.v;
    size_t len = strlen(path);
    static const char tail[] = "(/|$)(.*)";
    size_t tl = sizeof tail - 1, gl = strlen(target);
    char *prefix = len > tl ? cv_keep(c, gs_xstrndup(path, len - tl)) : NULL;
    if (prefix && strcmp(path + len - tl, tail) == 0 && gl >= 2 &&
        strcmp(target + gl - 2, "$2") == 0 &&
        strchr(target, '$') == target + gl - 2 && !cv_has_regex_chars(prefix)) {
        const char *replace = gl == 2 ? "/" : cv_keep(c, gs_xstrndup(target, gl - 2));
        r->match = CV_PREFIX;
        r->path = prefix;
        r->rewrite_prefix = replace;
        cv_note(c, GS_DIAG_NOTE, ing, p->path.pos, NULL,
                "rewrite-target %s on %s: written as PathPrefix %s with ReplacePrefixMatch %s "
                "(ingress-nginx matches it case-insensitively)", target, path, prefix, replace);
        return true;
    }
    cv_note(c, GS_DIAG_WARNING, ing, p->path.pos, NULL,
            "rewrite-target %s uses capture groups of %s that no Gateway API path modifier can "
            "express: the rewrite is left out", target, path);
    return false;
}

/* A redirect URL (permanent-redirect, temporal-redirect) as RequestRedirect fields. */
static void cv_redirect_url(cv_ctx *c, cv_rule *r, const char *url, int64_t code)
{
    r->redirect = true;
    r->redirect_code = code;
    const char *rest = url;
    const char *sep = strstr(url, "://");
    if (sep) {
        r->redirect_scheme = cv_keep(c, gs_xstrndup(url, (size_t)(sep - url)));
        rest = sep + 3;
    }
    const char *slash = strchr(rest, '/');
    size_t hl = slash ? (size_t)(slash - rest) : strlen(rest);
    if (sep && hl) {
        const char *colon = memchr(rest, ':', hl);
        r->redirect_host = cv_keep(c, gs_xstrndup(rest, colon ? (size_t)(colon - rest) : hl));
        if (colon)
            r->redirect_port = atoll(colon + 1);
    }
    r->redirect_path = slash ? slash : (sep ? "/" : url);
}

/* ---- routes ---- */

static cv_route *cv_route_add(cv_class *k, const gs_ingress *ing, const char *host,
                              long listener, const char *suffix)
{
    k->routes = gs_xrealloc(k->routes, (k->n_routes + 1) * sizeof *k->routes);
    cv_route *r = &k->routes[k->n_routes++];
    *r = (cv_route){.ing = ing, .name = cv_route_name(ing, host, suffix), .host = host,
                    .listener = listener};
    return r;
}

static cv_rule *cv_rule_add(cv_route *route)
{
    route->rules = gs_xrealloc(route->rules, (route->n_rules + 1) * sizeof *route->rules);
    cv_rule *r = &route->rules[route->n_rules++];
    memset(r, 0, sizeof *r);
    return r;
}

/* The rules of one Ingress rule (host) into |route|. */
static void cv_paths(cv_ctx *c, cv_class *k, const gs_ingress *ing, const gs_nginx_annots *a,
                     const gs_ingress_rule *ir, cv_route *route)
{
    bool regex = cv_regex_host(k, ir->host.v);
    if (a->app_root) {
        cv_rule *r = cv_rule_add(route);
        r->match = CV_EXACT;
        r->path = "/";
        r->redirect = true;
        r->redirect_path = a->app_root;
        r->redirect_code = 302;
    }
    for (size_t i = 0; i < ir->n_paths; i++) {
        const gs_ingress_path *p = &ir->paths[i];
        cv_rule *r = cv_rule_add(route);
        r->src = p;
        if (!(a->rewrite_target && !a->permanent_redirect && !a->temporal_redirect &&
              cv_rewrite(c, ing, p, a->rewrite_target, r)))
            cv_match_of(c, ing, p, regex, r);
        if (a->permanent_redirect || a->temporal_redirect) {
            /* ingress-nginx answers `return CODE URL`: no query string is appended */
            bool perm = a->permanent_redirect != NULL;
            cv_redirect_url(c, r, perm ? a->permanent_redirect : a->temporal_redirect,
                            perm ? a->permanent_redirect_code : a->temporal_redirect_code);
            cv_note(c, GS_DIAG_NOTE, ing, p->path.pos, NULL,
                    "%s-redirect: ingress-nginx drops the query string, RequestRedirect keeps it",
                    perm ? "permanent" : "temporal");
            continue;
        }
        r->rewrite_host = a->upstream_vhost;
        /* ingress-nginx sets X-Forwarded-Prefix only where it rewrites (buildProxyPass) */
        if (a->rewrite_target)
            r->x_forwarded_prefix = a->x_forwarded_prefix;
        else if (a->x_forwarded_prefix && i == 0)
            cv_note(c, GS_DIAG_NOTE, ing, ing->obj.pos, NULL,
                    "x-forwarded-prefix without rewrite-target: ingress-nginx sends no such "
                    "header, and neither does the conversion");
        r->backends[r->n_backends++] = cv_backend_of(c, ing, &p->backend);
    }
}

/* HTTP -> HTTPS: a route on the HTTP listener answering every path with a redirect. */
static void cv_ssl_redirect(cv_class *k, const gs_ingress *ing, const char *host)
{
    cv_route *red = cv_route_add(k, ing, host, CV_HTTP_LISTENER, "-to-https");
    cv_rule *r = cv_rule_add(red);
    r->match = CV_PREFIX;
    r->path = "/";
    r->redirect = true;
    r->redirect_scheme = "https";
    r->redirect_code = 308; /* ingress-nginx's http-redirect-code default */
}

static void cv_ingress(cv_ctx *c, const gs_ingress *ing, const gs_nginx_annots *a)
{
    cv_class *k = cv_class_of(c, ing, false);
    bool slash_noted = false;
    for (size_t i = 0; i < ing->spec.n_rules; i++) {
        const gs_ingress_rule *ir = &ing->spec.rules[i];
        if (ir->n_paths == 0)
            continue;
        /* the entry listing the host, else one whose certificate covers it, as ingress-nginx */
        const gs_ingress_tls *tls = gs_ingress_nginx_tls_for(c->m, ing, ir->host.v);
        long listener = CV_ANY_LISTENER;
        if (tls) {
            size_t li = cv_listener_for(k, ir->host.v, ing->obj.metadata.namespace.v,
                                        tls->secret_name.v);
            /* a permanent or temporal redirect answers HTTP before the redirect to HTTPS
             * (ng_return_redirect): its rules then serve every listener */
            if ((a->ssl_redirect || a->force_ssl_redirect) &&
                !(a->permanent_redirect || a->temporal_redirect)) {
                listener = (long)li; /* the HTTP side only redirects */
                cv_ssl_redirect(k, ing, ir->host.v);
                if (!a->preserve_trailing_slash && !slash_noted)
                    cv_note(c, GS_DIAG_NOTE, ing, ing->obj.pos, NULL,
                            "ingress-nginx's redirect to HTTPS drops a final \"/\" of the URI "
                            "(http://HOST/a/ -> https://HOST/a) unless preserve-trailing-slash "
                            "is \"true\"; the RequestRedirect written keeps the path");
                slash_noted = true;
            }
        } else if (ing->spec.n_tls && ir->host.v && (a->ssl_redirect || a->force_ssl_redirect)) {
            cv_note(c, GS_DIAG_NOTE, ing, ir->pos, NULL,
                    "no tls entry of the Ingress lists %s or has a certificate covering it: "
                    "ingress-nginx serves it over HTTPS with its self-signed fake certificate "
                    "and redirects its HTTP requests there; no HTTPS listener or redirect is "
                    "written for it",
                    ir->host.v);
        } else if (a->force_ssl_redirect) {
            cv_note(c, GS_DIAG_WARNING, ing, ir->pos, NULL,
                    "force-ssl-redirect without TLS for %s: ingress-nginx redirects to HTTPS, "
                    "which this Gateway does not serve for the host; the redirect is left out",
                    ir->host.v ? ir->host.v : "every host");
        }
        cv_route *route = cv_route_add(k, ing, ir->host.v, listener, NULL);
        cv_paths(c, k, ing, a, ir, route);
    }
    for (size_t i = 0; i < ing->spec.n_tls; i++)
        if (ing->spec.tls[i].n_hosts == 0)
            cv_note(c, GS_DIAG_NOTE, ing, ing->spec.tls[i].pos, NULL,
                    "a TLS section without hosts: ingress-nginx serves its Secret for the "
                    "Ingress's hosts its certificate covers (HTTPS listeners are written for "
                    "those), not as the default certificate");
    if (ing->spec.default_backend.set && ing->spec.n_rules == 0) {
        /* with rules, it serves the root location of its hosts: cv_default_backends */
        cv_route *route = cv_route_add(k, ing, NULL, CV_ANY_LISTENER, NULL);
        free(route->name);
        route->name = gs_xasprintf("%s-default-backend", ing->obj.metadata.name.v);
        cv_rule *r = cv_rule_add(route);
        r->match = CV_PREFIX;
        r->path = "/";
        r->backends[r->n_backends++] = cv_backend_of(c, ing, &ing->spec.default_backend);
        cv_note(c, GS_DIAG_NOTE, ing, ing->spec.default_backend.pos, "spec.defaultBackend",
                "an Ingress without rules: ingress-nginx's catch-all server sends requests no "
                "host of the class matches to it; written as a route without hostnames, which "
                "also takes the paths no rule of another host's routes matches (ingress-nginx "
                "answers those 404)");
    }
}

/* ---- the root location of a host ---- */

/* The index of the first non-canary Ingress of class |k| (input order: ingress-nginx takes them
 * oldest first) with a rule for |host|, or SIZE_MAX. */
static size_t cv_first_of_host(cv_ctx *c, const cv_class *k, const gs_nginx_annots *annots,
                               const char *host)
{
    for (size_t i = 0; i < c->m->n_ingresses; i++) {
        const gs_ingress *ing = c->m->ingresses[i];
        if (annots[i].canary || annots[i].rejected || cv_class_of(c, ing, false) != k)
            continue;
        for (size_t r = 0; r < ing->spec.n_rules; r++)
            if (strcmp(cv_host_key(ing->spec.rules[r].host.v), host) == 0)
                return i;
    }
    return SIZE_MAX;
}

/* True when a non-canary Ingress of |k| has a path "/" that is not Exact for |host|: ingress-nginx's
 * `location /` of the host is then that path's. */
static bool cv_host_has_root(cv_ctx *c, const cv_class *k, const gs_nginx_annots *annots,
                             const char *host)
{
    for (size_t i = 0; i < c->m->n_ingresses; i++) {
        const gs_ingress *ing = c->m->ingresses[i];
        if (annots[i].canary || annots[i].rejected || cv_class_of(c, ing, false) != k)
            continue;
        for (size_t r = 0; r < ing->spec.n_rules; r++) {
            const gs_ingress_rule *ir = &ing->spec.rules[r];
            if (strcmp(cv_host_key(ir->host.v), host) != 0)
                continue;
            for (size_t p = 0; p < ir->n_paths; p++) {
                const char *v = ir->paths[p].path.v;
                if ((!v[0] || strcmp(v, "/") == 0) && ir->paths[p].type != GS_INGRESS_PATH_EXACT)
                    return true;
            }
        }
    }
    return false;
}

/* The route of |ing| for |host| that is not the HTTP-to-HTTPS one (added when the rule has no
 * paths, so none was written). */
static cv_route *cv_route_of(cv_class *k, const gs_ingress *ing, const char *host)
{
    for (size_t i = 0; i < k->n_routes; i++) {
        cv_route *route = &k->routes[i];
        if (route->ing == ing && route->listener != CV_HTTP_LISTENER && route->host &&
            strcmp(route->host, host) == 0)
            return route;
    }
    return cv_route_add(k, ing, host, CV_ANY_LISTENER, NULL);
}

/* ingress-nginx adds `location /` to a host no Ingress gives a "/" path, with the annotations of
 * the host's first Ingress (createServers: locationApplyAnnotations on the server's root
 * location), so that Ingress's permanent-redirect or temporal-redirect answers every request of
 * the host no other location takes. Written as a PathPrefix "/" rule with that redirect on the
 * Ingress's route, the least specific rule of the host, with a note. Hosts only: the catch-all
 * server's root location is the controller's default backend. */
static void cv_root_redirect(cv_ctx *c, const gs_nginx_annots *annots, size_t i,
                             const gs_ingress_rule *ir)
{
    const gs_ingress *ing = c->m->ingresses[i];
    const gs_nginx_annots *a = &annots[i];
    cv_class *k = cv_class_of(c, ing, false);
    const char *host = ir->host.v;
    if (!host || !(a->permanent_redirect || a->temporal_redirect) ||
        cv_first_of_host(c, k, annots, host) != i || cv_host_has_root(c, k, annots, host))
        return;
    cv_route *route = cv_route_of(k, ing, host);
    for (size_t r = 0; r < route->n_rules; r++)
        if (route->rules[r].src == NULL && route->rules[r].match == CV_PREFIX &&
            route->rules[r].redirect && strcmp(route->rules[r].path, "/") == 0)
            return; /* a second rule of the same host in this Ingress */
    bool perm = a->permanent_redirect != NULL;
    cv_rule *r = cv_rule_add(route);
    r->match = CV_PREFIX;
    r->path = "/";
    r->comment = "no path \"/\" on this host: ingress-nginx redirects the rest as its first "
                 "Ingress does";
    cv_redirect_url(c, r, perm ? a->permanent_redirect : a->temporal_redirect,
                    perm ? a->permanent_redirect_code : a->temporal_redirect_code);
    cv_note(c, GS_DIAG_NOTE, ing, ir->host.pos, NULL,
            "%s has no path \"/\": ingress-nginx adds a root location for it that takes the "
            "%s-redirect of the host's first Ingress, this one, so every request of the host "
            "that no path takes is redirected too; written as a PathPrefix \"/\" rule with the "
            "same RequestRedirect (ingress-nginx's behaviour, not a path of the Ingress)",
            host, perm ? "permanent" : "temporal");
}

/* The rule "/" the conversion added to |route| for a host's root location, or NULL. */
static const cv_rule *cv_root_rule(const cv_route *route)
{
    for (size_t r = 0; r < route->n_rules; r++)
        if (route->rules[r].src == NULL && route->rules[r].match == CV_PREFIX &&
            strcmp(route->rules[r].path, "/") == 0)
            return &route->rules[r];
    return NULL;
}

/* spec.defaultBackend of an Ingress with rules: ingress-nginx makes it the backend of the root
 * location of each host that Ingress creates the server of, i.e. is the first non-canary Ingress
 * of (createServers in internal/ingress/controller/controller.go: "Using its backend as default
 * upstream for all its rules"), until a path "/" of any Ingress of the host takes that location;
 * the catch-all server keeps the controller's default backend (only an Ingress without rules
 * configures it). A rule without host never gets it: the catch-all server exists before any
 * Ingress. Written as a PathPrefix "/" rule on the Ingress's route for the host, unless the
 * root location redirects (cv_root_redirect: the Ingress's own redirect wins there). */
static void cv_default_backends(cv_ctx *c, const gs_nginx_annots *annots)
{
    for (size_t i = 0; i < c->m->n_ingresses; i++) {
        const gs_ingress *ing = c->m->ingresses[i];
        if (annots[i].canary || annots[i].rejected || !ing->spec.default_backend.set ||
            ing->spec.n_rules == 0)
            continue;
        cv_class *k = cv_class_of(c, ing, false);
        bool noted = false;
        for (size_t r = 0; r < ing->spec.n_rules; r++) {
            const char *host = ing->spec.rules[r].host.v;
            if (!host || cv_first_of_host(c, k, annots, host) != i ||
                cv_host_has_root(c, k, annots, host))
                continue;
            cv_route *route = cv_route_of(k, ing, host);
            if (cv_root_rule(route))
                continue; /* a redirect, or a second rule of the host */
            cv_rule *rule = cv_rule_add(route);
            rule->match = CV_PREFIX;
            rule->path = "/";
            rule->comment = "no path \"/\" on this host: ingress-nginx sends the rest to the "
                            "Ingress's defaultBackend";
            rule->backends[rule->n_backends++] = cv_backend_of(c, ing, &ing->spec.default_backend);
            if (!noted)
                cv_note(c, GS_DIAG_NOTE, ing, ing->spec.default_backend.pos, "spec.defaultBackend",
                        "ingress-nginx sends the requests of this Ingress's hosts that no path "
                        "matches to it (not other hosts, not unknown ones): written as a "
                        "PathPrefix \"/\" rule on the route of each host it is the first "
                        "Ingress of");
            noted = true;
        }
        if (!noted)
            cv_note(c, GS_DIAG_NOTE, ing, ing->spec.default_backend.pos, "spec.defaultBackend",
                    "no request reaches it on ingress-nginx: each host of the Ingress has a "
                    "path \"/\" or an earlier Ingress (whose root location it keeps), and only "
                    "an Ingress without rules serves unknown hosts; nothing is written for it");
    }
}

static void cv_root_redirects(cv_ctx *c, const gs_nginx_annots *annots)
{
    for (size_t i = 0; i < c->m->n_ingresses; i++) {
        const gs_ingress *ing = c->m->ingresses[i];
        for (size_t r = 0; r < ing->spec.n_rules && !annots[i].canary && !annots[i].rejected; r++)
            cv_root_redirect(c, annots, i, &ing->spec.rules[r]);
    }
}

/* ---- canary ---- */

static cv_rule *cv_main_rule(cv_class *k, const gs_ingress *canary, const char *host,
                             const gs_ingress_path *p, cv_route **route_out)
{
    for (size_t i = 0; i < k->n_routes; i++) {
        cv_route *route = &k->routes[i];
        if (strcmp(route->ing->obj.metadata.namespace.v, canary->obj.metadata.namespace.v) != 0 ||
            strcmp(cv_host_key(route->host), cv_host_key(host)) != 0 ||
            route->listener == CV_HTTP_LISTENER)
            continue;
        for (size_t r = 0; r < route->n_rules; r++)
            if (route->rules[r].src && strcmp(route->rules[r].src->path.v, p->path.v) == 0) {
                *route_out = route;
                return &route->rules[r];
            }
    }
    return NULL;
}

/* canary-by-header-pattern: ingress-nginx's Lua balancer searches the header value with
 * ngx.re.match (PCRE, no options: unanchored and case-sensitive), while Gateway API leaves how a
 * RegularExpression header match applies (search or whole value) and its dialect to the
 * implementation. A pattern not anchored at both ends may then match fewer values: a note. */
static void cv_pattern_note(cv_ctx *c, const gs_ingress *ing, const gs_ingress_path *p,
                            const gs_nginx_annots *a)
{
    const char *pat = a->canary_by_header_pattern;
    size_t n = strlen(pat);
    if (pat[0] == '^' && n > 1 && pat[n - 1] == '$' && pat[n - 2] != '\\')
        return;
    cv_note(c, GS_DIAG_NOTE, ing, p->path.pos, NULL,
            "canary-by-header-pattern \"%s\" is not anchored: ingress-nginx searches the %s "
            "value for it (ngx.re.match, case-sensitive); how a RegularExpression header match "
            "applies is implementation-specific in Gateway API (some match the whole value): "
            "write \"^.*(%s).*$\" to the same effect everywhere",
            pat, a->canary_by_header, pat);
}

static void cv_canary(cv_ctx *c, const gs_ingress *ing, const gs_nginx_annots *a)
{
    cv_class *k = cv_class_of(c, ing, false);
    for (size_t i = 0; i < ing->spec.n_rules; i++) {
        const gs_ingress_rule *ir = &ing->spec.rules[i];
        for (size_t j = 0; j < ir->n_paths; j++) {
            const gs_ingress_path *p = &ir->paths[j];
            cv_route *route = NULL;
            cv_rule *main = cv_main_rule(k, ing, ir->host.v, p, &route);
            if (!main || main->n_backends != 1) {
                cv_note(c, GS_DIAG_WARNING, ing, p->path.pos, NULL,
                        "canary for %s%s has no main Ingress with that host and path: "
                        "ingress-nginx ignores it, and so does the conversion",
                        ir->host.v ? ir->host.v : "", p->path.v);
                continue;
            }
            cv_backend canary = cv_backend_of(c, ing, &p->backend);
            if (a->canary_by_header || a->canary_by_cookie) {
                /* the main rule plus a header match, sent to the canary (adding a rule may
                 * move the list: keep the main rule's index) */
                size_t at = (size_t)(main - route->rules);
                cv_rule copy = *main;
                cv_rule *r = cv_rule_add(route);
                *r = copy;
                r->src = NULL;
                r->backends[0] = canary;
                r->n_backends = 1;
                if (a->canary_by_header) {
                    r->header = a->canary_by_header;
                    r->header_value = a->canary_by_header_value ? a->canary_by_header_value
                                      : a->canary_by_header_pattern ? a->canary_by_header_pattern
                                                                    : "always";
                    r->header_regex = !a->canary_by_header_value && a->canary_by_header_pattern;
                    if (r->header_regex)
                        cv_pattern_note(c, ing, p, a);
                    if (!a->canary_by_header_value && !a->canary_by_header_pattern)
                        cv_note(c, GS_DIAG_NOTE, ing, p->path.pos, NULL,
                                "canary-by-header %s: \"always\" goes to the canary (a header "
                                "match); \"never\" forcing the main backend cannot be written",
                                a->canary_by_header);
                } else {
                    r->header = "Cookie";
                    r->header_value = cv_keep(c, gs_xasprintf("(^|.*;\\s*)%s=always(;.*|$)",
                                                              a->canary_by_cookie));
                    r->header_regex = true;
                    cv_note(c, GS_DIAG_NOTE, ing, p->path.pos, NULL,
                            "canary-by-cookie %s: written as a RegularExpression match on the "
                            "Cookie header (implementation-specific)", a->canary_by_cookie);
                }
                main = &route->rules[at];
            }
            if (a->canary_weight >= 0) {
                int64_t total = a->canary_weight_total, w = a->canary_weight;
                if (w > total)
                    w = total;
                main->backends[0].weight = total - w;
                canary.weight = w;
                main->backends[main->n_backends++] = canary;
            }
        }
    }
}

/* ---- notes on annotations ---- */

static void cv_annotation_notes(cv_ctx *c, const gs_ingress *ing, const gs_nginx_annots *a)
{
    for (size_t i = 0; i < a->n_unmodelled; i++)
        cv_note(c, GS_DIAG_WARNING, ing, a->unmodelled[i]->key.pos, NULL,
                "annotation %s is not modelled: its behaviour is not converted",
                a->unmodelled[i]->key.v);
    const gs_label *bp = gs_nginx_annot_label(ing, "backend-protocol");
    if (a->backend_protocol && strcmp(a->backend_protocol, "HTTP") != 0)
        cv_note(c, GS_DIAG_WARNING, ing, bp ? bp->value.pos : ing->obj.pos, NULL,
                "backend-protocol %s: Gateway API takes the backend protocol from the Service "
                "port's appProtocol (kubernetes.io/h2c for GRPC) and TLS to backends from a "
                "BackendTLSPolicy; neither is written", a->backend_protocol);
}

/* ---- YAML ---- */

static void y_str(gs_buf *b, const char *s)
{
    gs_json_escape(b, s, strlen(s));
}

static void y_backend(gs_buf *b, const cv_backend *be)
{
    gs_buf_puts(b, "{");
    if (be->kind) {
        gs_buf_puts(b, "group: ");
        y_str(b, be->group ? be->group : "");
        gs_buf_puts(b, ", kind: ");
        y_str(b, be->kind);
        gs_buf_puts(b, ", ");
    }
    gs_buf_puts(b, "name: ");
    y_str(b, be->name ? be->name : "");
    if (be->port)
        gs_buf_printf(b, ", port: %lld", (long long)be->port);
    if (be->weight >= 0)
        gs_buf_printf(b, ", weight: %lld", (long long)be->weight);
    gs_buf_puts(b, "}");
}

static void y_rule(gs_buf *b, const cv_rule *r)
{
    static const char *const types[] = {"PathPrefix", "Exact", "RegularExpression"};
    if (r->comment)
        gs_buf_printf(b, "  # %s\n", r->comment);
    gs_buf_printf(b, "  - matches:\n    - path: {type: %s, value: ", types[r->match]);
    y_str(b, r->path);
    gs_buf_puts(b, "}\n");
    if (r->header) {
        gs_buf_printf(b, "      headers: [{type: %s, name: ",
                      r->header_regex ? "RegularExpression" : "Exact");
        y_str(b, r->header);
        gs_buf_puts(b, ", value: ");
        y_str(b, r->header_value);
        gs_buf_puts(b, "}]\n");
    }
    bool filters = r->redirect || r->rewrite_full || r->rewrite_prefix || r->rewrite_host ||
                   r->x_forwarded_prefix;
    if (filters)
        gs_buf_puts(b, "    filters:\n");
    if (r->redirect) {
        gs_buf_puts(b, "    - type: RequestRedirect\n      requestRedirect: {");
        if (r->redirect_scheme) {
            gs_buf_puts(b, "scheme: ");
            y_str(b, r->redirect_scheme);
            gs_buf_puts(b, ", ");
        }
        if (r->redirect_host) {
            gs_buf_puts(b, "hostname: ");
            y_str(b, r->redirect_host);
            gs_buf_puts(b, ", ");
        }
        if (r->redirect_port)
            gs_buf_printf(b, "port: %lld, ", (long long)r->redirect_port);
        if (r->redirect_path) {
            gs_buf_puts(b, "path: {type: ReplaceFullPath, replaceFullPath: ");
            y_str(b, r->redirect_path);
            gs_buf_puts(b, "}, ");
        }
        gs_buf_printf(b, "statusCode: %lld}\n", (long long)r->redirect_code);
        return;
    }
    if (r->rewrite_full || r->rewrite_prefix || r->rewrite_host) {
        gs_buf_puts(b, "    - type: URLRewrite\n      urlRewrite: {");
        if (r->rewrite_host) {
            gs_buf_puts(b, "hostname: ");
            y_str(b, r->rewrite_host);
            if (r->rewrite_full || r->rewrite_prefix)
                gs_buf_puts(b, ", ");
        }
        if (r->rewrite_full || r->rewrite_prefix) {
            gs_buf_printf(b, "path: {type: %s, %s: ",
                          r->rewrite_full ? "ReplaceFullPath" : "ReplacePrefixMatch",
                          r->rewrite_full ? "replaceFullPath" : "replacePrefixMatch");
            y_str(b, r->rewrite_full ? r->rewrite_full : r->rewrite_prefix);
            gs_buf_puts(b, "}");
        }
        gs_buf_puts(b, "}\n");
    }
    if (r->x_forwarded_prefix) {
        gs_buf_puts(b, "    - type: RequestHeaderModifier\n      requestHeaderModifier: "
                       "{set: [{name: X-Forwarded-Prefix, value: ");
        y_str(b, r->x_forwarded_prefix);
        gs_buf_puts(b, "}]}\n");
    }
    gs_buf_puts(b, "    backendRefs: [");
    for (size_t i = 0; i < r->n_backends; i++) {
        if (i)
            gs_buf_puts(b, ", ");
        y_backend(b, &r->backends[i]);
    }
    gs_buf_puts(b, "]\n");
}

static void y_route(gs_buf *b, const cv_class *k, const cv_route *route)
{
    const char *ns = route->ing->obj.metadata.namespace.v;
    gs_buf_puts(b, "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
                   "metadata: {name: ");
    y_str(b, route->name);
    gs_buf_puts(b, ", namespace: ");
    y_str(b, ns);
    gs_buf_puts(b, "}\nspec:\n  parentRefs: [{name: ");
    y_str(b, k->name);
    if (strcmp(ns, k->ns) != 0) {
        gs_buf_puts(b, ", namespace: ");
        y_str(b, k->ns);
    }
    if (route->listener == CV_HTTP_LISTENER)
        gs_buf_puts(b, ", sectionName: http");
    else if (route->listener >= 0)
        gs_buf_printf(b, ", sectionName: https-%ld", route->listener);
    gs_buf_puts(b, "}]\n");
    if (route->host) {
        gs_buf_puts(b, "  hostnames: [");
        y_str(b, route->host);
        gs_buf_puts(b, "]\n");
    }
    gs_buf_puts(b, "  rules:\n");
    for (size_t i = 0; i < route->n_rules; i++)
        y_rule(b, &route->rules[i]);
}

static void y_gateway(gs_buf *b, const cv_ctx *c, const cv_class *k)
{
    gs_buf_puts(b, "---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: ");
    y_str(b, k->name);
    gs_buf_puts(b, ", namespace: ");
    y_str(b, k->ns);
    gs_buf_puts(b, "}\nspec:\n  gatewayClassName: ");
    y_str(b, c->opt && c->opt->gateway_class ? c->opt->gateway_class : k->name);
    const char *allowed = k->cross_ns ? ", allowedRoutes: {namespaces: {from: All}}" : "";
    gs_buf_printf(b, "\n  listeners:\n  - {name: http, protocol: HTTP, port: 80%s}\n", allowed);
    for (size_t i = 0; i < k->n_listeners; i++) {
        const cv_listener *l = &k->listeners[i];
        gs_buf_printf(b, "  - name: https-%zu\n    protocol: HTTPS\n    port: 443\n", i);
        if (l->host) {
            gs_buf_puts(b, "    hostname: ");
            y_str(b, l->host);
            gs_buf_putc(b, '\n');
        }
        gs_buf_puts(b, "    tls: {mode: Terminate, certificateRefs: [{name: ");
        y_str(b, l->secret_name ? l->secret_name : "");
        if (strcmp(l->secret_ns, k->ns) != 0) {
            gs_buf_puts(b, ", namespace: ");
            y_str(b, l->secret_ns);
        }
        gs_buf_printf(b, "}]}\n%s", k->cross_ns ? "    allowedRoutes: {namespaces: {from: All}}\n"
                                                : "");
    }
    /* certificates in other namespaces need a ReferenceGrant there */
    for (size_t i = 0; i < k->n_listeners; i++) {
        const cv_listener *l = &k->listeners[i];
        if (strcmp(l->secret_ns, k->ns) == 0 || !l->secret_name)
            continue;
        gs_buf_puts(b, "---\napiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\n"
                       "metadata: {name: ");
        char *name = gs_xasprintf("%s-%s-%s", k->name, k->ns, l->secret_name);
        y_str(b, name);
        free(name);
        gs_buf_puts(b, ", namespace: ");
        y_str(b, l->secret_ns);
        gs_buf_puts(b, "}\nspec:\n  from: [{group: gateway.networking.k8s.io, kind: Gateway, "
                       "namespace: ");
        y_str(b, k->ns);
        gs_buf_puts(b, "}]\n  to: [{group: \"\", kind: Secret, name: ");
        y_str(b, l->secret_name);
        gs_buf_puts(b, "}]\n");
    }
}

/* ---- driver ---- */

/* Where each class's Gateway goes: the option, or the namespace its Ingresses share, or the
 * first one's (then routes come from several namespaces: allowedRoutes from All). */
static void cv_place_gateways(cv_ctx *c, const gs_nginx_annots *annots)
{
    for (size_t i = 0; i < c->m->n_ingresses; i++) {
        const gs_ingress *ing = c->m->ingresses[i];
        if (annots[i].rejected)
            continue; /* ingress-nginx does not serve it: nothing to convert */
        cv_class *k = cv_class_of(c, ing, true);
        const char *ns = ing->obj.metadata.namespace.v;
        if (!k->ns)
            k->ns = c->opt && c->opt->gateway_namespace ? c->opt->gateway_namespace : ns;
        if (strcmp(k->ns, ns) != 0)
            k->cross_ns = true;
        if (gs_nginx_annots_regex(&annots[i]))
            for (size_t r = 0; r < ing->spec.n_rules; r++)
                cv_add_regex_host(k, ing->spec.rules[r].host.v);
    }
}

static void cv_free(cv_ctx *c)
{
    for (size_t i = 0; i < c->n_classes; i++) {
        cv_class *k = &c->classes[i];
        for (size_t r = 0; r < k->n_routes; r++) {
            free(k->routes[r].name);
            free(k->routes[r].rules);
        }
        for (size_t h = 0; h < k->n_regex_hosts; h++)
            free(k->regex_hosts[h]);
        free(k->regex_hosts);
        free(k->routes);
        free(k->listeners);
    }
    free(c->classes);
    for (size_t i = 0; i < c->n_owned; i++)
        free(c->owned[i]);
    free(c->owned);
}

size_t gs_convert_ingresses(const gs_model *m, const gs_convert_options *opt, gs_buf *out,
                            gs_diags *notes)
{
    cv_ctx c = {.m = m, .opt = opt, .notes = notes};
    size_t n = m->n_ingresses;
    gs_nginx_annots *annots = gs_xcalloc(n ? n : 1, sizeof *annots);
    /* an Ingress whose annotation fails ingress-nginx's validation is not served there, so it
     * gets no Gateway API counterpart, only the note saying why (gs_nginx_annots_reject) */
    bool validation = gs_ingress_nginx_annotation_validation(m, notes);
    for (size_t i = 0; i < n; i++) {
        gs_nginx_annots_read_opt(m->ingresses[i], validation, notes, &annots[i]);
        gs_nginx_annots_reject(m->ingresses[i], &annots[i], validation, notes);
    }
    cv_place_gateways(&c, annots);
    for (size_t i = 0; i < n; i++)
        if (!annots[i].canary && !annots[i].rejected)
            cv_ingress(&c, m->ingresses[i], &annots[i]);
    cv_root_redirects(&c, annots);
    cv_default_backends(&c, annots);
    for (size_t i = 0; i < n; i++)
        if (annots[i].canary && !annots[i].rejected)
            cv_canary(&c, m->ingresses[i], &annots[i]);
    for (size_t i = 0; i < n; i++) {
        if (!annots[i].rejected)
            cv_annotation_notes(&c, m->ingresses[i], &annots[i]);
        gs_nginx_annots_clear(&annots[i]);
    }
    free(annots);
    for (size_t i = 0; i < c.n_classes; i++) {
        y_gateway(out, &c, &c.classes[i]);
        for (size_t r = 0; r < c.classes[i].n_routes; r++)
            y_route(out, &c.classes[i], &c.classes[i].routes[r]);
    }
    cv_free(&c);
    return n;
}
