/* SPDX-License-Identifier: MIT */
/* Shared by the ingress-nginx unit tests: loading the controller's ConfigMap into a model. */
#ifndef GS_TEST_NGINX_CM_H
#define GS_TEST_NGINX_CM_H

#include "gs_alloc.h"
#include "gs_model.h"

#include <stdlib.h>
#include <string.h>

/* Loads the ConfigMap ingress-nginx/ingress-nginx-controller with |data| (its "data:" lines,
 * each indented and ending in "\n") into |m|, as "cm.yaml". */
static inline void load_nginx_cm(gs_model *m, const char *data)
{
    char *cm = gs_xasprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                            "  name: ingress-nginx-controller\n  namespace: ingress-nginx\n"
                            "data:\n%s",
                            data);
    gs_model_load_buffer(m, "cm.yaml", cm, strlen(cm), NULL, NULL);
    free(cm);
}

#endif
