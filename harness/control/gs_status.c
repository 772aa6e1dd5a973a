/* SPDX-License-Identifier: MIT */
/* Status data: conditions bookkeeping, and the JSON/YAML renderings of a status set. YAML is
 * produced by writing the JSON document and re-emitting its tree, so both always agree. */
#include "gs_status.h"

#include "gs_alloc.h"
#include "gs_json_parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gs_conditions_set(gs_conditions *c, const char *type, const char *status, const char *reason,
                       const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = gs_xvasprintf(fmt, ap);
    va_end(ap);
    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(c->items[i].type, type) == 0) {
            free(c->items[i].message);
            c->items[i] = (gs_condition){type, status, reason, msg};
            return;
        }
    }
    gs_xgrow((void **)&c->items, &c->cap, c->n + 1, sizeof(*c->items));
    c->items[c->n++] = (gs_condition){type, status, reason, msg};
}

const gs_condition *gs_conditions_get(const gs_conditions *c, const char *type)
{
    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(c->items[i].type, type) == 0)
            return &c->items[i];
    }
    return NULL;
}

bool gs_conditions_true(const gs_conditions *c, const char *type)
{
    const gs_condition *k = gs_conditions_get(c, type);
    return k && strcmp(k->status, "True") == 0;
}

void gs_conditions_clear(gs_conditions *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->items[i].message);
    free(c->items);
    memset(c, 0, sizeof(*c));
}

void gs_status_strv_add(char ***v, size_t *n, const char *s)
{
    *v = gs_xrealloc(*v, (*n + 1) * sizeof(**v));
    (*v)[(*n)++] = gs_xstrdup(s);
}

static void strv_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void gs_status_add_note(gs_status_set *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = gs_xvasprintf(fmt, ap);
    va_end(ap);
    gs_xgrow((void **)&s->notes, &s->cap_notes, s->n_notes + 1, sizeof(*s->notes));
    s->notes[s->n_notes++] = msg;
}

static void parent_ref_free(gs_status_parent_ref *r)
{
    free(r->group);
    free(r->kind);
    free(r->namespace);
    free(r->name);
    free(r->section_name);
}

static void listeners_free(gs_listener_status *ls, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        gs_listener_status *l = &ls[k];
        free(l->name);
        free(l->protocol);
        free(l->hostname);
        gs_conditions_clear(&l->conditions);
        strv_free(l->routes, l->n_routes);
    }
    free(ls);
}

void gs_status_set_clear(gs_status_set *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n_classes; i++) {
        free(s->classes[i].name);
        free(s->classes[i].controller_name);
        gs_conditions_clear(&s->classes[i].conditions);
    }
    free(s->classes);
    for (size_t i = 0; i < s->n_gateways; i++) {
        gs_gateway_status *g = &s->gateways[i];
        free(g->namespace);
        free(g->name);
        free(g->class_name);
        gs_conditions_clear(&g->conditions);
        listeners_free(g->listeners, g->n_listeners);
        free(g->controller_name);
        strv_free(g->notes, g->n_notes);
    }
    free(s->gateways);
    for (size_t i = 0; i < s->n_listener_sets; i++) {
        gs_listener_set_status *ls = &s->listener_sets[i];
        free(ls->namespace);
        free(ls->name);
        free(ls->parent);
        gs_conditions_clear(&ls->conditions);
        listeners_free(ls->listeners, ls->n_listeners);
    }
    free(s->listener_sets);
    for (size_t i = 0; i < s->n_routes; i++) {
        gs_route_status *r = &s->routes[i];
        free(r->kind);
        free(r->namespace);
        free(r->name);
        for (size_t k = 0; k < r->n_parents; k++) {
            gs_parent_status *p = &r->parents[k];
            parent_ref_free(&p->ref);
            free(p->controller_name);
            gs_conditions_clear(&p->conditions);
            strv_free(p->listeners, p->n_listeners);
            strv_free(p->notes, p->n_notes);
        }
        free(r->parents);
        strv_free(r->hostnames, r->n_hostnames);
        strv_free(r->notes, r->n_notes);
    }
    free(s->routes);
    for (size_t i = 0; i < s->n_policies; i++) {
        gs_policy_status *p = &s->policies[i];
        free(p->kind);
        free(p->namespace);
        free(p->name);
        for (size_t k = 0; k < p->n_ancestors; k++) {
            gs_ancestor_status *a = &p->ancestors[k];
            parent_ref_free(&a->ref);
            free(a->controller_name);
            gs_conditions_clear(&a->conditions);
        }
        free(p->ancestors);
        strv_free(p->notes, p->n_notes);
    }
    free(s->policies);
    strv_free(s->notes, s->n_notes);
    memset(s, 0, sizeof(*s));
}

