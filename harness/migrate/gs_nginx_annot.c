/* SPDX-License-Identifier: MIT */
/* ingress-nginx annotations that change routing, read from an Ingress's metadata. */
#include "gs_nginx_annot.h"

#include "gs_alloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void annot_warn(gs_diags *diags, const gs_ingress *ing, const gs_label *l, const char *why)
{
    gs_diags_add(diags, GS_DIAG_WARNING, l->value.pos, "Ingress", ing->obj.metadata.namespace.v,
                 ing->obj.metadata.name.v, NULL, "annotation %s: \"%s\" %s", l->key.v,
                 l->value.v ? l->value.v : "", why);
}

bool gs_nginx_parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
    static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};
    for (size_t i = 0; i < 6; i++) {
        if (strcmp(v, yes[i]) == 0)
            return *out = true, true;
        if (strcmp(v, no[i]) == 0)
            return *out = false, true;
    }
    return false;
}

/* An integer as Go's strconv.Atoi reads one: an optional sign and decimal digits, nothing else,
 * within int64. */
static bool annot_int(const char *v, int64_t *out)
{
    const char *d = v + (*v == '+' || *v == '-');
    if (*d < '0' || *d > '9')
        return false;
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (!*v || *end || errno == ERANGE) /* Go's strconv.Atoi refuses what int64 cannot hold */
        return false;
    *out = n;
    return true;
}

/* True when every byte of |v| is an ASCII letter, digit or one of |extra|. */
static bool annot_chars(const char *v, const char *extra)
{
    for (; *v; v++) {
        unsigned char ch = (unsigned char)*v;
        bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
        if (!alnum && !strchr(extra, ch))
            return false;
    }
    return true;
}

/* |v| with the spaces (|all|) or the leading and trailing white space (!|all|) removed, into
 * |out| of |n| bytes; false when it does not fit. */
static bool annot_strip(const char *v, bool all, char *out, size_t n)
{
    size_t len = 0;
    if (!all) {
        while (*v && strchr(" \t\n\r\v\f", *v))
            v++;
        len = strlen(v);
        while (len && strchr(" \t\n\r\v\f", v[len - 1]))
            len--;
        if (len >= n)
            return false;
        memcpy(out, v, len);
    } else {
        for (; *v; v++)
            if (*v != ' ') {
                if (len + 1 >= n)
                    return false;
                out[len++] = *v;
            }
    }
    out[len] = '\0';
    return true;
}

/* The validators ingress-nginx (v1.12+, internal/ingress/annotations/parser/validators.go)
 * attaches to the annotations whose parsers return a validation error instead of falling back
 * to a default, so that the controller drops the whole Ingress (annotations.go's Extract). The
 * character sets are its URLIsValidRegex, IsValidRegex (ValidateServerName) and
 * RegexPathWithCapture. Empty values are not validated. NULL when |v| passes. */
static const char *annot_validate(const char *name, const char *v)
{
    static const char url[] = "-._~/:?&=";              /* URLIsValidRegex */
    static const char server[] = "-._~/:^$[](){}*+?|&=\\"; /* IsValidRegex */
    static const char path[] = "-._~/:$";               /* RegexPathWithCapture */
    char buf[2048];
    int64_t n;
    bool b;
    if (!*v)
        return NULL;
    if (strcmp(name, "permanent-redirect") == 0 || strcmp(name, "temporal-redirect") == 0)
        return annot_chars(v, url) ? NULL : "ValidateRegex(URLIsValidRegex): letters, digits and -._~/:?&= only";
    if (strcmp(name, "permanent-redirect-code") == 0 || strcmp(name, "temporal-redirect-code") == 0)
        return annot_int(v, &n) ? NULL : "ValidateInt: an integer";
    if (strcmp(name, "from-to-www-redirect") == 0 || strcmp(name, "relative-redirects") == 0)
        return gs_nginx_parse_bool(v, &b) ? NULL : "ValidateBool: true or false";
    if (strcmp(name, "upstream-vhost") == 0)
        return annot_strip(v, false, buf, sizeof buf) && annot_chars(buf, server)
                   ? NULL
                   : "ValidateServerName: letters, digits and -._~/: plus the regular-expression "
                     "characters ^$[](){}*+?|&=\\ only";
    if (strcmp(name, "x-forwarded-prefix") == 0)
        return annot_strip(v, true, buf, sizeof buf) && annot_chars(buf, path)
                   ? NULL
                   : "ValidateRegex(RegexPathWithCapture): letters, digits and -._~/:$ only";
    return NULL;
}

