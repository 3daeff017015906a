/*
 * native.c - the native trace format (CONTRACT 2.1, docs/trace-format.md),
 * one line at a time: configuration lines (ram, paging, tlb, reserve,
 * identity) fill the trace's struct trace_config, operation lines become
 * struct op. Lines arrive checked for NUL and UTF-8 (lex_check_text).
 */
#include "trace/parser.h"

#include <stdio.h>
#include <string.h>

/* ---------- the native format ---------- */

enum directive {
    D_RAM,
    D_PAGING,
    D_TLB,
    D_RESERVE,
    D_IDENTITY,
    D_MALLOC,
    D_CALLOC,
    D_REALLOC,
    D_FREE,
    D_READ,
    D_WRITE,
    D_SAY,
    D_PROTECT,
    D_INVLPG,
    D_CR3,
    D_CR0,
    D_CR4,
    D_EXEC,
    D_EXPECT,
};

static const struct {
    const char *word;
    enum directive d;
} directives[] = {
    {"ram", D_RAM},           {"paging", D_PAGING}, {"tlb", D_TLB},       {"reserve", D_RESERVE},
    {"identity", D_IDENTITY}, {"malloc", D_MALLOC}, {"calloc", D_CALLOC}, {"realloc", D_REALLOC},
    {"free", D_FREE},         {"read", D_READ},     {"write", D_WRITE},   {"say", D_SAY},
    {"protect", D_PROTECT},   {"invlpg", D_INVLPG}, {"cr3", D_CR3},       {"cr0", D_CR0},
    {"cr4", D_CR4},           {"exec", D_EXEC},     {"expect", D_EXPECT},
};

/* Takes the next token or fails naming what was expected. */
static bool want(struct parser *p, struct line *ln, struct tok *t, const char *what)
{
    if (lex_next(ln->s, ln->n, &ln->pos, true, t))
        return true;
    return parse_fail(p, (unsigned)(ln->pos + 1), "", 0, "expected %s, got end of line", what);
}

static bool optional(struct line *ln, struct tok *t)
{
    return lex_next(ln->s, ln->n, &ln->pos, true, t);
}

static bool want_end(struct parser *p, struct line *ln)
{
    struct tok t;
    if (!lex_next(ln->s, ln->n, &ln->pos, true, &t))
        return true;
    return parse_fail(p, t.col, t.s, t.n, "unexpected '%.*s', expected end of line", qlen(t.n),
                      t.s);
}

static bool want_num(struct parser *p, struct line *ln, const char *what, uint64_t *v,
                     struct tok *t)
{
    return want(p, ln, t, what) && lex_num_tok(p, t, true, what, v);
}

/* A number that must lie in [lo, hi]. */
static bool want_size(struct parser *p, struct line *ln, const char *what, uint64_t lo, uint64_t hi,
                      uint64_t *v)
{
    struct tok t;
    if (!want_num(p, ln, what, v, &t))
        return false;
    if (*v < lo || *v > hi)
        return parse_fail(p, t.col, t.s, t.n, "size out of range: '%.*s' (%s must be %llu..%llu)",
                          qlen(t.n), t.s, what, (unsigned long long)lo, (unsigned long long)hi);
    return true;
}

static bool valid_id(const struct tok *t)
{
    char c = t->s[0];
    if (!is_alpha(c) && c != '_' && c != '$')
        return false;
    for (size_t i = 1; i < t->n; i++) {
        c = t->s[i];
        if (!is_alpha(c) && !is_digit(c) && c != '_' && c != '.' && c != '$')
            return false;
    }
    return true;
}

static bool id_tok(struct parser *p, const struct tok *t, uint32_t *id)
{
    if (is_digit(t->s[0]))
        return parse_fail(p, t->col, t->s, t->n,
                          "expected an id, got the number '%.*s' (a number is never an id)",
                          qlen(t->n), t->s);
    if (!valid_id(t))
        return parse_fail(p, t->col, t->s, t->n,
                          "expected an id (a letter, '_' or '$', then letters, digits, '_', '.' "
                          "or '$'), got '%.*s'",
                          qlen(t->n), t->s);
    return intern_name(p, t->s, t->n, id);
}

