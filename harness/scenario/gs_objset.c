/* SPDX-License-Identifier: MIT */
/* The scenario's object set: reading manifests into keyed items, replace/delete, and rendering
 * the desired state (with synthesized Namespaces, Services and Secrets) as YAML text. Rendering
 * re-emits parsed nodes in flow style, quoting exactly the scalars that must stay strings. */
#include "gs_objset.h"

#include "gs_alloc.h"
#include "gs_dir.h"
#include "gs_json.h"
#include "gs_synth.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const objset_cluster_kinds[] = {"GatewayClass",
                                                   "Namespace",
                                                   "ClusterRole",
                                                   "ClusterRoleBinding",
                                                   "CustomResourceDefinition",
                                                   NULL};

static bool objset_cluster_scoped(const char *kind)
{
    for (size_t i = 0; objset_cluster_kinds[i]; i++)
        if (strcmp(kind, objset_cluster_kinds[i]) == 0)
            return true;
    return false;
}

/* ---- emitting ---- */

/* Characters a plain scalar may hold and still read back the same inside a flow collection. */
static bool objset_plain_safe(const char *s, size_t n)
{
    if (n == 0)
        return false;
    if (strchr("-?:", s[0]) && (n == 1 || s[1] == ' '))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') &&
            !strchr("._/-+=~()^$;", c) && c < 0x80)
            return false;
        if (c >= 0x80)
            return false;
    }
    /* These are never strings when plain; a string spelled so must be quoted. */
    return true;
}

static void objset_emit_scalar(gs_buf *out, const gs_yaml_node *n)
{
    gs_yaml_type t = gs_yaml_type_of(n);
    if (t != GS_YAML_T_STR) {
        /* null, booleans and numbers: the text as written reads back as the same value. */
        if (n->len == 0)
            gs_buf_puts(out, "null");
        else
            gs_buf_append(out, n->str, n->len);
        return;
    }
    if (n->style == GS_YAML_PLAIN && n->tag == NULL && objset_plain_safe(n->str, n->len))
        gs_buf_append(out, n->str, n->len);
    else
        gs_json_escape(out, n->str, n->len);
}

static void objset_emit(gs_buf *out, const gs_yaml_node *n, int depth)
{
    if (n == NULL) {
        gs_buf_puts(out, "null");
        return;
    }
    if (depth > GS_YAML_MAX_DEPTH) {
        gs_buf_puts(out, "null");
        return;
    }
    switch (n->kind) {
    case GS_YAML_SCALAR:
        objset_emit_scalar(out, n);
        break;
    case GS_YAML_MAPPING:
        gs_buf_putc(out, '{');
        for (size_t i = 0; i < n->npairs; i++) {
            if (i)
                gs_buf_puts(out, ", ");
            objset_emit(out, n->pairs[i].key, depth + 1);
            gs_buf_puts(out, ": ");
            objset_emit(out, n->pairs[i].value, depth + 1);
        }
        gs_buf_putc(out, '}');
        break;
    case GS_YAML_SEQUENCE:
        gs_buf_putc(out, '[');
        for (size_t i = 0; i < n->nitems; i++) {
            if (i)
                gs_buf_puts(out, ", ");
            objset_emit(out, n->items[i], depth + 1);
        }
        gs_buf_putc(out, ']');
        break;
    }
}

void gs_objset_emit_yaml(gs_buf *out, const gs_yaml_node *n)
{
    objset_emit(out, n, 0);
}

/* ---- adding and removing ---- */

static gs_objset_item *objset_lookup(const gs_objset *set, const char *kind, const char *ns,
                                     const char *name)
{
    if (ns == NULL)
        ns = "";
    for (size_t i = 0; i < set->len; i++) {
        gs_objset_item *it = &set->items[i];
        if (strcmp(it->kind, kind) == 0 && strcmp(it->ns, ns) == 0 && strcmp(it->name, name) == 0)
            return it;
    }
    return NULL;
}