/* The validators of the annotations whose parsers fall back to their default when the value
 * fails (canary/main.go, rewrite/main.go): BasicCharsRegex with spaces removed, IsValidRegex,
 * RegexPathWithCapture. NULL when |v| passes or |name| is none of them. */
static const char *annot_validate_default(const char *name, const char *v)
{
    static const char basic[] = "-._~/:";                 /* BasicCharsRegex */
    static const char regex[] = "-._~/:^$[](){}*+?|&=\\"; /* IsValidRegex */
    static const char path[] = "-._~/:$";                 /* RegexPathWithCapture */
    char buf[2048];
    if (!*v)
        return NULL;
    if (strcmp(name, "canary-by-header") == 0 || strcmp(name, "canary-by-header-value") == 0 ||
        strcmp(name, "canary-by-cookie") == 0)
        return annot_strip(v, true, buf, sizeof buf) && annot_chars(buf, basic)
                   ? NULL
                   : "ValidateRegex(BasicCharsRegex): letters, digits and -._~/: only";
    if (strcmp(name, "canary-by-header-pattern") == 0)
        return annot_chars(v, regex) ? NULL
                                     : "ValidateRegex(IsValidRegex): letters, digits, -._~/: "
                                       "and ^$[](){}*+?|&=\\ only";
    if (strcmp(name, "rewrite-target") == 0 || strcmp(name, "app-root") == 0)
        return annot_chars(v, path)
                   ? NULL
                   : "ValidateRegex(RegexPathWithCapture): letters, digits and -._~/:$ only";
    return NULL;
}

/* Which annotations ingress-nginx's redirect parser reads (redirect.go's Parse): the codes only
 * next to their redirect, permanent-redirect-code whenever there is no temporal-redirect. A
 * value it does not read fails no validation. */
static bool annot_read_by_parser(const gs_labels *ann, const char *name)
{
    if (strcmp(name, "temporal-redirect-code") != 0 && strcmp(name, "permanent-redirect-code") != 0)
        return true;
    size_t plen = strlen(GS_NGINX_ANNOT_PREFIX);
    bool temporal = false;
    for (size_t i = 0; i < ann->n; i++) {
        const char *k = ann->items[i].key.v;
        if (k && strncmp(k, GS_NGINX_ANNOT_PREFIX, plen) == 0 &&
            strcmp(k + plen, "temporal-redirect") == 0 && ann->items[i].value.v &&
            ann->items[i].value.v[0])
            temporal = true;
    }
    return strcmp(name, "temporal-redirect-code") == 0 ? temporal : !temporal;
}

/* One annotation: |name| without the prefix, |v| its value. False when not one we model. */
static bool annot_one(gs_nginx_annots *a, const char *name, const char *v, const char **bad)
{
    bool b;
    int64_t n;
    struct {
        const char *name;
        const char **dst;
    } strs[] = {
        {"rewrite-target", &a->rewrite_target},
        {"app-root", &a->app_root},
        {"permanent-redirect", &a->permanent_redirect},
        {"temporal-redirect", &a->temporal_redirect},
        {"canary-by-header", &a->canary_by_header},
        {"canary-by-header-value", &a->canary_by_header_value},
        {"canary-by-header-pattern", &a->canary_by_header_pattern},
        {"canary-by-cookie", &a->canary_by_cookie},
        {"upstream-vhost", &a->upstream_vhost},
        {"x-forwarded-prefix", &a->x_forwarded_prefix},
    };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        if (strcmp(name, strs[i].name) == 0) {
            *strs[i].dst = v;
            return true;
        }
    struct {
        const char *name;
        bool *dst;
    } bools[] = {
        {"use-regex", &a->use_regex},
        {"ssl-redirect", &a->ssl_redirect},
        {"force-ssl-redirect", &a->force_ssl_redirect},
        {"preserve-trailing-slash", &a->preserve_trailing_slash},
        {"canary", &a->canary},
    };
    for (size_t i = 0; i < sizeof bools / sizeof bools[0]; i++)
        if (strcmp(name, bools[i].name) == 0) {
            if (gs_nginx_parse_bool(v, &b))
                *bools[i].dst = b;
            else
                *bad = "is not a boolean: ignored";
            return true;
        }
    struct {
        const char *name;
        int64_t *dst;
        int64_t min, max;
    } ints[] = {
        /* ingress-nginx's redirect parser: 300-308 permanent, 300-307 temporal, else default */
        {"permanent-redirect-code", &a->permanent_redirect_code, 300, 308},
        {"temporal-redirect-code", &a->temporal_redirect_code, 300, 307},
        {"canary-weight", &a->canary_weight, 0, INT32_MAX},
        {"canary-weight-total", &a->canary_weight_total, 1, INT32_MAX},
    };
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        if (strcmp(name, ints[i].name) == 0) {
            if (i < 2 && !annot_int(v, &n)) {
                /* the redirect parser fails on it: annots_redirect_code */
                *(i == 0 ? &a->permanent_redirect_code_malformed
                         : &a->temporal_redirect_code_malformed) = true;
                return true;
            }
            if (annot_int(v, &n) && n >= ints[i].min && n <= ints[i].max)
                *ints[i].dst = n;
            else
                *bad = "is not a number in range: the default is used";
            return true;
        }
    if (strcmp(name, "backend-protocol") == 0) {
        static const char *const protos[] = {"HTTP", "HTTPS", "GRPC", "GRPCS", "AUTO_HTTP", "FCGI"};
        for (size_t i = 0; i < 6; i++)
            if (strcasecmp(v, protos[i]) == 0)
                a->backend_protocol = protos[i];
        if (!a->backend_protocol)
            *bad = "is not a backend protocol (HTTP, HTTPS, GRPC, GRPCS, AUTO_HTTP, FCGI): HTTP "
                   "is used";
        return true;
    }
    return false;
}