static bool want_id(struct parser *p, struct line *ln, uint32_t *id)
{
    struct tok t;
    return want(p, ln, &t, "an id") && id_tok(p, &t, id);
}

/* Optional LABEL at the end of reserve/identity. */
static bool range_label(struct parser *p, struct line *ln, uint32_t *label)
{
    struct tok t;
    *label = TRACE_NO_TEXT;
    if (!optional(ln, &t))
        return true;
    if (!intern_text(p, t.s, t.n, label))
        return false;
    return want_end(p, ln);
}

/* ram SIZE */
static bool native_ram(struct parser *p, struct line *ln)
{
    struct trace_config *cfg = &p->t->cfg;
    struct tok t;
    uint64_t v;
    if (!want_num(p, ln, "a RAM size", &v, &t))
        return false;
    struct limits_fault f = limits_ram(v);
    if (f.rule != LIMITS_OK)
        return parse_fail(p, t.col, t.s, t.n, "%s, got '%.*s'",
                          limits_words(f.rule, LIMITS_AS_LINE), qlen(t.n), t.s);
    cfg->ram = v;
    cfg->has_ram = true;
    cfg->ram_line = p->lineno;
    cfg->ram_col = t.col;
    return want_end(p, ln);
}

/* paging MODE: the word as trace_paging_parse reads it. */
static bool native_paging(struct parser *p, struct line *ln)
{
    struct trace_config *cfg = &p->t->cfg;
    struct tok t;
    if (!want(p, ln, &t, "a paging mode (32, pse, pae or long)"))
        return false;
    char word[8];
    enum paging_mode pg;
    bool ok = t.n < sizeof word;
    if (ok) {
        memcpy(word, t.s, t.n);
        word[t.n] = '\0';
        ok = trace_paging_parse(word, &pg);
    }
    if (!ok)
        return parse_fail(p, t.col, t.s, t.n,
                          "unknown paging mode '%.*s', expected 32, pse, pae or long", qlen(t.n),
                          t.s);
    cfg->paging = pg;
    cfg->has_paging = true;
    cfg->paging_line = p->lineno;
    cfg->paging_col = t.col;
    return want_end(p, ln);
}

/* tlb ENTRIES [WAYS] */
static bool native_tlb(struct parser *p, struct line *ln)
{
    struct trace_config *cfg = &p->t->cfg;
    struct tok t, t2;
    uint64_t v, v2;
    if (!want_num(p, ln, "a number of TLB entries", &v, &t))
        return false;
    if (optional(ln, &t2)) {
        if (!lex_num_tok(p, &t2, true, "a number of TLB ways", &v2))
            return false;
    } else {
        t2 = t;
        v2 = limits_tlb_default_ways(v);
    }
    struct limits_fault f = limits_tlb(v, v2);
    if (f.rule != LIMITS_OK) {
        /* The ways are blamed where given; else the entries they follow from. */
        const struct tok *bad = f.field == LIMITS_FIELD_TLB_WAYS ? &t2 : &t;
        return parse_fail(p, bad->col, bad->s, bad->n, "bad TLB geometry %llu:%llu: %s",
                          (unsigned long long)v, (unsigned long long)v2,
                          limits_words(f.rule, LIMITS_AS_LINE));
    }
    cfg->tlb_entries = (unsigned)v;
    cfg->tlb_ways = (unsigned)v2;
    cfg->has_tlb = true;
    cfg->tlb_line = p->lineno;
    cfg->tlb_col = t.col;
    return want_end(p, ln);
}

