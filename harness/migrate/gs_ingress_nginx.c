/* SPDX-License-Identifier: MIT */
/* nginx.conf from Ingresses, following ingress-nginx's controller and template: servers per
 * host (controller.go), the extra exact location of Prefix paths (location.go), the location
 * modifiers (buildLocation), the rewrite (buildProxyPass), app-root and redirects (nginx.tmpl).
 * Canary routing, done by Lua in ingress-nginx, is done here with map and split_clients. */
#include "gs_ingress_nginx.h"

#include "gs_alloc.h"
#include "gs_ingress.h"
#include "gs_nginx_annot.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct ng_loc {
    char *path; /* as nginx sees it (Prefix paths end in "/"); owned */
    bool exact;
    const gs_ingress *ing;
    const gs_nginx_annots *a;
    const gs_ingress_backend *backend; /* NULL: the controller's default backend (404) */
    const char *ingress_path;          /* the path as written, for canary matching */
    bool twin;                         /* a normalized Prefix path: gets an exact twin */
    gs_pos pos;                        /* the Ingress path's, for notes */
} ng_loc;

typedef struct ng_server {
    const char *host; /* "_" for rules without a host */
    ng_loc *locs;
    size_t n_locs;
    bool regex;
    const char *app_root;
    const gs_ingress_backend *default_backend; /* of the first Ingress of the host with one */
    const gs_ingress *default_ing;
    const gs_nginx_annots *first_a; /* of its first Ingress: its root location's (createServers) */
    /* its certificate, as ingress-nginx picks it (ng_certs): "NS_NAME" of a Secret, "default"
     * (the fake certificate), or "" (none configured: served the fake one, HTTP not
     * redirected) */
    char cert[600];
} ng_server;

typedef struct ng_ctx {
    const gs_ingress_nginx_in *in;
    gs_diags *notes;
    gs_nginx_annots *annots; /* per m->ingresses[i] */
    ng_server *servers;
    size_t n_servers;
    gs_buf upstreams; /* upstream and map blocks, written before the servers */
    char **up_keys;   /* "ns/name:port" of each upstream gs_up_<i> */
    size_t n_up;
    size_t n_canary;
    bool h2; /* the TLS listener offers HTTP/2 (the ConfigMap's use-http2, default true) */
    char hsts[128]; /* the Strict-Transport-Security value (the ConfigMap's hsts*), "" when off */
} ng_ctx;

/* ---- quoting ---- */

/* |s| inside double quotes, with backslashes and quotes escaped (sanitizeQuotedRegex). */
static void ng_quoted(gs_buf *b, const char *s)
{
    gs_buf_putc(b, '"');
    for (const char *p = s; *p; p++) {
        if (*p == '\\' || *p == '"')
            gs_buf_putc(b, '\\');
        gs_buf_putc(b, *p);
    }
    gs_buf_putc(b, '"');
}

/* ---- upstreams ---- */

/* The upstream name of a Service port ("gs_up_3"), or NULL without an endpoint. */
static const char *ng_upstream(ng_ctx *c, const gs_ingress *ing, const gs_ingress_backend *b,
                               char *name, size_t n)
{
    if (!b || !b->service_name.v)
        return NULL;
    int64_t port = gs_ingress_backend_port(c->in->m, ing, b);
    const char *ns = ing->obj.metadata.namespace.v;
    char key[512];
    snprintf(key, sizeof key, "%s/%s:%lld", ns, b->service_name.v, (long long)port);
    for (size_t i = 0; i < c->n_up; i++)
        if (strcmp(c->up_keys[i], key) == 0) {
            snprintf(name, n, "gs_up_%zu", i);
            return name;
        }
    char addr[128];
    if (!port || !c->in->resolve ||
        !c->in->resolve(c->in->resolve_ctx, ns, b->service_name.v, port, addr, sizeof addr))
        return NULL;
    c->up_keys = gs_xrealloc(c->up_keys, (c->n_up + 1) * sizeof *c->up_keys);
    c->up_keys[c->n_up] = gs_xstrdup(key);
    gs_buf_printf(&c->upstreams, "    upstream gs_up_%zu { server %s; } # %s\n", c->n_up, addr,
                  key);
    snprintf(name, n, "gs_up_%zu", c->n_up++);
    return name;
}

/* ---- servers and locations ---- */

static ng_server *ng_server_of(ng_ctx *c, const char *host)
{
    const char *h = host ? host : "_";
    for (size_t i = 0; i < c->n_servers; i++)
        if (strcmp(c->servers[i].host, h) == 0)
            return &c->servers[i];
    c->servers = gs_xrealloc(c->servers, (c->n_servers + 1) * sizeof *c->servers);
    ng_server *s = &c->servers[c->n_servers++];
    memset(s, 0, sizeof *s);
    s->host = h;
    return s;
}

static void ng_loc_add(ng_server *s, const ng_loc *l)
{
    s->locs = gs_xrealloc(s->locs, (s->n_locs + 1) * sizeof *s->locs);
    s->locs[s->n_locs++] = *l;
}

/* The location of one Ingress path. A Prefix path other than "/" in an Ingress without rewrite
 * or regex becomes "PATH/", and gets an exact twin with the path as written once every path of
 * the server is known (ng_exact_twins), as updateServerLocations does. */
