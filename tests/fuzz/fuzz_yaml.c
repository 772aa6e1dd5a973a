/* SPDX-License-Identifier: MIT */
/* Fuzz target for the manifest loader: YAML parsing (gs_yaml), document dispatch, defaulting,
 * schema and CEL validation, typed decoding and semantic checks on arbitrary bytes. Besides not
 * crashing, every diagnostic must format and every loaded object must have a name. */
#include "gs_model.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 20)
        return 0;
    gs_model *m;
    gs_model_new(&m);
    gs_load_options opt = {.keep_invalid = size % 2 == 1};
    gs_model_load_buffer(m, "fuzz.yaml", data, size, &opt, NULL);
    char line[4096];
    for (size_t i = 0; i < m->diags.len; i++)
        gs_diag_format(&m->diags.items[i], line, sizeof line);
    for (size_t i = 0; i < m->n_objects; i++)
        if (!m->objects[i]->metadata.name.v && !opt.keep_invalid)
            abort();
    gs_model_free(m);
    return 0;
}
