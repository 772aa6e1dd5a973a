/* SPDX-License-Identifier: MIT */
/* gs_yaml: node tree, positions, scalar resolution, multi-document, errors with positions;
 * gs_diag formatting; gs_decode helpers (unknown fields with did-you-mean, typed getters). */
#include "gs_decode.h"
#include "gs_diag.h"
#include "gs_test.h"
#include "gs_yaml.h"

#include <stdlib.h>
#include <string.h>

static gs_yaml_stream *parse(const char *text)
{
    gs_yaml_stream *s = NULL;
    gs_error err = {0};
    int rc = gs_yaml_parse_buffer(&s, "t.yaml", text, strlen(text), &err);
    ck_assert_msg(rc == 0, "parse failed: %s", err.msg);
    return s;
}

START_TEST(yaml_positions_and_styles)
{
    gs_yaml_stream *s = parse("a: 1\n"
                              "b:\n"
                              "  - \"true\"\n"
                              "  - true\n"
                              "  - '0x10'\n"
                              "  - 0x10\n"
                              "  - 1.5\n"
                              "  - ~\n"
                              "  - yes\n"
                              "  - !!str 12\n"
                              "c: {x: y}\n");
    ck_assert_uint_eq(s->ndocs, 1);
    gs_yaml_node *root = s->docs[0];
    ck_assert_int_eq(root->kind, GS_YAML_MAPPING);
    gs_yaml_node *b = gs_yaml_get(root, "b");
    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(b->kind, GS_YAML_SEQUENCE);
    ck_assert_uint_eq(b->nitems, 8);
    ck_assert_uint_eq(b->items[0]->pos.line, 3);
    ck_assert_uint_eq(b->items[0]->pos.col, 5);
    ck_assert_int_eq(gs_yaml_type_of(b->items[0]), GS_YAML_T_STR);
    ck_assert_int_eq(gs_yaml_type_of(b->items[1]), GS_YAML_T_BOOL);
    ck_assert_int_eq(gs_yaml_type_of(b->items[2]), GS_YAML_T_STR);
    ck_assert_int_eq(gs_yaml_type_of(b->items[3]), GS_YAML_T_INT);
    int64_t v = 0;
    ck_assert(gs_yaml_int(b->items[3], &v));
    ck_assert_int_eq(v, 16);
    ck_assert_int_eq(gs_yaml_type_of(b->items[4]), GS_YAML_T_FLOAT);
    ck_assert_int_eq(gs_yaml_type_of(b->items[5]), GS_YAML_T_NULL);
    ck_assert_int_eq(gs_yaml_type_of(b->items[6]), GS_YAML_T_BOOL);
    ck_assert_int_eq(gs_yaml_type_of(b->items[7]), GS_YAML_T_STR);
    gs_yaml_pair *c = gs_yaml_get_pair(root, "c");
    ck_assert_uint_eq(c->key->pos.line, 11);
    ck_assert_uint_eq(c->key->pos.col, 1);
    ck_assert_uint_eq(c->value->pos.col, 4);
    ck_assert_str_eq(gs_yaml_str(gs_yaml_get(c->value, "x")), "y");
    gs_yaml_stream_free(s);
}
END_TEST

START_TEST(yaml_multi_document)
{
    gs_yaml_stream *s = parse("a: 1\n---\n---\nb: 2\n...\n");
    ck_assert_uint_eq(s->ndocs, 3);
    ck_assert_ptr_nonnull(s->docs[0]);
    ck_assert_ptr_null(s->docs[1]);
    ck_assert_ptr_nonnull(gs_yaml_get(s->docs[2], "b"));
    ck_assert_uint_eq(s->docs[2]->pos.line, 4);
    gs_yaml_stream_free(s);
}
END_TEST

START_TEST(yaml_malformed_has_position)
{
    gs_yaml_stream *s = NULL;
    gs_error err = {0};
    const char *text = "a: 1\nb: [1, 2\nc: 3\n";
    int rc = gs_yaml_parse_buffer(&s, "bad.yaml", text, strlen(text), &err);
    ck_assert_int_eq(rc, GS_ERR_PARSE);
    ck_assert_ptr_null(s);
    ck_assert_uint_ge(err.pos.line, 2);
    ck_assert_msg(strncmp(err.msg, "bad.yaml:", 9) == 0, "%s", err.msg);
    ck_assert_ptr_nonnull(strstr(err.msg, "malformed YAML"));

    const char *dup = "a: 1\nb: 2\na: 3\n";
    rc = gs_yaml_parse_buffer(&s, "dup.yaml", dup, strlen(dup), &err);
    ck_assert_int_eq(rc, GS_ERR_PARSE);
    ck_assert_str_eq(err.msg, "dup.yaml:3:1: duplicate key \"a\" in mapping");
}
END_TEST

