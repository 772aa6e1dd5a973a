/* SPDX-License-Identifier: MIT */
/* The scenario loader: every bundled seed scenario loads cleanly with the values it declares,
 * and every file of the invalid corpus (tests/data/scenario/invalid) fails with the message and
 * the line:column its first line announces:  # expect LINE:COL TEXT  */
#include "gs_scenario.h"
#include "gs_expect.h"
#include "gs_alloc.h"
#include "gs_buf.h"
#include "gs_test.h"

#include <dirent.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_diags(const gs_diags *d)
{
    gs_diags_print(d, stderr, false);
}

START_TEST(scenario_seed_suite_loads)
{
    gs_scenario_list list = {0};
    gs_diags diags = {0};
    gs_error err = {0};
    int rc = gs_scenario_list_load(&list, GS_SOURCE_DIR "/scenarios/seed", &diags, &err);
    if (rc != 0 || diags.nerrors)
        print_diags(&diags);
    ck_assert_int_eq(rc, 0);
    ck_assert_uint_eq(diags.nerrors, 0);
    ck_assert_uint_eq(list.len, 17); /* manifests/ holds no Scenario and is skipped */
    gs_diags_clear(&diags);
    gs_scenario_list_clear(&list);
}
END_TEST

static const gs_scenario *find(const gs_scenario_list *l, const char *name)
{
    for (size_t i = 0; i < l->len; i++)
        if (strcmp(l->items[i]->name, name) == 0)
            return l->items[i];
    ck_abort_msg("no scenario %s", name);
    return NULL;
}

START_TEST(scenario_values_decoded)
{
    gs_scenario_list list = {0};
    gs_diags diags = {0};
    ck_assert_int_eq(gs_scenario_list_load(&list, GS_SOURCE_DIR "/scenarios/seed", &diags, NULL),
                     0);
    const gs_scenario *c = find(&list, "canary-95-5");
    ck_assert_str_eq(c->labels[0].name, "gatesim.dev/feature");
    ck_assert_str_eq(c->labels[0].value, "HTTPRouteWeight");
    ck_assert_uint_eq(c->n_manifests, 2);
    ck_assert(strstr(c->manifests[0].path, "scenarios/seed/manifests/infra.yaml") != NULL);
    ck_assert_ptr_nonnull(c->manifests[1].inline_obj);
    ck_assert_uint_eq(c->n_backends, 2);
    ck_assert_str_eq(c->backends[0].ns, "default");
    ck_assert_str_eq(c->backends[0].name, "app-stable");
    ck_assert_uint_eq(c->backends[0].replicas, 2);
    ck_assert_uint_eq(c->backends[0].n_ports, 1);
    ck_assert_uint_eq(c->backends[0].ports[0], 80);
    ck_assert_double_eq(c->statistics.min_effect, 0.03);
    ck_assert_double_eq(c->statistics.alpha, 0.001);
    ck_assert_uint_eq(c->n_steps, 4);
    const gs_scenario_step *s0 = &c->steps[0];
    ck_assert(s0->send.requests_auto);
    ck_assert_uint_eq(s0->send.connections, 8);
    ck_assert_str_eq(s0->send.host, "app.example.com");
    ck_assert_uint_eq(s0->expect.n_statuses, 1);
    ck_assert_int_eq(s0->expect.statuses[0], 200);
    ck_assert_uint_eq(s0->expect.n_split, 2);
    ck_assert_str_eq(s0->expect.split[1].backend, "default/app-canary");
    ck_assert_double_eq(s0->expect.split[1].weight, 5);
    ck_assert_uint_eq(c->steps[1].n_apply, 1);
    ck_assert_str_eq(c->steps[3].expect.backend, "default/app-canary");
    ck_assert_uint_eq(c->steps[3].send.requests, 200);

    const gs_scenario *h = find(&list, "header-modification");
    const gs_scenario_step *h1 = &h->steps[1];
    ck_assert_uint_eq(h1->send.n_headers, 2); /* a list keeps repeats */
    ck_assert_str_eq(h1->send.headers[1].value, "Server: legacy-app");
    ck_assert_uint_eq(h1->expect.response.n_absent, 2);
    ck_assert_str_eq(h1->expect.response.absent[1], "Server");

    const gs_scenario *x = find(&list, "cross-namespace-selector");
    ck_assert_uint_eq(x->n_namespaces, 3);
    ck_assert_uint_eq(x->namespaces[0].n_labels, 2);
    const gs_scenario_status_expect *se = &x->steps[0].expect_status[0];
    ck_assert_str_eq(se->kind, "HTTPRoute");
    ck_assert_str_eq(se->ns, "team-a");
    ck_assert_str_eq(se->parent_ns, "infra");
    ck_assert_str_eq(se->parent_name, "production-gateway");
    ck_assert_str_eq(se->parent_section, "https");
    ck_assert_uint_eq(se->n_conditions, 2);
    ck_assert_str_eq(se->conditions[1].type, "ResolvedRefs");
    ck_assert_str_eq(se->conditions[1].status, "True");
    const gs_scenario_status_expect *gw = &x->steps[0].expect_status[3];
    ck_assert_uint_eq(gw->n_listeners, 1);
    ck_assert(gw->listeners[0].has_attached_routes);
    ck_assert_uint_eq(gw->listeners[0].attached_routes, 1);
    ck_assert_uint_eq(x->n_tls, 1);
    ck_assert_str_eq(x->tls[0].hosts[0], "*.prod.example.com");

    const gs_scenario *m = find(&list, "request-mirroring");
    ck_assert_uint_eq(m->steps[1].expect.n_mirror, 1);
    ck_assert_double_eq(m->steps[1].expect.mirror[0].fraction, 0.25);
    ck_assert_str_eq(m->steps[1].send.path, "/search?q=boots");

    const gs_scenario *g = find(&list, "grpc-routing");
    ck_assert_int_eq(g->steps[0].send.protocol, GS_SCENARIO_GRPC);
    ck_assert_str_eq(g->steps[0].send.grpc_service, "shop.v1.Cart");
    ck_assert(g->steps[3].expect.has_grpc_status);
    ck_assert_int_eq(g->steps[3].expect.grpc_status, 12);
    ck_assert(g->steps[3].expect.backend_none);

    const gs_scenario *mc = find(&list, "multiple-controllers");
    ck_assert_uint_eq(mc->n_controller_names, 1);
    ck_assert_str_eq(mc->steps[0].expect_status[0].name, "gatesim");
    ck_assert_ptr_null(mc->steps[0].expect_status[0].ns);
    ck_assert(!mc->steps[0].expect_status[0].no_status);
    const gs_scenario_status_expect *none = &mc->steps[0].expect_status[3];
    ck_assert_str_eq(none->name, "other-vendor");
    ck_assert(none->no_status);
    ck_assert_uint_eq(none->n_conditions, 0);
    ck_assert_uint_gt(none->status_pos.line, 0);
    ck_assert(mc->steps[0].expect_status[4].no_status);
    ck_assert_str_eq(mc->steps[0].expect_status[4].ns, "infra");

    gs_diags_clear(&diags);
    gs_scenario_list_clear(&list);
}
END_TEST

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Each invalid file: first line "# expect LINE:COL TEXT"; loading must fail with an error at
 * exactly LINE:COL whose formatted text contains TEXT. */
