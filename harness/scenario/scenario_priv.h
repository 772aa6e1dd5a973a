/* SPDX-License-Identifier: MIT */
/* Decoding helpers shared by the scenario decoder's files (not part of the scenario API). */
#ifndef GS_SCENARIO_PRIV_H
#define GS_SCENARIO_PRIV_H

#include "gs_decode.h"
#include "gs_scenario.h"

/* Decodes `conformance` of the mapping |spec| into |out| (left absent when the field is), with
 * the decoder's current path at `spec`. Memory for the feature list comes from |stream|. */
void gs_scenario_decode_conformance(gs_decoder *d, gs_yaml_stream *stream,
                                    const gs_yaml_node *spec, gs_scenario_conformance *out);

/* The decoder of one scenario document: the model's decoder, the stream whose arena holds the
 * scenario, and the scenario being filled. */
typedef struct scenario_decoder {
    gs_decoder d;
    gs_yaml_stream *stream;
    gs_scenario *sc;
} scenario_decoder;

/* "ns/name" at |node| (a bare name is in "default" with |ns_optional|); false after reporting. */
bool gs_scenario_dec_ref(scenario_decoder *sd, const gs_yaml_node *node, const char *field,
                         bool ns_optional, const char **ns, const char **name);
/* A "ns/name" that must name a declared backend: the string, or NULL after reporting. */
const char *gs_scenario_dec_backend_ref(scenario_decoder *sd, const gs_yaml_node *node,
                                        const char *field);
/* A backend's `behaviour` mapping {delay, errorRate, status} into |out|. */
void gs_scenario_dec_behaviour(scenario_decoder *sd, const gs_yaml_node *beh,
                               gs_scenario_behaviour *out);
/* A `send` mapping (docs/scenario.md). */
void gs_scenario_dec_send(scenario_decoder *sd, const gs_yaml_node *m, gs_scenario_send *s);
/* |p| (at |node|, field |field|) resolved against the scenario's folder; reported when it does
 * not exist. */
const char *gs_scenario_dec_path(scenario_decoder *sd, const gs_yaml_node *node, const char *field,
                                 const char *p);
/* Translates the Flagger Canary document |canary| (its file already parsed; problems at its own
 * positions; the scenario's own at |source|, the step's `source`) into |ro|'s plan and the
 * HTTPRoute Flagger writes (gs_rollout_flagger.c). Strings go to the scenario's arena. */
struct gs_scenario_rollout;
void gs_rollout_flagger_plan(scenario_decoder *sd, const gs_yaml_node *source,
                             const gs_yaml_node *canary, struct gs_scenario_rollout *ro);
/* An Argo Rollout (argoproj.io/v1alpha1, the argoproj-labs/gatewayAPI traffic-router plugin)
 * as |ro|'s plan (gs_rollout_argo.c). */
void gs_rollout_argo_plan(scenario_decoder *sd, const gs_yaml_node *source,
                          const gs_yaml_node *rollout, struct gs_scenario_rollout *ro);
/* The body |v| of a setHeaderRoute (|header|) or setMirrorRoute step into |a|, the tools'
 * shared vocabulary; problems through |d|, strings copied into |arena| (gs_rollout_decode.c). */
struct gs_rollout_action;
void gs_rollout_dec_managed(gs_decoder *d, gs_yaml_stream *arena, const gs_yaml_node *v,
                            bool header, struct gs_rollout_action *a);
/* "ns/svc" (in the arena; *|name| points at svc in it), a Service |tool| routes to, which must
 * be a declared backend: reported at |source| otherwise. */
const char *gs_rollout_dec_service(scenario_decoder *sd, const gs_yaml_node *source,
                                   const char *tool, const char *ns, const char *svc,
                                   const char **name);
/* A rollout source's object (a Flagger Canary, an Argo Rollout) of |kind|, decoded by its own
 * |d|: begin starts |d| on the scenario's diagnostics with the object named ("Canary ns/name")
 * and returns its namespace ("default" when it gives none; in the arena); end counts |d|'s
 * errors as the scenario's (it is not valid while its source is not), releases |d| and records
 * |kind| and |tool| on |ro| (unless NULL). */
const char *gs_rollout_dec_object_begin(scenario_decoder *sd, gs_decoder *d,
                                        const gs_yaml_node *object, const char *kind);
void gs_rollout_dec_object_end(scenario_decoder *sd, gs_decoder *d, const char *kind,
                               const char *tool, struct gs_scenario_rollout *ro);
/* `key` of |parent|: a list of {path} or {inline} sources, as `manifests` (NULL when absent). */
gs_scenario_source *gs_scenario_dec_sources(scenario_decoder *sd, const gs_yaml_node *parent,
                                            const char *key, size_t *n_out);
/* The step |m|'s `diff` and its `expect` (gs_diff_decode.c), into st->diff. */
void gs_scenario_decode_diff(scenario_decoder *sd, const gs_yaml_node *m, gs_scenario_step *st);
/* The step |m|'s `rollout` and its `expect` (gs_rollout_decode.c), into st->rollout. */
void gs_scenario_decode_rollout(scenario_decoder *sd, const gs_yaml_node *m, gs_scenario_step *st);

#endif
