/* SPDX-License-Identifier: MIT */
/* --fail-on for validate and explain: status findings that make a CI job fail (exit 1) although
 * every object is valid. A route that attaches nowhere and a reference that does not resolve are
 * legal objects, so they are not errors; --fail-on says which of them a pipeline refuses. */
#include "cli.h"

#include "gs_alloc.h"
#include "gs_suggest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const fail_on_names[] = {"unattached", "unresolved"};

int gs_cli_fail_on_parse(const char *cmd, const char *list, unsigned *out)
{
    char *copy = gs_xstrdup(list);
    char *save = NULL;
    int rc = 0;
    for (char *w = strtok_r(copy, ",", &save); w && rc == 0; w = strtok_r(NULL, ",", &save)) {
        size_t i = 0;
        while (i < 2 && strcmp(w, fail_on_names[i]) != 0)
            i++;
        if (i < 2) {
            *out |= 1u << i;
            continue;
        }
        const char *hint = gs_suggest_n(w, fail_on_names, 2);
        fprintf(stderr, "gatesim %s: --fail-on takes unattached and unresolved, got \"%s\"%s%s%s\n",
                cmd, w, hint ? "; did you mean \"" : "", hint ? hint : "", hint ? "\"?" : "");
        rc = -1;
    }
    free(copy);
    return rc;
}

/* One finding on stderr: `gatesim CMD: unattached: HTTPRoute ns/name: ...`. */
static void fail_on_report(const char *cmd, const char *title, const char *what, const char *obj,
                           const gs_condition *c, const char *fallback)
{
    fprintf(stderr, "gatesim %s: %s%s%s: %s: ", cmd, title ? title : "", title ? ": " : "", what,
            obj);
    if (c)
        fprintf(stderr, "%s %s: %s\n", c->type, c->reason, c->message ? c->message : "");
    else
        fprintf(stderr, "%s\n", fallback);
}

/* Whether condition |type| is present and not True: a finding. */
static const gs_condition *fail_on_false(const gs_conditions *cs, const char *type)
{
    const gs_condition *c = gs_conditions_get(cs, type);
    return c && strcmp(c->status, "True") != 0 ? c : NULL;
}

static size_t fail_on_routes(const char *cmd, const char *title, const gs_status_set *s,
                             unsigned what)
{
    size_t found = 0;
    char obj[512];
    for (size_t i = 0; i < s->n_routes; i++) {
        const gs_route_status *r = &s->routes[i];
        if ((what & GS_CLI_FAIL_UNATTACHED) && r->n_parents == 0) {
            snprintf(obj, sizeof(obj), "%s %s/%s", r->kind, r->namespace, r->name);
            fail_on_report(cmd, title, "unattached", obj, NULL,
                           r->n_notes ? r->notes[0] : "no parent this controller manages");
            found++;
        }
        for (size_t k = 0; k < r->n_parents; k++) {
            const gs_parent_status *p = &r->parents[k];
            snprintf(obj, sizeof(obj), "%s %s/%s parent %s %s/%s%s%s", r->kind, r->namespace,
                     r->name, p->ref.kind, p->ref.namespace, p->ref.name,
                     p->ref.section_name ? " sectionName " : "",
                     p->ref.section_name ? p->ref.section_name : "");
            const gs_condition *c;
            if ((what & GS_CLI_FAIL_UNATTACHED) &&
                (c = fail_on_false(&p->conditions, "Accepted")) != NULL) {
                fail_on_report(cmd, title, "unattached", obj, c, NULL);
                found++;
            }
            if ((what & GS_CLI_FAIL_UNRESOLVED) &&
                (c = fail_on_false(&p->conditions, "ResolvedRefs")) != NULL) {
                fail_on_report(cmd, title, "unresolved", obj, c, NULL);
                found++;
            }
        }
    }
    return found;
}

size_t gs_cli_fail_on_check(const char *cmd, const char *title, const gs_status_set *s,
                            unsigned what)
{
    size_t found = fail_on_routes(cmd, title, s, what);
    if (!(what & GS_CLI_FAIL_UNRESOLVED))
        return found;
    char obj[512];
    for (size_t i = 0; i < s->n_gateways; i++) {
        const gs_gateway_status *g = &s->gateways[i];
        for (size_t k = 0; k < g->n_listeners; k++) {
            const gs_condition *c = fail_on_false(&g->listeners[k].conditions, "ResolvedRefs");
            if (c == NULL)
                continue;
            snprintf(obj, sizeof(obj), "Gateway %s/%s listener %s", g->namespace, g->name,
                     g->listeners[k].name);
            fail_on_report(cmd, title, "unresolved", obj, c, NULL);
            found++;
        }
    }
    return found;
}