const gs_label *gs_nginx_annot_label(const gs_ingress *ing, const char *name)
{
    const gs_labels *ann = &ing->obj.metadata.annotations;
    size_t plen = strlen(GS_NGINX_ANNOT_PREFIX);
    for (size_t i = 0; i < ann->n; i++) {
        const char *k = ann->items[i].key.v;
        if (k && strncmp(k, GS_NGINX_ANNOT_PREFIX, plen) == 0 && strcmp(k + plen, name) == 0)
            return &ann->items[i];
    }
    return NULL;
}

/* What ingress-nginx makes of combinations: its redirect parser returns the temporal redirect
 * before looking at the permanent one (internal/ingress/annotations/redirect), and its Lua
 * balancer takes canary-weight-total only above 100 (route_to_alternative_balancer in
 * rootfs/etc/nginx/lua/balancer.lua; the annotation reference: the total "can be increased"). */
/* A redirect code that is no integer. ingress-nginx's redirect parser (Parse in
 * internal/ingress/annotations/redirect/redirect.go) reads temporal-redirect-code only with
 * temporal-redirect, and permanent-redirect-code whenever there is no temporal-redirect (with or
 * without permanent-redirect); a code it does not read is ignored. One it reads: with annotation
 * validation on (|validation|, the controller's default) ValidateInt fails and the controller
 * does not load the Ingress (a->invalid, reported by the caller's gs_nginx_annots_reject); with
 * it off GetIntAnnotation's strconv.Atoi error makes the parser fail, so the Ingress gets no
 * redirect at all. A number out of range falls back to the default code (annot_one). */
static void annots_redirect_code(const gs_ingress *ing, bool validation, gs_diags *diags,
                                 gs_nginx_annots *a)
{
    bool temporal = a->temporal_redirect != NULL;
    bool drop = temporal ? a->temporal_redirect_code_malformed
                         : a->permanent_redirect && a->permanent_redirect_code_malformed;
    for (int k = 0; k < 2 && diags; k++) {
        bool bad = k ? a->temporal_redirect_code_malformed : a->permanent_redirect_code_malformed;
        bool read = k ? temporal : !temporal;
        if (!bad || (read && validation))
            continue;
        const char *name = k ? "temporal-redirect-code" : "permanent-redirect-code";
        const char *why =
            !read ? (k ? "is not an integer: ignored (ingress-nginx's redirect parser reads it "
                         "only with temporal-redirect)"
                       : "is not an integer: ignored (ingress-nginx's redirect parser does not "
                         "read it next to temporal-redirect)")
            : (k || a->permanent_redirect)
                ? "is not an integer: ingress-nginx's redirect parser fails, so the Ingress gets "
                  "no redirect (annotation validation is off)"
                : "is not an integer: ingress-nginx's redirect parser fails, which changes "
                  "nothing without permanent-redirect (annotation validation is off)";
        annot_warn(diags, ing, gs_nginx_annot_label(ing, name), why);
    }
    if (drop) {
        a->temporal_redirect = NULL;
        a->permanent_redirect = NULL;
    }
}

