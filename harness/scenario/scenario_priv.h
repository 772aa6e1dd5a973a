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

#endif