START_TEST(scenario_invalid_corpus)
{
    const char *dir = gs_test_data("scenario/invalid");
    char dirbuf[4096];
    snprintf(dirbuf, sizeof(dirbuf), "%s", dir);
    DIR *d = opendir(dirbuf);
    ck_assert_ptr_nonnull(d);
    char *names[512];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 512)
        if (strstr(e->d_name, ".yaml"))
            names[n++] = gs_xstrdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof(names[0]), name_cmp);
    ck_assert_uint_ge(n, 40);
    int failures = 0;
    for (size_t i = 0; i < n; i++) {
        char path[4200];
        snprintf(path, sizeof(path), "%s/%s", dirbuf, names[i]);
        FILE *f = fopen(path, "r");
        ck_assert_ptr_nonnull(f);
        char first[1024] = {0};
        ck_assert_ptr_nonnull(fgets(first, sizeof(first), f));
        fclose(f);
        first[strcspn(first, "\n")] = '\0';
        unsigned line = 0, col = 0;
        int off = 0;
        ck_assert_msg(sscanf(first, "# expect %u:%u %n", &line, &col, &off) == 2 && off > 0,
                      "%s: first line must be '# expect LINE:COL TEXT'", names[i]);
        const char *want = first + off;

        gs_scenario_list list = {0};
        gs_diags diags = {0};
        int rc = gs_scenario_list_load(&list, path, &diags, NULL);
        bool found = false;
        for (size_t k = 0; k < diags.len && !found; k++) {
            char msg[2048];
            gs_diag_format(&diags.items[k], msg, sizeof(msg));
            found = diags.items[k].severity == GS_DIAG_ERROR && diags.items[k].pos.line == line &&
                    diags.items[k].pos.col == col && strstr(msg, want) != NULL;
        }
        if (rc == 0 || !found) {
            failures++;
            fprintf(stderr, "%s: want error at %u:%u containing \"%s\" (rc %d); got:\n", names[i],
                    line, col, want, rc);
            print_diags(&diags);
        }
        gs_diags_clear(&diags);
        gs_scenario_list_clear(&list);
        free(names[i]);
    }
    ck_assert_int_eq(failures, 0);
}
END_TEST

/* `status: none` decodes on its own and with a route's parent; it is the one thing an entry
 * checks, so "nothing to check" is not reported. */