static void annots_combine(const gs_ingress *ing, bool validation, gs_diags *diags,
                           gs_nginx_annots *a)
{
    annots_redirect_code(ing, validation, diags, a);
    if (a->temporal_redirect && a->permanent_redirect) {
        a->permanent_redirect = NULL;
        if (diags)
            annot_warn(diags, ing, gs_nginx_annot_label(ing, "permanent-redirect"),
                       "is ignored: ingress-nginx applies temporal-redirect when both are set");
    }
    if (a->canary_weight_total < 100) {
        a->canary_weight_total = 100;
        if (diags)
            annot_warn(diags, ing, gs_nginx_annot_label(ing, "canary-weight-total"),
                       "is below 100: ingress-nginx's balancer uses a total of 100 then");
    }
}

void gs_nginx_annots_read(const gs_ingress *ing, gs_diags *diags, gs_nginx_annots *out)
{
    gs_nginx_annots_read_opt(ing, true, diags, out);
}

void gs_nginx_annots_read_opt(const gs_ingress *ing, bool validation, gs_diags *diags,
                              gs_nginx_annots *out)
{
    memset(out, 0, sizeof *out);
    out->ssl_redirect = true;
    out->permanent_redirect_code = 301;
    out->temporal_redirect_code = 302;
    out->canary_weight = -1;
    out->canary_weight_total = 100;
    const gs_labels *ann = &ing->obj.metadata.annotations;
    size_t plen = strlen(GS_NGINX_ANNOT_PREFIX);
    for (size_t i = 0; i < ann->n; i++) {
        const gs_label *l = &ann->items[i];
        if (!l->key.v || strncmp(l->key.v, GS_NGINX_ANNOT_PREFIX, plen) != 0)
            continue;
        const char *bad = NULL;
        const char *rule = annot_validate(l->key.v + plen, l->value.v ? l->value.v : "");
        if (rule && !out->invalid && annot_read_by_parser(ann, l->key.v + plen)) {
            out->invalid = l;
            out->invalid_rule = rule;
        }
        const char *dflt = validation ? annot_validate_default(l->key.v + plen,
                                                               l->value.v ? l->value.v : "")
                                      : NULL;
        if (dflt) {
            if (diags) {
                char why[256];
                snprintf(why, sizeof why,
                         "fails ingress-nginx's validation (%s): ingress-nginx reads the "
                         "annotation as absent",
                         dflt);
                annot_warn(diags, ing, l, why);
            }
            continue;
        }
        if (!annot_one(out, l->key.v + plen, l->value.v ? l->value.v : "", &bad)) {
            out->unmodelled = gs_xrealloc(out->unmodelled,
                                          (out->n_unmodelled + 1) * sizeof *out->unmodelled);
            out->unmodelled[out->n_unmodelled++] = l;
        } else if (bad && diags) {
            annot_warn(diags, ing, l, bad);
        }
    }
    annots_combine(ing, validation, diags, out);
}

bool gs_nginx_annots_reject(const gs_ingress *ing, gs_nginx_annots *a, bool validation,
                            gs_diags *notes)
{
    if (!validation || !a->invalid)
        return false;
    a->rejected = true;
    char field[320];
    snprintf(field, sizeof field, "metadata.annotations[%s]", a->invalid->key.v);
    if (notes)
        gs_diags_add(notes, GS_DIAG_WARNING, a->invalid->value.pos, "Ingress",
                     ing->obj.metadata.namespace.v, ing->obj.metadata.name.v, field,
                     "ingress-nginx rejects this Ingress: annotation %s value \"%s\" fails its "
                     "validation (%s); fix the value",
                     a->invalid->key.v, a->invalid->value.v ? a->invalid->value.v : "",
                     a->invalid_rule);
    return true;
}

void gs_nginx_annots_clear(gs_nginx_annots *a)
{
    free(a->unmodelled);
    a->unmodelled = NULL;
    a->n_unmodelled = 0;
}

bool gs_nginx_annots_regex(const gs_nginx_annots *a)
{
    return a->use_regex || a->rewrite_target != NULL;
}
