/* SPDX-License-Identifier: MIT */
/* The ingress-nginx annotations (nginx.ingress.kubernetes.io/...) that change where a request
 * goes or what the backend sees, read from one Ingress; every other annotation of that prefix is
 * listed as not modelled, so nothing is ignored silently (docs/ingress.md, "Annotations"). */
#ifndef GS_NGINX_ANNOT_H
#define GS_NGINX_ANNOT_H

#include "gs_diag.h"
#include "gs_ingress.h"

#include <stdbool.h>
#include <stdint.h>

#define GS_NGINX_ANNOT_PREFIX "nginx.ingress.kubernetes.io/"

typedef struct gs_nginx_annots {
    const char *rewrite_target; /* NULL: none */
    bool use_regex;
    const char *app_root;
    bool ssl_redirect;       /* default true: HTTP is redirected when the host has TLS */
    bool force_ssl_redirect; /* redirect even without TLS */
    bool preserve_trailing_slash; /* the redirect to HTTPS keeps a trailing "/" (default: drops) */
    const char *permanent_redirect;
    int64_t permanent_redirect_code; /* default 301 */
    const char *temporal_redirect;
    int64_t temporal_redirect_code; /* default 302 */
    /* a code that is no integer: the redirect is dropped (gs_nginx_annot.c) */
    bool permanent_redirect_code_malformed, temporal_redirect_code_malformed;
    bool canary;
    int64_t canary_weight;       /* -1: not given */
    int64_t canary_weight_total; /* default 100 */
    const char *canary_by_header;
    const char *canary_by_header_value;
    const char *canary_by_header_pattern;
    const char *canary_by_cookie;
    const char *backend_protocol; /* HTTP (default), HTTPS, GRPC, GRPCS, AUTO_HTTP, FCGI */
    const char *upstream_vhost;
    const char *x_forwarded_prefix;
    /* The first annotation whose value fails ingress-nginx's validator where its parser passes
     * the error up (the redirect annotations, upstream-vhost, x-forwarded-prefix): with annotation
     * validation on, the controller's default, ingress-nginx does not load the Ingress at all.
     * NULL when none. |invalid_rule| names the validator. */
    const gs_label *invalid;
    const char *invalid_rule;
    bool rejected; /* set by the caller when validation is on and |invalid| is set */
    /* annotations of the prefix this reader does not model, and malformed values */
    const gs_label **unmodelled;
    size_t n_unmodelled;
} gs_nginx_annots;

/* Reads the annotations of |ing| into |out|. Malformed values (a weight that is not a number, an
 * unknown backend protocol) are reported as warnings to |diags| at the annotation and read as
 * absent, as ingress-nginx does. Free with gs_nginx_annots_clear. */
void gs_nginx_annots_read(const gs_ingress *ing, gs_diags *diags, gs_nginx_annots *out);
/* The same for a controller that validates annotation values (|validation|, ingress-nginx's
 * default) or not: with validation, a canary-by-header, -value, -pattern, canary-by-cookie,
 * rewrite-target or app-root value that fails its validator is read as absent, with a warning,
 * as ingress-nginx's parsers fall back to their default then. gs_nginx_annots_read validates. */
void gs_nginx_annots_read_opt(const gs_ingress *ing, bool validation, gs_diags *diags,
                              gs_nginx_annots *out);
void gs_nginx_annots_clear(gs_nginx_annots *a);

/* With annotation validation on (|validation|), an Ingress whose |a|->invalid is set is not
 * served: sets |a|->rejected, writes a warning at the annotation to |notes| (when not NULL)
 * and returns true. False, nothing changed, otherwise. */
bool gs_nginx_annots_reject(const gs_ingress *ing, gs_nginx_annots *a, bool validation,
                            gs_diags *notes);

/* The annotation |name| (without the prefix) of |ing|, or NULL:
 * where a note about its value points. */
const gs_label *gs_nginx_annot_label(const gs_ingress *ing, const char *name);

/* A boolean as ingress-nginx reads one (Go's strconv.ParseBool: 1 t T TRUE true True, 0 f F
 * FALSE false False) into *out; false, *out unchanged, for anything else. */
bool gs_nginx_parse_bool(const char *v, bool *out);

/* True when ingress-nginx turns the paths of |a|'s Ingress into regular-expression locations:
 * use-regex or rewrite-target. When one Ingress of a host has it, every path of that host is a
 * case-insensitive regular expression. */
bool gs_nginx_annots_regex(const gs_nginx_annots *a);

#endif