static void ng_path(ng_server *s, const gs_ingress *ing, const gs_nginx_annots *a,
                    const gs_ingress_path *p)
{
    const char *path = p->path.v[0] ? p->path.v : "/";
    ng_loc l = {.exact = p->type == GS_INGRESS_PATH_EXACT, .ing = ing, .a = a,
                .backend = &p->backend, .ingress_path = p->path.v,
                .pos = p->path.set ? p->path.pos : p->pos};
    bool keep = strcmp(path, "/") == 0 || p->type != GS_INGRESS_PATH_PREFIX ||
                gs_nginx_annots_regex(a);
    size_t len = strlen(path);
    l.twin = !keep;
    l.path = keep || path[len - 1] == '/' ? gs_xstrdup(path) : gs_xasprintf("%s/", path);
    ng_loc_add(s, &l);
}

/* The exact twins of normalized Prefix locations, unless an Exact location of that path exists
 * (from any Ingress of the host). */
static void ng_exact_twins(ng_server *s)
{
    size_t n = s->n_locs;
    for (size_t i = 0; i < n; i++) {
        if (!s->locs[i].twin)
            continue;
        const char *orig = s->locs[i].ingress_path;
        bool exists = false;
        for (size_t k = 0; k < s->n_locs && !exists; k++)
            exists = s->locs[k].exact && strcmp(s->locs[k].path, orig) == 0;
        if (exists)
            continue;
        ng_loc twin = s->locs[i];
        twin.path = gs_xstrdup(orig);
        twin.exact = true;
        twin.twin = false;
        ng_loc_add(s, &twin);
    }
}

static int ng_loc_cmp(const void *x, const void *y)
{
    const ng_loc *a = x, *b = y;
    int r = strcmp(b->path, a->path); /* descending, as ingress-nginx sorts them */
    if (r)
        return r;
    return a->exact - b->exact;
}

/* Stable sort (qsort is not): insertion by ng_loc_cmp keeps equal locations in input order. */
static void ng_sort(ng_loc *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        ng_loc x = v[i];
        size_t j = i;
        while (j > 0 && ng_loc_cmp(&v[j - 1], &x) > 0) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

static void ng_collect(ng_ctx *c)
{
    const gs_model *m = c->in->m;
    for (size_t i = 0; i < m->n_ingresses; i++) {
        const gs_ingress *ing = m->ingresses[i];
        const gs_nginx_annots *a = &c->annots[i];
        if (a->rejected)
            continue; /* ingress-nginx does not load it (gs_nginx_annots_reject) */
        if (a->canary)
            continue; /* joins its main Ingress's locations (ng_canary) */
        for (size_t r = 0; r < ing->spec.n_rules; r++) {
            const gs_ingress_rule *ir = &ing->spec.rules[r];
            ng_server *s = ng_server_of(c, ir->host.v);
            /* the first Ingress of a host creates its server, whose root location takes that
             * Ingress's defaultBackend (createServers); the catch-all server exists before
             * any Ingress: a rule without host never gives it one */
            bool creates = s->first_a == NULL && ir->host.v != NULL;
            if (s->first_a == NULL)
                s->first_a = a;
            if (gs_nginx_annots_regex(a))
                s->regex = true;
            if (a->app_root && !s->app_root)
                s->app_root = a->app_root;
            if (ing->spec.default_backend.set && creates) {
                s->default_backend = &ing->spec.default_backend;
                s->default_ing = ing;
            }
            for (size_t p = 0; p < ir->n_paths; p++)
                ng_path(s, ing, a, &ir->paths[p]);
        }
        /* an Ingress with only a default backend configures the catch-all server */
        if (ing->spec.n_rules == 0 && ing->spec.default_backend.set) {
            ng_server *s = ng_server_of(c, NULL);
            if (!s->default_backend) {
                s->default_backend = &ing->spec.default_backend;
                s->default_ing = ing;
            }
        }
    }
    ng_server_of(c, NULL); /* the catch-all server always exists */
    for (size_t i = 0; i < c->n_servers; i++)
        ng_exact_twins(&c->servers[i]);
}

/* ---- canary ---- */

/* The canary Ingress (and its path) for a location's host and Ingress path, or NULL. */
static const gs_ingress *ng_canary_for(ng_ctx *c, const ng_server *s, const ng_loc *l,
                                       const gs_nginx_annots **a_out,
                                       const gs_ingress_backend **b_out)
{
    const gs_model *m = c->in->m;
    for (size_t i = 0; l->ingress_path && i < m->n_ingresses; i++) {
        const gs_ingress *ing = m->ingresses[i];
        if (!c->annots[i].canary || c->annots[i].rejected)
            continue;
        for (size_t r = 0; r < ing->spec.n_rules; r++) {
            const gs_ingress_rule *ir = &ing->spec.rules[r];
            if (strcmp(ir->host.v ? ir->host.v : "_", s->host) != 0)
                continue;
            for (size_t p = 0; p < ir->n_paths; p++)
                if (strcmp(ir->paths[p].path.v, l->ingress_path) == 0) {
                    *a_out = &c->annots[i];
                    *b_out = &ir->paths[p].backend;
                    return ing;
                }
        }
    }
    return NULL;
}

/* Header name -> the nginx variable suffix: lower case, '-' as '_'. */
static void ng_var_name(gs_buf *b, const char *prefix, const char *name)
{
    gs_buf_puts(b, prefix);
    for (const char *p = name; *p; p++)
        gs_buf_putc(b, *p == '-' ? '_' : (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p));
}

/* A map entry matching exactly |v|, letter case included: "~^V$" with the ASCII punctuation of
 * |v| escaped. nginx's map compares plain strings without case, while ingress-nginx's Lua
 * balancer compares the header and cookie values with == (route_to_alternative_balancer in
 * rootfs/etc/nginx/lua/balancer.lua). */
static void ng_map_exact(gs_buf *b, const char *v)
{
    gs_buf re = {0};
    gs_buf_puts(&re, "~^");
    for (const char *p = v; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch < 0x80 && !(ch >= '0' && ch <= '9') && !(ch >= 'a' && ch <= 'z') &&
            !(ch >= 'A' && ch <= 'Z'))
            gs_buf_putc(&re, '\\');
        gs_buf_putc(&re, *p);
    }
    gs_buf_putc(&re, '$');
    char *str = gs_buf_take(&re);
    ng_quoted(b, str);
    free(str);
}

