/* SPDX-License-Identifier: MIT */
/* The ConformanceReport as upstream writes it, and the README.md of a submission.
 *
 * Upstream marshals its Go types (conformance/apis/v1) to JSON and converts that to YAML, so
 * every mapping's keys come out sorted, optional lists (skippedTests, failedTests,
 * supportedFeatures, unsupportedFeatures, succeededProvisionalTests) are left out when empty,
 * `extended` is left out when no extended test was counted, an empty contact list is `null`,
 * and the statistics keep their Go field names (Failed, Passed, Skipped). This file writes the
 * same document key by key in that order. */
#include "gs_conform.h"

#include "gs_alloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Words a YAML 1.1 reader (Go's included) would take for a bool or null when plain. */
static bool yaml_reserved(const char *s)
{
    static const char *const words[] = {"y", "n", "yes", "no", "on", "off", "true", "false",
                                        "null", "~", NULL};
    for (size_t i = 0; words[i]; i++)
        if (strcasecmp(s, words[i]) == 0)
            return true;
    return false;
}

/* Plain when every character is safe anywhere, the first one starts no YAML syntax, the text
 * does not read as a number or a reserved word, and it has no ": " or " #". */
static bool yaml_plain_ok(const char *s)
{
    if (*s == '\0' || yaml_reserved(s) || isspace((unsigned char)s[strlen(s) - 1]))
        return false;
    if (!isalpha((unsigned char)s[0]) && s[0] != '/')
        return false; /* digits (numbers, dates), quotes, -?:,[]{}#&*!|>%@` */
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c == 0x7f || strchr("\"'#[]{},`\\", c))
            return false;
        if (c == ':' && (p[1] == ' ' || p[1] == '\0'))
            return false;
    }
    return true;
}

void gs_conform_yaml_scalar(gs_buf *out, const char *s)
{
    if (yaml_plain_ok(s)) {
        gs_buf_puts(out, s);
        return;
    }
    gs_buf_putc(out, '"');
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\')
            gs_buf_printf(out, "\\%c", c);
        else if (c == '\n')
            gs_buf_puts(out, "\\n");
        else if (c < 0x20 || c == 0x7f)
            gs_buf_printf(out, "\\x%02x", c);
        else
            gs_buf_putc(out, (char)c);
    }
    gs_buf_putc(out, '"');
}

static void yaml_key_scalar(gs_buf *out, const char *indent, const char *key, const char *v)
{
    gs_buf_printf(out, "%s%s: ", indent, key);
    gs_conform_yaml_scalar(out, v ? v : "");
    gs_buf_putc(out, '\n');
}

/* A list under |key| (left out when empty, as upstream's omitempty does). */
static void yaml_list(gs_buf *out, const char *indent, const char *key, const char *const *items,
                      size_t n)
{
    if (n == 0)
        return;
    gs_buf_printf(out, "%s%s:\n", indent, key);
    for (size_t i = 0; i < n; i++) {
        gs_buf_printf(out, "%s- ", indent);
        gs_conform_yaml_scalar(out, items[i]);
        gs_buf_putc(out, '\n');
    }
}

/* Status fields, sorted: failedTests, result, skippedTests, statistics. ExtendedStatus inlines
 * Status and adds supportedFeatures and unsupportedFeatures, which sort after them. */
static void yaml_status(gs_buf *out, const char *indent, const gs_conform_status *st)
{
    char deeper[16];
    snprintf(deeper, sizeof(deeper), "%s  ", indent);
    yaml_list(out, indent, "failedTests", st->failed_tests, st->n_failed_tests);
    yaml_key_scalar(out, indent, "result", st->result);
    yaml_list(out, indent, "skippedTests", st->skipped_tests, st->n_skipped_tests);
    gs_buf_printf(out, "%sstatistics:\n%sFailed: %u\n%sPassed: %u\n%sSkipped: %u\n", indent,
                  deeper, st->failed, deeper, st->passed, deeper, st->skipped);
}

