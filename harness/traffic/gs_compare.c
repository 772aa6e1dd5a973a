/* SPDX-License-Identifier: MIT */
/* Benchmark comparison: medians over rounds, a percentile bootstrap of the ratio of medians
 * (resampling each side's rounds with replacement), verdicts, and the Markdown or JSON report. */
#include "gs_compare.h"

#include "gs_alloc.h"
#include "gs_json.h"
#include "gs_json_parse.h"
#include "gs_rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMPARE_RESAMPLES 4000
#define COMPARE_SEED 0x5eed
#define COMPARE_MAX_ROUNDS 1000

const gs_compare_metric gs_compare_metrics[] = {
    {"rps", "req/s", true, 0.05, false},
    {"p50", "ms", false, 0.10, false},
    {"p99", "ms", false, 0.10, false},
    {"errors", "share", false, 0.001, false},
    /* route cases: apply -> the new route answers, median of the round's probes; a handful of
     * probes a round moves more than the traffic figures do */
    {"propagationMs", "ms", false, 0.25, true},
};
const size_t gs_compare_metric_count = sizeof(gs_compare_metrics) / sizeof(gs_compare_metrics[0]);

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof(*v), compare_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Median of |n| draws with replacement from |v|, using |scratch|. */
static double resampled_median(gs_rng *rng, const double *v, size_t n, double *scratch)
{
    for (size_t k = 0; k < n; k++)
        scratch[k] = v[gs_rng_next(rng) % n];
    return median(scratch, n);
}

void gs_compare_samples(const double *base, size_t nb, const double *next, size_t nn,
                        bool higher_is_better, double limit, gs_compare_stat *out)
{
    memset(out, 0, sizeof(*out));
    out->lo = out->hi = NAN;
    if (nb == 0 || nn == 0 || nb > COMPARE_MAX_ROUNDS || nn > COMPARE_MAX_ROUNDS) {
        out->change = NAN;
        return;
    }
    double *scratch = gs_xmalloc((nb + nn) * sizeof(double));
    memcpy(scratch, base, nb * sizeof(double));
    out->base_median = median(scratch, nb);
    memcpy(scratch, next, nn * sizeof(double));
    out->new_median = median(scratch, nn);
    double bad_sign = higher_is_better ? -1 : 1;
    if (out->base_median == 0) {
        /* nothing to be relative to (errors: none before): the limit applies to the value */
        out->change = NAN;
        if (out->new_median * bad_sign > limit) {
            out->verdict = GS_COMPARE_WORSE;
            out->regression = true;
        }
        free(scratch);
        return;
    }
    out->change = out->new_median / out->base_median - 1;
    if (nb < 2 || nn < 2) {
        free(scratch);
        return;
    }
    gs_rng rng;
    gs_rng_seed(&rng, COMPARE_SEED);
    double *ratios = gs_xmalloc(COMPARE_RESAMPLES * sizeof(double));
    size_t n = 0;
    for (size_t k = 0; k < COMPARE_RESAMPLES; k++) {
        double b = resampled_median(&rng, base, nb, scratch);
        double x = resampled_median(&rng, next, nn, scratch);
        if (b != 0)
            ratios[n++] = x / b - 1;
    }
    if (n > 0) {
        qsort(ratios, n, sizeof(*ratios), compare_double);
        out->lo = ratios[(size_t)floor(0.025 * (double)(n - 1))];
        out->hi = ratios[(size_t)ceil(0.975 * (double)(n - 1))];
        bool up = out->lo > 0, down = out->hi < 0;
        if (up || down) {
            bool bad = higher_is_better ? down : up;
            out->verdict = bad ? GS_COMPARE_WORSE : GS_COMPARE_BETTER;
            out->regression = bad && out->change * bad_sign > limit;
        }
    }
    free(ratios);
    free(scratch);
}

int gs_compare_parse_limits(const char *s, double *limits, gs_error *err)
{
    char *copy = gs_xstrdup(s);
    int rc = 0;
    char *save = NULL;
    for (char *item = strtok_r(copy, ",", &save); item != NULL && rc == 0;
         item = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(item, '=');
        size_t m = gs_compare_metric_count;
        if (eq != NULL) {
            *eq = '\0';
            for (m = 0; m < gs_compare_metric_count; m++) {
                if (strcmp(item, gs_compare_metrics[m].name) == 0)
                    break;
            }
        }
        char *end = NULL;
        double v = eq ? strtod(eq + 1, &end) : NAN;
        if (m == gs_compare_metric_count || end == eq + 1 || strcmp(end, "%") != 0 || !(v >= 0)) {
            rc = gs_error_set(err, GS_ERR_INVALID,
                              "bad --max-regression entry \"%s%s%s\": want METRIC=N%% with "
                              "METRIC rps, p50, p99, errors or propagationMs (e.g. "
                              "p99=10%%,rps=5%%)",
                              item, eq ? "=" : "", eq ? eq + 1 : "");
            break;
        }
        limits[m] = v / 100;
    }
    free(copy);
    return rc;
}

