/* SPDX-License-Identifier: MIT */
/* Finding and reading scenario files: a file, or a directory walked for *.yaml / *.yml in name
 * order (files holding no Scenario, such as shared manifests, are skipped there). Each stream
 * stays alive in the gs_scenario_list because the scenarios live in its arena. */
#include "gs_scenario.h"

#include "gs_alloc.h"
#include "gs_dir.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void list_keep_stream(gs_scenario_list *list, gs_yaml_stream *s)
{
    gs_xgrow((void **)&list->streams, &list->cap_streams, list->n_streams + 1,
             sizeof(*list->streams));
    list->streams[list->n_streams++] = s;
}

static void list_add(gs_scenario_list *list, gs_scenario *sc)
{
    gs_xgrow((void **)&list->items, &list->cap, list->len + 1, sizeof(*list->items));
    list->items[list->len++] = sc;
}

static int scenario_read(const char *path, gs_yaml_stream **out, gs_diags *diags, gs_error *err)
{
    gs_error e = {0};
    int rc = gs_yaml_parse_file(out, path, &e);
    if (rc < 0) {
        /* The parser's file name died with its stream: positions name |path| instead, and
         * the message loses its "file:line:col: " prefix (the diagnostic prints one). */
        gs_pos pos = {path, e.pos.line, e.pos.col};
        const char *msg = e.msg;
        if (e.pos.line) {
            char prefix[64];
            snprintf(prefix, sizeof(prefix), ":%u:%u: ", e.pos.line, e.pos.col);
            const char *at = strstr(msg, prefix);
            if (at)
                msg = at + strlen(prefix);
        }
        gs_diags_add(diags, GS_DIAG_ERROR, pos, NULL, NULL, NULL, NULL, "%s", msg);
        if (err) {
            *err = e;
            err->pos = (gs_pos){0};
        }
    }
    return rc;
}

/* Loads the Scenario documents of one file. |from_dir|: a file without any Scenario is skipped
 * (returns 0) instead of being an error. */
static int list_load_file(gs_scenario_list *list, const char *path, bool from_dir, gs_diags *diags,
                          gs_error *err)
{
    gs_yaml_stream *s = NULL;
    int rc = scenario_read(path, &s, diags, err);
    if (rc < 0)
        return rc;
    size_t n_scen = 0;
    for (size_t i = 0; i < s->ndocs; i++) {
        const gs_yaml_node *doc = s->docs[i];
        const char *api = gs_yaml_str(gs_yaml_get(doc, "apiVersion"));
        /* Named explicitly, a file counts as a scenario file when any document claims to be
         * one by kind or by apiVersion; found in a folder, only real Scenarios count. */
        n_scen += doc && (gs_scenario_is_scenario(doc) ||
                          (!from_dir && ((api && strncmp(api, "gatesim.dev/", 12) == 0) ||
                                         gs_yaml_scalar_eq(gs_yaml_get(doc, "kind"), "Scenario"))));
    }
    if (n_scen == 0) {
        gs_pos pos = {s->file, 1, 1};
        if (from_dir) {
            gs_yaml_stream_free(s);
            return 0;
        }
        gs_diags_add(diags, GS_DIAG_ERROR, pos, NULL, NULL, NULL, NULL,
                     "no Scenario in this file (expected apiVersion: %s, kind: Scenario)",
                     GS_SCENARIO_API_VERSION);
        list_keep_stream(list, s);
        return GS_ERR_INVALID;
    }
    list_keep_stream(list, s);
    bool all_ok = true;
    /* A file that holds a Scenario holds only Scenarios: every document is decoded, so a wrong
     * apiVersion or kind is reported where it is written. */
    for (size_t i = 0; i < s->ndocs; i++) {
        const gs_yaml_node *doc = s->docs[i];
        if (doc == NULL)
            continue; /* an empty document between --- separators */
        bool ok = false;
        gs_scenario *sc = gs_scenario_decode(s, doc, diags, &ok);
        all_ok &= ok;
        if (!ok)
            continue;
        for (size_t j = 0; j < list->len; j++) {
            if (strcmp(list->items[j]->name, sc->name) == 0) {
                gs_diags_add(diags, GS_DIAG_ERROR, gs_yaml_get(doc, "metadata")->pos, "Scenario",
                             NULL, sc->name, "metadata.name",
                             "scenario name \"%s\" is already used at %s:%u", sc->name,
                             list->items[j]->file, list->items[j]->pos.line);
                ok = all_ok = false;
                break;
            }
        }
        if (ok)
            list_add(list, sc);
    }
    return all_ok ? 0 : GS_ERR_INVALID;
}

static int list_load_dir(gs_scenario_list *list, const char *path, int depth, gs_diags *diags,
                         gs_error *err)
{
    if (depth > 32)
        return 0;
    char **names;
    size_t n;
    if (gs_dir_names(path, &names, &n) < 0) {
        int e = errno;
        gs_diags_add(diags, GS_DIAG_ERROR, (gs_pos){0}, NULL, NULL, NULL, NULL, "%s: %s", path,
                     strerror(e));
        return gs_error_set_errno(err, e, "%s", path);
    }
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        char *full = gs_xasprintf("%s%s%s", path,
                                  path[0] && path[strlen(path) - 1] == '/' ? "" : "/", names[i]);
        struct stat st;
        int r = 0;
        if (stat(full, &st) == 0 && S_ISDIR(st.st_mode))
            r = list_load_dir(list, full, depth + 1, diags, err);
        else if (gs_path_is_yaml(names[i]))
            r = list_load_file(list, full, true, diags, err);
        if (r < 0 && (rc == 0 || rc == GS_ERR_INVALID))
            rc = r; /* I/O and parse errors outrank invalid content */
        free(full);
    }
    gs_dir_names_free(names, n);
    return rc;
}

int gs_scenario_list_load(gs_scenario_list *list, const char *path, gs_diags *diags, gs_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        int e = errno;
        gs_diags_add(diags, GS_DIAG_ERROR, (gs_pos){0}, NULL, NULL, NULL, NULL, "%s: %s", path,
                     strerror(e));
        return gs_error_set_errno(err, e, "%s", path);
    }
    if (S_ISDIR(st.st_mode)) {
        size_t before = list->len;
        int rc = list_load_dir(list, path, 0, diags, err);
        if (rc == 0 && list->len == before)
            gs_diags_add(diags, GS_DIAG_WARNING, (gs_pos){path, 0, 0}, NULL, NULL, NULL, NULL,
                         "no scenario files found");
        return rc;
    }
    return list_load_file(list, path, false, diags, err);
}

void gs_scenario_list_clear(gs_scenario_list *list)
{
    if (list == NULL)
        return;
    for (size_t i = 0; i < list->n_streams; i++)
        gs_yaml_stream_free(list->streams[i]);
    free(list->streams);
    free(list->items);
    memset(list, 0, sizeof(*list));
}

int gs_scenario_validate_file(const char *path, gs_diags *diags)
{
    gs_yaml_stream *s = NULL;
    int rc = scenario_read(path, &s, diags, NULL);
    if (rc < 0)
        return rc;
    int n = 0;
    for (size_t i = 0; i < s->ndocs; i++) {
        if (s->docs[i] == NULL || !gs_scenario_is_scenario(s->docs[i]))
            continue;
        bool ok;
        gs_scenario_decode(s, s->docs[i], diags, &ok);
        n++;
    }
    gs_yaml_stream_free(s);
    return n;
}
