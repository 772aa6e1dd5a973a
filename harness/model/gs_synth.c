/* SPDX-License-Identifier: MIT */
/* Services the harness makes up, as YAML text the model reads back (gs_synth.h). */
#include "gs_synth.h"

#include "gs_json.h"

#include <stdbool.h>
#include <string.h>

void gs_synth_service(gs_buf *out, const char *ns, const char *name, const unsigned *ports,
                      size_t n_ports)
{
    gs_buf_puts(out, "{apiVersion: v1, kind: Service, metadata: {name: ");
    gs_json_escape(out, name, strlen(name));
    gs_buf_puts(out, ", namespace: ");
    gs_json_escape(out, ns, strlen(ns));
    gs_buf_puts(out, ", labels: {\"gatesim.dev/backend\": \"true\"}}, spec: {ports: [");
    bool first = true;
    for (size_t i = 0; i < n_ports; i++) {
        bool again = false;
        for (size_t k = 0; k < i && !again; k++)
            again = ports[k] == ports[i];
        if (again)
            continue; /* a port twice would be a duplicate port name the model rejects */
        gs_buf_printf(out, "%s{name: port-%u, port: %u, protocol: TCP}", first ? "" : ", ",
                      ports[i], ports[i]);
        first = false;
    }
    gs_buf_puts(out, "]}}");
}
