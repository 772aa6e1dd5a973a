/* SPDX-License-Identifier: MIT */
/* A scenario's `diff` step (docs/scenario.md, "diff"): its before and after objects rendered as
 * the object set renders manifests, run through gs_diff (its own echo backends and two targets,
 * apart from the scenario's target), and the differences found checked against the step's
 * expectation. The report of the diff becomes the checks' evidence. */
#include "gs_diff_step.h"

#include "gs_diff.h"
#include "gs_objset.h"

#include "gs_alloc.h"
#include "gs_buf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The objects of |src| as one YAML stream ("---" between documents), and with |m| loaded into
 * it from their parsed nodes, so its diagnostics and notes keep the file:line:col of the object
 * in the scenario (or its manifest file), not of the rendered copy. */
static int diff_step_render(const gs_scenario_source *src, size_t n, gs_buf *out, gs_model *m,
                            gs_error *err)
{
    gs_objset set = {0};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = gs_objset_add_source(&set, &src[i], err);
    for (size_t i = 0; rc == 0 && i < set.len; i++) {
        gs_buf_puts(out, "---\n");
        gs_objset_emit_yaml(out, set.items[i].node);
        gs_buf_putc(out, '\n');
        if (m)
            gs_model_load_node(m, set.items[i].node, NULL);
    }
    gs_objset_clear(&set);
    return rc;
}

/* The causes of |res| as "capture-group-rewrite (5), https (4)", or "none". */
static void diff_step_found(const gs_diff_result *res, gs_buf *b)
{
    for (int c = 0; c < GS_DIFF_CAUSE_COUNT; c++)
        if (res->by_cause[c])
            gs_buf_printf(b, "%s%s (%zu probe%s)", b->len ? ", " : "",
                          gs_diff_cause_id((gs_diff_cause)c), res->by_cause[c],
                          res->by_cause[c] == 1 ? "" : "s");
    if (b->len == 0)
        gs_buf_puts(b, "none");
    if (res->n_known)
        gs_buf_printf(b, "; %zu known difference%s of the implementations (not counted)",
                      res->n_known, res->n_known == 1 ? "" : "s");
    size_t fake = res->expected_by_cause[GS_DIFF_FAKE_CERT];
    size_t hsts = res->expected_by_cause[GS_DIFF_HSTS];
    if (fake)
        gs_buf_printf(b, "; %zu expected difference%s under ingress-nginx's fake certificate "
                         "(not counted)",
                      fake, fake == 1 ? "" : "s");
    if (hsts)
        gs_buf_printf(b, "; %zu expected difference%s by Strict-Transport-Security alone "
                         "(not counted)",
                      hsts, hsts == 1 ? "" : "s");
}

static gs_results_check *diff_step_check(gs_results_step *rst, bool ok, const char *report,
                                         const gs_buf *found)
{
    gs_results_check *c = gs_results_add_check(rst, "diff");
    c->result = ok ? GS_RESULT_PASSED : GS_RESULT_FAILED;
    gs_results_set(&c->observed, "%s", found->data);
    if (!ok)
        gs_results_set(&c->evidence_response, "%s", report);
    return c;
}

int gs_diff_step_run(const gs_scenario_diff *d, const char *run_target, double alpha,
                     gs_results_step *rst, gs_error *err)
{
    gs_buf before = {0}, after = {0};
    gs_model *m;
    gs_model_new(&m);
    int rc = diff_step_render(d->before, d->n_before, &before, m, err);
    if (rc == 0)
        rc = diff_step_render(d->after, d->n_after, &after, NULL, err);
    if (rc == 0) {
        if (m->diags.nerrors) {
            char line[2048];
            for (size_t i = 0; i < m->diags.len; i++)
                if (m->diags.items[i].severity == GS_DIAG_ERROR) {
                    gs_diag_format(&m->diags.items[i], line, sizeof line);
                    break;
                }
            rc = gs_error_set(err, GS_ERR_INVALID, "diff.before: %s", line);
        }
    }
    /* the after side is the implementation under test, unless that is ingress-nginx, which
     * serves no Gateway API */
    const char *target = d->after_target;
    if (target == NULL)
        target =
            run_target && strncmp(run_target, "ingress-nginx", 13) != 0 ? run_target : "builtin";
    char *report = NULL;
    size_t report_len = 0;
    gs_diff_result res = {0};
    int failed = 0;
    if (rc == 0) {
        FILE *out = open_memstream(&report, &report_len);
        if (out == NULL) {
            rc = gs_error_set_errno(err, errno, "open_memstream");
        } else {
            gs_diff_config cfg = {.before_target = d->before_target,
                                  .target = target,
                                  .requests = d->requests,
                                  .alpha = alpha,
                                  .no_normalization = d->no_normalization,
                                  .strict = d->strict,
                                  .quiet = true,
                                  .out = out};
            rc = gs_diff_run(&cfg, m, before.data ? before.data : "",
                             d->n_after ? (after.data ? after.data : "") : NULL, &res, err);
            fclose(out);
        }
    }
    if (rc == 0) {
        gs_buf found = {0};
        diff_step_found(&res, &found);
        if (d->expect_none) {
            gs_results_check *c = diff_step_check(rst, res.n_differ == 0, report, &found);
            gs_results_set(&c->expected, "no difference in %zu probes", res.n_probes);
            gs_results_set(&c->message, "%zu probe%s answered differently", res.n_differ,
                           res.n_differ == 1 ? "" : "s");
            failed += res.n_differ != 0;
        }
        bool listed[GS_DIFF_CAUSE_COUNT] = {false};
        for (size_t i = 0; i < d->n_causes; i++) {
            const gs_scenario_diff_cause *dc = &d->causes[i];
            size_t got = res.by_cause[dc->cause];
            bool ok = dc->probes ? got == dc->probes : got > 0;
            listed[dc->cause] = true;
            gs_results_check *c = diff_step_check(rst, ok, report, &found);
            if (dc->probes)
                gs_results_set(&c->expected, "cause %s: %u probe%s",
                               gs_diff_cause_id((gs_diff_cause)dc->cause), dc->probes,
                               dc->probes == 1 ? "" : "s");
            else
                gs_results_set(&c->expected, "cause %s: any number of probes",
                               gs_diff_cause_id((gs_diff_cause)dc->cause));
            gs_results_set(&c->message, "%zu probe%s under %s", got, got == 1 ? "" : "s",
                           gs_diff_cause_id((gs_diff_cause)dc->cause));
            failed += !ok;
        }
        if (d->n_causes) {
            size_t others = 0;
            for (int c = 0; c < GS_DIFF_CAUSE_COUNT; c++)
                others += listed[c] ? 0 : res.by_cause[c];
            gs_results_check *c = diff_step_check(rst, others == 0, report, &found);
            gs_results_set(&c->expected, "no cause but those listed");
            gs_results_set(&c->message, "%zu probe%s under other causes", others,
                           others == 1 ? "" : "s");
            failed += others != 0;
        }
        gs_buf_clear(&found);
    }
    free(report);
    gs_model_free(m);
    gs_buf_clear(&before);
    gs_buf_clear(&after);
    return rc < 0 ? rc : failed;
}