START_TEST(scenario_status_none_decoded)
{
    const char *text =
        "apiVersion: gatesim.dev/v1alpha1\nkind: Scenario\nmetadata: {name: none}\n"
        "spec:\n  steps:\n  - name: s\n    expectStatus:\n"
        "    - {kind: GatewayClass, name: other, status: none}\n"
        "    - {kind: HTTPRoute, name: team/r, parent: infra/theirs/http, status: none}\n"
        "    - {kind: HTTPRoute, name: team/r, parent: infra/ours, conditions: "
        "{Accepted: {status: \"True\"}}}\n";
    char *p = gs_test_write_temp(".yaml", text);
    gs_scenario_list list = {0};
    gs_diags diags = {0};
    int rc = gs_scenario_list_load(&list, p, &diags, NULL);
    if (rc != 0)
        print_diags(&diags);
    ck_assert_int_eq(rc, 0);
    const gs_scenario_step *st = &list.items[0]->steps[0];
    ck_assert_uint_eq(st->n_expect_status, 3);
    ck_assert(st->expect_status[0].no_status);
    ck_assert_uint_eq(st->expect_status[0].status_pos.line, 8);
    ck_assert_uint_eq(st->expect_status[0].status_pos.col, 49);
    ck_assert(st->expect_status[1].no_status);
    ck_assert_str_eq(st->expect_status[1].parent_ns, "infra");
    ck_assert_str_eq(st->expect_status[1].parent_name, "theirs");
    ck_assert_str_eq(st->expect_status[1].parent_section, "http");
    ck_assert(!st->expect_status[2].no_status);
    gs_diags_clear(&diags);
    gs_scenario_list_clear(&list);
    unlink(p);
    free(p);
}
END_TEST

/* Loads |text| as one scenario file; returns the loader's code with |diags| filled. */
static int load_text(const char *text, gs_scenario_list *list, gs_diags *diags)
{
    char *p = gs_test_write_temp(".yaml", text);
    int rc = gs_scenario_list_load(list, p, diags, NULL);
    unlink(p);
    free(p);
    return rc;
}

/* load_text that must succeed (the diagnostics printed when it does not). */
static void load_text_ok(const char *text, gs_scenario_list *list, gs_diags *diags)
{
    int rc = load_text(text, list, diags);
    if (rc != 0)
        print_diags(diags);
    ck_assert_int_eq(rc, 0);
}

/* A scenario whose send.gateway and expectStatus name a Gateway called |name|. */
static char *long_name_scenario(const char *ns, const char *name)
{
    gs_buf b = {0};
    gs_buf_printf(&b,
                  "apiVersion: gatesim.dev/v1alpha1\nkind: Scenario\nmetadata: {name: long}\n"
                  "spec:\n  steps:\n  - name: s\n    send: {gateway: %s/%s, requests: 1}\n"
                  "    expectStatus:\n    - {kind: Gateway, name: %s/%s, conditions: "
                  "{Accepted: {status: \"True\"}}}\n",
                  ns, name, ns, name);
    return gs_buf_take(&b);
}

START_TEST(scenario_names_up_to_253_characters)
{
    /* Kubernetes object names are RFC 1123 subdomains of at most 253 characters with no limit
     * per dot-free part (upstream GatewayNameMaximumLength); namespaces are labels (63). */
    char name[256];
    memset(name, 'a', 253);
    name[253] = '\0';
    gs_scenario_list list = {0};
    gs_diags diags = {0};
    char *text = long_name_scenario("infra", name);
    load_text_ok(text, &list, &diags);
    const gs_scenario_step *st = &list.items[0]->steps[0];
    ck_assert_str_eq(st->expect_status[0].name, name);
    ck_assert_uint_eq(strlen(st->send.gateway), strlen("infra/") + 253);
    gs_diags_clear(&diags);
    gs_scenario_list_clear(&list);
    free(text);
    /* 254 characters: too long, in both fields. */
    name[253] = 'a';
    name[254] = '\0';
    text = long_name_scenario("infra", name);
    ck_assert_int_ne(load_text(text, &list, &diags), 0);
    ck_assert_uint_eq(diags.nerrors, 2);
    ck_assert_ptr_nonnull(strstr(diags.items[0].message, "must be a DNS subdomain"));
    gs_diags_clear(&diags);
    gs_scenario_list_clear(&list);
    free(text);
    /* A 64-character namespace is not a label. */
    char ns[65];
    memset(ns, 'n', 64);
    ns[64] = '\0';
    text = long_name_scenario(ns, "gw");
    ck_assert_int_ne(load_text(text, &list, &diags), 0);
    ck_assert_ptr_nonnull(strstr(diags.items[0].message, "must be a DNS label"));
    gs_diags_clear(&diags);
    gs_scenario_list_clear(&list);
    free(text);
}
END_TEST