/* The "always" / "never" entries of a header or cookie map (compared exactly, as the Lua does). */
static void ng_map_keywords(gs_buf *b, const char *main, const char *canary)
{
    gs_buf_puts(b, "        ");
    ng_map_exact(b, "always");
    gs_buf_printf(b, " %s;\n        ", canary);
    ng_map_exact(b, "never");
    gs_buf_printf(b, " %s;\n", main);
}

/* Writes the maps that choose between |main| and |canary| upstreams (header, then cookie,
 * then weight, as ingress-nginx's balancer decides) and returns the variable's number. A
 * canary-by-header-pattern is a case-sensitive, unanchored regex ("~PATTERN": the Lua's
 * ngx.re.match without options searches the value); a header value it does not match, like a
 * value other than canary-by-header-value, falls through to the cookie and the weight. */
static size_t ng_canary_maps(ng_ctx *c, const gs_nginx_annots *a, const char *main,
                             const char *canary)
{
    size_t n = c->n_canary++;
    gs_buf *b = &c->upstreams;
    if (a->canary_by_header) {
        gs_buf_puts(b, "    map ");
        ng_var_name(b, "$http_", a->canary_by_header);
        gs_buf_printf(b, " $gs_cnh_%zu {\n", n);
        if (a->canary_by_header_value) {
            gs_buf_puts(b, "        ");
            ng_map_exact(b, a->canary_by_header_value);
            gs_buf_printf(b, " %s;\n", canary);
        } else if (a->canary_by_header_pattern) {
            char *re = gs_xasprintf("~%s", a->canary_by_header_pattern);
            gs_buf_puts(b, "        ");
            ng_quoted(b, re);
            free(re);
            gs_buf_printf(b, " %s;\n", canary);
        } else {
            ng_map_keywords(b, main, canary);
        }
        gs_buf_puts(b, "        default \"\";\n    }\n");
    }
    if (a->canary_by_cookie) {
        gs_buf_puts(b, "    map ");
        ng_var_name(b, "$cookie_", a->canary_by_cookie);
        gs_buf_printf(b, " $gs_cnc_%zu {\n", n);
        ng_map_keywords(b, main, canary);
        gs_buf_puts(b, "        default \"\";\n    }\n");
    }
    if (a->canary_weight > 0) {
        double pct = 100.0 * (double)a->canary_weight / (double)a->canary_weight_total;
        if (pct > 100.0)
            pct = 100.0;
        gs_buf_printf(b, "    split_clients \"${request_id}\" $gs_cnw_%zu {\n        %.2f%% %s;\n"
                         "        * %s;\n    }\n", n, pct, canary, main);
    } else {
        gs_buf_printf(b, "    map $request_id $gs_cnw_%zu { default %s; }\n", n, main);
    }
    /* the chain: the header decides, else the cookie, else the weight */
    if (a->canary_by_cookie)
        gs_buf_printf(b, "    map $gs_cnc_%zu $gs_cnx_%zu { \"\" $gs_cnw_%zu; default $gs_cnc_%zu; }\n",
                      n, n, n, n);
    else
        gs_buf_printf(b, "    map $gs_cnw_%zu $gs_cnx_%zu { default $gs_cnw_%zu; }\n", n, n, n);
    if (a->canary_by_header)
        gs_buf_printf(b, "    map $gs_cnh_%zu $gs_cn_%zu { \"\" $gs_cnx_%zu; default $gs_cnh_%zu; }\n",
                      n, n, n, n);
    else
        gs_buf_printf(b, "    map $gs_cnx_%zu $gs_cn_%zu { default $gs_cnx_%zu; }\n", n, n, n);
    return n;
}

/* ---- writing ---- */

