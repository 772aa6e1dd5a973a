/* SPDX-License-Identifier: MIT */
/* Input and output shared by validate and explain: a PATH argument or -f/--filename value,
 * where - is standard input (kubectl kustomize | gatesim validate -), and JSON documents
 * printed as JSON or YAML (-o json, -o yaml). */
#include "cli.h"

#include "gs_buf.h"
#include "gs_status.h"

#include <stdio.h>
#include <string.h>

int gs_cli_load_path(gs_model *m, const char *path, const gs_load_options *opt)
{
    if (strcmp(path, "-") != 0)
        return gs_model_load_path(m, path, opt, NULL);
    gs_buf in = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
        gs_buf_append(&in, chunk, n);
    int rc = gs_model_load_buffer(m, "<stdin>", in.data ? in.data : "", in.len, opt, NULL);
    gs_buf_clear(&in);
    return rc;
}

void gs_cli_print_document(const gs_buf *b, bool yaml)
{
    if (!yaml) {
        printf("%s\n", b->data);
        return;
    }
    gs_buf y = {0};
    gs_status_json_to_yaml(b->data, b->len, &y);
    fputs(y.data ? y.data : "", stdout);
    gs_buf_clear(&y);
}
