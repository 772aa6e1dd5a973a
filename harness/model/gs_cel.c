/* SPDX-License-Identifier: MIT */
/* The x-kubernetes-validations (CEL) rules of the Gateway API v1.6.1 CRDs, one C function per
 * rule family, run on defaulted YAML trees by gs_schema.c. Each reports the CRD's message at
 * the most specific node it can (the duplicate, the forbidden field) rather than at the list. */
#include "gs_schema.h"

#include "gs_addr.h"

#include <ctype.h>
#include <string.h>

#define HOSTNAME_RE "^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
#define QUALIFIED_KEY_RE                                                                           \
    "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$"
#define PATH_CHARS_RE "^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$"
#define GRPC_SERVICE_RE "^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$"
#define GRPC_METHOD_RE "^[A-Za-z_][A-Za-z_0-9]*$"

static const char hostname_re[] = HOSTNAME_RE;
static const char qualified_key_re[] = QUALIFIED_KEY_RE;
static const char path_chars_re[] = PATH_CHARS_RE;
static const char grpc_service_re[] = GRPC_SERVICE_RE;
static const char grpc_method_re[] = GRPC_METHOD_RE;

/* ---- helpers: CEL's has(), field access and string values ---- */

static const gs_yaml_node *cel_get(const gs_yaml_node *n, const char *key)
{
    const gs_yaml_node *v = gs_yaml_get(n, key);
    if (v && v->kind == GS_YAML_SCALAR && gs_yaml_type_of(v) == GS_YAML_T_NULL)
        return NULL;
    return v;
}

static bool cel_has(const gs_yaml_node *n, const char *key)
{
    return cel_get(n, key) != NULL;
}

/* String value of a field, "" when absent (CEL comparisons against '' treat both alike). */
static const char *cel_str(const gs_yaml_node *n, const char *key)
{
    const gs_yaml_node *v = cel_get(n, key);
    return v && v->kind == GS_YAML_SCALAR ? v->str : "";
}

static bool cel_str_eq(const gs_yaml_node *n, const char *key, const char *want)
{
    return strcmp(cel_str(n, key), want) == 0;
}

static size_t cel_size(const gs_yaml_node *n)
{
    if (!n)
        return 0;
    if (n->kind == GS_YAML_SEQUENCE)
        return n->nitems;
    if (n->kind == GS_YAML_MAPPING)
        return n->npairs;
    return n->len;
}

static const gs_yaml_node *cel_items(const gs_yaml_node *n, size_t i)
{
    return n && n->kind == GS_YAML_SEQUENCE && i < n->nitems ? n->items[i] : NULL;
}

static bool cel_is_seq(const gs_yaml_node *n)
{
    return n && n->kind == GS_YAML_SEQUENCE;
}

/* Reports |ref|'s message at |at|, with the path extended by |field| (may be NULL). */
static void cel_fail(gs_vctx *v, const gs_cel_ref *ref, const gs_yaml_node *at, const char *field)
{
    gs_dec_error_field(v->dec, at, field, "%s", ref->message);
}

/* As cel_fail below list item |i| of self, then |field| of it. */
static void cel_fail_item(gs_vctx *v, const gs_cel_ref *ref, size_t i, const gs_yaml_node *at,
                          const char *field)
{
    gs_dec_push_index(v->dec, i);
    cel_fail(v, ref, at, field);
    gs_dec_pop(v->dec);
}

/* The node to point at for |field| of |item|: the value when present, else the item. */
static const gs_yaml_node *cel_at(const gs_yaml_node *item, const char *field)
{
    const gs_yaml_node *f = gs_yaml_get(item, field);
    return f ? f : item;
}

/* ---- Gateway ---- */

static void cel_gw_addr_unique(gs_vctx *v, const gs_cel_ref *ref, gs_yaml_node *self,
                               const char *type)
{
    for (size_t i = 0; i < cel_size(self); i++) {
        const gs_yaml_node *a = cel_items(self, i);
        if (!cel_str_eq(a, "type", type) || !cel_has(a, "value"))
            continue;
        for (size_t j = 0; j < i; j++) {
            const gs_yaml_node *b = cel_items(self, j);
            if (cel_str_eq(b, "type", type) && cel_has(b, "value") &&
                strcmp(cel_str(a, "value"), cel_str(b, "value")) == 0) {
                cel_fail_item(v, ref, i, cel_at(a, "value"), "value");
                break;
            }
        }
    }
}

