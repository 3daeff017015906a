/*
 * lex.c - the lexical layer of the trace parser: numbers (decimal, 0x hex,
 * K/M/G suffixes), blank-separated tokens with '#' comments, and the check
 * that a native line is NUL-free, valid UTF-8 (CONTRACT 2.1).
 */
#include "trace/parser.h"

#include <string.h>

/* ---------- numbers ---------- */

/* The value of hex digit c, or -1. */
static int hex_digit(char c)
{
    return (int)hex_plus1(c) - 1;
}

enum num_status lex_num(const char *s, size_t n, bool suffix, uint64_t *out)
{
    unsigned shift = 0;
    if (suffix && n > 1) {
        switch (s[n - 1]) {
        case 'K':
        case 'k':
            shift = 10;
            break;
        case 'M':
        case 'm':
            shift = 20;
            break;
        case 'G':
        case 'g':
            shift = 30;
            break;
        default:
            break;
        }
        if (shift)
            n--;
    }
    if (n == 0)
        return NUM_BAD;
    uint64_t v = 0;
    bool over = false;
    if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        for (size_t i = 2; i < n; i++) {
            int d = hex_digit(s[i]);
            if (d < 0)
                return NUM_BAD;
            if (v >> 60)
                over = true;
            v = (v << 4) | (uint64_t)d;
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            if (s[i] < '0' || s[i] > '9')
                return NUM_BAD;
            uint64_t d = (uint64_t)(s[i] - '0');
            if (v > (UINT64_MAX - d) / 10)
                over = true;
            v = v * 10 + d;
        }
    }
    if (over)
        return NUM_RANGE;
    if (shift && v > (UINT64_MAX >> shift))
        return NUM_RANGE;
    *out = v << shift;
    return NUM_OK;
}

bool lex_num_tok(struct parser *p, const struct tok *t, bool suffix, const char *what, uint64_t *v)
{
    switch (lex_num(t->s, t->n, suffix, v)) {
    case NUM_OK:
        return true;
    case NUM_RANGE:
        return parse_fail(p, t->col, t->s, t->n, "number too large: '%.*s' does not fit in 64 bits",
                          qlen(t->n), t->s);
    case NUM_BAD:
        break;
    }
    return parse_fail(p, t->col, t->s, t->n, "expected %s, got '%.*s'", what, qlen(t->n), t->s);
}

bool trace_number_parse(const char *s, bool allow_suffix, uint64_t *out)
{
    uint64_t v;
    if (!s || lex_num(s, strlen(s), allow_suffix, &v) != NUM_OK)
        return false;
    *out = v;
    return true;
}

/* ---------- tokens ---------- */

bool lex_next(const char *s, size_t n, size_t *pos, bool comments, struct tok *t)
{
    size_t i = *pos;
    while (i < n && is_blank(s[i]))
        i++;
    *pos = i;
    if (i >= n || (comments && s[i] == '#')) {
        /* An empty token where the line (or its comment) begins. */
        t->s = s + i;
        t->n = 0;
        t->col = (unsigned)(i + 1);
        return false;
    }
    size_t b = i;
    while (i < n && !is_blank(s[i]) && !(comments && s[i] == '#'))
        i++;
    t->s = s + b;
    t->n = i - b;
    t->col = (unsigned)(b + 1);
    *pos = i;
    return true;
}

/* ---------- UTF-8 and NUL ---------- */

bool lex_check_text(struct parser *p, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        /* Eight plain ASCII bytes (no NUL, no high bit) at a time. */
        while (n - i >= 8) {
            uint64_t w;
            memcpy(&w, u + i, 8);
            uint64_t zero = (w - UINT64_C(0x0101010101010101)) & ~w;
            if ((w | zero) & UINT64_C(0x8080808080808080))
                break;
            i += 8;
        }
        if (i >= n)
            break;
        unsigned char c = u[i];
        if (c >= 0x01 && c < 0x80) {
            i++;
            continue;
        }
        char shown[8];
        if (c == 0)
            return parse_fail(p, (unsigned)(i + 1), "\\0", 2, "NUL byte in the input");
        size_t need;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0)
                lo = 0xA0; /* no overlong forms */
            if (c == 0xED)
                hi = 0x9F; /* no surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0)
                lo = 0x90;
            if (c == 0xF4)
                hi = 0x8F; /* nothing above U+10FFFF */
        } else {
            snprintf(shown, sizeof shown, "\\x%02X", c);
            return parse_fail(p, (unsigned)(i + 1), shown, strlen(shown),
                              "invalid UTF-8: byte 0x%02X cannot start a character", c);
        }
        for (size_t k = 1; k <= need; k++) {
            unsigned char d = i + k < n ? u[i + k] : 0;
            unsigned char l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
            if (i + k >= n || d < l || d > h) {
                snprintf(shown, sizeof shown, "\\x%02X", c);
                return parse_fail(p, (unsigned)(i + 1), shown, strlen(shown),
                                  "invalid UTF-8: truncated or malformed sequence");
            }
        }
        i += need + 1;
    }
    return true;
}