START_TEST(scenario_header_value_forms_decoded)
{
    const char *text =
        "apiVersion: gatesim.dev/v1alpha1\nkind: Scenario\nmetadata: {name: hv}\n"
        "spec:\n  steps:\n  - name: s\n    send: {requests: 1}\n    expect:\n"
        "      request:\n        headers:\n          x-a: plain\n"
        "          x-b: {exactly: [one, two]}\n"
        "          x-c: {oneOf: [\"GET, PUT\", \"PUT, GET\"], ignoreWhitespace: true}\n"
        "      response:\n        headers:\n        - {name: x-d, value: v, ignoreWhitespace: true}\n"
        "        - {name: x-e, exactly: [e]}\n"
        "        - {name: x-f, answeredBy: backend}\n        - {name: x-g, answeredBy: service}\n"
        "        - {name: date, present: true}\n        proto: HTTP/2.0\n";
    gs_scenario_list list = {0};
    gs_diags diags = {0};
    load_text_ok(text, &list, &diags);
    const gs_scenario_expect *ex = &list.items[0]->steps[0].expect;
    ck_assert_uint_eq(ex->request.n_headers, 3);
    ck_assert_int_eq(ex->request.headers[0].mode, GS_SCENARIO_VALUE_ANY);
    ck_assert_str_eq(ex->request.headers[0].value, "plain");
    ck_assert_int_eq(ex->request.headers[1].mode, GS_SCENARIO_VALUE_EXACTLY);
    ck_assert_uint_eq(ex->request.headers[1].n_values, 2);
    ck_assert_str_eq(ex->request.headers[1].values[1], "two");
    ck_assert_str_eq(ex->request.headers[1].value, "exactly [\"one\", \"two\"]");
    ck_assert_int_eq(ex->request.headers[2].mode, GS_SCENARIO_VALUE_ONE_OF);
    ck_assert(ex->request.headers[2].ignore_whitespace);
    ck_assert_uint_eq(ex->response.n_headers, 5);
    ck_assert_int_eq(ex->response.headers[4].mode, GS_SCENARIO_VALUE_PRESENT);
    ck_assert_str_eq(ex->response.proto, "HTTP/2");
    ck_assert_ptr_null(ex->request.proto);
    ck_assert_int_eq(ex->response.headers[2].mode, GS_SCENARIO_VALUE_ANSWERED_BY);
    ck_assert(ex->response.headers[2].answered_by_backend);
    ck_assert_int_eq(ex->response.headers[3].mode, GS_SCENARIO_VALUE_ANSWERED_BY);
    ck_assert(!ex->response.headers[3].answered_by_backend);
    ck_assert_str_eq(ex->response.headers[0].name, "x-d");
    ck_assert(ex->response.headers[0].ignore_whitespace);
    ck_assert_int_eq(ex->response.headers[1].mode, GS_SCENARIO_VALUE_EXACTLY);
    gs_diags_clear(&diags);
    gs_scenario_list_clear(&list);
    /* Two forms at once, an empty list, an unknown field: errors at their place. */
    const char *bad =
        "apiVersion: gatesim.dev/v1alpha1\nkind: Scenario\nmetadata: {name: hv}\n"
        "spec:\n  steps:\n  - name: s\n    send: {requests: 1}\n    expect:\n"
        "      response:\n        headers:\n          x-a: {value: a, oneOf: [a]}\n"
        "          x-b: {exactly: []}\n          x-c: {oneof: [c]}\n"
        "          x-d: {answeredBy: pod}\n"
        "          x-e: {present: false}\n          x-f: {present: true, value: v}\n"
        "        proto: HTTP/3\n";
    ck_assert_int_ne(load_text(bad, &list, &diags), 0);
    ck_assert_uint_ge(diags.nerrors, 7);
    ck_assert_ptr_nonnull(strstr(diags.items[0].message,
                                 "exactly one of value, exactly, oneOf, answeredBy and present"));
    bool absent = false, twice = false, proto = false;
    for (size_t i = 0; i < diags.nerrors; i++) {
        const gs_diag *g = &diags.items[i];
        absent |= strstr(g->message, "absentHeaders") != NULL &&
                  strcmp(g->field, "spec.steps[0].expect.response.headers[x-e].present") == 0 &&
                  g->pos.line == 15;
        twice |= strstr(g->message, "exactly one of") != NULL && g->pos.line == 16;
        proto |= strstr(g->message, "\"HTTP/3\"") != NULL && strstr(g->message, "HTTP/1.1") &&
                 strcmp(g->field, "spec.steps[0].expect.response.proto") == 0 && g->pos.line == 17;
    }
    ck_assert(absent);
    ck_assert(twice);
    ck_assert(proto);
    ck_assert_ptr_nonnull(strstr(diags.items[1].message, "at least one value"));
    bool by = false;
    for (size_t i = 0; i < diags.nerrors; i++)
        by |= strstr(diags.items[i].message, "must be service") != NULL;
    ck_assert(by);
    bool hint = false;
    for (size_t i = 0; i < diags.nerrors; i++)
        hint |= strstr(diags.items[i].message, "oneOf") != NULL &&
                strstr(diags.items[i].message, "did you mean") != NULL;
    ck_assert(hint);
    gs_diags_clear(&diags);
    gs_scenario_list_clear(&list);
}
END_TEST

START_TEST(scenario_status_shares_decoded)
{
    const char *text = "apiVersion: gatesim.dev/v1alpha1\nkind: Scenario\nmetadata: {name: ss}\n"
                       "spec:\n  steps:\n  - name: s\n    send: {requests: auto}\n    expect:\n"
                       "      status: [200, 500]\n      statusShares: {200: 3, 500: 1}\n";
    gs_scenario_list list = {0};
    gs_diags diags = {0};
    load_text_ok(text, &list, &diags);
    const gs_scenario_expect *ex = &list.items[0]->steps[0].expect;
    ck_assert_uint_eq(ex->n_status_shares, 2);
    ck_assert_str_eq(ex->status_shares[1].backend, "500");
    ck_assert(ex->status_shares[0].weight == 3);
    ck_assert_uint_eq(gs_expect_random_checks(ex), 1);
    gs_diags_clear(&diags);
    gs_scenario_list_clear(&list);
    /* Not a status, a share outside `status`, all zero: errors at their place. */
    const char *bad = "apiVersion: gatesim.dev/v1alpha1\nkind: Scenario\nmetadata: {name: ss}\n"
                      "spec:\n  steps:\n  - name: s\n    send: {requests: 10}\n    expect:\n"
                      "      status: 200\n      statusShares: {20x: 1, 503: 1}\n"
                      "  - name: t\n    send: {requests: 10}\n    expect: {statusShares: {200: 0}}\n";
    ck_assert_int_ne(load_text(bad, &list, &diags), 0);
    const char *want[] = {"must be an HTTP status code", "status 503 has a share but is not in status",
                          "the weights must not all be zero"};
    for (size_t w = 0; w < 3; w++) {
        bool found = false;
        for (size_t i = 0; i < diags.nerrors; i++)
            found |= strstr(diags.items[i].message, want[w]) != NULL;
        ck_assert_msg(found, "no diagnostic says \"%s\"", want[w]);
    }
    gs_diags_clear(&diags);
    gs_scenario_list_clear(&list);
}
END_TEST