static void cel_gw_infra_keys(gs_vctx *v, const gs_cel_ref *ref, gs_yaml_node *self, bool prefix)
{
    if (!self || self->kind != GS_YAML_MAPPING)
        return;
    for (size_t i = 0; i < self->npairs; i++) {
        const gs_yaml_node *k = self->pairs[i].key;
        if (k->kind != GS_YAML_SCALAR)
            continue;
        bool bad;
        if (prefix) {
            const char *slash = strchr(k->str, '/');
            size_t plen = slash ? (size_t)(slash - k->str) : k->len;
            bad = gs_utf8_len(k->str, plen) >= 253;
        } else {
            bad = !gs_regex_match(qualified_key_re, k->str, k->len);
        }
        if (bad) {
            gs_dec_push_key(v->dec, k->str);
            cel_fail(v, ref, k, NULL);
            gs_dec_pop(v->dec);
        }
    }
}

static bool proto_in(const gs_yaml_node *l, const char *const *protos)
{
    const char *p = cel_str(l, "protocol");
    for (; *protos; protos++)
        if (strcmp(p, *protos) == 0)
            return true;
    return false;
}

static void cel_gw_listeners(gs_vctx *v, const gs_cel_ref *ref, gs_yaml_node *self)
{
    static const char *const http_tcp_udp[] = {"HTTP", "TCP", "UDP", NULL};
    static const char *const tcp_udp[] = {"TCP", "UDP", NULL};
    for (size_t i = 0; i < cel_size(self); i++) {
        const gs_yaml_node *l = cel_items(self, i);
        const gs_yaml_node *tls = cel_get(l, "tls");
        switch (ref->id) {
        case GS_CEL_GW_TLS_FORBIDDEN:
            if (proto_in(l, http_tcp_udp) && tls)
                cel_fail_item(v, ref, i, gs_yaml_get_pair(l, "tls")->key, "tls");
            break;
        case GS_CEL_GW_HTTPS_TERMINATE:
            if (cel_str_eq(l, "protocol", "HTTPS") && tls && !cel_str_eq(tls, "mode", "") &&
                !cel_str_eq(tls, "mode", "Terminate")) {
                gs_dec_push_index(v->dec, i);
                cel_fail(v, ref, cel_at(tls, "mode"), "tls.mode");
                gs_dec_pop(v->dec);
            }
            break;
        case GS_CEL_GW_TLS_MODE_SET:
            if (cel_str_eq(l, "protocol", "TLS") &&
                !(tls && cel_has(tls, "mode") && !cel_str_eq(tls, "mode", "")))
                cel_fail_item(v, ref, i, tls ? tls : cel_at(l, "protocol"), tls ? "tls" : "protocol");
            break;
        case GS_CEL_GW_HOSTNAME_FORBIDDEN:
            if (proto_in(l, tcp_udp) && cel_has(l, "hostname") && !cel_str_eq(l, "hostname", ""))
                cel_fail_item(v, ref, i, cel_at(l, "hostname"), "hostname");
            break;
        case GS_CEL_GW_LISTENER_NAME_UNIQUE:
            for (size_t j = 0; j < i; j++)
                if (strcmp(cel_str(l, "name"), cel_str(cel_items(self, j), "name")) == 0) {
                    cel_fail_item(v, ref, i, cel_at(l, "name"), "name");
                    break;
                }
            break;
        case GS_CEL_GW_LISTENER_COMBO_UNIQUE:
            for (size_t j = 0; j < i; j++) {
                const gs_yaml_node *o = cel_items(self, j);
                bool hosts_eq = cel_has(l, "hostname") && cel_has(o, "hostname")
                                    ? strcmp(cel_str(l, "hostname"), cel_str(o, "hostname")) == 0
                                    : !cel_has(l, "hostname") && !cel_has(o, "hostname");
                if (strcmp(cel_str(l, "port"), cel_str(o, "port")) == 0 &&
                    strcmp(cel_str(l, "protocol"), cel_str(o, "protocol")) == 0 && hosts_eq) {
                    cel_fail_item(v, ref, i, l, NULL);
                    break;
                }
            }
            break;
        default:
            break;
        }
    }
}

