/*
 * mtrace.c - glibc's mtrace log (CONTRACT 2.3), one line at a time. Most
 * lines have the one shape glibc writes, "@ CALLER[0xADDR] OP 0xADDR[
 * 0xSIZE]", and are read by mtrace_fast without the tokenizer; anything else
 * (and every error) goes through the general reader, mtrace_line. A '<' line
 * waits in the parser for its '>' (struct op's comment in trace.h).
 */
#include "trace/parser.h"

#include <string.h>

/* ---------- the mtrace format ---------- */

/* An address: "(nil)" (null: *is_nil) or a number. */
static bool mt_addr(struct parser *p, struct line *ln, uint64_t *a, bool *is_nil)
{
    struct tok t;
    if (!lex_next(ln->s, ln->n, &ln->pos, false, &t))
        return parse_fail(p, (unsigned)(ln->pos + 1), "", 0,
                          "expected an address, got end of line");
    *is_nil = tok_is(&t, "(nil)");
    if (*is_nil) {
        *a = 0;
        return true;
    }
    return lex_num_tok(p, &t, false, "an address (0x... or (nil))", a);
}

static bool mt_size(struct parser *p, struct line *ln, uint64_t *v)
{
    struct tok t;
    if (!lex_next(ln->s, ln->n, &ln->pos, false, &t))
        return parse_fail(p, (unsigned)(ln->pos + 1), "", 0, "expected a size, got end of line");
    return lex_num_tok(p, &t, false, "a size", v);
}

static bool mt_end(struct parser *p, struct line *ln)
{
    struct tok t;
    if (!lex_next(ln->s, ln->n, &ln->pos, false, &t))
        return true;
    return parse_fail(p, t.col, t.s, t.n, "unexpected '%.*s', expected end of line", qlen(t.n),
                      t.s);
}

static bool mt_pending_error(struct parser *p, unsigned col, const char *tok, size_t n)
{
    return parse_fail(p, col, tok, n, "a '<' line not followed by '>' (the '<' is on line %lu)",
                      (unsigned long)p->pend_line);
}

/* The handle of caller text s[0..n): a '<' and its '>' always share a
 * caller, and loops repeat a few, so the latest ones are tried first. */
static bool recent_caller(struct parser *p, const char *s, size_t n, uint32_t *caller)
{
    size_t i = 0;
    while (i < CALLER_MRU &&
           !(p->caller_len[i] == n && memcmp(p->t->arena + p->caller_text[i], s, n) == 0))
        i++;
    if (i == CALLER_MRU) {
        if (!intern_text(p, s, n, caller))
            return false;
        i = CALLER_MRU - 1;
    } else {
        *caller = p->caller_text[i];
    }
    /* Move to the front. */
    memmove(p->caller_len + 1, p->caller_len, i * sizeof p->caller_len[0]);
    memmove(p->caller_text + 1, p->caller_text, i * sizeof p->caller_text[0]);
    p->caller_len[0] = n;
    p->caller_text[0] = *caller;
    return true;
}

/* Turns a checked mtrace line into its operation (struct op's comment in
 * trace.h): oc is the operation character at column col, a the address (or
 * nil), size the size of '+', '!' and '>'. The line's syntax is checked;
 * what can still fail is memory and the id count. */
static bool mt_emit(struct parser *p, char oc, unsigned col, uint32_t caller, uint64_t a, bool nil,
                    uint64_t size)
{
    struct op op;
    memset(&op, 0, sizeof op);
    op.line = p->lineno;
    op.col = col;
    op.id = TRACE_NO_ID;
    op.id2 = TRACE_NO_ID;
    op.text = caller;
    switch (oc) {
    case '+':
        op.kind = OP_MALLOC;
        op.a = size;
        if (nil)
            op.flags = OP_F_FAILED;
        else if (intern_addr(p, a, &op.id))
            op.flags = OP_F_TOUCH;
        else
            return false;
        return parse_push_op(p, &op);
    case '-':
        op.kind = OP_FREE;
        if (nil)
            op.flags = OP_F_NULL;
        else if (!intern_addr(p, a, &op.id))
            return false;
        return parse_push_op(p, &op);
    case '!':
        op.kind = OP_REALLOC;
        op.a = size;
        op.flags = OP_F_FAILED;
        if (nil)
            op.flags |= OP_F_NULL;
        else if (!intern_addr(p, a, &op.id))
            return false;
        op.id2 = op.id;
        return parse_push_op(p, &op);
    case '<':
        p->pend = true;
        p->pend_line = p->lineno;
        p->pend_col = op.col;
        p->pend_text = caller;
        p->pend_flags = nil ? OP_F_NULL : 0;
        p->pend_id = TRACE_NO_ID;
        if (!nil && !intern_addr(p, a, &p->pend_id))
            return false;
        return true;
    case '>':
        op.kind = OP_REALLOC;
        op.line = p->pend_line;
        op.col = p->pend_col;
        op.text = p->pend_text;
        op.flags = p->pend_flags;
        op.id = p->pend_id;
        op.a = size;
        if (nil) {
            op.flags |= OP_F_FAILED;
            op.id2 = op.id;
        } else if (!intern_addr(p, a, &op.id2)) {
            return false;
        }
        p->pend = false;
        return parse_push_op(p, &op);
    default:
        break;
    }
    return false;
}