/* ---- documents ---------------------------------------------------------------------------- */

/* One side of the comparison: the parsed document and its cases. */
typedef struct compare_doc {
    const char *name;
    gs_json_value *root;
    const gs_json_value *cases;
} compare_doc;

static int compare_doc_open(compare_doc *d, const char *text, size_t len, const char *name,
                            gs_error *err)
{
    gs_error sub;
    d->name = name;
    d->root = NULL;
    if (gs_json_parse(text, len, NULL, &d->root, &sub) != 0)
        return gs_error_set(err, GS_ERR_PARSE, "%s: %s", name, sub.msg);
    if (strcmp(gs_json_get_string(d->root, "kind", ""), "gatesim-bench") != 0)
        return gs_error_set(err, GS_ERR_INVALID,
                            "%s: kind is not \"gatesim-bench\" (not a gatesim bench result)", name);
    d->cases = gs_json_get(d->root, "cases");
    if (d->cases == NULL || d->cases->type != GS_JSON_ARRAY)
        return gs_error_set(err, GS_ERR_INVALID, "%s: cases is not an array", name);
    return 0;
}

static const gs_json_value *compare_find_case(const compare_doc *d, const char *name)
{
    for (size_t k = 0; k < d->cases->len; k++) {
        if (strcmp(gs_json_get_string(d->cases->items[k], "name", ""), name) == 0)
            return d->cases->items[k];
    }
    return NULL;
}

/* The values of |metric| over the rounds of case |c| into |out| (at most COMPARE_MAX_ROUNDS). */
static int compare_rounds(const compare_doc *d, const gs_json_value *c, const char *metric,
                          double *out, size_t *n, gs_error *err)
{
    const gs_json_value *rounds = gs_json_get(c, "rounds");
    const char *cname = gs_json_get_string(c, "name", "?");
    if (rounds == NULL || rounds->type != GS_JSON_ARRAY || rounds->len > COMPARE_MAX_ROUNDS)
        return gs_error_set(err, GS_ERR_INVALID,
                            "%s: case %s: rounds is not an array of at most %d", d->name, cname,
                            COMPARE_MAX_ROUNDS);
    *n = 0;
    for (size_t k = 0; k < rounds->len; k++) {
        const gs_json_value *v = gs_json_get(rounds->items[k], metric);
        if (v == NULL || v->type != GS_JSON_NUMBER)
            return gs_error_set(err, GS_ERR_INVALID, "%s: case %s: rounds[%zu].%s is not a number",
                                d->name, cname, k, metric);
        out[(*n)++] = v->number;
    }
    return 0;
}

/* True when the first round of case |c| has |metric|: an optional metric is compared only
 * where both sides have it. */
static bool compare_has_metric(const gs_json_value *c, const char *metric)
{
    const gs_json_value *rounds = gs_json_get(c, "rounds");
    return rounds != NULL && rounds->type == GS_JSON_ARRAY && rounds->len > 0 &&
           gs_json_get(rounds->items[0], metric) != NULL;
}

static const char *compare_verdict_text(const gs_compare_stat *st)
{
    if (st->regression)
        return "**REGRESSION**";
    switch (st->verdict) {
    case GS_COMPARE_BETTER:
        return "better";
    case GS_COMPARE_WORSE:
        return "worse, within the limit";
    default:
        return "no significant change";
    }
}

static void compare_fmt_pct(char *out, size_t n, double v)
{
    if (isnan(v))
        snprintf(out, n, "n/a");
    else
        snprintf(out, n, "%+.1f%%", v * 100);
}

static void compare_row_markdown(gs_buf *out, const char *cname, const gs_compare_metric *m,
                                 const gs_compare_stat *st, double limit, size_t nb, size_t nn)
{
    char change[32], lo[32], hi[32];
    compare_fmt_pct(change, sizeof(change), st->change);
    compare_fmt_pct(lo, sizeof(lo), st->lo);
    compare_fmt_pct(hi, sizeof(hi), st->hi);
    gs_buf_printf(out, "| %s | %s | %.4g | %.4g | %s | [%s, %s] | %.3g%% | %s (n=%zu+%zu) |\n",
                  cname, m->name, st->base_median, st->new_median, change, lo, hi, limit * 100,
                  compare_verdict_text(st), nb, nn);
}