START_TEST(scenario_listener_kinds_and_counts_decoded)
{
    const char *text =
        "apiVersion: gatesim.dev/v1alpha1\nkind: Scenario\nmetadata: {name: lk}\n"
        "spec:\n  steps:\n  - name: s\n    expectStatus:\n"
        "    - kind: Gateway\n      name: infra/gw\n      exactListeners: true\n"
        "      listeners: {http: {supportedKinds: [HTTPRoute, GRPCRoute]}, tcp: {supportedKinds: []},"
        " web: {supportedKinds: {includes: [HTTPRoute]}}}\n"
        "    - {kind: HTTPRoute, name: infra/r, parentCount: 0}\n";
    gs_scenario_list list = {0};
    gs_diags diags = {0};
    load_text_ok(text, &list, &diags);
    const gs_scenario_step *st = &list.items[0]->steps[0];
    ck_assert(st->expect_status[0].exact_listeners);
    ck_assert(st->expect_status[0].listeners[0].has_supported_kinds);
    ck_assert_uint_eq(st->expect_status[0].listeners[0].n_supported_kinds, 2);
    ck_assert_str_eq(st->expect_status[0].listeners[0].supported_kinds[1], "GRPCRoute");
    ck_assert(st->expect_status[0].listeners[1].has_supported_kinds);
    ck_assert_uint_eq(st->expect_status[0].listeners[1].n_supported_kinds, 0);
    ck_assert(!st->expect_status[0].listeners[0].supported_kinds_includes);
    ck_assert(st->expect_status[0].listeners[2].supported_kinds_includes);
    ck_assert_uint_eq(st->expect_status[0].listeners[2].n_supported_kinds, 1);
    ck_assert_str_eq(st->expect_status[0].listeners[2].supported_kinds[0], "HTTPRoute");
    ck_assert(st->expect_status[1].has_parent_count);
    ck_assert_uint_eq(st->expect_status[1].parent_count, 0);
    gs_diags_clear(&diags);
    gs_scenario_list_clear(&list);
    const char *bad =
        "apiVersion: gatesim.dev/v1alpha1\nkind: Scenario\nmetadata: {name: lk}\n"
        "spec:\n  steps:\n  - name: s\n    expectStatus:\n"
        "    - {kind: Gateway, name: infra/gw, exactListeners: true, conditions: {Accepted: "
        "{status: \"True\"}}}\n"
        "    - {kind: Gateway, name: infra/gw, parentCount: 1, conditions: {Accepted: {status: "
        "\"True\"}}}\n"
        "    - {kind: Gateway, name: infra/gw, listeners: {a: {supportedKinds: {includes: []}}, "
        "b: {supportedKinds: {include: [HTTPRoute]}}}}\n";
    ck_assert_int_ne(load_text(bad, &list, &diags), 0);
    if (diags.nerrors != 5)
        print_diags(&diags);
    ck_assert_uint_eq(diags.nerrors, 5);
    ck_assert_ptr_nonnull(strstr(diags.items[0].message, "needs listeners"));
    ck_assert_ptr_nonnull(strstr(diags.items[1].message, "only routes have parents"));
    ck_assert_ptr_nonnull(strstr(diags.items[2].message, "must name at least one kind"));
    ck_assert_ptr_nonnull(strstr(diags.items[3].message, "include"));
    gs_diags_clear(&diags);
    gs_scenario_list_clear(&list);
}
END_TEST