const gs_objset_item *gs_objset_find(const gs_objset *set, const char *kind, const char *ns,
                                     const char *name)
{
    return objset_lookup(set, kind, ns, name);
}

bool gs_objset_route_has_parent(const gs_objset_item *item, const char *ns, const char *name,
                                const char *section)
{
    const gs_yaml_node *refs = gs_yaml_get(gs_yaml_get(item->node, "spec"), "parentRefs");
    for (size_t i = 0; refs && refs->kind == GS_YAML_SEQUENCE && i < refs->nitems; i++) {
        const gs_yaml_node *r = refs->items[i];
        const char *group = gs_yaml_str(gs_yaml_get(r, "group"));
        const char *kind = gs_yaml_str(gs_yaml_get(r, "kind"));
        const char *rns = gs_yaml_str(gs_yaml_get(r, "namespace"));
        const char *rname = gs_yaml_str(gs_yaml_get(r, "name"));
        const char *rsec = gs_yaml_str(gs_yaml_get(r, "sectionName"));
        if ((group && strcmp(group, "gateway.networking.k8s.io") != 0) ||
            (kind && strcmp(kind, "Gateway") != 0) || rname == NULL)
            continue;
        if (strcmp(rname, name) != 0 || strcmp(rns ? rns : item->ns, ns) != 0)
            continue;
        if (section == NULL || (rsec && strcmp(rsec, section) == 0))
            return true;
    }
    return false;
}

/* Structural equality of two YAML trees (scalars by text, mappings by keys in order). */
static bool objset_node_equal(const gs_yaml_node *a, const gs_yaml_node *b)
{
    if (a == b)
        return true;
    if (a == NULL || b == NULL || a->kind != b->kind)
        return false;
    switch (a->kind) {
    case GS_YAML_SCALAR:
        return a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
    case GS_YAML_MAPPING:
        if (a->npairs != b->npairs)
            return false;
        for (size_t i = 0; i < a->npairs; i++)
            if (!objset_node_equal(a->pairs[i].key, b->pairs[i].key) ||
                !objset_node_equal(a->pairs[i].value, b->pairs[i].value))
                return false;
        return true;
    case GS_YAML_SEQUENCE:
        if (a->nitems != b->nitems)
            return false;
        for (size_t i = 0; i < a->nitems; i++)
            if (!objset_node_equal(a->items[i], b->items[i]))
                return false;
        return true;
    default:
        return true;
    }
}

/* metadata.generation as written, or 1 (what the API server gives a new object). */
static int64_t objset_generation(const gs_yaml_node *obj)
{
    int64_t g;
    const gs_yaml_node *n = gs_yaml_get(gs_yaml_get(obj, "metadata"), "generation");
    return n && gs_yaml_int(n, &g) && g > 0 ? g : 1;
}

/* A copy of |obj| whose metadata.generation is |gen|, in a stream the set owns (positions kept,
 * so diagnostics still name the object's file). */
static const gs_yaml_node *objset_with_generation(gs_objset *set, const gs_yaml_node *obj,
                                                  int64_t gen)
{
    gs_yaml_stream *s = gs_yaml_stream_new(obj->pos.file ? obj->pos.file : "(objects)");
    gs_xgrow((void **)&set->streams, &set->cap_streams, set->n_streams + 1, sizeof(*set->streams));
    set->streams[set->n_streams++] = s;
    gs_yaml_node *copy = gs_yaml_clone(s, obj);
    gs_yaml_node *meta = gs_yaml_get(copy, "metadata");
    if (meta == NULL || meta->kind != GS_YAML_MAPPING)
        return copy; /* the model reports the missing metadata */
    char text[32];
    snprintf(text, sizeof(text), "%lld", (long long)gen);
    gs_yaml_node *value = gs_yaml_new_scalar(s, meta->pos, text, GS_YAML_PLAIN);
    gs_yaml_pair *p = gs_yaml_get_pair(meta, "generation");
    if (p) {
        p->value = value;
        return copy;
    }
    gs_yaml_pair *pairs = gs_yaml_alloc(s, (meta->npairs + 1) * sizeof(*pairs));
    memcpy(pairs, meta->pairs, meta->npairs * sizeof(*pairs));
    pairs[meta->npairs] =
        (gs_yaml_pair){gs_yaml_new_scalar(s, meta->pos, "generation", GS_YAML_PLAIN), value};
    meta->pairs = pairs;
    meta->npairs++;
    return copy;
}

