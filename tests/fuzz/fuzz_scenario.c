/* SPDX-License-Identifier: MIT */
/* Fuzz target for the scenario decoder: any bytes parse as YAML or fail, and every document is
 * decoded (valid or with diagnostics) without crashing. Manifest paths are resolved against a
 * folder that does not exist, so no file outside the input is read. */
#include "gs_scenario.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gs_yaml_stream *s = NULL;
    gs_error err;
    if (size > (1u << 20))
        return 0;
    if (gs_yaml_parse_buffer(&s, "/nonexistent-fuzz/scenario.yaml", data, size, &err) != 0)
        return 0;
    gs_diags diags = {0};
    for (size_t i = 0; i < s->ndocs; i++) {
        bool ok = false;
        gs_scenario *sc = gs_scenario_decode(s, s->docs[i], &diags, &ok);
        if (ok && (sc->name == NULL || sc->n_steps == 0))
            abort(); /* a valid scenario has a name and steps */
    }
    gs_diags_clear(&diags);
    gs_yaml_stream_free(s);
    return 0;
}