/* expectStatus of an Ingress: loadBalancer: exposed, and nothing a Gateway API object has. */
START_TEST(scenario_ingress_status_decoded)
{
    const char *text = "apiVersion: gatesim.dev/v1alpha1\nkind: Scenario\nmetadata: {name: is}\n"
                       "spec:\n  steps:\n  - name: s\n    expectStatus:\n"
                       "    - {kind: Ingress, name: default/web, loadBalancer: exposed}\n";
    gs_scenario_list list = {0};
    gs_diags diags = {0};
    load_text_ok(text, &list, &diags);
    const gs_scenario_status_expect *x = &list.items[0]->steps[0].expect_status[0];
    ck_assert_str_eq(x->kind, "Ingress");
    ck_assert_str_eq(x->ns, "default");
    ck_assert_str_eq(x->name, "web");
    ck_assert(x->lb_exposed);
    gs_diags_clear(&diags);
    gs_scenario_list_clear(&list);
    const char *bad = "apiVersion: gatesim.dev/v1alpha1\nkind: Scenario\nmetadata: {name: is}\n"
                      "spec:\n  steps:\n  - name: s\n    expectStatus:\n"
                      "    - {kind: Ingress, name: default/web}\n"
                      "    - {kind: Ingress, name: default/web, loadBalancer: shown}\n"
                      "    - {kind: Ingress, name: default/web, loadBalancer: exposed, "
                      "conditions: {Accepted: {status: \"True\"}}}\n"
                      "    - {kind: Gateway, name: infra/gw, loadBalancer: exposed}\n";
    ck_assert_int_ne(load_text(bad, &list, &diags), 0);
    if (diags.nerrors != 5) /* the Gateway also has nothing else to check */
        print_diags(&diags);
    ck_assert_uint_eq(diags.nerrors, 5);
    ck_assert_ptr_nonnull(strstr(diags.items[0].message, "Required value"));
    ck_assert_str_eq(diags.items[0].field, "spec.steps[0].expectStatus[0].loadBalancer");
    ck_assert_ptr_nonnull(strstr(diags.items[1].message, "\"exposed\""));
    ck_assert_int_eq(diags.items[1].pos.line, 9);
    ck_assert_ptr_nonnull(strstr(diags.items[2].message, "unknown field \"conditions\""));
    ck_assert_ptr_nonnull(strstr(diags.items[3].message, "only an Ingress has a loadBalancer"));
    ck_assert_int_eq(diags.items[3].pos.line, 11);
    gs_diags_clear(&diags);
    gs_scenario_list_clear(&list);
}
END_TEST

START_TEST(scenario_send_tls_fields_decoded)
{
    char *ca = gs_test_write_temp(".pem", "not checked here\n");
    gs_buf b = {0};
    gs_buf_printf(&b,
                  "apiVersion: gatesim.dev/v1alpha1\nkind: Scenario\nmetadata: {name: t}\n"
                  "spec:\n  steps:\n  - name: a\n    send: {sni: a.example.com, host: b.example.com, "
                  "ca: %s, requests: 1}\n  - name: b\n    send: {verify: false, addressAsHost: true, "
                  "requests: 1}\n",
                  ca);
    gs_scenario_list list = {0};
    gs_diags diags = {0};
    load_text_ok(b.data, &list, &diags);
    const gs_scenario *sc = list.items[0];
    ck_assert_str_eq(sc->steps[0].send.sni, "a.example.com");
    ck_assert_str_eq(sc->steps[0].send.host, "b.example.com");
    ck_assert_str_eq(sc->steps[0].send.ca_file, ca);
    ck_assert(sc->steps[0].send.verify);
    ck_assert(!sc->steps[1].send.verify);
    ck_assert(sc->steps[1].send.address_as_host);
    gs_diags_clear(&diags);
    gs_scenario_list_clear(&list);
    gs_buf_clear(&b);
    unlink(ca);
    free(ca);
    const char *bad =
        "apiVersion: gatesim.dev/v1alpha1\nkind: Scenario\nmetadata: {name: t}\n"
        "spec:\n  steps:\n  - name: a\n    send: {sni: \"a.example.com:443\", ca: nope.pem, "
        "requests: 1}\n  - name: b\n    send: {host: x, addressAsHost: true, requests: 1}\n";
    ck_assert_int_ne(load_text(bad, &list, &diags), 0);
    ck_assert_uint_eq(diags.nerrors, 3);
    ck_assert_ptr_nonnull(strstr(diags.items[0].message, "must be a host name"));
    ck_assert_ptr_nonnull(strstr(diags.items[1].message, "nope.pem: no such file"));
    ck_assert_ptr_nonnull(strstr(diags.items[2].message, "contradicts host"));
    gs_diags_clear(&diags);
    gs_scenario_list_clear(&list);
}
END_TEST

/* `http2: true` puts a websocket send on HTTP/2 (RFC 8441); the default stays HTTP/1.1. */
START_TEST(scenario_websocket_http2_decoded)
{
    const char *text = "apiVersion: gatesim.dev/v1alpha1\nkind: Scenario\nmetadata: {name: t}\n"
                       "spec:\n  steps:\n  - name: a\n    send: {protocol: websocket, http2: true, "
                       "requests: 1}\n  - name: b\n    send: {protocol: websocket, requests: 1}\n";
    gs_scenario_list list = {0};
    gs_diags diags = {0};
    load_text_ok(text, &list, &diags);
    const gs_scenario *sc = list.items[0];
    ck_assert(sc->steps[0].send.ws_h2);
    ck_assert_uint_eq(sc->steps[0].send.n_messages, 1);
    ck_assert(!sc->steps[1].send.ws_h2);
    gs_diags_clear(&diags);
    gs_scenario_list_clear(&list);
}
END_TEST