/* reserve START END [LABEL] (identity false) or identity START LEN [LABEL]. */
static bool native_range(struct parser *p, struct line *ln, bool identity)
{
    struct trace_config *cfg = &p->t->cfg;
    struct tok t, t2;
    uint64_t v, v2;
    struct trace_range r;
    if (!want_num(p, ln, "a start address", &v, &t) ||
        !want_num(p, ln, identity ? "a length" : "an end address", &v2, &t2))
        return false;
    if (!identity && v2 <= v)
        return parse_fail(p, t2.col, t2.s, t2.n,
                          "size out of range: reserve end '%.*s' must be above its start",
                          qlen(t2.n), t2.s);
    if (identity && v2 == 0)
        return parse_fail(p, t2.col, t2.s, t2.n,
                          "size out of range: identity length must not be 0");
    if (identity && v2 - 1 > UINT64_MAX - v)
        return parse_fail(p, t2.col, t2.s, t2.n,
                          "size out of range: start + length overflows 64 bits ('%.*s')",
                          qlen(t2.n), t2.s);
    r.start = v;
    r.len = identity ? v2 : v2 - v;
    r.line = p->lineno;
    r.col = t.col;
    if (!range_label(p, ln, &r.label))
        return false;
    if (identity)
        return parse_push_range(p, &cfg->identity, &cfg->nidentity, &r);
    return parse_push_range(p, &cfg->reserve, &cfg->nreserve, &r);
}

/* A configuration line: before the first operation. */
static bool native_config(struct parser *p, enum directive d, struct line *ln, const struct tok *w)
{
    if (p->ops_begun)
        return parse_fail(p, w->col, w->s, w->n,
                          "configuration line after the first operation: '%.*s' must come before "
                          "any operation",
                          qlen(w->n), w->s);
    switch (d) {
    case D_RAM:
        return native_ram(p, ln);
    case D_PAGING:
        return native_paging(p, ln);
    case D_TLB:
        return native_tlb(p, ln);
    case D_RESERVE:
    case D_IDENTITY:
        return native_range(p, ln, d == D_IDENTITY);
    case D_MALLOC:
    case D_CALLOC:
    case D_REALLOC:
    case D_FREE:
    case D_READ:
    case D_WRITE:
    case D_SAY:
    case D_PROTECT:
    case D_INVLPG:
    case D_CR3:
    case D_CR0:
    case D_CR4:
    case D_EXEC:
    case D_EXPECT:
        break;
    }
    return false;
}

/* The trailing modifier of read/write/exec: `user` (a CPL-3 access), then the
 * end of the line. t, when not NULL, is a token already taken. */
static bool access_modifier(struct parser *p, struct line *ln, struct op *op, const struct tok *t)
{
    struct tok u;
    if (t == NULL) {
        if (!optional(ln, &u))
            return true;
        t = &u;
    }
    if (!tok_is(t, "user"))
        return parse_fail(p, t->col, t->s, t->n,
                          "unexpected '%.*s', expected 'user' or end of line", qlen(t->n), t->s);
    op->flags |= OP_F_USER;
    return want_end(p, ln);
}

/* The target of read/write/exec/invlpg: ID OFFSET or ADDR. */
static bool access_target(struct parser *p, struct line *ln, struct op *op, struct tok *t)
{
    if (!want(p, ln, t, "an id or an address"))
        return false;
    if (is_digit(t->s[0])) {
        op->flags |= OP_F_RAW;
        return lex_num_tok(p, t, true, "an address", &op->a);
    }
    if (!valid_id(t))
        return parse_fail(p, t->col, t->s, t->n, "expected an id or an address, got '%.*s'",
                          qlen(t->n), t->s);
    if (!id_tok(p, t, &op->id))
        return false;
    return want_num(p, ln, "an offset", &op->a, t);
}

/* read/write: ID OFFSET [LEN] [user] or ADDR [LEN] [user]; exec (has_len
 * false): ID OFFSET [user] or ADDR [user], one byte. */
static bool native_access(struct parser *p, struct line *ln, struct op *op, bool has_len)
{
    struct tok t;
    if (!access_target(p, ln, op, &t))
        return false;
    op->b = 1;
    struct tok lt = t;
    size_t save = ln->pos;
    bool more = optional(ln, &lt);
    if (more && has_len && !tok_is(&lt, "user")) {
        uint64_t v;
        if (!is_digit(lt.s[0]))
            return parse_fail(p, lt.col, lt.s, lt.n, "expected a length or 'user', got '%.*s'",
                              qlen(lt.n), lt.s);
        ln->pos = save;
        if (!want_size(p, ln, "a length", 0, MAX_LEN, &v))
            return false;
        op->b = v;
        more = false;
    }
    /* An id's offset and length are the program's (out of bounds is a
     * diagnostic); raw bytes past 2^64 - 1 are in no address space. */
    if ((op->flags & OP_F_RAW) && op->b > 0 && op->b - 1 > UINT64_MAX - op->a)
        return parse_fail(p, lt.col, lt.s, lt.n, "size out of range: the access runs past 2^64");
    return access_modifier(p, ln, op, more ? &lt : NULL);
}

