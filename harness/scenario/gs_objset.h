/* SPDX-License-Identifier: MIT */
/* The object set a scenario applies to its target, step by step: the user's objects (from
 * manifest files and inline), keyed by kind/namespace/name so a later `apply` replaces and
 * `delete` removes, plus what the runner synthesizes around them: a Namespace for every
 * namespace in use (with the scenario's labels), a Service for every declared backend, and a
 * kubernetes.io/tls Secret for every generated certificate. Rendering turns the set into YAML
 * documents for gs_target; this file does no other I/O than reading manifests. */
#ifndef GS_OBJSET_H
#define GS_OBJSET_H

#include "gs_scenario.h"

#include "gs_buf.h"
#include "gs_model.h"
#include "gs_tls.h"

typedef struct gs_objset_item {
    const char *kind;
    const char *ns; /* "" for cluster-scoped kinds */
    const char *name;
    const gs_yaml_node *node; /* borrowed from a stream the set (or the scenario) owns */
    gs_pos pos;
} gs_objset_item;

/* A certificate generated for a `tls:` entry, as PEM: a kubernetes.io/tls Secret, or with
 * |config_map| a ConfigMap holding the CA certificate |cert_pem| as ca.crt (no key). */
typedef struct gs_objset_secret {
    const char *ns;
    const char *name;
    const char *cert_pem;
    const char *key_pem;
    bool config_map;
} gs_objset_secret;

typedef struct gs_objset {
    gs_objset_item *items;
    size_t len, cap;
    gs_yaml_stream **streams; /* manifest files read so far */
    size_t n_streams, cap_streams;
} gs_objset;

/* Adds the objects of |src| (a file, a folder of *.yaml / *.yml, or an inline object; `kind:
 * List` is unpacked) to |set|, replacing objects with the same kind/namespace/name. Returns 0,
 * or GS_ERR_IO / GS_ERR_PARSE / GS_ERR_INVALID with file:line:col in |err|. */
int gs_objset_add_source(gs_objset *set, const gs_scenario_source *src, gs_error *err);

/* Adds object |obj| of |owned| (a stream the set now owns and frees) like an inline source:
 * for objects made while the scenario runs, such as a route a rollout rewrites. */
int gs_objset_adopt(gs_objset *set, gs_yaml_stream *owned, const gs_yaml_node *obj,
                    gs_error *err);

/* Removes kind/ns/name (ns NULL or "" for cluster-scoped). GS_ERR_NOT_FOUND when absent. */
int gs_objset_delete(gs_objset *set, const char *kind, const char *ns, const char *name);

/* The object kind/ns/name, or NULL. */
const gs_objset_item *gs_objset_find(const gs_objset *set, const char *kind, const char *ns,
                                     const char *name);

/* Whether route |item| (HTTPRoute, GRPCRoute, ...) has a parentRef to Gateway |ns|/|name|: with
 * |section|, one with that sectionName; without, any. A parentRef without namespace is in the
 * route's namespace; refs of other kinds than Gateway do not count. */
bool gs_objset_route_has_parent(const gs_objset_item *item, const char *ns, const char *name,
                                const char *section);

/* Renders the whole desired state as YAML documents (flow style, one object each): the user's
 * objects, then the synthesized Namespaces, Services (one per declared backend, unless the user
 * declared that Service) and Secrets (unless declared). *docs gets malloc'd strings; free with
 * gs_objset_docs_free. */
void gs_objset_render(const gs_objset *set, const gs_scenario *sc, const gs_objset_secret *secrets,
                      size_t n_secrets, char ***docs, size_t *n_docs);
void gs_objset_docs_free(char **docs, size_t n);

/* Loads the same desired state gs_objset_render renders into |m|: the user's objects from their
 * parsed nodes (so diagnostics keep their file:line:col), the synthesized Namespaces, Services
 * (every port) and Secrets from the very text a target is given (positions name the scenario
 * file). validate, explain and status take their model from here, so they see what `gatesim
 * run` applies. Returns the number of errors it added to m->diags. */
size_t gs_objset_load_model(const gs_objset *set, const gs_scenario *sc,
                            const gs_objset_secret *secrets, size_t n_secrets,
                            const gs_load_options *lo, gs_model *m);

/* The certificates a scenario's `tls:` entries stand for, each signed by |ca|: |secrets[i]|
 * points into |pems[i]|. */
typedef struct gs_objset_tls {
    gs_objset_secret *secrets;
    gs_tls_pem *pems;
    size_t n;
    /* the entries' `issuer` CAs, made once per name: |issuers[i]| is named |issuer_names[i]|
     * (borrowed from the scenario) */
    gs_tls_pem *issuers;
    const char **issuer_names;
    size_t n_issuers;
} gs_objset_tls;

/* Generates one leaf certificate per `tls:` entry of |sc|, signed by |ca| or by the entry's
 * `issuer` CA (made here); a `configMap` entry gets that CA's certificate. Returns 0 or a
 * GS_ERR_* with |err|;
 * |out| holds what was made either way (free with gs_objset_tls_clear). */
int gs_objset_tls_generate(gs_objset_tls *out, const gs_scenario *sc, const gs_tls_pem *ca,
                           gs_error *err);
void gs_objset_tls_clear(gs_objset_tls *t);

/* Appends |n| as flow-style YAML that reads back with the same types (a plain `80` stays an
 * integer, a quoted "80" a string). */
void gs_objset_emit_yaml(gs_buf *out, const gs_yaml_node *n);

void gs_objset_clear(gs_objset *set);

#endif