/* "0x" and 1 to 16 hex digits at s[i..n), ending at n or at the character
 * stop; returns where it ends (n or the stop), or 0 when the text is not
 * exactly that (the general parser then looks at it). */
static size_t fast_hex(const char *s, size_t i, size_t n, char stop, uint64_t *v)
{
    if (n - i < 3 || s[i] != '0' || s[i + 1] != 'x')
        return 0;
    i += 2;
    size_t b = i;
    uint64_t x = 0;
    unsigned d;
    while (i < n && (d = hex_plus1(s[i])) != 0) {
        x = x << 4 | (d - 1);
        i++;
    }
    if (i == b || i - b > 16 || (i < n && s[i] != stop))
        return 0;
    *v = x;
    return i;
}

/* The common shape of an mtrace line, as glibc writes it, without the
 * general tokenizer: "@ CALLER[0xADDR] OP 0xADDR[ 0xSIZE]" with single
 * spaces. Returns 1 when the line was that (and was handled: false from
 * mt_emit is -1), 0 when it is anything else (nothing changed: the general
 * parser then reads it, and reports its errors). */
static int mtrace_fast(struct parser *p, const char *s, size_t n)
{
    if (n < 12 || s[0] != '@' || s[1] != ' ' || is_blank(s[2]))
        return 0;
    const char *q = memchr(s + 2, ']', n - 2);
    if (q == NULL || (size_t)(q - s) + 1 >= n || q[1] != ' ')
        return 0;
    size_t close = (size_t)(q - s);
    size_t open = close;
    while (open > 2 && s[open] != '[')
        open--;
    uint64_t where, a, size = 0;
    if (s[open] != '[' || fast_hex(s, open + 1, close + 1, ']', &where) != close)
        return 0;
    size_t i = close + 2;
    if (n - i < 5 || s[i + 1] != ' ')
        return 0;
    char oc = s[i];
    unsigned col = (unsigned)(i + 1);
    bool sized = oc == '+' || oc == '!' || oc == '>';
    if (!sized && oc != '-' && oc != '<')
        return 0;
    if ((p->pend && oc != '>') || (!p->pend && oc == '>'))
        return 0;
    i = fast_hex(s, i + 2, n, ' ', &a);
    if (i == 0 || (sized ? i == n : i != n))
        return 0;
    if (sized && fast_hex(s, i + 1, n, ' ', &size) != n)
        return 0;
    uint32_t caller = TRACE_NO_TEXT;
    if (!p->no_callers && !recent_caller(p, s + 2, close - 1, &caller))
        return -1;
    return mt_emit(p, oc, col, caller, a, false, size) ? 1 : -1;
}

/* "= Start" or "= End", the markers glibc writes around the log. */
static bool mt_marker(struct parser *p, struct line *ln)
{
    struct tok eq, w;
    lex_next(ln->s, ln->n, &ln->pos, false, &eq);
    if (eq.n != 1)
        return parse_fail(p, eq.col, eq.s, eq.n, "unknown mtrace line '%.*s'", qlen(eq.n), eq.s);
    if (!lex_next(ln->s, ln->n, &ln->pos, false, &w))
        return parse_fail(p, (unsigned)(ln->pos + 1), "", 0,
                          "expected Start or End after '=', got end of line");
    if (!tok_is(&w, "Start") && !tok_is(&w, "End"))
        return parse_fail(p, w.col, w.s, w.n, "expected Start or End after '=', got '%.*s'",
                          qlen(w.n), w.s);
    if (p->pend)
        return mt_pending_error(p, eq.col, eq.s, eq.n);
    return mt_end(p, ln);
}

