/* SPDX-License-Identifier: MIT */
/* Table-driven validation corpus: every invalid manifest must produce exactly the listed
 * problems at the listed line:column (validate_cases.inc), and valid manifests none. */
#include "gs_model.h"
#include "gs_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_EXPECT 4

typedef struct validate_case {
    const char *name;
    const char *yaml; /* NULL: built by case_text() */
    const char *expect[MAX_EXPECT];
    size_t nerrors;
    size_t nwarnings;
} validate_case;

static const validate_case cases[] = {
#include "validate_cases.inc"
};

/* The one case too long to write out: 3 rules x 43 matches = 129 > 128. */
static char *case_text(const validate_case *c)
{
    if (c->yaml)
        return strdup(c->yaml);
    ck_assert_str_eq(c->name, "cel_rules_total_matches");
    gs_buf b = {0};
    gs_buf_puts(&b, "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
                    "metadata: {name: r, namespace: ns}\nspec:\n  parentRefs: [{name: gw}]\n"
                    "  rules:\n");
    for (int r = 0; r < 3; r++) {
        gs_buf_puts(&b, "  - backendRefs: [{name: s, port: 80}]\n    matches:\n");
        for (int m = 0; m < 43; m++)
            gs_buf_printf(&b, "    - path: {value: /r%dm%d}\n", r, m);
    }
    return gs_buf_take(&b);
}

START_TEST(validate_corpus_case)
{
    const validate_case *c = &cases[_i];
    char *text = case_text(c);
    gs_model *m;
    gs_model_new(&m);
    gs_model_load_buffer(m, "t.yaml", text, strlen(text), NULL, NULL);
    free(text);
    gs_buf all = {0};
    for (size_t i = 0; i < m->diags.len; i++) {
        char line[4096];
        gs_diag_format(&m->diags.items[i], line, sizeof line);
        gs_buf_printf(&all, "  %s\n", line);
    }
    for (int e = 0; e < MAX_EXPECT && c->expect[e]; e++) {
        char want[4096];
        snprintf(want, sizeof want, "t.yaml:%s", c->expect[e]);
        bool found = false;
        for (size_t i = 0; i < m->diags.len && !found; i++) {
            char line[4096];
            gs_diag_format(&m->diags.items[i], line, sizeof line);
            found = strcmp(line, want) == 0;
        }
        ck_assert_msg(found, "%s: missing\n  %s\ngot:\n%s", c->name, want, all.data ? all.data : "");
    }
    ck_assert_msg(m->diags.nerrors == c->nerrors, "%s: %zu errors, want %zu:\n%s", c->name,
                  m->diags.nerrors, c->nerrors, all.data ? all.data : "");
    ck_assert_msg(m->diags.nwarnings == c->nwarnings, "%s: %zu warnings, want %zu:\n%s", c->name,
                  m->diags.nwarnings, c->nwarnings, all.data ? all.data : "");
    /* an object with errors never reaches the object set */
    if (c->nerrors)
        ck_assert_uint_eq(m->n_objects, 0);
    gs_buf_clear(&all);
    gs_model_free(m);
}
END_TEST

START_TEST(validate_corpus_size)
{
    /* one case per schema rule, CEL family and semantic rule: keep the corpus from shrinking */
    size_t n = sizeof cases / sizeof cases[0], errors = 0;
    for (size_t i = 0; i < n; i++)
        if (cases[i].nerrors)
            errors++;
    ck_assert_uint_ge(errors, 60);
}
END_TEST

/* Every warning case of the corpus, loaded with --strict: the warnings become errors (marked
 * as such), the object is refused like an invalid one, and a route the API server admits
 * without a word stays valid. */
