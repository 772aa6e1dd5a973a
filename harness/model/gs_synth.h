/* SPDX-License-Identifier: MIT */
/* The text of a Service the harness makes up for backends given outside the objects: a
 * scenario's `backends:` (gs_objset) and `gatesim gateway --backend` (gs_gw_load). Both load it
 * into the model like any object, so every part sees such a Service the same way and control has
 * no second door for objects. Pure text; no I/O. */
#ifndef GS_SYNTH_H
#define GS_SYNTH_H

#include "gs_buf.h"

#include <stddef.h>
#include <stdbool.h>

/* Appends a flow-style v1 Service ns/name with one TCP port per entry of |ports| (named
 * port-<number>, duplicates written once), labelled gatesim.dev/backend: "true". */
void gs_synth_service(gs_buf *out, const char *ns, const char *name, const unsigned *ports,
                      size_t n_ports);

#endif