/* The API server's rule for an object replacing |old|: a changed spec bumps
 * metadata.generation, an unchanged one keeps it; a generation the new object writes itself
 * is kept as written. Returns the node to store. */
static const gs_yaml_node *objset_next_generation(gs_objset *set, const gs_yaml_node *old,
                                                  const gs_yaml_node *obj)
{
    if (gs_yaml_get(gs_yaml_get(obj, "metadata"), "generation"))
        return obj;
    int64_t gen = objset_generation(old);
    if (!objset_node_equal(gs_yaml_get(old, "spec"), gs_yaml_get(obj, "spec")))
        gen++;
    return gen == 1 ? obj : objset_with_generation(set, obj, gen);
}

static int objset_add_node(gs_objset *set, const gs_yaml_node *obj, gs_error *err)
{
    if (obj == NULL)
        return 0; /* empty document */
    if (obj->kind != GS_YAML_MAPPING)
        return gs_error_set_at(err, GS_ERR_INVALID, obj->pos,
                               "%s:%u:%u: an object must be a mapping", obj->pos.file,
                               obj->pos.line, obj->pos.col);
    const char *kind = gs_yaml_str(gs_yaml_get(obj, "kind"));
    if (kind && strcmp(kind, "List") == 0) {
        const gs_yaml_node *items = gs_yaml_get(obj, "items");
        for (size_t i = 0; items && items->kind == GS_YAML_SEQUENCE && i < items->nitems; i++) {
            int rc = objset_add_node(set, items->items[i], err);
            if (rc < 0)
                return rc;
        }
        return 0;
    }
    const gs_yaml_node *meta = gs_yaml_get(obj, "metadata");
    const char *name = gs_yaml_str(gs_yaml_get(meta, "name"));
    if (kind == NULL || name == NULL)
        return gs_error_set_at(err, GS_ERR_INVALID, obj->pos,
                               "%s:%u:%u: an object needs kind and metadata.name", obj->pos.file,
                               obj->pos.line, obj->pos.col);
    const char *ns = "";
    if (!objset_cluster_scoped(kind)) {
        ns = gs_yaml_str(gs_yaml_get(meta, "namespace"));
        if (ns == NULL || ns[0] == '\0')
            ns = "default";
    }
    gs_objset_item *it = objset_lookup(set, kind, ns, name);
    const gs_yaml_node *stored = obj;
    if (it == NULL) {
        gs_xgrow((void **)&set->items, &set->cap, set->len + 1, sizeof(*set->items));
        it = &set->items[set->len++];
    } else {
        stored = objset_next_generation(set, it->node, obj);
    }
    *it = (gs_objset_item){kind, ns, name, stored, obj->pos};
    return 0;
}

static int objset_add_file(void *arg, const char *path, gs_error *err)
{
    gs_objset *set = arg;
    gs_yaml_stream *s = NULL;
    int rc = gs_yaml_parse_file(&s, path, err);
    if (rc < 0)
        return rc;
    gs_xgrow((void **)&set->streams, &set->cap_streams, set->n_streams + 1, sizeof(*set->streams));
    set->streams[set->n_streams++] = s;
    for (size_t i = 0; i < s->ndocs && rc == 0; i++)
        rc = objset_add_node(set, s->docs[i], err);
    return rc;
}

