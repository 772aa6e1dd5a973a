/* SPDX-License-Identifier: MIT */
/* Ingress and IngressClass (networking.k8s.io/v1) as typed objects of the model, validated the
 * way the Kubernetes API server validates them (docs/ingress.md, "Validation"): the object
 * schema with strict unknown-field checks, then the built-in rules (pathType required,
 * Exact/Prefix paths absolute and free of "//", "/./", "/../", "%2f"; a rule's host a DNS-1123
 * subdomain with at most one leading "*." and never an IP; a backend is a service or a resource,
 * never both; a service port by name or by number; TLS hosts and secret names; an IngressClass
 * controller a domain-prefixed path). Annotations are kept as written: what they mean is the
 * business of the ingress-nginx emulation and of `gatesim convert`, not of validation. */
#ifndef GS_INGRESS_H
#define GS_INGRESS_H

#include "gs_decode.h"
#include "gs_model.h"

#define GS_INGRESS_GROUP "networking.k8s.io"
/* The annotation that named the class before spec.ingressClassName existed. */
#define GS_INGRESS_CLASS_ANNOTATION "kubernetes.io/ingress.class"
/* The IngressClass annotation that makes a class the default of Ingresses without one. */
#define GS_INGRESS_CLASS_DEFAULT_ANNOTATION "ingressclass.kubernetes.io/is-default-class"

typedef enum gs_ingress_path_type {
    GS_INGRESS_PATH_EXACT = 0,
    GS_INGRESS_PATH_PREFIX,
    GS_INGRESS_PATH_IMPLEMENTATION_SPECIFIC,
} gs_ingress_path_type;

/* IngressBackend: a Service port (by number or by name) or a typed local object. */
typedef struct gs_ingress_backend {
    bool set;
    gs_sval service_name;  /* v NULL for a resource backend */
    gs_ival port_number;   /* has=false when the port is given by name */
    gs_sval port_name;
    gs_sval resource_group; /* resource backend: apiGroup (NULL: core), kind, name */
    gs_sval resource_kind;
    gs_sval resource_name;
    gs_pos pos;
} gs_ingress_backend;

typedef struct gs_ingress_path {
    gs_sval path; /* v "" when absent (ImplementationSpecific may omit it) */
    gs_ingress_path_type type;
    gs_sval type_str;
    gs_ingress_backend backend;
    gs_pos pos;
} gs_ingress_path;

typedef struct gs_ingress_rule {
    gs_sval host; /* v NULL when absent: every host */
    gs_ingress_path *paths;
    size_t n_paths;
    gs_pos pos;
} gs_ingress_rule;

typedef struct gs_ingress_tls {
    gs_sval *hosts;
    size_t n_hosts;
    gs_sval secret_name; /* v NULL when absent */
    gs_pos pos;
} gs_ingress_tls;

typedef struct gs_ingress {
    gs_object obj;
    struct {
        gs_sval ingress_class_name; /* v NULL when absent */
        gs_ingress_backend default_backend;
        gs_ingress_rule *rules;
        size_t n_rules;
        gs_ingress_tls *tls;
        size_t n_tls;
    } spec;
} gs_ingress;

typedef struct gs_ingress_class {
    gs_object obj;
    struct {
        gs_sval controller; /* "k8s.io/ingress-nginx" */
        bool has_parameters;
        gs_sval parameters_group, parameters_kind, parameters_name;
        gs_sval parameters_scope, parameters_namespace;
    } spec;
} gs_ingress_class;

/* The class |ing| asks for: spec.ingressClassName, else the kubernetes.io/ingress.class
 * annotation, else NULL (the default class of the cluster, if any). */
const char *gs_ingress_class_of(const gs_ingress *ing);

/* The port number backend |b| of |ing| names: its number, or its named port looked up in the
 * Service of |m|; 0 when the Service or the name is not there (or |b| is a resource). */
int64_t gs_ingress_backend_port(const gs_model *m, const gs_ingress *ing,
                                const gs_ingress_backend *b);

/* The IngressClass of |m| marked as the default (annotation "true"), or NULL. */
const gs_ingress_class *gs_ingress_default_class(const gs_model *m);

/* Internal to the model (gs_load.c, gs_objects.c). The API server's checks of an Ingress or
 * IngressClass document |doc| (kind |kind|), problems through |d|. */
void gs_ingress_check(gs_decoder *d, const gs_yaml_node *doc, gs_kind kind);
/* Fills the spec of |o| (an Ingress or IngressClass already checked) from |spec|, allocating
 * in |s|; |fallback| is the position of values without one. */
void gs_ingress_decode(gs_yaml_stream *s, const gs_yaml_node *spec, gs_object *o,
                       gs_pos fallback);

#endif
