/* SPDX-License-Identifier: MIT */
/* Example strings for a regular expression (gs_regex_example.h): a small recursive-descent walk
 * over the PCRE2 syntax that route matches use, writing the shortest string each construct
 * accepts, then checked with PCRE2 itself. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "gs_regex_example.h"

#include <pcre2.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RX_MAX_DEPTH 32
#define RX_MISS_POSITIONS 64

/* What a URL path may hold without percent-encoding (RFC 3986 pchar, and the slash). */
static const char rx_url_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                   "0123456789-._~!$&'()*+,;=:@/";
/* The order in which a class's character is chosen: letters and digits first. */
static const char rx_pick_order[] = "abcdefghijklmnopqrstuvwxyz0123456789-_~."
                                    "ABCDEFGHIJKLMNOPQRSTUVWXYZ!$&'()*+,;=:@/";
/* The characters tried in place of one of the example's to make it miss. */
static const char rx_miss_chars[] = "x0-Z~_.";

typedef struct rx_piece {
    char s[GS_REGEX_EXAMPLE_MAX];
    size_t n;
} rx_piece;

typedef struct rx {
    const char *re;
    size_t i;
    const char *charset;
    bool failed;
    char *why;
    size_t why_len;
    bool literal_open; /* every atom so far was a literal character written once */
    size_t literal;
} rx;

static void rx_fail(rx *r, const char *fmt, ...)
{
    if (r->failed)
        return;
    r->failed = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->why, r->why_len, fmt, ap);
    va_end(ap);
}

static void rx_put(rx *r, rx_piece *p, const char *s, size_t n)
{
    if (p->n + n >= sizeof p->s) {
        rx_fail(r, "the example would be longer than %d bytes", GS_REGEX_EXAMPLE_MAX - 1);
        return;
    }
    memcpy(p->s + p->n, s, n);
    p->n += n;
    p->s[p->n] = '\0';
}

/* ---- character classes -------------------------------------------------------------------- */

typedef struct rx_set {
    uint8_t bits[32];
} rx_set;

static void set_add(rx_set *s, unsigned c)
{
    s->bits[c >> 3] |= (uint8_t)(1u << (c & 7));
}

static bool set_has(const rx_set *s, unsigned c)
{
    return (s->bits[c >> 3] >> (c & 7)) & 1;
}

static void set_range(rx_set *s, unsigned lo, unsigned hi)
{
    for (unsigned c = lo; c <= hi && c < 256; c++)
        set_add(s, c);
}

/* \d \w \s and their complements into |s|; false for another letter. */
static bool set_shorthand(rx_set *s, char e)
{
    rx_set t = {{0}};
    switch (e | 0x20) {
    case 'd':
        set_range(&t, '0', '9');
        break;
    case 'w':
        set_range(&t, '0', '9');
        set_range(&t, 'a', 'z');
        set_range(&t, 'A', 'Z');
        set_add(&t, '_');
        break;
    case 's':
        set_range(&t, '\t', '\r');
        set_add(&t, ' ');
        break;
    default:
        return false;
    }
    bool negate = e >= 'A' && e <= 'Z';
    for (unsigned c = 1; c < 128; c++)
        if (set_has(&t, c) != negate)
            set_add(s, c);
    return true;
}

/* The character of |s| chosen for the example; 0 when none is allowed. */
static char set_pick(const rx *r, const rx_set *s)
{
    for (const char *c = rx_pick_order; *c; c++)
        if (set_has(s, (unsigned char)*c) && strchr(r->charset, *c))
            return *c;
    return 0;
}

/* One member of a bracket expression at r->i: a character, an escape, or the start of a range.
 * Returns the character (for ranges), or -1 after a shorthand class or a failure. */
static int rx_class_char(rx *r, rx_set *s)
{
    char c = r->re[r->i++];
    if (c == '[' && r->re[r->i] == ':') {
        rx_fail(r, "POSIX classes ([:name:]) are not generated");
        return -1;
    }
    if (c != '\\')
        return (unsigned char)c;
    char e = r->re[r->i];
    if (e == '\0') {
        rx_fail(r, "a class ends in a backslash");
        return -1;
    }
    r->i++;
    if (set_shorthand(s, e))
        return -1;
    if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9')) {
        rx_fail(r, "the escape \\%c in a class is not generated", e);
        return -1;
    }
    return (unsigned char)e;
}