int gs_objset_add_source(gs_objset *set, const gs_scenario_source *src, gs_error *err)
{
    if (src->inline_obj)
        return objset_add_node(set, src->inline_obj, err);
    if (src->path)
        return gs_dir_each_yaml(src->path, 16, objset_add_file, set, err);
    return gs_error_set(err, GS_ERR_INVALID, "empty manifest source");
}

int gs_objset_adopt(gs_objset *set, gs_yaml_stream *owned, const gs_yaml_node *obj,
                    gs_error *err)
{
    gs_xgrow((void **)&set->streams, &set->cap_streams, set->n_streams + 1, sizeof(*set->streams));
    set->streams[set->n_streams++] = owned;
    return objset_add_node(set, obj, err);
}

int gs_objset_delete(gs_objset *set, const char *kind, const char *ns, const char *name)
{
    if (objset_cluster_scoped(kind))
        ns = "";
    gs_objset_item *it = objset_lookup(set, kind, ns ? ns : "", name);
    if (it == NULL)
        return GS_ERR_NOT_FOUND;
    size_t i = (size_t)(it - set->items);
    memmove(&set->items[i], &set->items[i + 1], (set->len - i - 1) * sizeof(*it));
    set->len--;
    return 0;
}

/* ---- rendering ---- */

typedef struct objset_docs {
    char **items;
    size_t len, cap;
} objset_docs;

static void objset_docs_push(objset_docs *d, char *doc)
{
    gs_xgrow((void **)&d->items, &d->cap, d->len + 1, sizeof(*d->items));
    d->items[d->len++] = doc;
}