/* The "@ CALLER" part at ln->pos (the '@'): its text handle in *caller
 * (TRACE_NO_TEXT when callers are not kept); ln->pos moves past it. */
static bool mt_caller(struct parser *p, struct line *ln, uint32_t *caller)
{
    const char *s = ln->s;
    size_t n = ln->n;
    unsigned at_col = (unsigned)(ln->pos + 1);
    ln->pos++;
    if (ln->pos >= n || !is_blank(s[ln->pos]))
        return parse_fail(p, at_col, s + at_col - 1, 1, "expected a blank after '@'");
    while (ln->pos < n && is_blank(s[ln->pos]))
        ln->pos++;
    /* The caller runs to the first ']' followed by a blank or the end:
     * [0xADDR], FILE:[0xADDR] or FILE:(SYMBOL+OFF)[0xADDR]. */
    size_t b = ln->pos, e = b;
    const char *close = NULL;
    while (e < n) {
        const char *q = memchr(s + e, ']', n - e);
        if (!q)
            break;
        e = (size_t)(q - s) + 1;
        if (e >= n || is_blank(s[e])) {
            close = q;
            break;
        }
    }
    if (!close) {
        size_t tn = n - b;
        while (tn > 0 && is_blank(s[b + tn - 1]))
            tn--;
        return parse_fail(p, (unsigned)(b + 1), s + b, tn,
                          "unterminated caller: expected '[0xADDR]' after '@'");
    }
    const char *open = close;
    while (open > s + b && *open != '[')
        open--;
    uint64_t where;
    size_t clen = (size_t)(close - (s + b)) + 1;
    if (*open != '[' || lex_num(open + 1, (size_t)(close - open - 1), false, &where) != NUM_OK)
        return parse_fail(p, (unsigned)(b + 1), s + b, clen,
                          "expected a caller ending in '[0xADDR]', got '%.*s'",
                          (int)(clen > 60 ? 60 : clen), s + b);
    if (!p->no_callers && !recent_caller(p, s + b, clen, caller))
        return false;
    ln->pos = e;
    while (ln->pos < n && is_blank(s[ln->pos]))
        ln->pos++;
    return true;
}

bool mtrace_line(struct parser *p, const char *s, size_t n)
{
    int fast = mtrace_fast(p, s, n);
    if (fast != 0)
        return fast > 0;
    struct line ln = {s, n, 0};
    while (ln.pos < n && is_blank(s[ln.pos]))
        ln.pos++;
    if (ln.pos >= n || s[ln.pos] == '#')
        return true;
    if (s[ln.pos] == '=')
        return mt_marker(p, &ln);
    uint32_t caller = TRACE_NO_TEXT;
    if (s[ln.pos] == '@' && !mt_caller(p, &ln, &caller))
        return false;

    struct tok o;
    if (!lex_next(s, n, &ln.pos, false, &o))
        return parse_fail(p, (unsigned)(ln.pos + 1), "", 0,
                          "expected an mtrace operation (+, -, <, > or !), got end of line");
    char oc = o.n == 1 ? o.s[0] : '\0';
    if (oc != '+' && oc != '-' && oc != '<' && oc != '>' && oc != '!')
        return parse_fail(p, o.col, o.s, o.n,
                          "expected an mtrace operation (+, -, <, > or !), got '%.*s'", qlen(o.n),
                          o.s);
    if (p->pend && oc != '>')
        return mt_pending_error(p, o.col, o.s, o.n);

    uint64_t a, size = 0;
    bool nil;
    if (!mt_addr(p, &ln, &a, &nil))
        return false;
    if (oc == '>' && !p->pend)
        return parse_fail(p, o.col, o.s, o.n, "a '>' line without a '<' line before it");
    if ((oc == '+' || oc == '!' || oc == '>') && !mt_size(p, &ln, &size))
        return false;
    if (!mt_end(p, &ln))
        return false;
    return mt_emit(p, oc, o.col, caller, a, nil, size);
}
