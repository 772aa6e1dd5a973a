/* SPDX-License-Identifier: MIT */
/* The differential driver: route sets from a seed, requests per set, oracle vs target, and on a
 * disagreement the minimiser and the report (a manifest ready for `gatesim explain`). Knows
 * nothing of a target but its prec_target functions. */
#include "prec_diff.h"

#include <stdlib.h>
#include <string.h>

/* Route set |i| of run |seed| has its own stream, so it can be regenerated alone. */
static void run_set_rng(prec_rng *r, uint64_t seed, size_t i)
{
    prec_rng_seed(r, seed * 1000003ULL + (uint64_t)i);
}

/* Loads |set| into |t| and answers |req|. Returns false when the target could not load. */
static bool run_one(const prec_target *t, const prec_set *set, const prec_request *req,
                    prec_answer *got, char *why, size_t why_len)
{
    char *yaml = prec_manifest(set);
    int rc = t->load(t->ctx, yaml, set->no_fallthrough, why, why_len);
    free(yaml);
    if (rc < 0)
        return false;
    t->answer(t->ctx, req, got);
    t->unload(t->ctx);
    return true;
}

static bool run_disagrees(const prec_target *t, const prec_set *set, const prec_request *req)
{
    prec_answer want, got;
    char why[256];
    prec_oracle(set, req, &want);
    if (!run_one(t, set, req, &got, why, sizeof(why)))
        return false; /* a reduction the target cannot load is not kept */
    return !prec_answer_equal(&want, &got);
}

/* ---- minimiser: greedy, one removal at a time, until nothing more can go ---- */

static bool try_set(const prec_target *t, prec_set *set, const prec_set *cand,
                    const prec_request *req)
{
    if (!run_disagrees(t, cand, req))
        return false;
    *set = *cand;
    return true;
}

static bool shrink_routes(const prec_target *t, prec_set *s, const prec_request *q)
{
    bool changed = false;
    for (size_t i = 0; i < s->n_routes && s->n_routes > 1;) {
        prec_set c = *s;
        memmove(&c.routes[i], &c.routes[i + 1], (c.n_routes - i - 1) * sizeof(c.routes[0]));
        c.n_routes--;
        if (try_set(t, s, &c, q))
            changed = true;
        else
            i++;
    }
    for (size_t i = 0; i < s->n_listeners && s->n_listeners > 1;) {
        prec_set c = *s;
        memmove(&c.listeners[i], &c.listeners[i + 1],
                (c.n_listeners - i - 1) * sizeof(c.listeners[0]));
        c.n_listeners--;
        if (try_set(t, s, &c, q))
            changed = true;
        else
            i++;
    }
    return changed;
}

static bool shrink_rules(const prec_target *t, prec_set *s, const prec_request *q)
{
    bool changed = false;
    for (size_t r = 0; r < s->n_routes; r++) {
        for (size_t k = 0; k < s->routes[r].n_rules && s->routes[r].n_rules > 1;) {
            prec_set c = *s;
            prec_route *rt = &c.routes[r];
            memmove(&rt->rules[k], &rt->rules[k + 1], (rt->n_rules - k - 1) * sizeof(rt->rules[0]));
            rt->n_rules--;
            if (try_set(t, s, &c, q))
                changed = true;
            else
                k++;
        }
        for (size_t h = 0; h < s->routes[r].n_hostnames;) {
            prec_set c = *s;
            prec_route *rt = &c.routes[r];
            memmove(&rt->hostnames[h], &rt->hostnames[h + 1],
                    (rt->n_hostnames - h - 1) * sizeof(rt->hostnames[0]));
            rt->n_hostnames--;
            if (try_set(t, s, &c, q))
                changed = true;
            else
                h++;
        }
        if (s->routes[r].created) {
            prec_set c = *s;
            c.routes[r].created = NULL;
            changed |= try_set(t, s, &c, q);
        }
    }
    return changed;
}

/* Simplifies match |m| of rule |k| of route |r|: drops it, then its parts one by one. */
static bool shrink_match(const prec_target *t, prec_set *s, const prec_request *q, size_t r,
                         size_t k, size_t m)
{
    prec_set c = *s;
    prec_rule *rule = &c.routes[r].rules[k];
    memmove(&rule->matches[m], &rule->matches[m + 1],
            (rule->n_matches - m - 1) * sizeof(rule->matches[0]));
    rule->n_matches--;
    if (try_set(t, s, &c, q))
        return true;
    bool changed = false;
    prec_match *cur = &s->routes[r].rules[k].matches[m];
    if (cur->method) {
        c = *s;
        c.routes[r].rules[k].matches[m].method = NULL;
        changed |= try_set(t, s, &c, q);
    }
    if (cur->n_query) {
        c = *s;
        c.routes[r].rules[k].matches[m].n_query = 0;
        changed |= try_set(t, s, &c, q);
    }
    for (size_t h = cur->n_headers; h-- > 0;) {
        c = *s;
        prec_match *cm = &c.routes[r].rules[k].matches[m];
        memmove(&cm->headers[h], &cm->headers[h + 1],
                (cm->n_headers - h - 1) * sizeof(cm->headers[0]));
        cm->n_headers--;
        changed |= try_set(t, s, &c, q);
    }
    return changed;
}

