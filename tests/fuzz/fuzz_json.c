/* SPDX-License-Identifier: MIT */
/* Fuzz target for gs_json_parse: any bytes must parse or fail cleanly, within the limits, and a
 * parsed tree must be walkable and freeable. */
#include "gs_json_parse.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t fuzz_json_walk(const gs_json_value *v)
{
    size_t n = 1;
    if (v->type == GS_JSON_ARRAY || v->type == GS_JSON_OBJECT) {
        for (size_t i = 0; i < v->len; i++) {
            n += fuzz_json_walk(v->items[i]);
            if (v->type == GS_JSON_OBJECT && gs_json_get(v, v->keys[i]) == NULL)
                abort(); /* every key must be found */
        }
    } else if (v->type == GS_JSON_STRING && v->str[v->len] != '\0') {
        abort();
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gs_json_limits lim = {.max_depth = 32, .max_values = 10000, .max_bytes = 1 << 20};
    gs_json_value *v = NULL;
    gs_error err;
    if (gs_json_parse((const char *)data, size, &lim, &v, &err) == 0) {
        if (fuzz_json_walk(v) > lim.max_values)
            abort();
        gs_json_value_free(v);
    } else if (v != NULL) {
        abort();
    }
    return 0;
}