static void compare_row_json(gs_json *j, const char *cname, const gs_compare_metric *m,
                             const gs_compare_stat *st, double limit)
{
    static const char *const verdicts[] = {"same", "better", "worse"};
    gs_json_object_begin(j);
    gs_json_key(j, "case");
    gs_json_string(j, cname);
    gs_json_key(j, "metric");
    gs_json_string(j, m->name);
    gs_json_key(j, "base");
    gs_json_double(j, st->base_median);
    gs_json_key(j, "new");
    gs_json_double(j, st->new_median);
    gs_json_key(j, "change");
    gs_json_double(j, st->change);
    gs_json_key(j, "low");
    gs_json_double(j, st->lo);
    gs_json_key(j, "high");
    gs_json_double(j, st->hi);
    gs_json_key(j, "limit");
    gs_json_double(j, limit);
    gs_json_key(j, "verdict");
    gs_json_string(j, verdicts[st->verdict]);
    gs_json_key(j, "regression");
    gs_json_bool(j, st->regression);
    gs_json_object_end(j);
}

int gs_compare_documents(const char *base_text, size_t base_len, const char *base_name,
                         const char *new_text, size_t new_len, const char *new_name,
                         const double *limits, bool json, gs_buf *out, gs_error *err)
{
    compare_doc base = {0}, next = {0};
    int rc = compare_doc_open(&base, base_text, base_len, base_name, err);
    if (rc == 0)
        rc = compare_doc_open(&next, new_text, new_len, new_name, err);
    double *bv = gs_xmalloc(COMPARE_MAX_ROUNDS * sizeof(double));
    double *nv = gs_xmalloc(COMPARE_MAX_ROUNDS * sizeof(double));
    gs_buf body = {0}, missing = {0};
    gs_json j;
    gs_json_init(&j, &body, false);
    int regressions = 0;
    if (json) {
        gs_json_object_begin(&j);
        gs_json_key(&j, "comparisons");
        gs_json_array_begin(&j);
    } else {
        gs_buf_printf(&body, "| case | metric | base | new | change | 95%% interval | limit | "
                             "verdict |\n|---|---|---|---|---|---|---|---|\n");
    }
    for (size_t k = 0; rc == 0 && k < base.cases->len; k++) {
        const gs_json_value *bc = base.cases->items[k];
        const char *cname = gs_json_get_string(bc, "name", "?");
        const gs_json_value *nc = compare_find_case(&next, cname);
        if (nc == NULL) {
            gs_buf_printf(&missing, "- case `%s` is only in %s\n", cname, base_name);
            continue;
        }
        for (size_t m = 0; rc == 0 && m < gs_compare_metric_count; m++) {
            const char *mname = gs_compare_metrics[m].name;
            if (gs_compare_metrics[m].optional) {
                bool in_base = compare_has_metric(bc, mname),
                     in_new = compare_has_metric(nc, mname);
                if (in_base != in_new)
                    gs_buf_printf(&missing, "- `%s` of case `%s` is only in %s\n", mname, cname,
                                  in_base ? base_name : new_name);
                if (!in_base || !in_new)
                    continue;
            }
            size_t nb = 0, nn = 0;
            rc = compare_rounds(&base, bc, gs_compare_metrics[m].name, bv, &nb, err);
            if (rc == 0)
                rc = compare_rounds(&next, nc, gs_compare_metrics[m].name, nv, &nn, err);
            if (rc != 0)
                break;
            gs_compare_stat st;
            gs_compare_samples(bv, nb, nv, nn, gs_compare_metrics[m].higher_is_better, limits[m],
                               &st);
            regressions += st.regression;
            if (json)
                compare_row_json(&j, cname, &gs_compare_metrics[m], &st, limits[m]);
            else
                compare_row_markdown(&body, cname, &gs_compare_metrics[m], &st, limits[m], nb, nn);
        }
    }
    for (size_t k = 0; rc == 0 && k < next.cases->len; k++) {
        const char *cname = gs_json_get_string(next.cases->items[k], "name", "?");
        if (compare_find_case(&base, cname) == NULL)
            gs_buf_printf(&missing, "- case `%s` is only in %s\n", cname, new_name);
    }
    if (rc == 0) {
        if (json) {
            gs_json_array_end(&j);
            gs_json_key(&j, "regressions");
            gs_json_int(&j, regressions);
            gs_json_object_end(&j);
            gs_buf_printf(out, "%.*s\n", (int)body.len, body.data);
        } else {
            gs_buf_printf(out, "## gatesim compare: %s → %s\n\n%s: %d regression%s\n\n%.*s%s%.*s",
                          base_name, new_name, regressions ? "**FAIL**" : "pass", regressions,
                          regressions == 1 ? "" : "s", (int)body.len, body.data,
                          missing.len ? "\n" : "", (int)missing.len,
                          missing.data ? missing.data : "");
        }
        rc = regressions;
    }
    gs_buf_clear(&body);
    gs_buf_clear(&missing);
    free(bv);
    free(nv);
    gs_json_value_free(base.root);
    gs_json_value_free(next.root);
    return rc;
}