static void yaml_profile(gs_buf *out, const gs_conform_profile_report *r)
{
    gs_buf_puts(out, "- core:\n");
    yaml_status(out, "    ", &r->core);
    if (r->has_extended) {
        gs_buf_puts(out, "  extended:\n");
        yaml_status(out, "    ", &r->extended);
        yaml_list(out, "    ", "supportedFeatures", r->supported_features,
                  r->n_supported_features);
        yaml_list(out, "    ", "unsupportedFeatures", r->unsupported_features,
                  r->n_unsupported_features);
    }
    yaml_key_scalar(out, "  ", "name", gs_conf_profile_name(r->profile));
    yaml_key_scalar(out, "  ", "summary", r->summary);
}

/* Provisional tests that succeeded, by ShortName (the plan is sorted). */
static const char **conform_provisional_passed(const gs_conform_plan *plan, size_t *n)
{
    const char **names = gs_xcalloc(plan->n_tests + 1, sizeof(*names));
    *n = 0;
    for (size_t i = 0; i < plan->n_tests; i++)
        if (plan->tests[i].outcome == GS_CONFORM_SUCCEEDED &&
            plan->tests[i].sc->conformance.provisional)
            names[(*n)++] = plan->tests[i].sc->conformance.short_name;
    return names;
}

void gs_conform_report_yaml(const gs_conform_plan *plan, const gs_conform_meta *m, gs_buf *out)
{
    yaml_key_scalar(out, "", "apiVersion", "gateway.networking.k8s.io/v1");
    yaml_key_scalar(out, "", "date", m->date);
    yaml_key_scalar(out, "", "gatewayAPIChannel", m->api_channel);
    yaml_key_scalar(out, "", "gatewayAPIVersion", m->api_version);
    gs_buf_puts(out, "implementation:\n");
    if (m->n_contact == 0) {
        gs_buf_puts(out, "  contact: null\n");
    } else {
        gs_buf_puts(out, "  contact:\n");
        for (size_t i = 0; i < m->n_contact; i++) {
            gs_buf_puts(out, "  - ");
            gs_conform_yaml_scalar(out, m->contact[i]);
            gs_buf_putc(out, '\n');
        }
    }
    yaml_key_scalar(out, "  ", "organization", m->organization);
    yaml_key_scalar(out, "  ", "project", m->project);
    yaml_key_scalar(out, "  ", "url", m->url);
    yaml_key_scalar(out, "  ", "version", m->version);
    yaml_key_scalar(out, "", "kind", "ConformanceReport");
    yaml_key_scalar(out, "", "mode", m->mode);
    bool any = false;
    for (size_t i = 0; i < GS_CONF_PROFILE_COUNT; i++) {
        gs_conform_profile_report r;
        gs_conform_profile_compute(plan, gs_conf_profile_at(i), &r);
        if (r.present && (plan->profiles & r.profile)) {
            if (!any)
                gs_buf_puts(out, "profiles:\n");
            any = true;
            yaml_profile(out, &r);
        }
        gs_conform_profile_free(&r);
    }
    if (!any)
        gs_buf_puts(out, "profiles: null\n");
    size_t n;
    const char **passed = conform_provisional_passed(plan, &n);
    yaml_list(out, "", "succeededProvisionalTests", passed, n);
    free(passed);
}

void gs_conform_readme(const gs_conform_meta *m, const char *report_name, gs_buf *out)
{
    gs_buf_printf(out, "# %s\n\n", m->project && *m->project ? m->project : "Conformance report");
    gs_buf_puts(out, "## Table of contents\n\n"
                     "| API channel | Implementation version | Mode | Report |\n"
                     "|-------------|------------------------|------|--------|\n");
    gs_buf_printf(out, "| %s | %s | %s | [%s](./%s) |\n\n", m->api_channel,
                  m->version && *m->version ? m->version : "-", m->mode, m->api_version,
                  report_name);
    gs_buf_puts(out, "## Reproduce\n\n"
                     "The report was produced by gatesim, which runs the Gateway API conformance "
                     "tests as scenarios against the implementation without a cluster. With "
                     "gatesim built and the implementation's exec adapter at hand:\n\n```sh\n");
    gs_buf_printf(out, "%s\n```\n", m->command ? m->command : "gatesim conform");
}