/* A bracket expression (r->i just past '['): its chosen character into |out|. */
static void rx_class(rx *r, rx_piece *out)
{
    rx_set s = {{0}};
    bool negate = r->re[r->i] == '^';
    r->i += negate;
    bool first = true;
    while (!r->failed && r->re[r->i] && (first || r->re[r->i] != ']')) {
        first = false;
        int lo = rx_class_char(r, &s);
        if (lo < 0)
            continue;
        if (r->re[r->i] == '-' && r->re[r->i + 1] && r->re[r->i + 1] != ']') {
            r->i++;
            int hi = rx_class_char(r, &s);
            if (hi >= 0 && hi < lo)
                rx_fail(r, "a class range runs backwards");
            if (hi >= lo)
                set_range(&s, (unsigned)lo, (unsigned)hi);
        } else {
            set_add(&s, (unsigned)lo);
        }
    }
    if (r->failed)
        return;
    if (r->re[r->i] != ']') {
        rx_fail(r, "a class ([...]) is not closed");
        return;
    }
    r->i++;
    if (negate)
        for (unsigned c = 0; c < 32; c++)
            s.bits[c] = (uint8_t)~s.bits[c];
    char c = set_pick(r, &s);
    if (c == 0)
        rx_fail(r, "no character of the class may appear in the example");
    else
        rx_put(r, out, &c, 1);
}

/* ---- atoms, quantifiers, branches ---------------------------------------------------------- */

static void rx_alt(rx *r, rx_piece *out, unsigned depth);

/* A group (r->i just past '('): its example into |out|. True for an inline flag setting such as
 * (?i), which writes nothing. */
static bool rx_group(rx *r, rx_piece *out, unsigned depth)
{
    const char *g = r->re + r->i;
    if (g[0] == '?') {
        size_t k = 1;
        if (g[1] == ':' || g[1] == '>' || g[1] == '|') {
            k = 2;
        } else if (g[1] == '<' && g[2] != '=' && g[2] != '!') { /* (?<name>...) */
            k = 2 + strcspn(g + 2, ">") + 1;
        } else if (g[1] == 'P' && g[2] == '<') {
            k = 3 + strcspn(g + 3, ">") + 1;
        } else if (g[1] == '\'') {
            k = 2 + strcspn(g + 2, "'") + 1;
        } else {
            while (strchr("imnsxJU-^", g[k]) && g[k])
                k++;
            if (k == 1 || (g[k] != ')' && g[k] != ':')) {
                rx_fail(r, "the group (?%c is not generated (lookaround, condition or "
                           "recursion)", g[1]);
                return false;
            }
            if (g[k] == ')') { /* (?i): flags for the rest, no text */
                r->i += k + 1;
                return true;
            }
            k++;
        }
        if (strlen(g) < k) {
            rx_fail(r, "a group name is not closed");
            return false;
        }
        r->i += k;
    }
    r->literal_open = false;
    rx_alt(r, out, depth + 1);
    if (!r->failed && r->re[r->i] != ')')
        rx_fail(r, "a group is not closed");
    r->i += !r->failed;
    return false;
}

/* An escape outside a class (r->i just past '\'). */
static void rx_escape(rx *r, rx_piece *out, bool *literal)
{
    char e = r->re[r->i];
    if (e == '\0') {
        rx_fail(r, "the expression ends in a backslash");
        return;
    }
    r->i++;
    rx_set s = {{0}};
    if (set_shorthand(&s, e)) {
        *literal = false;
        char c = set_pick(r, &s);
        if (c == 0)
            rx_fail(r, "no character of \\%c may appear in the example", e);
        else
            rx_put(r, out, &c, 1);
        return;
    }
    if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9')) {
        rx_fail(r, "the escape \\%c is not generated", e);
        return;
    }
    if (!strchr(r->charset, e)) {
        rx_fail(r, "the example needs '%c', which it may not hold unencoded", e);
        return;
    }
    rx_put(r, out, &e, 1);
}

/* A quantifier at r->i: its minimum count (1 when there is none). */
static unsigned long rx_quantifier(rx *r, bool *present)
{
    const char *q = r->re + r->i;
    unsigned long min = 1;
    *present = true;
    if (*q == '*' || *q == '?') {
        min = 0;
        r->i++;
    } else if (*q == '+') {
        r->i++;
    } else if (*q == '{' && q[1] >= '0' && q[1] <= '9') {
        char *end;
        min = strtoul(q + 1, &end, 10);
        if (*end == ',') {
            end++;
            while (*end >= '0' && *end <= '9')
                end++;
        }
        if (*end != '}') { /* not a quantifier: PCRE2 reads "{" literally */
            *present = false;
            return 1;
        }
        r->i += (size_t)(end + 1 - q);
    } else {
        *present = false;
        return 1;
    }
    if (r->re[r->i] == '?' || r->re[r->i] == '+') /* lazy or possessive */
        r->i++;
    return min;
}