static void ng_modifier(gs_buf *b, const ng_server *s, const ng_loc *l)
{
    if (s->regex) {
        gs_buf_puts(b, "~* ");
        char *re = gs_xasprintf("^%s", l->path);
        ng_quoted(b, re);
        free(re);
    } else {
        if (l->exact)
            gs_buf_puts(b, "= ");
        ng_quoted(b, l->path);
    }
}

/* ingress-nginx's redirect to HTTPS, done in Lua (redirect_to_https in lua_ingress.lua): on
 * the HTTP port, when a certificate is configured for the host and ssl-redirect is on (the
 * default), or force-ssl-redirect. The request URI loses a final "/" (its query included:
 * "/a/" -> "/a", "/" -> "") unless preserve-trailing-slash: $gs_ssl_uri (the map of
 * gs_ingress_nginx_render). True when every request of the location is redirected (no HTTPS
 * port to tell apart). */
static bool ng_ssl_redirect(ng_ctx *c, const ng_server *s, const gs_nginx_annots *a, gs_buf *b)
{
    if (a == NULL || !((s->cert[0] && a->ssl_redirect) || a->force_ssl_redirect))
        return false;
    const char *uri = a->preserve_trailing_slash ? "$request_uri" : "$gs_ssl_uri";
    if (c->in->listen_tls == NULL) {
        gs_buf_printf(b, "            return 308 https://$host%s;\n", uri);
        return true;
    }
    gs_buf_printf(b,
                  "            if ($scheme = http) {\n"
                  "                return 308 https://$host%s;\n"
                  "            }\n",
                  uri);
    return false;
}

/* A permanent or temporal redirect of |a|: `return CODE URL`. ingress-nginx's template writes
 * it in the location (nginx.tmpl), where nginx's rewrite module runs it in the rewrite phase,
 * before the rewrite_by_lua_file (ngx_rewrite.lua: lua_ingress.rewrite, its redirect to HTTPS)
 * that the Lua module runs at the end of that phase: so plain HTTP gets this redirect too, on a
 * host with TLS as well. True when written. */
static bool ng_return_redirect(const gs_nginx_annots *a, gs_buf *b)
{
    if (a == NULL || !(a->permanent_redirect || a->temporal_redirect))
        return false;
    bool perm = a->permanent_redirect != NULL;
    gs_buf_printf(b, "            return %lld %s;\n",
                  (long long)(perm ? a->permanent_redirect_code : a->temporal_redirect_code),
                  perm ? a->permanent_redirect : a->temporal_redirect);
    return true;
}

/* The annotations a server's root location (no Ingress path "/") takes for its body: createServers
 * applies an Ingress's annotations to it (locationApplyAnnotations), the host's first Ingress's
 * for a host (its redirects are ng_root_redirects'), for the catch-all those of the Ingress
 * without rules whose defaultBackend it serves, with its redirects and rewrites restored. Of
 * those, the body reads the backend-protocol (a gRPC default backend is grpc_pass) and
 * upstream-vhost. NULL when the root has the controller's default backend. */
static const gs_nginx_annots *ng_root_annots(const ng_ctx *c, const ng_server *s,
                                             gs_nginx_annots *out)
{
    if (s->default_ing == NULL)
        return NULL;
    if (strcmp(s->host, "_") != 0) {
        if (s->first_a == NULL)
            return NULL;
        memset(out, 0, sizeof *out);
        out->backend_protocol = s->first_a->backend_protocol;
        out->upstream_vhost = s->first_a->upstream_vhost;
        return out;
    }
    const gs_model *m = c->in->m;
    for (size_t i = 0; i < m->n_ingresses; i++)
        if (m->ingresses[i] == s->default_ing) {
            const gs_nginx_annots *a = &c->annots[i];
            memset(out, 0, sizeof *out);
            out->backend_protocol = a->backend_protocol;
            out->upstream_vhost = a->upstream_vhost;
            return out;
        }
    return NULL;
}

/* The redirects of a host's root location when no Ingress path is "/": ingress-nginx gives it
 * the annotations of the host's first Ingress (locationApplyAnnotations in createServers), so
 * its permanent or temporal redirect (first, ng_return_redirect) and its ssl-redirect. True
 * when it always redirects. */
static bool ng_root_redirects(ng_ctx *c, const ng_server *s, gs_buf *b)
{
    const gs_nginx_annots *a = strcmp(s->host, "_") != 0 ? s->first_a : NULL;
    return ng_return_redirect(a, b) || ng_ssl_redirect(c, s, a, b);
}

/* The directive and scheme that send a location's requests upstream, by its backend-protocol
 * (buildProxyPass in ingress-nginx's template): gRPC goes by grpc_pass, FastCGI by fastcgi_pass,
 * AUTO_HTTP speaks the client's scheme. */
static const char *ng_pass(const gs_nginx_annots *a)
{
    const char *p = a && a->backend_protocol ? a->backend_protocol : "HTTP";
    if (strcmp(p, "HTTPS") == 0)
        return "proxy_pass https://";
    if (strcmp(p, "GRPC") == 0)
        return "grpc_pass grpc://";
    if (strcmp(p, "GRPCS") == 0)
        return "grpc_pass grpcs://";
    if (strcmp(p, "AUTO_HTTP") == 0)
        return "proxy_pass $scheme://";
    if (strcmp(p, "FCGI") == 0)
        return "fastcgi_pass ";
    return "proxy_pass http://";
}