static void cel_gw_terminate_certs(gs_vctx *v, const gs_cel_ref *ref, gs_yaml_node *self)
{
    if (!cel_str_eq(self, "mode", "Terminate"))
        return;
    if (cel_size(cel_get(self, "certificateRefs")) > 0 || cel_size(cel_get(self, "options")) > 0)
        return;
    cel_fail(v, ref, self, NULL);
}

static void cel_unique_by(gs_vctx *v, const gs_cel_ref *ref, gs_yaml_node *self, const char *key)
{
    for (size_t i = 0; i < cel_size(self); i++) {
        const gs_yaml_node *a = cel_items(self, i);
        for (size_t j = 0; j < i; j++)
            if (strcmp(cel_str(a, key), cel_str(cel_items(self, j), key)) == 0) {
                cel_fail_item(v, ref, i, cel_at(a, key), key);
                break;
            }
    }
}

/* ---- routes ---- */

/* Same parent: group, kind, name equal and namespaces both unset/empty or equal. */
static bool same_parent(const gs_yaml_node *a, const gs_yaml_node *b)
{
    return strcmp(cel_str(a, "group"), cel_str(b, "group")) == 0 &&
           strcmp(cel_str(a, "kind"), cel_str(b, "kind")) == 0 &&
           strcmp(cel_str(a, "name"), cel_str(b, "name")) == 0 &&
           strcmp(cel_str(a, "namespace"), cel_str(b, "namespace")) == 0;
}

static bool port_unset(const gs_yaml_node *p)
{
    return !cel_has(p, "port") || cel_str_eq(p, "port", "0");
}

static void cel_parent_refs(gs_vctx *v, const gs_cel_ref *ref, gs_yaml_node *self)
{
    for (size_t i = 0; i < cel_size(self); i++) {
        const gs_yaml_node *a = cel_items(self, i);
        for (size_t j = 0; j < i; j++) {
            const gs_yaml_node *b = cel_items(self, j);
            if (!same_parent(a, b))
                continue;
            bool a_sec = !cel_str_eq(a, "sectionName", ""), b_sec = !cel_str_eq(b, "sectionName", "");
            bool a_port = !port_unset(a), b_port = !port_unset(b);
            if (ref->arg && strcmp(ref->arg, "sectionName") == 0) {
                /* the standard channel's rules look at sectionName only */
                a_port = b_port = false;
            }
            bool fail;
            if (ref->id == GS_CEL_PARENT_SPECIFIED)
                fail = a_sec != b_sec || a_port != b_port;
            else
                fail = a_sec == b_sec && a_port == b_port &&
                       strcmp(cel_str(a, "sectionName"), cel_str(b, "sectionName")) == 0 &&
                       (!a_port || strcmp(cel_str(a, "port"), cel_str(b, "port")) == 0);
            if (fail) {
                cel_fail_item(v, ref, i, a, NULL);
                break;
            }
        }
    }
}

static void cel_rules_match_total(gs_vctx *v, const gs_cel_ref *ref, gs_yaml_node *self)
{
    size_t total = 0;
    for (size_t i = 0; i < cel_size(self) && i < 16; i++)
        total += cel_size(cel_get(cel_items(self, i), "matches"));
    if (total > 128)
        cel_fail(v, ref, self, NULL);
}

static void cel_rule_name_unique(gs_vctx *v, const gs_cel_ref *ref, gs_yaml_node *self)
{
    for (size_t i = 0; i < cel_size(self); i++) {
        const gs_yaml_node *a = cel_items(self, i);
        if (!cel_has(a, "name"))
            continue;
        for (size_t j = 0; j < i; j++) {
            const gs_yaml_node *b = cel_items(self, j);
            if (cel_has(b, "name") && strcmp(cel_str(a, "name"), cel_str(b, "name")) == 0) {
                cel_fail_item(v, ref, i, cel_at(a, "name"), "name");
                break;
            }
        }
    }
}