/* A sequence of atoms up to '|', ')' or the end. */
static void rx_seq(rx *r, rx_piece *out, unsigned depth)
{
    while (!r->failed && r->re[r->i] && r->re[r->i] != '|' && r->re[r->i] != ')') {
        rx_piece atom = {{0}, 0};
        bool literal = true;
        char c = r->re[r->i++];
        if (c == '^' || c == '$')
            continue;
        if (c == '(') {
            literal = rx_group(r, &atom, depth);
        } else if (c == '[') {
            rx_class(r, &atom);
            literal = false;
        } else if (c == '.') {
            rx_set s = {{0}};
            set_range(&s, ' ', '~');
            char k = set_pick(r, &s);
            rx_put(r, &atom, &k, 1);
            literal = false;
        } else if (c == '\\') {
            rx_escape(r, &atom, &literal);
        } else if (c == '*' || c == '+' || c == '?') {
            rx_fail(r, "a quantifier ('%c') follows nothing", c);
        } else if (!strchr(r->charset, c)) {
            rx_fail(r, "the example needs '%c', which it may not hold unencoded", c);
        } else {
            rx_put(r, &atom, &c, 1);
        }
        bool quantified;
        unsigned long min = rx_quantifier(r, &quantified);
        if (r->failed)
            return;
        if (min > GS_REGEX_EXAMPLE_MAX) {
            rx_fail(r, "a repetition of at least %lu is longer than an example", min);
            return;
        }
        if (!literal || quantified)
            r->literal_open = false;
        for (unsigned long k = 0; k < min; k++)
            rx_put(r, out, atom.s, atom.n);
        if (r->literal_open)
            r->literal = out->n;
    }
}

/* Branches up to ')' or the end: the first one's example into |out|, the others checked only. */
static void rx_alt(rx *r, rx_piece *out, unsigned depth)
{
    if (depth > RX_MAX_DEPTH) {
        rx_fail(r, "groups nest deeper than %d", RX_MAX_DEPTH);
        return;
    }
    rx_seq(r, out, depth);
    while (!r->failed && r->re[r->i] == '|') {
        r->i++;
        if (depth == 0)
            r->literal = 0; /* another branch may start otherwise */
        r->literal_open = false;
        rx_piece other = {{0}, 0};
        rx_seq(r, &other, depth);
    }
}

/* ---- checking with PCRE2 ------------------------------------------------------------------- */

static bool rx_full_match(pcre2_code *code, pcre2_match_data *md, const char *s)
{
    return pcre2_match(code, (PCRE2_SPTR)s, strlen(s), 0, 0, md, NULL) >= 0;
}

/* The first string that replaces one byte of |ex->match| after its literal start and is not
 * matched, into ex->miss. */
static void rx_find_miss(pcre2_code *code, pcre2_match_data *md, const char *charset,
                         gs_regex_example *ex)
{
    size_t n = strlen(ex->match);
    for (size_t i = ex->literal; i < n && i < ex->literal + RX_MISS_POSITIONS; i++)
        for (const char *c = rx_miss_chars; *c; c++) {
            if (*c == ex->match[i] || !strchr(charset, *c))
                continue;
            memcpy(ex->miss, ex->match, n + 1);
            ex->miss[i] = *c;
            if (!rx_full_match(code, md, ex->miss))
                return;
        }
    ex->miss[0] = '\0';
}

bool gs_regex_full_match(const char *re, const char *str)
{
    int errcode;
    PCRE2_SIZE off;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED,
                                     PCRE2_ANCHORED | PCRE2_ENDANCHORED | PCRE2_UTF, &errcode, &off,
                                     NULL);
    if (code == NULL)
        return false;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(code, NULL);
    bool hit = rx_full_match(code, md, str);
    pcre2_match_data_free(md);
    pcre2_code_free(code);
    return hit;
}

bool gs_regex_is_pattern(const char *re)
{
    return re[strcspn(re, "[](){}*+?|^$\\.")] != '\0';
}

int gs_regex_example_make(const char *re, const char *charset, gs_regex_example *ex, char *why,
                          size_t why_len)
{
    memset(ex, 0, sizeof *ex);
    rx r = {.re = re,
            .charset = charset ? charset : rx_url_chars,
            .why = why,
            .why_len = why_len,
            .literal_open = true};
    rx_piece out = {{0}, 0};
    rx_alt(&r, &out, 0);
    if (!r.failed && r.re[r.i] == ')')
        rx_fail(&r, "a ')' closes no group");
    if (r.failed)
        return -1;
    int errcode;
    PCRE2_SIZE off;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED,
                                     PCRE2_ANCHORED | PCRE2_ENDANCHORED | PCRE2_UTF, &errcode, &off,
                                     NULL);
    if (code == NULL) {
        snprintf(why, why_len, "not a PCRE2 regular expression (at offset %zu)", (size_t)off);
        return -1;
    }
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(code, NULL);
    memcpy(ex->match, out.s, out.n + 1);
    ex->literal = r.literal;
    ex->caseless = strncmp(re, "(?i)", 4) == 0;
    int rc = 0;
    if (!rx_full_match(code, md, ex->match)) {
        snprintf(why, why_len, "the generated \"%s\" does not match it", ex->match);
        rc = -1;
    } else {
        rx_find_miss(code, md, r.charset, ex);
    }
    pcre2_match_data_free(md);
    pcre2_code_free(code);
    return rc;
}
