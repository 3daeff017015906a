/*
 * escape.c - text from a trace or a file name made safe for a terminal
 * (trace_escape in trace.h).
 */
#include "trace/trace.h"

#include <stdio.h>
#include <string.h>

/* ---------- escaping for terminals ---------- */

/* The length of the valid UTF-8 character at u[0..n) (2..4), or 0. */
static size_t utf8_len(const unsigned char *u, size_t n)
{
    unsigned char c = u[0], lo = 0x80, hi = 0xBF;
    size_t need;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }
    if (need >= n)
        return 0;
    for (size_t k = 1; k <= need; k++) {
        unsigned char l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
        if (u[k] < l || u[k] > h)
            return 0;
    }
    return need + 1;
}

size_t trace_escape(char *dst, size_t dstlen, const char *s, size_t n)
{
    if (dstlen == 0)
        return 0;
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        char piece[16];
        size_t pn = 0, used = 1;
        unsigned char c = u[i];
        size_t ul;
        if (c >= 0x20 && c < 0x7F) {
            piece[pn++] = (char)c;
        } else if (c == '\t' || c == '\n' || c == '\r') {
            piece[pn++] = '\\';
            piece[pn++] = c == '\t' ? 't' : c == '\n' ? 'n' : 'r';
        } else if (c >= 0x80 && (ul = utf8_len(u + i, n - i)) != 0) {
            used = ul;
            if (c == 0xC2 && u[i + 1] < 0xA0) /* U+0080..U+009F: C1 controls */
                pn = (size_t)snprintf(piece, sizeof piece, "\\x%02x\\x%02x", c, u[i + 1]);
            else
                memcpy(piece, u + i, (pn = ul));
        } else {
            pn = (size_t)snprintf(piece, sizeof piece, "\\x%02x", c);
        }
        if (o + pn > dstlen - 1)
            break;
        memcpy(dst + o, piece, pn);
        o += pn;
        i += used;
    }
    dst[o] = '\0';
    return o;
}