/* The directive that sets a request header upstream: grpc_set_header where grpc_pass sends
 * (proxySetHeader in ingress-nginx's template.go; proxy_set_header does not apply there, and
 * nginx would send the upstream's name as :authority). */
static const char *ng_set_header(const gs_nginx_annots *a)
{
    const char *p = a && a->backend_protocol ? a->backend_protocol : "HTTP";
    return strncmp(p, "GRPC", 4) == 0 ? "grpc_set_header" : "proxy_set_header";
}

/* The body of one location: redirects, rewrite, headers, proxy_pass (or 503/404). */
static void ng_location_body(ng_ctx *c, const ng_server *s, const ng_loc *l, gs_buf *b)
{
    const gs_nginx_annots *a = l->a;
    if (ng_return_redirect(a, b) || ng_ssl_redirect(c, s, a, b))
        return;
    if (a && a->rewrite_target && strcmp(a->rewrite_target, l->path) != 0) {
        char *re = gs_xasprintf("(?i)%s", l->path);
        gs_buf_puts(b, "            rewrite ");
        ng_quoted(b, re);
        free(re);
        gs_buf_printf(b, " %s break;\n", a->rewrite_target);
        if (a->x_forwarded_prefix) {
            gs_buf_printf(b, "            %s X-Forwarded-Prefix ", ng_set_header(a));
            ng_quoted(b, a->x_forwarded_prefix);
            gs_buf_puts(b, ";\n");
        }
    }
    gs_buf_printf(b, "            %s Host ", ng_set_header(a));
    if (a && a->upstream_vhost)
        ng_quoted(b, a->upstream_vhost);
    else
        gs_buf_puts(b, "$host");
    gs_buf_puts(b, ";\n");
    if (!l->backend) {
        gs_buf_puts(b, "            return 404;\n"); /* the controller's default backend */
        return;
    }
    char main_name[32], canary_name[32];
    const char *main = ng_upstream(c, l->ing, l->backend, main_name, sizeof main_name);
    if (!main) {
        gs_buf_puts(b, "            return 503;\n"); /* no endpoints */
        return;
    }
    const gs_nginx_annots *ca = NULL;
    const gs_ingress_backend *cb = NULL;
    const gs_ingress *cing = ng_canary_for(c, s, l, &ca, &cb);
    const char *canary = cing ? ng_upstream(c, cing, cb, canary_name, sizeof canary_name) : NULL;
    const char *pass = ng_pass(a);
    if (canary) {
        size_t n = ng_canary_maps(c, ca, main, canary);
        gs_buf_printf(b, "            %s$gs_cn_%zu;\n", pass, n);
    } else {
        gs_buf_printf(b, "            %s%s;\n", pass, main);
    }
}

/* server_name as buildServerName writes it: a wildcard becomes a regex covering exactly one
 * label ("*.foo.com" -> ~^(?<subdomain>[\w-]+)\.foo\.com$), where nginx's own wildcard would
 * cover any depth. */
static void ng_server_name(gs_buf *b, const char *host)
{
    if (strncmp(host, "*.", 2) != 0) {
        gs_buf_puts(b, host);
        return;
    }
    gs_buf_puts(b, "\"~^(?<subdomain>[\\w-]+)");
    for (const char *p = host + 1; *p; p++) {
        if (*p == '.')
            gs_buf_puts(b, "\\.");
        else
            gs_buf_putc(b, *p);
    }
    gs_buf_puts(b, "$\"");
}

bool gs_ingress_nginx_secret_usable(const gs_secret *s)
{
    size_t n;
    return s && gs_secret_get(s, "tls.crt", &n) && gs_secret_get(s, "tls.key", &n);
}

bool gs_ingress_nginx_cert_covers(const gs_secret *sec, const char *host)
{
    size_t n = 0;
    const char *pem = sec ? (const char *)gs_secret_get(sec, "tls.crt", &n) : NULL;
    BIO *bio = pem && n < INT32_MAX ? BIO_new_mem_buf(pem, (int)n) : NULL;
    X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    char name[320];
    snprintf(name, sizeof name, "%s%s", host[0] == '*' ? "gs-probe" : "", host + (host[0] == '*'));
    bool ok = x && X509_check_host(x, name, strlen(name), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS,
                                   NULL) == 1;
    X509_free(x);
    BIO_free(bio);
    ERR_clear_error();
    return ok;
}

static const gs_secret *ng_secret(const gs_model *m, const gs_ingress *ing, const char *name)
{
    return name ? (const gs_secret *)gs_model_find(m, GS_KIND_SECRET,
                                                   ing->obj.metadata.namespace.v, name)
                : NULL;
}

const gs_ingress_tls *gs_ingress_nginx_tls_for(const gs_model *m, const gs_ingress *ing,
                                               const char *host)
{
    if (host == NULL)
        return NULL;
    for (size_t t = 0; t < ing->spec.n_tls; t++)
        for (size_t h = 0; h < ing->spec.tls[t].n_hosts; h++) {
            const char *th = ing->spec.tls[t].hosts[h].v;
            if (th && strcasecmp(th, host) == 0)
                return &ing->spec.tls[t];
        }
    for (size_t t = 0; t < ing->spec.n_tls; t++) {
        const gs_secret *sec = ng_secret(m, ing, ing->spec.tls[t].secret_name.v);
        if (gs_ingress_nginx_secret_usable(sec) && gs_ingress_nginx_cert_covers(sec, host))
            return &ing->spec.tls[t];
    }
    return NULL;
}