/* Bytes libyaml's reader refuses (bad UTF-8, control characters) are named where they are, not
 * at 1:1: the column counts characters, as for every other position. */
START_TEST(yaml_bad_bytes_have_position)
{
    gs_yaml_stream *s = NULL;
    gs_error err = {0};
    const char *utf8 = "a: 1\nb: \"\xc3\xa9\xc3\xa9\xff\"\n";
    ck_assert_int_eq(gs_yaml_parse_buffer(&s, "u.yaml", utf8, strlen(utf8), &err), GS_ERR_PARSE);
    ck_assert_str_eq(err.msg, "u.yaml:2:7: malformed YAML: invalid leading UTF-8 octet");
    const char *ctl = "a: 1\nb: 2\nc: \"x\x01y\"\n";
    ck_assert_int_eq(gs_yaml_parse_buffer(&s, "c.yaml", ctl, strlen(ctl), &err), GS_ERR_PARSE);
    ck_assert_str_eq(err.msg, "c.yaml:3:6: malformed YAML: control characters are not allowed");
    ck_assert_ptr_null(s);
}
END_TEST

START_TEST(yaml_alias_and_clone)
{
    gs_yaml_stream *s = parse("a: &x {k: v}\nb: *x\n");
    gs_yaml_node *a = gs_yaml_get(s->docs[0], "a"), *b = gs_yaml_get(s->docs[0], "b");
    ck_assert_ptr_eq(a, b);
    gs_pos p = {s->file, 9, 9};
    gs_yaml_node *c = gs_yaml_clone_at(s, a, p);
    ck_assert(c->defaulted);
    ck_assert_uint_eq(c->pos.line, 9);
    ck_assert_str_eq(gs_yaml_str(gs_yaml_get(c, "k")), "v");
    gs_yaml_stream_free(s);
}
END_TEST

