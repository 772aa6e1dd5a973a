/* SPDX-License-Identifier: MIT */
/* Optimal-string-alignment distance and the nearest-candidate rule of gs_suggest.h. */
#include "gs_suggest.h"

#include <ctype.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define SUGGEST_MAX_LEN 64

unsigned gs_suggest_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > SUGGEST_MAX_LEN || lb > SUGGEST_MAX_LEN)
        return 255;
    unsigned d[SUGGEST_MAX_LEN + 1][SUGGEST_MAX_LEN + 1];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (unsigned)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (unsigned)j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
            unsigned v = d[i - 1][j - 1] + (ca == cb ? 0 : 1);
            if (d[i - 1][j] + 1 < v)
                v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    }
    return d[la][lb] > 255 ? 255 : d[la][lb];
}

/* |word| with a leading "http" read as "h" ("http2c" -> "h2c"), into |out|; false when the
 * word does not start so. Protocol names come in both spellings (h2c, http2, h1). */
static bool suggest_short_http(const char *word, char *out, size_t cap)
{
    if (strncasecmp(word, "http", 4) != 0 || word[4] == '\0')
        return false;
    snprintf(out, cap, "h%s", word + 4);
    return true;
}

/* The distance of |word| to |cand|, reading long HTTP protocol spellings as short ones too. */
static unsigned suggest_score(const char *word, const char *cand)
{
    unsigned d = gs_suggest_distance(word, cand);
    char w[SUGGEST_MAX_LEN + 2], c[SUGGEST_MAX_LEN + 2];
    bool ws = suggest_short_http(word, w, sizeof(w));
    bool cs = suggest_short_http(cand, c, sizeof(c));
    if (ws || cs) {
        unsigned s = gs_suggest_distance(ws ? w : word, cs ? c : cand);
        if (s < d)
            d = s;
    }
    return d;
}

const char *gs_suggest_n(const char *word, const char *const *candidates, size_t n)
{
    const char *best = NULL;
    unsigned best_d = 255;
    for (size_t i = 0; i < n; i++) {
        const char *c = candidates[i];
        if (c == NULL)
            continue;
        if (strcasecmp(word, c) == 0)
            return c;
        unsigned d = suggest_score(word, c);
        if (d < best_d) {
            best_d = d;
            best = c;
        }
    }
    if (best == NULL)
        return NULL;
    size_t wl = strlen(word), bl = strlen(best);
    size_t len = wl > bl ? wl : bl;
    unsigned limit = len <= 4 ? 1 : (len <= 8 ? 2 : 3);
    return best_d <= limit ? best : NULL;
}

const char *gs_suggest(const char *word, const char *const *candidates)
{
    size_t n = 0;
    while (candidates && candidates[n])
        n++;
    return gs_suggest_n(word, candidates, n);
}

/* "--name=value" or "--name": the name's length. */
static size_t suggest_long_name_len(const char *arg)
{
    return strcspn(arg, "=");
}

void gs_suggest_option_error(char *out, size_t cap, const char *bad, int bad_opt,
                             const struct option *longopts, const char *shortopts)
{
    if (bad != NULL && strncmp(bad, "--", 2) == 0 && bad[2] != '\0') {
        char name[SUGGEST_MAX_LEN + 1];
        snprintf(name, sizeof(name), "%.*s", (int)suggest_long_name_len(bad + 2), bad + 2);
        const char *names[128];
        size_t n = 0;
        for (const struct option *o = longopts; o && o->name && n < 128; o++) {
            if (strcmp(o->name, name) == 0 && o->has_arg == required_argument) {
                snprintf(out, cap, "option \"--%s\" needs a value", name);
                return;
            }
            if (strcmp(o->name, name) == 0 && o->has_arg == no_argument &&
                strchr(bad, '=') != NULL) {
                snprintf(out, cap, "option \"--%s\" takes no value", name);
                return;
            }
            names[n++] = o->name;
        }
        const char *hint = gs_suggest_n(name, names, n);
        if (hint && strcmp(hint, name) != 0)
            snprintf(out, cap, "unknown option \"--%s\"; did you mean \"--%s\"?", name, hint);
        else
            snprintf(out, cap, "unknown option \"--%s\"", name);
        return;
    }
    const char *at = bad_opt > 0 && bad_opt < 256 && shortopts ? strchr(shortopts, bad_opt) : NULL;
    if (at && bad_opt != ':' && at[1] == ':')
        snprintf(out, cap, "option \"-%c\" needs a value", bad_opt);
    else if (bad_opt > ' ' && bad_opt < 127)
        snprintf(out, cap, "unknown option \"-%c\"", bad_opt);
    else
        snprintf(out, cap, "unknown option \"%s\"", bad ? bad : "?");
}