static bool ng_routes_host(const gs_ingress *ing, const char *host)
{
    for (size_t r = 0; r < ing->spec.n_rules; r++)
        if (ing->spec.rules[r].host.v && strcasecmp(ing->spec.rules[r].host.v, host) == 0)
            return true;
    return false;
}

/* The certificate ingress-nginx configures for server |host| (createServers in its
 * controller.go): the first Ingress routing the host that has a tls section decides. Its entry
 * for the host (gs_ingress_nginx_tls_for) when that names a usable Secret covering the host:
 * "NS_NAME"; else "default" (the fake certificate): no entry, a missing or unusable Secret, or
 * one that does not cover the host. "" when no Ingress routing the host has tls. */
static void ng_host_cert(ng_ctx *c, const char *host, char *out, size_t n)
{
    const gs_model *m = c->in->m;
    out[0] = '\0';
    for (size_t i = 0; i < m->n_ingresses; i++) {
        const gs_ingress *ing = m->ingresses[i];
        if (c->annots[i].canary || c->annots[i].rejected || ing->spec.n_tls == 0 ||
            !ng_routes_host(ing, host))
            continue;
        const gs_ingress_tls *tls = gs_ingress_nginx_tls_for(m, ing, host);
        const char *name = tls ? tls->secret_name.v : NULL;
        const gs_secret *sec = ng_secret(m, ing, name);
        if (gs_ingress_nginx_secret_usable(sec) && gs_ingress_nginx_cert_covers(sec, host))
            snprintf(out, n, "%s_%s", ing->obj.metadata.namespace.v, name);
        else
            snprintf(out, n, "default");
        return;
    }
}

/* Every server's certificate. ingress-nginx picks it in Lua by the SNI name
 * (rootfs/etc/nginx/lua/certificate.lua): the host's own, else that of the server "*.PARENT"
 * when there is one with a certificate; a host that finds one this way is also redirected to
 * HTTPS (lua_ingress.lua asks the same lookup). The catch-all server serves the default one. */
static void ng_certs(ng_ctx *c)
{
    for (size_t i = 0; i < c->n_servers; i++)
        if (strcmp(c->servers[i].host, "_") != 0)
            ng_host_cert(c, c->servers[i].host, c->servers[i].cert, sizeof c->servers[i].cert);
    for (size_t i = 0; i < c->n_servers; i++) {
        ng_server *s = &c->servers[i];
        const char *dot = strchr(s->host, '.');
        if (s->cert[0] || s->host[0] == '*' || dot == NULL)
            continue;
        for (size_t k = 0; k < c->n_servers; k++) {
            const char *w = c->servers[k].host;
            if (k != i && w[0] == '*' && w[1] == '.' && strcasecmp(w + 1, dot) == 0 &&
                c->servers[k].cert[0]) {
                snprintf(s->cert, sizeof s->cert, "%s", c->servers[k].cert);
                break;
            }
        }
    }
}

static void ng_server_tls(ng_ctx *c, const ng_server *s, gs_buf *b)
{
    const char *name = s->cert[0] ? s->cert : "default";
    gs_buf_printf(b, "        ssl_certificate %s/certs/%s.crt;\n"
                     "        ssl_certificate_key %s/certs/%s.key;\n",
                  c->in->workdir, name, c->in->workdir, name);
}