/* A word out of two choices: sets *first when it is `a`, clears it for `b`;
 * anything else is "expected A or B, got 'X'". */
static bool want_choice(struct parser *p, struct line *ln, const char *a, const char *b,
                        bool *first)
{
    struct tok t;
    char what[32];
    snprintf(what, sizeof what, "%s or %s", a, b);
    if (!want(p, ln, &t, what))
        return false;
    if (tok_is(&t, a) || tok_is(&t, b)) {
        *first = tok_is(&t, a);
        return true;
    }
    return parse_fail(p, t.col, t.s, t.n, "expected %s, got '%.*s'", what, qlen(t.n), t.s);
}

/* protect ID ro|rw [noinvlpg] or protect ADDR LEN ro|rw [noinvlpg]. */
static bool native_protect(struct parser *p, struct line *ln, struct op *op)
{
    struct tok t;
    if (!want(p, ln, &t, "an id or an address"))
        return false;
    if (is_digit(t.s[0])) {
        op->flags |= OP_F_RAW;
        if (!lex_num_tok(p, &t, true, "an address", &op->a))
            return false;
        struct tok lt;
        size_t save = ln->pos;
        if (!want(p, ln, &lt, "a length"))
            return false;
        ln->pos = save;
        if (!want_size(p, ln, "a length", 1, MAX_LEN, &op->b))
            return false;
        if (op->b - 1 > UINT64_MAX - op->a)
            return parse_fail(p, lt.col, lt.s, lt.n, "size out of range: the range runs past 2^64");
    } else {
        if (!valid_id(&t))
            return parse_fail(p, t.col, t.s, t.n, "expected an id or an address, got '%.*s'",
                              qlen(t.n), t.s);
        if (!id_tok(p, &t, &op->id))
            return false;
    }
    bool ro;
    if (!want_choice(p, ln, "ro", "rw", &ro))
        return false;
    if (ro)
        op->flags |= OP_F_RO;
    struct tok m;
    if (optional(ln, &m)) {
        if (!tok_is(&m, "noinvlpg"))
            return parse_fail(p, m.col, m.s, m.n,
                              "unexpected '%.*s', expected 'noinvlpg' or end of line", qlen(m.n),
                              m.s);
        op->flags |= OP_F_NOINVLPG;
    }
    return want_end(p, ln);
}

/* invlpg ID [OFFSET] or invlpg ADDR. */
static bool native_invlpg(struct parser *p, struct line *ln, struct op *op)
{
    struct tok t;
    if (!want(p, ln, &t, "an id or an address"))
        return false;
    if (is_digit(t.s[0])) {
        op->flags |= OP_F_RAW;
        return lex_num_tok(p, &t, true, "an address", &op->a) && want_end(p, ln);
    }
    if (!valid_id(&t))
        return parse_fail(p, t.col, t.s, t.n, "expected an id or an address, got '%.*s'", qlen(t.n),
                          t.s);
    if (!id_tok(p, &t, &op->id))
        return false;
    struct tok o;
    size_t save = ln->pos;
    if (optional(ln, &o)) {
        ln->pos = save;
        struct tok ot;
        if (!want_num(p, ln, "an offset", &op->a, &ot))
            return false;
    }
    return want_end(p, ln);
}

/* cr3 reload; cr0 wp on|off; cr4 pge on|off. */
static bool native_cr(struct parser *p, struct line *ln, enum directive d, struct op *op)
{
    struct tok t;
    const char *word = d == D_CR3 ? "reload" : d == D_CR0 ? "wp" : "pge";
    if (!want(p, ln, &t, word))
        return false;
    if (!tok_is(&t, word))
        return parse_fail(p, t.col, t.s, t.n, "expected %s, got '%.*s'", word, qlen(t.n), t.s);
    if (d == D_CR3) {
        op->kind = OP_CR3_RELOAD;
        return true;
    }
    op->kind = d == D_CR0 ? OP_CR0_WP : OP_CR4_PGE;
    bool on;
    if (!want_choice(p, ln, "on", "off", &on))
        return false;
    op->a = on ? 1 : 0;
    return true;
}