START_TEST(validate_strict_warnings_are_errors)
{
    size_t tried = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const validate_case *c = &cases[i];
        if (c->nerrors || !c->nwarnings)
            continue;
        char *text = case_text(c);
        gs_model *m;
        gs_model_new(&m);
        gs_load_options strict = {.strict = true};
        gs_model_load_buffer(m, "t.yaml", text, strlen(text), &strict, NULL);
        free(text);
        ck_assert_msg(m->diags.nerrors == c->nwarnings && m->diags.nwarnings == 0,
                      "%s: %zu errors and %zu warnings under --strict", c->name,
                      m->diags.nerrors, m->diags.nwarnings);
        ck_assert_uint_eq(m->n_objects, 0);
        ck_assert_uint_eq(m->n_invalid, 1);
        const char *msg = m->diags.items[0].message;
        const char *mark = "(a warning; an error under --strict)";
        ck_assert_msg(strlen(msg) > strlen(mark) &&
                          strcmp(msg + strlen(msg) - strlen(mark), mark) == 0,
                      "%s: %s", c->name, msg);
        gs_model_free(m);
        tried++;
    }
    ck_assert_uint_ge(tried, 10);
    const char *ok = "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
                     "metadata: {name: r}\nspec:\n  rules: [{backendRefs: [{name: s, port: 80}]}]\n";
    gs_model *m;
    gs_model_new(&m);
    gs_load_options strict = {.strict = true};
    gs_model_load_buffer(m, "ok.yaml", ok, strlen(ok), &strict, NULL);
    ck_assert_uint_eq(m->diags.len, 0);
    ck_assert_uint_eq(m->n_objects, 1);
    gs_model_free(m);
}
END_TEST

START_TEST(validate_json_output_positions)
{
    const char *text = "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
                       "metadata: {name: r}\nspec:\n  hostnames: [\"A.com\"]\n";
    gs_model *m;
    gs_model_new(&m);
    gs_model_load_buffer(m, "j.yaml", text, strlen(text), NULL, NULL);
    gs_buf b = {0};
    gs_json j;
    gs_json_init(&j, &b, false);
    gs_diags_json(&m->diags, &j);
    ck_assert_ptr_nonnull(strstr(b.data, "\"file\":\"j.yaml\",\"line\":5,\"column\":15"));
    ck_assert_ptr_nonnull(strstr(b.data, "\"field\":\"spec.hostnames[0]\""));
    ck_assert_ptr_nonnull(strstr(b.data, "\"namespace\":\"default\",\"name\":\"r\""));
    gs_buf_clear(&b);
    gs_model_free(m);
}
END_TEST

START_TEST(validate_standard_channel)
{
    /* valid in the experimental channel (the default), invalid in standard: parentRefs told
     * apart by port only, and an experimental field */
    const char *text = "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
                       "metadata: {name: r}\nspec:\n  parentRefs:\n  - {name: gw, port: 80}\n"
                       "  - {name: gw, port: 443}\n  rules:\n  - sessionPersistence: {sessionName: s}\n"
                       "    backendRefs: [{name: s, port: 80}]\n";
    gs_model *m;
    gs_model_new(&m);
    gs_model_load_buffer(m, "c.yaml", text, strlen(text), NULL, NULL);
    ck_assert_uint_eq(m->diags.len, 0);
    ck_assert_uint_eq(m->n_http_routes, 1);
    gs_model_free(m);
    gs_model_new(&m);
    gs_load_options std = {.channel = "standard"};
    gs_model_load_buffer(m, "c.yaml", text, strlen(text), &std, NULL);
    ck_assert_uint_eq(m->diags.nerrors, 2);
    gs_diags_sort(&m->diags);
    char line[1024];
    gs_diag_format(&m->diags.items[1], line, sizeof line);
    ck_assert_str_eq(line, "c.yaml:9:5: HTTPRoute default/r: spec.rules[0].sessionPersistence: "
                           "unknown field \"sessionPersistence\"");
    gs_diag_format(&m->diags.items[0], line, sizeof line);
    ck_assert_str_eq(line, "c.yaml:7:5: HTTPRoute default/r: spec.parentRefs[1]: sectionName must "
                           "be unique when parentRefs includes 2 or more references to the same "
                           "parent");
    gs_model_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("validate");
    TCase *tc = tcase_create("corpus");
    tcase_add_loop_test(tc, validate_corpus_case, 0, (int)(sizeof cases / sizeof cases[0]));
    tcase_add_test(tc, validate_corpus_size);
    tcase_add_test(tc, validate_json_output_positions);
    tcase_add_test(tc, validate_strict_warnings_are_errors);
    tcase_add_test(tc, validate_standard_channel);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