/* ---- JSON ------------------------------------------------------------------------------------ */

static void json_kv(gs_json *j, const char *k, const char *v)
{
    gs_json_key(j, k);
    gs_json_string(j, v ? v : "");
}

static void json_conditions(gs_json *j, const gs_conditions *c, int64_t generation)
{
    gs_json_key(j, "conditions");
    gs_json_array_begin(j);
    for (size_t i = 0; i < c->n; i++) {
        gs_json_object_begin(j);
        json_kv(j, "type", c->items[i].type);
        json_kv(j, "status", c->items[i].status);
        json_kv(j, "reason", c->items[i].reason);
        json_kv(j, "message", c->items[i].message);
        gs_json_key(j, "observedGeneration");
        gs_json_int(j, generation > 0 ? generation : 1);
        gs_json_object_end(j);
    }
    gs_json_array_end(j);
}

static void json_object_head(gs_json *j, const char *kind, const char *ns, const char *name)
{
    gs_json_object_begin(j);
    json_kv(j, "kind", kind);
    if (ns)
        json_kv(j, "namespace", ns);
    json_kv(j, "name", name);
    gs_json_key(j, "status");
    gs_json_object_begin(j);
}

static void json_strv(gs_json *j, const char *key, char *const *v, size_t n)
{
    gs_json_key(j, key);
    gs_json_array_begin(j);
    for (size_t i = 0; i < n; i++)
        gs_json_string(j, v[i]);
    gs_json_array_end(j);
}

/* A ParentReference (route parents, policy ancestors) under |key|. */
static void json_parent_ref(gs_json *j, const char *key, const gs_status_parent_ref *r)
{
    gs_json_key(j, key);
    gs_json_object_begin(j);
    json_kv(j, "group", r->group);
    json_kv(j, "kind", r->kind);
    json_kv(j, "namespace", r->namespace);
    json_kv(j, "name", r->name);
    if (r->section_name)
        json_kv(j, "sectionName", r->section_name);
    if (r->port) {
        gs_json_key(j, "port");
        gs_json_int(j, r->port);
    }
    gs_json_object_end(j);
}

/* "listeners": the ListenerStatus / ListenerEntryStatus entries of a Gateway or ListenerSet. */
static void json_listeners(gs_json *j, const gs_listener_status *ls, size_t n, int64_t generation)
{
    gs_json_key(j, "listeners");
    gs_json_array_begin(j);
    for (size_t k = 0; k < n; k++) {
        const gs_listener_status *l = &ls[k];
        gs_json_object_begin(j);
        json_kv(j, "name", l->name);
        gs_json_key(j, "supportedKinds");
        gs_json_array_begin(j);
        for (size_t m = 0; m < l->n_supported_kinds; m++) {
            gs_json_object_begin(j);
            json_kv(j, "group", l->supported_kinds[m].group);
            json_kv(j, "kind", l->supported_kinds[m].kind);
            gs_json_object_end(j);
        }
        gs_json_array_end(j);
        gs_json_key(j, "attachedRoutes");
        gs_json_int(j, l->attached_routes);
        json_conditions(j, &l->conditions, generation);
        gs_json_object_end(j);
    }
    gs_json_array_end(j);
}