static void ng_server_write(ng_ctx *c, ng_server *s, gs_buf *b)
{
    bool catch_all = strcmp(s->host, "_") == 0;
    gs_buf_printf(b, "    server {\n        listen %s%s;\n", c->in->listen,
                  catch_all ? " default_server" : "");
    if (c->in->listen_tls) {
        gs_buf_printf(b, "        listen %s ssl%s%s;\n", c->in->listen_tls,
                      c->h2 ? " http2" : "", catch_all ? " default_server" : "");
        ng_server_tls(c, s, b);
    }
    gs_buf_puts(b, "        server_name ");
    ng_server_name(b, s->host);
    gs_buf_puts(b, ";\n");
    /* HSTS on the HTTPS answers of a host with a certificate configured, every answer of the
     * server (lua_ingress.lua's header(): config.hsts, https, and the certificate lookup the
     * redirect to HTTPS asks too); $gs_hsts is empty on HTTP, and nginx adds no empty field */
    if (c->in->listen_tls && c->hsts[0] && s->cert[0] && !catch_all)
        gs_buf_puts(b, "        add_header Strict-Transport-Security $gs_hsts always;\n");
    if (s->app_root)
        gs_buf_printf(b, "        if ($uri = /) {\n            return 302 $scheme://$http_host%s;\n"
                         "        }\n", s->app_root);
    ng_sort(s->locs, s->n_locs);
    bool root = false;
    char **seen = gs_xcalloc(s->n_locs + 1, sizeof *seen); /* nginx refuses a duplicate */
    size_t n_seen = 0;
    for (size_t i = 0; i < s->n_locs; i++) {
        const ng_loc *l = &s->locs[i];
        gs_buf mod = {0};
        ng_modifier(&mod, s, l);
        bool dup = false;
        for (size_t k = 0; k < n_seen && !dup; k++)
            dup = strcmp(seen[k], mod.data) == 0;
        if (dup) {
            gs_diags_add(c->notes, GS_DIAG_NOTE, l->pos, "Ingress",
                         l->ing->obj.metadata.namespace.v, l->ing->obj.metadata.name.v, NULL,
                         "location %s of %s is defined by an earlier Ingress: the first one "
                         "serves it", l->path, s->host);
            gs_buf_clear(&mod);
            continue;
        }
        if (strcmp(l->path, "/") == 0 && !l->exact)
            root = true;
        gs_buf_printf(b, "        location %s {\n", mod.data);
        seen[n_seen++] = gs_buf_take(&mod);
        ng_location_body(c, s, l, b);
        gs_buf_puts(b, "        }\n");
    }
    for (size_t k = 0; k < n_seen; k++)
        free(seen[k]);
    free(seen);
    if (!root) {
        /* every server has a root location: the Ingress's default backend or the controller's */
        static char root_path[] = "/";
        gs_nginx_annots root_annots;
        ng_loc l = {.path = root_path,
                    .ing = s->default_ing,
                    .a = ng_root_annots(c, s, &root_annots),
                    .backend = s->default_backend};
        gs_buf_puts(b, "        location ");
        ng_modifier(b, s, &l);
        gs_buf_puts(b, " {\n");
        if (!ng_root_redirects(c, s, b)) {
            if (l.backend)
                ng_location_body(c, s, &l, b);
            else
                gs_buf_puts(b, "            return 404;\n");
        }
        gs_buf_puts(b, "        }\n");
    }
    gs_buf_puts(b, "    }\n");
}

/* The value of |key| in the controller's ConfigMap, or NULL. */
static const gs_secret_entry *ng_cm_entry(const gs_model *m, const char *key)
{
    const gs_config_map *cm = (const gs_config_map *)gs_model_find(
        m, GS_KIND_CONFIG_MAP, GS_INGRESS_NGINX_CONFIGMAP_NS, GS_INGRESS_NGINX_CONFIGMAP_NAME);
    const gs_secret_entry *found = NULL;
    for (size_t i = 0; cm && i < cm->n_data; i++) {
        const gs_secret_entry *e = &cm->data[i];
        if (e->key.v && e->decoded && strcmp(e->key.v, key) == 0)
            found = e;
    }
    return found;
}

/* A boolean of the controller's ConfigMap, |def| when absent. A value that is not a boolean is
 * a warning saying |keeps| (what the default means), and the default is kept, as the controller
 * does. */
static bool ng_cm_bool(const gs_model *m, gs_diags *notes, const char *key, bool def,
                       const char *keeps)
{
    const gs_secret_entry *e = ng_cm_entry(m, key);
    bool on = def;
    if (e && !gs_nginx_parse_bool((const char *)e->decoded, &on)) {
        char field[64];
        snprintf(field, sizeof field, "data.%s", key);
        gs_diags_add(notes, GS_DIAG_WARNING, e->value.pos, "ConfigMap",
                     GS_INGRESS_NGINX_CONFIGMAP_NS, GS_INGRESS_NGINX_CONFIGMAP_NAME, field,
                     "%s: \"%s\" is not a boolean: %s", key, (const char *)e->decoded, keeps);
        on = def;
    }
    return on;
}

bool gs_ingress_nginx_annotation_validation(const gs_model *m, gs_diags *notes)
{
    return ng_cm_bool(m, notes, "enable-annotation-validation", true, "validation stays on");
}

/* The Strict-Transport-Security value ingress-nginx sends from its ConfigMap (config.go's
 * defaults: hsts true, hsts-max-age 31536000, hsts-include-subdomains true, hsts-preload false;
 * the value as lua_ingress.lua builds it), "" when hsts is off. */
static void ng_hsts(const gs_model *m, gs_diags *notes, char *out, size_t n)
{
    out[0] = '\0';
    if (!ng_cm_bool(m, notes, "hsts", true, "HSTS stays on"))
        return;
    const gs_secret_entry *age = ng_cm_entry(m, "hsts-max-age");
    const char *v = age ? (const char *)age->decoded : "31536000";
    if (v[0] == '\0' || strspn(v, "0123456789") != strlen(v) || strlen(v) > 12) {
        gs_diags_add(notes, GS_DIAG_WARNING, age->value.pos, "ConfigMap",
                     GS_INGRESS_NGINX_CONFIGMAP_NS, GS_INGRESS_NGINX_CONFIGMAP_NAME,
                     "data.hsts-max-age", "hsts-max-age: \"%s\" is not a number of seconds: "
                     "31536000 is used", v);
        v = "31536000";
    }
    snprintf(out, n, "max-age=%s%s%s", v,
             ng_cm_bool(m, notes, "hsts-include-subdomains", true,
                        "includeSubDomains stays") ? "; includeSubDomains" : "",
             ng_cm_bool(m, notes, "hsts-preload", false, "no preload") ? "; preload" : "");
}