/* say CAPTION: the caption is the rest of the line after one separator,
 * verbatim. w is the word `say`. */
static bool native_say(struct parser *p, const struct line *ln, const struct tok *w, struct op *op)
{
    size_t b = (size_t)(w->s - ln->s) + w->n;
    if (b < ln->n)
        b++;
    op->kind = OP_SAY;
    if (!parse_arena_add(p, ln->s + b, ln->n - b, &op->text))
        return false;
    p->ops_begun = true;
    p->last_say = ++p->native_ops;
    return parse_push_op(p, op);
}

bool native_line(struct parser *p, const char *s, size_t n)
{
    struct line ln = {s, n, 0};
    struct tok w;
    if (!lex_next(s, n, &ln.pos, true, &w))
        return true; /* blank or comment */
    size_t k, nd = sizeof directives / sizeof directives[0];
    for (k = 0; k < nd; k++) {
        if (tok_is(&w, directives[k].word))
            break;
    }
    if (k == nd)
        return parse_fail(p, w.col, w.s, w.n,
                          "unknown directive '%.*s', expected ram, paging, tlb, reserve, identity, "
                          "malloc, calloc, realloc, free, read, write, exec, say, expect, protect, "
                          "invlpg, cr3, cr0 or cr4",
                          qlen(w.n), w.s);
    enum directive d = directives[k].d;
    struct op op = {0};
    struct tok vt;
    op.col = w.col;
    op.line = p->lineno;
    op.id = TRACE_NO_ID;
    op.id2 = TRACE_NO_ID;
    op.text = TRACE_NO_TEXT;
    switch (d) {
    case D_RAM:
    case D_PAGING:
    case D_TLB:
    case D_RESERVE:
    case D_IDENTITY:
        return native_config(p, d, &ln, &w);
    case D_MALLOC:
        op.kind = OP_MALLOC;
        if (!want_id(p, &ln, &op.id) || !want_num(p, &ln, "a size", &op.a, &vt))
            return false;
        break;
    case D_CALLOC:
        op.kind = OP_CALLOC;
        /* A product past 2^64 is calloc's failure (NULL), not bad input. */
        if (!want_id(p, &ln, &op.id) || !want_num(p, &ln, "a count", &op.a, &vt) ||
            !want_num(p, &ln, "a size", &op.b, &vt))
            return false;
        break;
    case D_REALLOC:
        op.kind = OP_REALLOC;
        if (!want_id(p, &ln, &op.id) || !want_num(p, &ln, "a size", &op.a, &vt))
            return false;
        op.id2 = op.id;
        break;
    case D_FREE:
        op.kind = OP_FREE;
        if (!want_id(p, &ln, &op.id))
            return false;
        break;
    case D_READ:
    case D_WRITE:
        op.kind = d == D_READ ? OP_READ : OP_WRITE;
        if (!native_access(p, &ln, &op, true))
            return false;
        break;
    case D_EXEC:
        op.kind = OP_EXEC;
        if (!native_access(p, &ln, &op, false))
            return false;
        break;
    case D_PROTECT:
        op.kind = OP_PROTECT;
        if (!native_protect(p, &ln, &op))
            return false;
        break;
    case D_INVLPG:
        op.kind = OP_INVLPG;
        if (!native_invlpg(p, &ln, &op))
            return false;
        break;
    case D_CR3:
    case D_CR0:
    case D_CR4:
        if (!native_cr(p, &ln, d, &op))
            return false;
        break;
    case D_SAY:
        return native_say(p, &ln, &w, &op);
    case D_EXPECT:
        return expect_line(p, &ln, &w);
    }
    if (!want_end(p, &ln))
        return false;
    p->ops_begun = true;
    p->last_act = ++p->native_ops;
    return parse_push_op(p, &op);
}