static void cel_redirect_with_backends(gs_vctx *v, const gs_cel_ref *ref, gs_yaml_node *self)
{
    if (cel_size(cel_get(self, "backendRefs")) == 0)
        return;
    const gs_yaml_node *filters = cel_get(self, "filters");
    for (size_t i = 0; i < cel_size(filters); i++) {
        const gs_yaml_node *f = cel_items(filters, i);
        if (cel_has(f, "requestRedirect")) {
            gs_dec_push(v->dec, "filters");
            cel_fail_item(v, ref, i, cel_at(f, "requestRedirect"), "requestRedirect");
            gs_dec_pop(v->dec);
            return;
        }
    }
}

/* True when filter |f| uses |member| (requestRedirect/urlRewrite) with path ReplacePrefixMatch. */
static bool uses_prefix_match(const gs_yaml_node *f, const char *member)
{
    const gs_yaml_node *m = cel_get(f, member);
    const gs_yaml_node *p = cel_get(m, "path");
    return p && cel_str_eq(p, "type", "ReplacePrefixMatch") && cel_has(p, "replacePrefixMatch");
}

/* Index of the only filter of |filters| using |member| with ReplacePrefixMatch (CEL
 * exists_one), or -1 when none or several. */
static long exists_one_prefix(const gs_yaml_node *filters, const char *member)
{
    long found = -1;
    size_t count = 0;
    for (size_t i = 0; i < cel_size(filters); i++)
        if (uses_prefix_match(cel_items(filters, i), member)) {
            found = (long)i;
            count++;
        }
    return count == 1 ? found : -1;
}

static bool one_prefix_match(const gs_yaml_node *rule)
{
    const gs_yaml_node *matches = cel_get(rule, "matches");
    if (cel_size(matches) != 1)
        return false;
    const gs_yaml_node *path = cel_get(cel_items(matches, 0), "path");
    return path && cel_str_eq(path, "type", "PathPrefix");
}

static void cel_prefix_match(gs_vctx *v, const gs_cel_ref *ref, gs_yaml_node *self)
{
    bool backend = ref->id == GS_CEL_PREFIX_MATCH_BR_REDIRECT ||
                   ref->id == GS_CEL_PREFIX_MATCH_BR_REWRITE;
    const char *member = (ref->id == GS_CEL_PREFIX_MATCH_REDIRECT ||
                          ref->id == GS_CEL_PREFIX_MATCH_BR_REDIRECT)
                             ? "requestRedirect"
                             : "urlRewrite";
    const gs_yaml_node *at = NULL;
    char field[160];
    if (!backend) {
        long i = exists_one_prefix(cel_get(self, "filters"), member);
        if (i < 0)
            return;
        const gs_yaml_node *f = cel_items(cel_get(self, "filters"), (size_t)i);
        at = cel_get(cel_get(cel_get(f, member), "path"), "replacePrefixMatch");
        snprintf(field, sizeof field, "filters[%ld].%s.path.replacePrefixMatch", i, member);
    } else {
        const gs_yaml_node *brs = cel_get(self, "backendRefs");
        size_t count = 0;
        long bi = -1, fi = -1;
        for (size_t b = 0; b < cel_size(brs); b++) {
            long k = exists_one_prefix(cel_get(cel_items(brs, b), "filters"), member);
            if (k >= 0) {
                count++;
                bi = (long)b;
                fi = k;
            }
        }
        if (count != 1)
            return;
        const gs_yaml_node *f = cel_items(cel_get(cel_items(brs, (size_t)bi), "filters"), (size_t)fi);
        at = cel_get(cel_get(cel_get(f, member), "path"), "replacePrefixMatch");
        snprintf(field, sizeof field, "backendRefs[%ld].filters[%ld].%s.path.replacePrefixMatch",
                 bi, fi, member);
    }
    if (one_prefix_match(self))
        return;
    cel_fail(v, ref, at ? at : self, field);
}

static void cel_service_port(gs_vctx *v, const gs_cel_ref *ref, gs_yaml_node *self)
{
    if (cel_str_eq(self, "group", "") && cel_str_eq(self, "kind", "Service") &&
        !cel_has(self, "port"))
        cel_fail(v, ref, cel_at(self, "name"), NULL);
}