void gs_status_write_json(const gs_status_set *s, gs_json *j)
{
    gs_json_object_begin(j);
    gs_json_key(j, "objects");
    gs_json_array_begin(j);
    for (size_t i = 0; i < s->n_classes; i++) {
        const gs_class_status *c = &s->classes[i];
        json_object_head(j, "GatewayClass", NULL, c->name);
        json_conditions(j, &c->conditions, c->generation);
        gs_json_object_end(j);
        gs_json_object_end(j);
    }
    for (size_t i = 0; i < s->n_gateways; i++) {
        const gs_gateway_status *g = &s->gateways[i];
        json_object_head(j, "Gateway", g->namespace, g->name);
        json_conditions(j, &g->conditions, g->generation);
        if (g->has_listener_sets) {
            gs_json_key(j, "attachedListenerSets");
            gs_json_int(j, g->attached_listener_sets);
        }
        json_listeners(j, g->listeners, g->n_listeners, g->generation);
        gs_json_object_end(j);
        gs_json_object_end(j);
    }
    for (size_t i = 0; i < s->n_listener_sets; i++) {
        const gs_listener_set_status *ls = &s->listener_sets[i];
        json_object_head(j, "ListenerSet", ls->namespace, ls->name);
        json_conditions(j, &ls->conditions, ls->generation);
        json_listeners(j, ls->listeners, ls->n_listeners, ls->generation);
        gs_json_object_end(j);
        gs_json_object_end(j);
    }
    for (size_t i = 0; i < s->n_routes; i++) {
        const gs_route_status *r = &s->routes[i];
        json_object_head(j, r->kind, r->namespace, r->name);
        gs_json_key(j, "parents");
        gs_json_array_begin(j);
        for (size_t k = 0; k < r->n_parents; k++) {
            const gs_parent_status *p = &r->parents[k];
            gs_json_object_begin(j);
            json_parent_ref(j, "parentRef", &p->ref);
            json_kv(j, "controllerName", p->controller_name);
            json_conditions(j, &p->conditions, r->generation);
            /* Not in the Kubernetes shape; for people and scripts reading explain. */
            json_strv(j, "attachedListeners", p->listeners, p->n_listeners);
            gs_json_object_end(j);
        }
        gs_json_array_end(j);
        gs_json_object_end(j);
        gs_json_object_end(j);
    }
    for (size_t i = 0; i < s->n_policies; i++) {
        const gs_policy_status *p = &s->policies[i];
        json_object_head(j, p->kind, p->namespace, p->name);
        gs_json_key(j, "ancestors");
        gs_json_array_begin(j);
        for (size_t k = 0; k < p->n_ancestors; k++) {
            const gs_ancestor_status *a = &p->ancestors[k];
            gs_json_object_begin(j);
            json_parent_ref(j, "ancestorRef", &a->ref);
            json_kv(j, "controllerName", a->controller_name);
            json_conditions(j, &a->conditions, p->generation);
            gs_json_object_end(j);
        }
        gs_json_array_end(j);
        gs_json_object_end(j);
        gs_json_object_end(j);
    }
    gs_json_array_end(j);
    if (s->n_notes)
        json_strv(j, "notes", s->notes, s->n_notes);
    gs_json_object_end(j);
}

/* ---- YAML ------------------------------------------------------------------------------------ */

/* Plain scalars where YAML would read them back as the same string; double-quoted otherwise. */
static bool yaml_plain_ok(const char *s, size_t n)
{
    if (n == 0)
        return false;
    static const char *const special[] = {"true", "false", "yes", "no", "on", "off", "null",
                                          "True", "False", "Yes", "No", "On", "Off", "Null",
                                          "TRUE", "FALSE", "YES", "NO", "ON", "OFF", "NULL",
                                          "~",    "y",     "n",   "Y",  "N"};
    for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++) {
        if (strlen(special[i]) == n && memcmp(special[i], s, n) == 0)
            return false;
    }
    if (strchr("-?:,[]{}#&*!|>'\"%@` ", s[0]) || s[n - 1] == ' ' || s[n - 1] == ':')
        return false;
    bool numeric = true;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c >= 0x7f || c == '#' || (c == ':' && i + 1 < n && s[i + 1] == ' '))
            return false;
        if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-' ||
              c == 'x' || c == 'o' || c == '_'))
            numeric = false;
    }
    return !numeric;
}