static bool shrink_matches(const prec_target *t, prec_set *s, const prec_request *q)
{
    bool changed = false;
    for (size_t r = 0; r < s->n_routes; r++) {
        for (size_t k = 0; k < s->routes[r].n_rules; k++) {
            for (size_t m = s->routes[r].rules[k].n_matches; m-- > 0;)
                changed |= shrink_match(t, s, q, r, k, m);
        }
    }
    return changed;
}

static bool shrink_request(const prec_target *t, const prec_set *s, prec_request *q)
{
    bool changed = false;
    for (size_t h = q->n_headers; h-- > 0;) {
        prec_request c = *q;
        memmove(&c.headers[h], &c.headers[h + 1], (c.n_headers - h - 1) * sizeof(c.headers[0]));
        c.n_headers--;
        if (run_disagrees(t, s, &c)) {
            *q = c;
            changed = true;
        }
    }
    if (q->query[0]) {
        prec_request c = *q;
        c.query[0] = '\0';
        if (run_disagrees(t, s, &c)) {
            *q = c;
            changed = true;
        }
    }
    return changed;
}

void prec_minimise(const prec_target *t, prec_set *set, prec_request *req)
{
    /* Each pass removes at least one thing or ends; a set has fewer than 200 things. */
    for (int pass = 0; pass < 200; pass++) {
        bool changed = shrink_routes(t, set, req);
        changed |= shrink_rules(t, set, req);
        changed |= shrink_matches(t, set, req);
        changed |= shrink_request(t, set, req);
        if (!changed)
            break;
    }
}

/* ---- the report ---- */

static void run_report(FILE *f, const prec_target *t, const prec_diff_opts *o, size_t set_index,
                       const prec_set *set, const prec_request *req)
{
    prec_answer want, got;
    char why[sizeof(got.route)] = "", a[200], b[200], r[400];
    prec_oracle(set, req, &want);
    if (!run_one(t, set, req, &got, why, sizeof(why))) {
        memcpy(got.route, why, sizeof(why));
        got.outcome = PREC_ERROR;
    }
    prec_answer_format(&want, a, sizeof(a));
    prec_answer_format(&got, b, sizeof(b));
    prec_request_format(req, r, sizeof(r));
    char *yaml = prec_manifest(set);
    fprintf(f,
            "# Route precedence: %s disagrees with the spec (seed %llu, route set %zu), "
            "minimised.\n"
            "# request:  %s\n"
            "# spec:     %s\n"
            "# %s: %s\n"
            "# replay:   gatesim explain%s THIS.yaml   (listener port 80)\n",
            t->name, (unsigned long long)o->seed, set_index, r, a, t->name, b,
            set->no_fallthrough ? " --no-hostname-fallthrough" : "");
    fputs(yaml, f);
    free(yaml);
}

int prec_diff_run(const prec_diff_opts *o, const prec_target *t, FILE *report,
                  prec_diff_stats *stats)
{
    prec_diff_stats st = {0};
    int result = 0;
    for (size_t i = 0; i < o->count && result == 0; i++) {
        prec_rng rng;
        run_set_rng(&rng, o->seed, i);
        prec_set set;
        prec_gen_set(&rng, &set);
        char *yaml = prec_manifest(&set);
        char why[256] = "";
        if (t->load(t->ctx, yaml, set.no_fallthrough, why, sizeof(why)) < 0) {
            fprintf(report, "# %s could not load route set %zu of seed %llu: %s\n%s", t->name, i,
                    (unsigned long long)o->seed, why, yaml);
            free(yaml);
            result = -1;
            break;
        }
        free(yaml);
        st.sets++;
        prec_request bad;
        bool found = false;
        for (size_t k = 0; k < o->per_set && !found; k++) {
            prec_request req;
            prec_answer want, got;
            prec_gen_request(&rng, &set, &req);
            prec_oracle(&set, &req, &want);
            t->answer(t->ctx, &req, &got);
            st.requests++;
            if (!prec_answer_equal(&want, &got)) {
                bad = req;
                found = true;
            }
        }
        t->unload(t->ctx);
        if (o->verbose)
            fprintf(report, "# set %zu: %zu routes, %zu listeners%s\n", i, set.n_routes,
                    set.n_listeners, found ? ": DISAGREES" : "");
        if (found) {
            st.disagreements++;
            prec_minimise(t, &set, &bad);
            run_report(report, t, o, i, &set, &bad);
            result = 1;
        }
    }
    if (stats)
        *stats = st;
    return result;
}
