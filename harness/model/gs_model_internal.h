/* SPDX-License-Identifier: MIT */
/* Functions shared between the files of harness/model and not part of its public API. */
#ifndef GS_MODEL_INTERNAL_H
#define GS_MODEL_INTERNAL_H

#include "gs_decode.h"
#include "gs_model.h"
#include "gs_route_kinds.h"

/* gs_model.c: the model keeps |stream| until gs_model_free. */
void gs_model_adopt_stream(gs_model *m, gs_yaml_stream *stream);
/* gs_model.c: adds |o|, or replaces the object with the same identity (returned). */
gs_object *gs_model_put(gs_model *m, gs_object *o);

/* gs_objects.c: a typed object from the defaulted, validated tree |doc| (allocated in |s|).
 * |ns| is the object's namespace (NULL for cluster-scoped kinds). */
gs_object *gs_objects_decode(gs_yaml_stream *s, gs_kind kind, const gs_yaml_node *doc,
                             const char *ns, const char *api_version, const char *group,
                             const char *version);
/* gs_objects.c: the decoders of the modelled route kinds (gs_route_kinds.c's table). */
void gs_objects_decode_http_route(gs_objects_dec *d, const gs_yaml_node *spec, gs_object *o);
void gs_objects_decode_grpc_route(gs_objects_dec *d, const gs_yaml_node *spec, gs_object *o);
void gs_objects_decode_l4_route(gs_objects_dec *d, const gs_yaml_node *spec, gs_object *o);

/* gs_semantic.c: the spec's rules the API server does not enforce (docs/semantics.md) on one
 * object; errors and warnings go through |d|. */
void gs_semantic_check_object(gs_decoder *d, const gs_object *o);
/* gs_semantic.c: the route kinds' rows of that check (gs_route_kinds.c's table). */
void gs_semantic_http_route(gs_decoder *d, const gs_object *o);
void gs_semantic_grpc_route(gs_decoder *d, const gs_object *o);
void gs_semantic_l4_route(gs_decoder *d, const gs_object *o);

/* gs_load.c: standard base64 decoding; false when malformed. |out| holds |len| bytes. */
bool gs_load_base64(const char *s, size_t len, unsigned char *out, size_t *out_len);

#endif