static void yaml_scalar(gs_buf *out, const gs_json_value *v)
{
    switch (v->type) {
    case GS_JSON_NULL:
        gs_buf_puts(out, "null");
        break;
    case GS_JSON_BOOL:
        gs_buf_puts(out, v->boolean ? "true" : "false");
        break;
    case GS_JSON_NUMBER:
        if (v->number > -1e15 && v->number < 1e15 && v->number == (double)(int64_t)v->number)
            gs_buf_printf(out, "%lld", (long long)v->number);
        else
            gs_buf_printf(out, "%.17g", v->number);
        break;
    case GS_JSON_STRING:
        if (yaml_plain_ok(v->str, v->len))
            gs_buf_append(out, v->str, v->len);
        else
            gs_json_escape(out, v->str, v->len); /* JSON strings are valid YAML */
        break;
    default:
        break;
    }
}

static bool yaml_is_collection(const gs_json_value *v)
{
    return (v->type == GS_JSON_OBJECT || v->type == GS_JSON_ARRAY) && v->len > 0;
}

static void yaml_value(gs_buf *out, const gs_json_value *v, int indent);

static void yaml_indent(gs_buf *out, int indent)
{
    for (int i = 0; i < indent; i++)
        gs_buf_putc(out, ' ');
}

/* Writes the members of an object; the first line's indentation is already written when
 * |first_inline|. */
static void yaml_object(gs_buf *out, const gs_json_value *v, int indent, bool first_inline)
{
    for (size_t i = 0; i < v->len; i++) {
        if (i > 0 || !first_inline)
            yaml_indent(out, indent);
        gs_json_value key = {.type = GS_JSON_STRING, .str = v->keys[i], .len = strlen(v->keys[i])};
        yaml_scalar(out, &key);
        gs_buf_putc(out, ':');
        const gs_json_value *c = v->items[i];
        if (yaml_is_collection(c)) {
            gs_buf_putc(out, '\n');
            yaml_value(out, c, c->type == GS_JSON_ARRAY ? indent : indent + 2);
        } else {
            gs_buf_putc(out, ' ');
            yaml_value(out, c, indent + 2);
        }
    }
}

static void yaml_value(gs_buf *out, const gs_json_value *v, int indent)
{
    if (v->type == GS_JSON_OBJECT && v->len > 0) {
        yaml_object(out, v, indent, false);
    } else if (v->type == GS_JSON_ARRAY && v->len > 0) {
        for (size_t i = 0; i < v->len; i++) {
            const gs_json_value *c = v->items[i];
            yaml_indent(out, indent);
            gs_buf_puts(out, "- ");
            if (c->type == GS_JSON_OBJECT && c->len > 0) {
                yaml_object(out, c, indent + 2, true);
            } else if (c->type == GS_JSON_ARRAY && c->len > 0) {
                gs_buf_putc(out, '\n');
                yaml_value(out, c, indent + 2);
            } else {
                yaml_value(out, c, indent + 2);
            }
        }
    } else if (v->type == GS_JSON_OBJECT) {
        gs_buf_puts(out, "{}\n");
    } else if (v->type == GS_JSON_ARRAY) {
        gs_buf_puts(out, "[]\n");
    } else {
        yaml_scalar(out, v);
        gs_buf_putc(out, '\n');
    }
}

int gs_status_json_to_yaml(const char *json, size_t len, gs_buf *out)
{
    gs_json_value *tree = NULL;
    gs_json_limits limits = {.max_bytes = (size_t)1 << 30, .max_values = (size_t)1 << 28};
    int rc = gs_json_parse(json ? json : "", len, &limits, &tree, NULL);
    if (rc < 0)
        return GS_ERR_PARSE;
    yaml_value(out, tree, 0);
    gs_json_value_free(tree);
    return 0;
}