static void cel_filter_redirect_rewrite(gs_vctx *v, const gs_cel_ref *ref, gs_yaml_node *self)
{
    long redirect = -1, rewrite = -1;
    for (size_t i = 0; i < cel_size(self); i++) {
        const gs_yaml_node *f = cel_items(self, i);
        if (redirect < 0 && cel_str_eq(f, "type", "RequestRedirect"))
            redirect = (long)i;
        if (rewrite < 0 && cel_str_eq(f, "type", "URLRewrite"))
            rewrite = (long)i;
    }
    if (redirect < 0 || rewrite < 0)
        return;
    size_t later = (size_t)(redirect > rewrite ? redirect : rewrite);
    cel_fail_item(v, ref, later, cel_at(cel_items(self, later), "type"), "type");
}

static void cel_filter_repeat(gs_vctx *v, const gs_cel_ref *ref, gs_yaml_node *self)
{
    size_t seen = 0;
    for (size_t i = 0; i < cel_size(self); i++) {
        const gs_yaml_node *f = cel_items(self, i);
        if (cel_str_eq(f, "type", ref->arg) && ++seen == 2) {
            cel_fail_item(v, ref, i, cel_at(f, "type"), "type");
            return;
        }
    }
}

/* The filter type that goes with union member |member| ("urlRewrite" -> "URLRewrite"). */
static const char *filter_type_of(const char *member)
{
    static const char *const pairs[][2] = {
        {"cors", "CORS"},
        {"requestHeaderModifier", "RequestHeaderModifier"},
        {"responseHeaderModifier", "ResponseHeaderModifier"},
        {"requestMirror", "RequestMirror"},
        {"requestRedirect", "RequestRedirect"},
        {"urlRewrite", "URLRewrite"},
        {"extensionRef", "ExtensionRef"},
        {"externalAuth", "ExternalAuth"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if (strcmp(pairs[i][0], member) == 0)
            return pairs[i][1];
    return "";
}

static void cel_filter_union(gs_vctx *v, const gs_cel_ref *ref, gs_yaml_node *self)
{
    const char *type = filter_type_of(ref->arg);
    bool has = cel_has(self, ref->arg);
    bool is_type = cel_str_eq(self, "type", type);
    if (ref->id == GS_CEL_FILTER_UNION_NIL && has && !is_type)
        cel_fail(v, ref, gs_yaml_get_pair(self, ref->arg)->key, ref->arg);
    else if (ref->id == GS_CEL_FILTER_UNION_SET && !has && is_type)
        cel_fail(v, ref, cel_at(self, "type"), "type");
}

static void cel_cors_star(gs_vctx *v, const gs_cel_ref *ref, gs_yaml_node *self)
{
    if (cel_size(self) <= 1)
        return;
    for (size_t i = 0; i < cel_size(self); i++) {
        const gs_yaml_node *it = cel_items(self, i);
        if (it && it->kind == GS_YAML_SCALAR && strcmp(it->str, "*") == 0) {
            cel_fail_item(v, ref, i, it, NULL);
            return;
        }
    }
}

static void cel_extauth(gs_vctx *v, const gs_cel_ref *ref, gs_yaml_node *self)
{
    const char *field = ref->arg; /* "grpc" or "http" */
    const char *proto = strcmp(field, "grpc") == 0 ? "GRPC" : "HTTP";
    if (ref->id == GS_CEL_EXTAUTH_PROTOCOL_NEEDS) {
        if (cel_str_eq(self, "protocol", proto) && !cel_has(self, field))
            cel_fail(v, ref, cel_at(self, "protocol"), "protocol");
    } else if (cel_has(self, field) && !cel_str_eq(self, "protocol", proto)) {
        cel_fail(v, ref, cel_at(self, "protocol"), "protocol");
    }
}

static void cel_mirror(gs_vctx *v, const gs_cel_ref *ref, gs_yaml_node *self)
{
    if (ref->id == GS_CEL_MIRROR_PERCENT_FRACTION) {
        if (cel_has(self, "percent") && cel_has(self, "fraction"))
            cel_fail(v, ref, gs_yaml_get_pair(self, "fraction")->key, "fraction");
        return;
    }
    int64_t num = 0, den = 100;
    if (!gs_yaml_int(cel_get(self, "numerator"), &num))
        return;
    if (cel_has(self, "denominator") && !gs_yaml_int(cel_get(self, "denominator"), &den))
        return;
    if (num > den)
        cel_fail(v, ref, cel_at(self, "numerator"), "numerator");
}

static void cel_pathmod(gs_vctx *v, const gs_cel_ref *ref, gs_yaml_node *self)
{
    if (ref->id == GS_CEL_PATHMOD_NEEDS_VALUE) {
        /* arg: replaceFullPath / replacePrefixMatch; the type is the same word capitalised */
        char type[64];
        snprintf(type, sizeof type, "%s", ref->arg);
        type[0] = (char)toupper((unsigned char)type[0]);
        if (cel_str_eq(self, "type", type) && !cel_has(self, ref->arg))
            cel_fail(v, ref, cel_at(self, "type"), "type");
    } else {
        /* arg: ReplaceFullPath / ReplacePrefixMatch */
        char field[64];
        snprintf(field, sizeof field, "%s", ref->arg);
        field[0] = (char)tolower((unsigned char)field[0]);
        if (cel_has(self, field) && !cel_str_eq(self, "type", ref->arg))
            cel_fail(v, ref, cel_at(self, "type"), "type");
    }
}

static void cel_path(gs_vctx *v, const gs_cel_ref *ref, gs_yaml_node *self)
{
    const char *type = cel_str(self, "type");
    bool exact_or_prefix = strcmp(type, "Exact") == 0 || strcmp(type, "PathPrefix") == 0;
    if (ref->id == GS_CEL_PATH_TYPE) {
        if (!exact_or_prefix && strcmp(type, "RegularExpression") != 0)
            cel_fail(v, ref, cel_at(self, "type"), "type");
        return;
    }
    if (!exact_or_prefix)
        return;
    const gs_yaml_node *vn = cel_get(self, "value");
    const char *value = cel_str(self, "value");
    size_t len = strlen(value);
    bool bad = false;
    switch (ref->id) {
    case GS_CEL_PATH_ABSOLUTE: bad = value[0] != '/'; break;
    case GS_CEL_PATH_NOT_CONTAIN: bad = strstr(value, ref->arg) != NULL; break;
    case GS_CEL_PATH_NOT_END: {
        size_t al = strlen(ref->arg);
        bad = len >= al && strcmp(value + len - al, ref->arg) == 0;
        break;
    }
    case GS_CEL_PATH_CHARS: bad = !gs_regex_match(path_chars_re, value, len); break;
    default: break;
    }
    if (bad)
        cel_fail(v, ref, vn ? vn : self, "value");
}

static void cel_session(gs_vctx *v, const gs_cel_ref *ref, gs_yaml_node *self)
{
    const gs_yaml_node *cookie = cel_get(self, "cookieConfig");
    if (ref->id == GS_CEL_SESSION_PERMANENT) {
        if (cookie && cel_str_eq(cookie, "lifetimeType", "Permanent") &&
            !cel_has(self, "absoluteTimeout"))
            cel_fail(v, ref, cel_at(cookie, "lifetimeType"), "cookieConfig.lifetimeType");
    } else if (cookie && !cel_str_eq(self, "type", "Cookie")) {
        cel_fail(v, ref, gs_yaml_get_pair(self, "cookieConfig")->key, "cookieConfig");
    }
}

static void cel_timeouts(gs_vctx *v, const gs_cel_ref *ref, gs_yaml_node *self)
{
    int64_t req, be;
    if (!cel_has(self, "request") || !cel_has(self, "backendRequest"))
        return;
    if (!gs_parse_go_duration(cel_str(self, "request"), &req) ||
        !gs_parse_go_duration(cel_str(self, "backendRequest"), &be))
        return;
    if (req != 0 && be > req)
        cel_fail(v, ref, cel_at(self, "backendRequest"), "backendRequest");
}

static void cel_grpc_method(gs_vctx *v, const gs_cel_ref *ref, gs_yaml_node *self)
{
    bool exact = !cel_has(self, "type") || cel_str_eq(self, "type", "Exact");
    switch (ref->id) {
    case GS_CEL_GRPC_SERVICE_OR_METHOD:
        if (cel_has(self, "type") && !cel_has(self, "service") && !cel_has(self, "method"))
            cel_fail(v, ref, self, NULL);
        break;
    case GS_CEL_GRPC_SERVICE_CHARS:
        if (exact && cel_has(self, "service")) {
            const char *s = cel_str(self, "service");
            if (!gs_regex_match(grpc_service_re, s, strlen(s)))
                cel_fail(v, ref, cel_at(self, "service"), "service");
        }
        break;
    case GS_CEL_GRPC_METHOD_CHARS:
        if (exact && cel_has(self, "method")) {
            const char *s = cel_str(self, "method");
            if (!gs_regex_match(grpc_method_re, s, strlen(s)))
                cel_fail(v, ref, cel_at(self, "method"), "method");
        }
        break;
    default:
        break;
    }
}

/* ---- TLSRoute hostnames, BackendTLSPolicy ---- */

static const char rfc1123_re[] =
    "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)$";

static void cel_hostnames(gs_vctx *v, const gs_cel_ref *ref, gs_yaml_node *self)
{
    for (size_t i = 0; i < cel_size(self); i++) {
        const gs_yaml_node *h = cel_items(self, i);
        if (!h || h->kind != GS_YAML_SCALAR)
            continue;
        bool wild = strchr(h->str, '*') != NULL, bad = false;
        if (ref->id == GS_CEL_HOSTNAMES_NO_IP)
            bad = gs_addr_is_ip_literal(h->str);
        else if (ref->id == GS_CEL_HOSTNAMES_RFC1123)
            bad = !wild && !gs_regex_match(rfc1123_re, h->str, h->len);
        else
            bad = wild && !(strncmp(h->str, "*.", 2) == 0 &&
                            gs_regex_match(rfc1123_re, h->str + 2, h->len - 2));
        if (bad)
            cel_fail_item(v, ref, i, h, NULL);
    }
}

static void cel_backend_tls_ca(gs_vctx *v, const gs_cel_ref *ref, gs_yaml_node *self)
{
    bool refs = cel_size(cel_get(self, "caCertificateRefs")) > 0;
    bool known = cel_has(self, "wellKnownCACertificates") &&
                 !cel_str_eq(self, "wellKnownCACertificates", "");
    if (ref->id == GS_CEL_BTLS_CA_BOTH && refs && known)
        cel_fail(v, ref, cel_at(self, "wellKnownCACertificates"), "wellKnownCACertificates");
    else if (ref->id == GS_CEL_BTLS_CA_EITHER && !refs && !known)
        cel_fail(v, ref, self, NULL);
}

static void cel_san(gs_vctx *v, const gs_cel_ref *ref, gs_yaml_node *self)
{
    /* arg: "Hostname" or "URI"; the field is "hostname" / "uri" */
    const char *field = strcmp(ref->arg, "URI") == 0 ? "uri" : "hostname";
    bool is_type = cel_str_eq(self, "type", ref->arg);
    bool has = cel_has(self, field) && !cel_str_eq(self, field, "");
    if (ref->id == GS_CEL_SAN_NEEDS && is_type && !has)
        cel_fail(v, ref, cel_at(self, "type"), "type");
    else if (ref->id == GS_CEL_SAN_FORBIDS && !is_type && has)
        cel_fail(v, ref, cel_at(self, field), field);
}

void gs_cel_run(gs_vctx *v, const gs_cel_ref *ref, gs_yaml_node *self)
{
    switch (ref->id) {
    case GS_CEL_GW_ADDR_IP_UNIQUE: cel_gw_addr_unique(v, ref, self, "IPAddress"); break;
    case GS_CEL_GW_ADDR_HOSTNAME_UNIQUE: cel_gw_addr_unique(v, ref, self, "Hostname"); break;
    case GS_CEL_GW_ADDR_HOSTNAME_PATTERN:
        if (cel_str_eq(self, "type", "Hostname") && cel_has(self, "value")) {
            const char *s = cel_str(self, "value");
            if (!gs_regex_match(hostname_re, s, strlen(s)))
                cel_fail(v, ref, cel_at(self, "value"), "value");
        }
        break;
    case GS_CEL_GW_INFRA_KEY_FORMAT: cel_gw_infra_keys(v, ref, self, false); break;
    case GS_CEL_GW_INFRA_KEY_PREFIX: cel_gw_infra_keys(v, ref, self, true); break;
    case GS_CEL_GW_TLS_FORBIDDEN:
    case GS_CEL_GW_HTTPS_TERMINATE:
    case GS_CEL_GW_TLS_MODE_SET:
    case GS_CEL_GW_HOSTNAME_FORBIDDEN:
    case GS_CEL_GW_LISTENER_NAME_UNIQUE:
    case GS_CEL_GW_LISTENER_COMBO_UNIQUE:
        if (cel_is_seq(self))
            cel_gw_listeners(v, ref, self);
        break;
    case GS_CEL_GW_TERMINATE_CERTS: cel_gw_terminate_certs(v, ref, self); break;
    case GS_CEL_GW_PERPORT_UNIQUE: cel_unique_by(v, ref, self, "port"); break;
    case GS_CEL_PARENT_SPECIFIED:
    case GS_CEL_PARENT_UNIQUE: cel_parent_refs(v, ref, self); break;
    case GS_CEL_RULES_MATCH_TOTAL: cel_rules_match_total(v, ref, self); break;
    case GS_CEL_RULE_NAME_UNIQUE: cel_rule_name_unique(v, ref, self); break;
    case GS_CEL_REDIRECT_WITH_BACKENDS: cel_redirect_with_backends(v, ref, self); break;
    case GS_CEL_PREFIX_MATCH_REDIRECT:
    case GS_CEL_PREFIX_MATCH_REWRITE:
    case GS_CEL_PREFIX_MATCH_BR_REDIRECT:
    case GS_CEL_PREFIX_MATCH_BR_REWRITE: cel_prefix_match(v, ref, self); break;
    case GS_CEL_SERVICE_PORT: cel_service_port(v, ref, self); break;
    case GS_CEL_FILTER_REDIRECT_REWRITE: cel_filter_redirect_rewrite(v, ref, self); break;
    case GS_CEL_FILTER_REPEAT: cel_filter_repeat(v, ref, self); break;
    case GS_CEL_FILTER_UNION_NIL:
    case GS_CEL_FILTER_UNION_SET: cel_filter_union(v, ref, self); break;
    case GS_CEL_CORS_STAR: cel_cors_star(v, ref, self); break;
    case GS_CEL_EXTAUTH_FIELD_NEEDS:
    case GS_CEL_EXTAUTH_PROTOCOL_NEEDS: cel_extauth(v, ref, self); break;
    case GS_CEL_MIRROR_FRACTION:
    case GS_CEL_MIRROR_PERCENT_FRACTION: cel_mirror(v, ref, self); break;
    case GS_CEL_PATHMOD_NEEDS_TYPE:
    case GS_CEL_PATHMOD_NEEDS_VALUE: cel_pathmod(v, ref, self); break;
    case GS_CEL_PATH_ABSOLUTE:
    case GS_CEL_PATH_NOT_CONTAIN:
    case GS_CEL_PATH_NOT_END:
    case GS_CEL_PATH_TYPE:
    case GS_CEL_PATH_CHARS: cel_path(v, ref, self); break;
    case GS_CEL_SESSION_COOKIE:
    case GS_CEL_SESSION_PERMANENT: cel_session(v, ref, self); break;
    case GS_CEL_TIMEOUTS: cel_timeouts(v, ref, self); break;
    case GS_CEL_GRPC_SERVICE_OR_METHOD:
    case GS_CEL_GRPC_SERVICE_CHARS:
    case GS_CEL_GRPC_METHOD_CHARS: cel_grpc_method(v, ref, self); break;
    case GS_CEL_HOSTNAMES_NO_IP:
    case GS_CEL_HOSTNAMES_RFC1123:
    case GS_CEL_HOSTNAMES_WILDCARD: cel_hostnames(v, ref, self); break;
    case GS_CEL_BTLS_CA_BOTH:
    case GS_CEL_BTLS_CA_EITHER: cel_backend_tls_ca(v, ref, self); break;
    case GS_CEL_SAN_NEEDS:
    case GS_CEL_SAN_FORBIDS: cel_san(v, ref, self); break;
    }
}