START_TEST(yaml_alias_limits)
{
    gs_yaml_stream *s = NULL;
    gs_error err = {0};
    const char *self_ref = "a: &x {b: *x}\n";
    ck_assert_int_eq(gs_yaml_parse_buffer(&s, "r.yaml", self_ref, strlen(self_ref), &err),
                     GS_ERR_PARSE);
    ck_assert_str_eq(err.msg, "r.yaml:1:11: alias \"*x\" refers to a node that contains it");
    gs_buf b = {0};
    gs_buf_puts(&b, "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
    for (int i = 1; i < 8; i++)
        gs_buf_printf(&b, "l%d: &l%d [*l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d]\n",
                      i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
    ck_assert_int_eq(gs_yaml_parse_buffer(&s, "bomb.yaml", b.data, b.len, &err), GS_ERR_PARSE);
    ck_assert_ptr_nonnull(strstr(err.msg, "aliases expand to more than"));
    gs_buf_clear(&b);
}
END_TEST

START_TEST(diag_format)
{
    gs_diags d = {0};
    gs_pos p = {"r.yaml", 12, 7};
    gs_diags_add(&d, GS_DIAG_ERROR, p, "HTTPRoute", "default", "web", "spec.rules[0]", "bad %d",
                 3);
    gs_diags_add(&d, GS_DIAG_WARNING, p, "GatewayClass", NULL, "gc", NULL, "hm");
    char line[512];
    gs_diag_format(&d.items[0], line, sizeof line);
    ck_assert_str_eq(line, "r.yaml:12:7: HTTPRoute default/web: spec.rules[0]: bad 3");
    gs_diag_format(&d.items[1], line, sizeof line);
    ck_assert_str_eq(line, "r.yaml:12:7: warning: GatewayClass gc: hm");
    ck_assert_uint_eq(d.nerrors, 1);
    ck_assert_uint_eq(d.nwarnings, 1);
    gs_buf b = {0};
    gs_json j;
    gs_json_init(&j, &b, false);
    gs_diags_json(&d, &j);
    ck_assert_ptr_nonnull(strstr(b.data, "\"line\":12,\"column\":7"));
    ck_assert_ptr_nonnull(strstr(b.data, "\"field\":\"spec.rules[0]\""));
    gs_buf_clear(&b);
    gs_diags_clear(&d);
}
END_TEST

START_TEST(decode_fields_and_types)
{
    gs_yaml_stream *s = parse("spec:\n"
                              "  hostnmes: [a]\n"
                              "  port: \"80\"\n"
                              "  mode: Terminat\n"
                              "  timeout: 1m30s\n"
                              "  ok: true\n");
    gs_diags diags = {0};
    gs_decoder d;
    gs_decoder_init(&d, &diags);
    gs_decoder_set_object(&d, "Scenario", NULL, "x");
    gs_yaml_node *spec = gs_dec_map(&d, s->docs[0], "spec", true);
    ck_assert_ptr_nonnull(spec);
    gs_dec_push(&d, "spec");
    static const char *const fields[] = {"hostnames", "port", "mode", "timeout", "ok", "name",
                                         NULL};
    ck_assert(!gs_dec_check_fields(&d, spec, fields));
    int64_t port = 0;
    ck_assert(!gs_dec_int(&d, spec, "port", true, 1, 65535, &port));
    static const char *const modes[] = {"Terminate", "Passthrough", NULL};
    int mode = -1;
    ck_assert(!gs_dec_enum(&d, spec, "mode", false, modes, &mode));
    int64_t ns = 0;
    ck_assert(gs_dec_duration(&d, spec, "timeout", false, &ns));
    ck_assert_int_eq(ns, 90LL * 1000000000LL);
    bool ok = false;
    ck_assert(gs_dec_bool(&d, spec, "ok", false, &ok));
    ck_assert(ok);
    const char *name = NULL;
    ck_assert(!gs_dec_string(&d, spec, "name", true, &name));
    gs_dec_pop(&d);
    ck_assert_uint_eq(diags.len, 4);
    char line[512];
    gs_diag_format(&diags.items[0], line, sizeof line);
    ck_assert_str_eq(line, "t.yaml:2:3: Scenario x: spec.hostnmes: unknown field \"hostnmes\"; "
                           "did you mean \"hostnames\"?");
    gs_diag_format(&diags.items[1], line, sizeof line);
    ck_assert_str_eq(line, "t.yaml:3:9: Scenario x: spec.port: must be of type integer, got "
                           "string \"80\"");
    gs_diag_format(&diags.items[2], line, sizeof line);
    ck_assert_str_eq(line, "t.yaml:4:9: Scenario x: spec.mode: Unsupported value: \"Terminat\": "
                           "supported values: \"Terminate\", \"Passthrough\"; did you mean "
                           "\"Terminate\"?");
    gs_diag_format(&diags.items[3], line, sizeof line);
    ck_assert_str_eq(line, "t.yaml:2:3: Scenario x: spec.name: Required value");
    ck_assert_uint_eq(d.nerrors, 4);
    gs_decoder_release(&d);
    gs_diags_clear(&diags);
    gs_yaml_stream_free(s);
}
END_TEST

START_TEST(decode_did_you_mean)
{
    static const char *const c[] = {"backendRefs", "filters", "matches", "timeouts", NULL};
    ck_assert_str_eq(gs_suggest("backendRef", c), "backendRefs");
    ck_assert_str_eq(gs_suggest("Matches", c), "matches");
    ck_assert_ptr_null(gs_suggest("zzzzzz", c));
    int64_t ns;
    ck_assert(gs_parse_go_duration("1.5s", &ns));
    ck_assert_int_eq(ns, 1500000000LL);
    ck_assert(!gs_parse_go_duration("5", &ns));
    ck_assert(!gs_parse_go_duration("", &ns));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("yaml");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, yaml_positions_and_styles);
    tcase_add_test(tc, yaml_multi_document);
    tcase_add_test(tc, yaml_malformed_has_position);
    tcase_add_test(tc, yaml_bad_bytes_have_position);
    tcase_add_test(tc, yaml_alias_and_clone);
    tcase_add_test(tc, yaml_alias_limits);
    tcase_add_test(tc, diag_format);
    tcase_add_test(tc, decode_fields_and_types);
    tcase_add_test(tc, decode_did_you_mean);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