START_TEST(scenario_malformed_yaml_and_missing_file)
{
    char *p = gs_test_write_temp(".yaml", "apiVersion: gatesim.dev/v1alpha1\nkind: [\n");
    gs_scenario_list list = {0};
    gs_diags diags = {0};
    gs_error err = {0};
    ck_assert_int_eq(gs_scenario_list_load(&list, p, &diags, &err), GS_ERR_PARSE);
    ck_assert_uint_ge(diags.nerrors, 1);
    ck_assert_str_eq(diags.items[0].pos.file, p);
    ck_assert_uint_eq(diags.items[0].pos.line, 3);
    gs_diags_clear(&diags);
    unlink(p);
    free(p);

    ck_assert_int_eq(gs_scenario_list_load(&list, "/nonexistent/x.yaml", &diags, &err), GS_ERR_IO);
    ck_assert(strstr(err.msg, "No such file") != NULL);
    gs_diags_clear(&diags);
    gs_scenario_list_clear(&list);
}
END_TEST

START_TEST(scenario_validate_file_hook)
{
    gs_diags diags = {0};
    ck_assert_int_eq(
        gs_scenario_validate_file(GS_SOURCE_DIR "/scenarios/seed/09-mirroring.yaml", &diags), 1);
    ck_assert_uint_eq(diags.nerrors, 0);
    ck_assert_int_eq(
        gs_scenario_validate_file(GS_SOURCE_DIR "/scenarios/seed/manifests/infra.yaml", &diags), 0);
    ck_assert_int_eq(
        gs_scenario_validate_file(gs_test_data("scenario/invalid/bad-protocol.yaml"), &diags), 1);
    ck_assert_uint_ge(diags.nerrors, 1);
    gs_diags_clear(&diags);
}
END_TEST

/* A step's apply replaces a valid object of the manifests (in the same file, where the model
 * would otherwise warn): the check reports nothing at all, with no message text filtered. */
START_TEST(scenario_objects_replaced_by_steps_quietly)
{
    const char *text =
        "apiVersion: gatesim.dev/v1alpha1\nkind: Scenario\nmetadata: {name: objs}\n"
        "spec:\n  manifests:\n  - inline:\n      apiVersion: gateway.networking.k8s.io/v1\n"
        "      kind: HTTPRoute\n      metadata: {name: r, namespace: default}\n"
        "      spec: {rules: [{backendRefs: [{name: a, port: 80}]}]}\n"
        "  steps:\n  - name: s\n    apply:\n    - inline:\n"
        "        apiVersion: gateway.networking.k8s.io/v1\n        kind: HTTPRoute\n"
        "        metadata: {name: r, namespace: default}\n"
        "        spec: {rules: [{backendRefs: [{name: b, port: 80}]}]}\n"
        "    send: {path: /}\n";
    char *p = gs_test_write_temp(".yaml", text);
    gs_scenario_list list = {0};
    gs_diags diags = {0};
    ck_assert_int_eq(gs_scenario_list_load(&list, p, &diags, NULL), 0);
    size_t before = diags.len;
    ck_assert_uint_eq(gs_scenario_check_objects(list.items[0], &diags), 0);
    if (diags.len != before)
        print_diags(&diags);
    ck_assert_uint_eq(diags.len, before);
    gs_diags_clear(&diags);
    gs_scenario_list_clear(&list);
    unlink(p);
    free(p);
}
END_TEST

START_TEST(scenario_objects_checked_with_positions)
{
    const char *text =
        "apiVersion: gatesim.dev/v1alpha1\nkind: Scenario\nmetadata: {name: objs}\n"
        "spec:\n  manifests:\n  - inline:\n      apiVersion: gateway.networking.k8s.io/v1\n"
        "      kind: HTTPRoute\n      metadata: {name: r, namespace: default}\n"
        "      spec:\n        rules:\n        - matches: [{path: {type: Prefixx, "
        "value: /}}]\n"
        "  steps:\n  - name: s\n    apply:\n    - inline:\n"
        "        apiVersion: gateway.networking.k8s.io/v1\n        kind: HTTPRoute\n"
        "        metadata: {name: r, namespace: default}\n        spec: {}\n"
        "    send: {path: /}\n";
    char *p = gs_test_write_temp(".yaml", text);
    gs_scenario_list list = {0};
    gs_diags diags = {0};
    ck_assert_int_eq(gs_scenario_list_load(&list, p, &diags, NULL), 0);
    ck_assert_uint_ge(gs_scenario_check_objects(list.items[0], &diags), 1);
    bool found = false, redefined = false;
    for (size_t i = 0; i < diags.len; i++) {
        const gs_diag *g = &diags.items[i];
        if (g->severity == GS_DIAG_ERROR && g->pos.line == 12 && g->pos.col == 35 &&
            strstr(g->message, "Prefixx") && strcmp(g->pos.file, p) == 0)
            found = true;
        redefined |= strstr(g->message, "defined again") != NULL;
    }
    if (!found)
        print_diags(&diags);
    ck_assert(found);
    ck_assert(!redefined); /* replacing in a step's apply is not worth a warning */
    gs_diags_clear(&diags);
    gs_scenario_list_clear(&list);
    unlink(p);
    free(p);
}
END_TEST

/* The object set is checked as it stands after each step, as the runner applies it: a delete
 * of an object absent at its step is an error at the delete, and the rules across objects hold
 * of objects present together, not of a union of objects that never coexist. */