static bool objset_seen(const char *const *list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

static void objset_b64(gs_buf *out, const char *s)
{
    size_t n = strlen(s);
    char *dst = gs_buf_reserve(out, 4 * ((n + 2) / 3) + 1);
    int w = EVP_EncodeBlock((unsigned char *)dst, (const unsigned char *)s, (int)n);
    out->len += (size_t)w;
    out->data[out->len] = '\0';
}

static void objset_render_namespace(objset_docs *d, const gs_scenario *sc, const char *ns)
{
    gs_buf b = {0};
    gs_buf_puts(&b, "{apiVersion: v1, kind: Namespace, metadata: {name: ");
    gs_json_escape(&b, ns, strlen(ns));
    gs_buf_puts(&b, ", labels: {\"kubernetes.io/metadata.name\": ");
    gs_json_escape(&b, ns, strlen(ns));
    for (size_t i = 0; i < sc->n_namespaces; i++) {
        if (strcmp(sc->namespaces[i].name, ns) != 0)
            continue;
        for (size_t j = 0; j < sc->namespaces[i].n_labels; j++) {
            const gs_scenario_kv *l = &sc->namespaces[i].labels[j];
            gs_buf_puts(&b, ", ");
            gs_json_escape(&b, l->name, strlen(l->name));
            gs_buf_puts(&b, ": ");
            gs_json_escape(&b, l->value, strlen(l->value));
        }
    }
    gs_buf_puts(&b, "}}}");
    objset_docs_push(d, gs_buf_take(&b));
}

static void objset_render_service(objset_docs *d, const gs_scenario_backend *be)
{
    gs_buf b = {0};
    gs_synth_service(&b, be->ns, be->name, be->ports, be->n_ports);
    objset_docs_push(d, gs_buf_take(&b));
}

static void objset_render_secret(objset_docs *d, const gs_objset_secret *s)
{
    gs_buf b = {0};
    gs_buf_puts(&b, "{apiVersion: v1, kind: Secret, type: kubernetes.io/tls, metadata: {name: ");
    gs_json_escape(&b, s->name, strlen(s->name));
    gs_buf_puts(&b, ", namespace: ");
    gs_json_escape(&b, s->ns, strlen(s->ns));
    gs_buf_puts(&b, "}, data: {tls.crt: ");
    objset_b64(&b, s->cert_pem);
    gs_buf_puts(&b, ", tls.key: ");
    objset_b64(&b, s->key_pem);
    gs_buf_puts(&b, "}}");
    objset_docs_push(d, gs_buf_take(&b));
}

static void objset_render_ca_config_map(objset_docs *d, const gs_objset_secret *s)
{
    gs_buf b = {0};
    gs_buf_puts(&b, "{apiVersion: v1, kind: ConfigMap, metadata: {name: ");
    gs_json_escape(&b, s->name, strlen(s->name));
    gs_buf_puts(&b, ", namespace: ");
    gs_json_escape(&b, s->ns, strlen(s->ns));
    gs_buf_puts(&b, "}, data: {ca.crt: ");
    gs_json_escape(&b, s->cert_pem, strlen(s->cert_pem));
    gs_buf_puts(&b, "}}");
    objset_docs_push(d, gs_buf_take(&b));
}

/* The objects the runner synthesizes around the user's, as rendered text: a Namespace for every
 * namespace in use (unless declared as an object), a Service per declared backend and a Secret
 * per generated certificate (unless the user declared them). */
static void objset_render_synthesized(const gs_objset *set, const gs_scenario *sc,
                                      const gs_objset_secret *secrets, size_t n_secrets,
                                      objset_docs *d)
{
    const char **used = NULL;
    size_t n_used = 0, cap_used = 0;
#define OBJSET_USE(nsname)                                                                         \
    do {                                                                                           \
        const char *u_ = (nsname);                                                                 \
        if (u_ && u_[0] && !objset_seen(used, n_used, u_)) {                                       \
            gs_xgrow((void **)&used, &cap_used, n_used + 1, sizeof(*used));                        \
            used[n_used++] = u_;                                                                   \
        }                                                                                          \
    } while (0)
    for (size_t i = 0; i < set->len; i++)
        OBJSET_USE(set->items[i].ns);
    for (size_t i = 0; i < sc->n_namespaces; i++)
        OBJSET_USE(sc->namespaces[i].name);
    for (size_t i = 0; i < sc->n_backends; i++)
        OBJSET_USE(sc->backends[i].ns);
    for (size_t i = 0; i < n_secrets; i++)
        OBJSET_USE(secrets[i].ns);
#undef OBJSET_USE
    for (size_t i = 0; i < n_used; i++)
        if (!objset_lookup(set, "Namespace", "", used[i]))
            objset_render_namespace(d, sc, used[i]);
    free(used);
    for (size_t i = 0; i < sc->n_backends; i++)
        if (!objset_lookup(set, "Service", sc->backends[i].ns, sc->backends[i].name))
            objset_render_service(d, &sc->backends[i]);
    for (size_t i = 0; i < n_secrets; i++) {
        if (secrets[i].config_map) {
            if (!objset_lookup(set, "ConfigMap", secrets[i].ns, secrets[i].name))
                objset_render_ca_config_map(d, &secrets[i]);
        } else if (!objset_lookup(set, "Secret", secrets[i].ns, secrets[i].name)) {
            objset_render_secret(d, &secrets[i]);
        }
    }
}

void gs_objset_render(const gs_objset *set, const gs_scenario *sc, const gs_objset_secret *secrets,
                      size_t n_secrets, char ***docs, size_t *n_docs)
{
    objset_docs d = {0};
    for (size_t i = 0; i < set->len; i++) {
        gs_buf b = {0};
        gs_objset_emit_yaml(&b, set->items[i].node);
        objset_docs_push(&d, gs_buf_take(&b));
    }
    objset_render_synthesized(set, sc, secrets, n_secrets, &d);
    *docs = d.items;
    *n_docs = d.len;
}

size_t gs_objset_load_model(const gs_objset *set, const gs_scenario *sc,
                            const gs_objset_secret *secrets, size_t n_secrets,
                            const gs_load_options *lo, gs_model *m)
{
    size_t before = m->diags.nerrors;
    for (size_t i = 0; i < set->len; i++)
        gs_model_load_node(m, set->items[i].node, lo);
    objset_docs d = {0};
    objset_render_synthesized(set, sc, secrets, n_secrets, &d);
    char *name = gs_xasprintf("%s (synthesized)", sc->file ? sc->file : sc->name);
    for (size_t i = 0; i < d.len; i++)
        gs_model_load_buffer(m, name, d.items[i], strlen(d.items[i]), lo, NULL);
    free(name);
    gs_objset_docs_free(d.items, d.len);
    return m->diags.nerrors - before;
}

/* The CA named |name| among |out|'s issuers, made (subject CN "gatesim CA NAME") on first use;
 * NULL with |err| when generation fails. */
static const gs_tls_pem *objset_issuer(gs_objset_tls *out, const char *name, gs_error *err)
{
    for (size_t i = 0; i < out->n_issuers; i++)
        if (strcmp(out->issuer_names[i], name) == 0)
            return &out->issuers[i];
    size_t k = out->n_issuers;
    char *cn = gs_xasprintf("gatesim CA %s", name);
    int rc = gs_tls_ca_generate(&out->issuers[k], cn, err);
    free(cn);
    if (rc < 0)
        return NULL;
    out->issuer_names[k] = name;
    out->n_issuers++;
    return &out->issuers[k];
}

int gs_objset_tls_generate(gs_objset_tls *out, const gs_scenario *sc, const gs_tls_pem *run_ca,
                           gs_error *err)
{
    memset(out, 0, sizeof(*out));
    out->secrets = gs_xcalloc(sc->n_tls ? sc->n_tls : 1, sizeof(*out->secrets));
    out->pems = gs_xcalloc(sc->n_tls ? sc->n_tls : 1, sizeof(*out->pems));
    out->issuers = gs_xcalloc(sc->n_tls ? sc->n_tls : 1, sizeof(*out->issuers));
    out->issuer_names = gs_xcalloc(sc->n_tls ? sc->n_tls : 1, sizeof(*out->issuer_names));
    for (size_t i = 0; i < sc->n_tls; i++) {
        const gs_scenario_tls *t = &sc->tls[i];
        const gs_tls_pem *ca = t->issuer ? objset_issuer(out, t->issuer, err) : run_ca;
        if (ca == NULL)
            return GS_ERR_TLS;
        if (t->config_map) {
            out->secrets[i] = (gs_objset_secret){t->ns, t->name, ca->cert, NULL, true};
            out->n++;
            continue;
        }
        int rc =
            gs_tls_leaf_generate(&out->pems[i], ca, (const char *const *)t->hosts, t->n_hosts, err);
        if (rc < 0)
            return rc;
        out->secrets[i] =
            (gs_objset_secret){t->ns, t->name, out->pems[i].cert, out->pems[i].key, false};
        out->n++;
    }
    return 0;
}

void gs_objset_tls_clear(gs_objset_tls *t)
{
    for (size_t i = 0; i < t->n; i++)
        gs_tls_pem_clear(&t->pems[i]);
    for (size_t i = 0; i < t->n_issuers; i++)
        gs_tls_pem_clear(&t->issuers[i]);
    free(t->issuers);
    free(t->issuer_names);
    free(t->pems);
    free(t->secrets);
    memset(t, 0, sizeof(*t));
}

void gs_objset_docs_free(char **docs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(docs[i]);
    free(docs);
}

void gs_objset_clear(gs_objset *set)
{
    if (set == NULL)
        return;
    for (size_t i = 0; i < set->n_streams; i++)
        gs_yaml_stream_free(set->streams[i]);
    free(set->streams);
    free(set->items);
    memset(set, 0, sizeof(*set));
}