/* The annotations of |ing| the emulation leaves out: nginx serves the Ingress as if they were
 * absent, which the user must hear of (issue #18: never silently ignored). */
static void ng_unmodelled_notes(const gs_ingress *ing, const gs_nginx_annots *a, gs_diags *notes)
{
    for (size_t i = 0; i < a->n_unmodelled; i++)
        gs_diags_add(notes, GS_DIAG_WARNING, a->unmodelled[i]->key.pos, "Ingress",
                     ing->obj.metadata.namespace.v, ing->obj.metadata.name.v, NULL,
                     "annotation %s is not modelled: the ingress-nginx target serves the Ingress "
                     "as if it were absent", a->unmodelled[i]->key.v);
}

size_t gs_ingress_nginx_render(const gs_ingress_nginx_in *in, gs_buf *conf, gs_diags *notes)
{
    const gs_model *m = in->m;
    ng_ctx c = {.in = in, .notes = notes};
    c.annots = gs_xcalloc(m->n_ingresses ? m->n_ingresses : 1, sizeof *c.annots);
    bool validation = gs_ingress_nginx_annotation_validation(m, notes);
    for (size_t i = 0; i < m->n_ingresses; i++) {
        gs_nginx_annots_read_opt(m->ingresses[i], validation, notes, &c.annots[i]);
        if (!gs_nginx_annots_reject(m->ingresses[i], &c.annots[i], validation, notes))
            ng_unmodelled_notes(m->ingresses[i], &c.annots[i], notes);
    }
    /* the ConfigMap's use-http2 (default true): `http2` on every TLS listen (nginx.tmpl) */
    c.h2 = ng_cm_bool(m, notes, "use-http2", true, "HTTP/2 stays on");
    ng_hsts(m, notes, c.hsts, sizeof c.hsts);
    ng_collect(&c);
    ng_certs(&c);
    gs_buf servers = {0};
    for (size_t i = 0; i < c.n_servers; i++)
        ng_server_write(&c, &c.servers[i], &servers);
    const char *w = in->workdir;
    gs_buf_printf(conf,
                  "# rendered by gatesim from Ingresses as ingress-nginx's template would\n"
                  "%s"
                  "worker_processes 1;\npid %s/nginx.pid;\nerror_log %s/error.log;\n"
                  "events { worker_connections 512; }\nhttp {\n    access_log off;\n"
                  "    client_body_temp_path %s/body;\n    proxy_temp_path %s/proxy;\n"
                  "    fastcgi_temp_path %s/fastcgi;\n    uwsgi_temp_path %s/uwsgi;\n"
                  "    scgi_temp_path %s/scgi;\n    server_names_hash_bucket_size 128;\n"
                  "    map_hash_bucket_size 128;\n"
                  /* ingress-nginx's use-port-in-redirects is false by default: nginx's own
                   * redirects (a slash appended) name no port */
                  "    port_in_redirect off;\n"
                  /* ingress-nginx's server-tokens is false by default: "Server: nginx" */
                  "    server_tokens off;\n"
                  /* ingress-nginx's proxy-http-version is 1.1 by default (nginx's own: 1.0); the
                   * Ingress conformance features check the backend saw HTTP/1.1 */
                  "    proxy_http_version 1.1;\n"
                  /* the redirect to HTTPS drops a final slash (ng_ssl_redirect) */
                  "    map $request_uri $gs_ssl_uri {\n        \"~^(.*)/$\" $1;\n"
                  "        default $request_uri;\n    }\n"
                  /* the HSTS value on HTTPS only (ng_server_write) */
                  "    map $scheme $gs_hsts {\n        https \"%s\";\n        default \"\";\n    }\n",
                  in->main_extra ? in->main_extra : "", w, w, w, w, w, w, w, c.hsts);
    if (c.upstreams.len)
        gs_buf_append(conf, c.upstreams.data, c.upstreams.len);
    if (servers.len)
        gs_buf_append(conf, servers.data, servers.len);
    if (in->http_extra)
        gs_buf_puts(conf, in->http_extra);
    gs_buf_puts(conf, "}\n");
    size_t n = c.n_servers;
    gs_buf_clear(&servers);
    gs_buf_clear(&c.upstreams);
    for (size_t i = 0; i < c.n_servers; i++) {
        for (size_t l = 0; l < c.servers[i].n_locs; l++)
            free(c.servers[i].locs[l].path);
        free(c.servers[i].locs);
    }
    free(c.servers);
    for (size_t i = 0; i < c.n_up; i++)
        free(c.up_keys[i]);
    free(c.up_keys);
    for (size_t i = 0; i < m->n_ingresses; i++)
        gs_nginx_annots_clear(&c.annots[i]);
    free(c.annots);
    return n;
}

void gs_ingress_nginx_notes(const gs_model *m, gs_diags *notes)
{
    gs_ingress_nginx_in in = {
        .m = m, .listen = "127.0.0.1:1", .listen_tls = "127.0.0.1:2", .workdir = "/nonexistent"};
    gs_buf conf = {0};
    gs_ingress_nginx_render(&in, &conf, notes);
    gs_buf_clear(&conf);
}