#define CHECK_HTTP_ROUTE(indent, name, host)                                                       \
    indent "apiVersion: gateway.networking.k8s.io/v1\n" indent "kind: HTTPRoute\n" indent          \
           "metadata: {name: " name ", namespace: default}\n" indent                               \
           "spec: {parentRefs: [{name: gw}], hostnames: [\"" host "\"], rules: [{backendRefs: "   \
           "[{name: s, port: 80}]}]}\n"
#define CHECK_GRPC_ROUTE(indent, name, host)                                                       \
    indent "apiVersion: gateway.networking.k8s.io/v1\n" indent "kind: GRPCRoute\n" indent          \
           "metadata: {name: " name ", namespace: default}\n" indent                               \
           "spec: {parentRefs: [{name: gw}], hostnames: [\"" host "\"], rules: [{backendRefs: "   \
           "[{name: s, port: 80}]}]}\n"

static size_t check_text(const char *text, gs_diags *diags, char **path)
{
    *path = gs_test_write_temp(".yaml", text);
    gs_scenario_list list = {0};
    ck_assert_int_eq(gs_scenario_list_load(&list, *path, diags, NULL), 0);
    ck_assert_uint_eq(diags->len, 0);
    size_t errors = gs_scenario_check_objects(list.items[0], diags);
    gs_scenario_list_clear(&list);
    return errors;
}

START_TEST(scenario_objects_checked_per_step_state)
{
    /* The GRPCRoute shares *.example.com with the HTTPRoute while both are there (step "mix"),
     * the warning is made once though two states hold both; the second scenario deletes the
     * HTTPRoute before the GRPCRoute comes: no warning, though the union holds both. Its last
     * step deletes the HTTPRoute again. */
    const char *mixed =
        "apiVersion: gatesim.dev/v1alpha1\nkind: Scenario\nmetadata: {name: mixed}\n"
        "spec:\n  manifests:\n  - inline:\n" CHECK_HTTP_ROUTE("      ", "web", "*.example.com")
        "  steps:\n  - name: mix\n    apply:\n    - inline:\n"
        CHECK_GRPC_ROUTE("        ", "rpc", "api.example.com")
        "  - name: again\n    apply:\n    - inline:\n"
        CHECK_HTTP_ROUTE("        ", "web2", "other.test") "    send: {path: /}\n";
    gs_diags diags = {0};
    char *p;
    ck_assert_uint_eq(check_text(mixed, &diags, &p), 0);
    if (diags.len != 1)
        print_diags(&diags);
    ck_assert_uint_eq(diags.len, 1);
    ck_assert_int_eq(diags.items[0].severity, GS_DIAG_WARNING);
    ck_assert_str_eq(diags.items[0].kind, "GRPCRoute");
    ck_assert(strstr(diags.items[0].message, "also served by HTTPRoute default/web") != NULL);
    ck_assert_uint_eq(diags.items[0].pos.line, 18);
    gs_diags_clear(&diags);
    unlink(p);
    free(p);

    const char *apart =
        "apiVersion: gatesim.dev/v1alpha1\nkind: Scenario\nmetadata: {name: apart}\n"
        "spec:\n  manifests:\n  - inline:\n" CHECK_HTTP_ROUTE("      ", "web", "*.example.com")
        "  steps:\n  - name: drop\n    delete: [{kind: HTTPRoute, name: default/web}]\n"
        "  - name: grpc\n    apply:\n    - inline:\n"
        CHECK_GRPC_ROUTE("        ", "rpc", "api.example.com")
        "  - name: drop again\n    delete: [{kind: HTTPRoute, name: default/web}]\n";
    diags = (gs_diags){0};
    ck_assert_uint_eq(check_text(apart, &diags, &p), 1);
    if (diags.len != 1)
        print_diags(&diags);
    ck_assert_uint_eq(diags.len, 1);
    char line[1024];
    gs_diag_format(&diags.items[0], line, sizeof line);
    char *want = gs_xasprintf("%s:22:14: HTTPRoute default/web: not among the objects when step "
                              "\"drop again\" deletes it (the run would stop there)",
                              p);
    ck_assert_str_eq(line, want);
    free(want);
    gs_diags_clear(&diags);
    unlink(p);
    free(p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("scenario_load");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, scenario_seed_suite_loads);
    tcase_add_test(tc, scenario_values_decoded);
    tcase_add_test(tc, scenario_invalid_corpus);
    tcase_add_test(tc, scenario_status_none_decoded);
    tcase_add_test(tc, scenario_names_up_to_253_characters);
    tcase_add_test(tc, scenario_header_value_forms_decoded);
    tcase_add_test(tc, scenario_status_shares_decoded);
    tcase_add_test(tc, scenario_listener_kinds_and_counts_decoded);
    tcase_add_test(tc, scenario_send_tls_fields_decoded);
    tcase_add_test(tc, scenario_websocket_http2_decoded);
    tcase_add_test(tc, scenario_malformed_yaml_and_missing_file);
    tcase_add_test(tc, scenario_validate_file_hook);
    tcase_add_test(tc, scenario_objects_checked_with_positions);
    tcase_add_test(tc, scenario_objects_replaced_by_steps_quietly);
    tcase_add_test(tc, scenario_objects_checked_per_step_state);
    tcase_add_test(tc, scenario_ingress_status_decoded);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
