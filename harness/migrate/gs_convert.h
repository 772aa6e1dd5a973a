/* SPDX-License-Identifier: MIT */
/* Ingress (with ingress-nginx's routing annotations) -> Gateway API: a Gateway per class,
 * HTTPRoutes per Ingress and host, ReferenceGrants for certificates in other namespaces; a note
 * at the source position for everything the result does not reproduce exactly
 * (docs/ingress.md, "gatesim convert"). */
#ifndef GS_CONVERT_H
#define GS_CONVERT_H

#include "gs_buf.h"
#include "gs_diag.h"
#include "gs_model.h"

typedef struct gs_convert_options {
    const char *gateway_namespace; /* NULL: the Ingresses' namespace when they share one */
    const char *gateway_class;     /* NULL: the IngressClass name */
} gs_convert_options;

/* Converts the Ingresses of |m| into YAML documents appended to |out|, notes and warnings to
 * |notes|. Returns the number of Ingresses converted. */
size_t gs_convert_ingresses(const gs_model *m, const gs_convert_options *opt, gs_buf *out,
                            gs_diags *notes);

#endif
