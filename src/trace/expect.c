/*
 * expect.c - the FACT of an `expect` line (docs/trace-format.md, "Checked
 * lessons"; CONTRACT 2.1): words in, a struct trace_expect out. An expect
 * line is not an operation: it attaches to the last operation before it
 * that is not a `say` (0: the boot), and remembers the last `say` before it
 * (the caption whose claim it checks). What the facts mean on a machine is
 * replay/expect.c's business; this file only reads them.
 */
#include "trace/parser.h"

#include <string.h>

/* The tokens of one fact, with the end of the last one taken (the fact's
 * text runs from the first token to there). */
struct fact {
    struct parser *p;
    struct line *ln;
    const char *end;
};

static bool take(struct fact *f, struct tok *t, const char *what, bool comments)
{
    if (lex_next(f->ln->s, f->ln->n, &f->ln->pos, comments, t)) {
        f->end = t->s + t->n;
        return true;
    }
    return parse_fail(f->p, (unsigned)(f->ln->pos + 1), "", 0, "expected %s, got end of line",
                      what);
}

static bool fact_end(struct fact *f)
{
    struct tok t;
    if (!lex_next(f->ln->s, f->ln->n, &f->ln->pos, true, &t))
        return true;
    return parse_fail(f->p, t.col, t.s, t.n, "unexpected '%.*s', expected end of line", qlen(t.n),
                      t.s);
}

static bool take_num(struct fact *f, const char *what, uint64_t *v)
{
    struct tok t;
    return take(f, &t, what, true) && lex_num_tok(f->p, &t, true, what, v);
}

/* A word out of a list: *k is its index. */
static bool take_word(struct fact *f, const char *const *words, size_t n, const char *what,
                      size_t *k)
{
    struct tok t;
    if (!take(f, &t, what, true))
        return false;
    for (*k = 0; *k < n; (*k)++) {
        if (tok_is(&t, words[*k]))
            return true;
    }
    return parse_fail(f->p, t.col, t.s, t.n, "expected %s, got '%.*s'", what, qlen(t.n), t.s);
}

/* tlb hit | tlb miss | tlb holds 0xVADDR | tlb lacks 0xVADDR */
static bool fact_tlb(struct fact *f, struct trace_expect *e)
{
    static const char *const w[] = {"hit", "miss", "holds", "lacks"};
    static const uint8_t kind[] = {EXPECT_TLB_HIT, EXPECT_TLB_MISS, EXPECT_TLB_HOLDS,
                                   EXPECT_TLB_LACKS};
    size_t k;
    if (!take_word(f, w, 4, "hit, miss, holds or lacks", &k))
        return false;
    e->kind = kind[k];
    if (k >= 2 && !take_num(f, "an address", &e->a))
        return false;
    return true;
}

/* fault 0xERR | fault #GP ('#' is not a comment here: #GP is the word). */
static bool fact_fault(struct fact *f, struct trace_expect *e)
{
    struct tok t;
    if (!take(f, &t, "an error code or #GP", false))
        return false;
    if (tok_is(&t, "#GP")) {
        e->kind = EXPECT_FAULT_GP;
        return true;
    }
    if (t.s[0] == '#')
        return parse_fail(f->p, t.col, t.s, t.n, "expected an error code or #GP, got '%.*s'",
                          qlen(t.n), t.s);
    /* A number token ends at a '#' comment like every other. */
    size_t hash = 0;
    while (hash < t.n && t.s[hash] != '#')
        hash++;
    if (hash < t.n) {
        f->ln->pos -= t.n - hash;
        t.n = hash;
        f->end = t.s + t.n;
    }
    e->kind = EXPECT_FAULT_PF;
    if (!lex_num_tok(f->p, &t, false, "an error code or #GP", &e->a))
        return false;
    if (e->a > UINT32_MAX)
        return parse_fail(f->p, t.col, t.s, t.n,
                          "size out of range: error code '%.*s' is wider than 32 bits", qlen(t.n),
                          t.s);
    return true;
}

/* pa 0xVADDR 0xPADDR | pa 0xVADDR fault */
static bool fact_pa(struct fact *f, struct trace_expect *e)
{
    struct tok t;
    if (!take_num(f, "an address", &e->a) || !take(f, &t, "a physical address or fault", true))
        return false;
    if (tok_is(&t, "fault")) {
        e->kind = EXPECT_PA_FAULT;
        return true;
    }
    e->kind = EXPECT_PA;
    return lex_num_tok(f->p, &t, true, "a physical address or fault", &e->b);
}

static const char *const fact_words[] = {"tlb",    "fault", "nofault", "stale", "pa",
                                         "frames", "heap",  "faults",  "cr0",   "cr2",
                                         "cr3",    "cr4",   "efer"};
#define NFACT (sizeof fact_words / sizeof fact_words[0])

/* Parses the fact after its first word (index k of fact_words). */
static bool fact_rest(struct fact *f, size_t k, struct trace_expect *e)
{
    size_t w;
    switch (k) {
    case 0:
        return fact_tlb(f, e);
    case 1:
        return fact_fault(f, e);
    case 2:
        e->kind = EXPECT_NOFAULT;
        return true;
    case 3:
        e->kind = EXPECT_STALE;
        return true;
    case 4:
        return fact_pa(f, e);
    case 5: {
        static const char *const fw[] = {"used", "free"};
        if (!take_word(f, fw, 2, "used or free", &w))
            return false;
        e->kind = w == 0 ? EXPECT_FRAMES_USED : EXPECT_FRAMES_FREE;
        return take_num(f, "a number of frames", &e->a);
    }
    case 6: {
        static const char *const hw[] = {"live"};
        if (!take_word(f, hw, 1, "live", &w))
            return false;
        e->kind = EXPECT_HEAP_LIVE;
        return take_num(f, "a number of blocks", &e->a);
    }
    case 7:
        e->kind = EXPECT_FAULTS;
        return take_num(f, "a number of faults", &e->a);
    default:
        e->kind = EXPECT_REG;
        e->reg = (uint8_t)(EXPECT_CR0 + (k - 8));
        return take_num(f, "a register value", &e->a);
    }
}

bool expect_line(struct parser *p, struct line *ln, const struct tok *w)
{
    struct fact f = {p, ln, NULL};
    struct tok t;
    struct trace_expect e;
    memset(&e, 0, sizeof e);
    if (!lex_next(ln->s, ln->n, &ln->pos, true, &t))
        return parse_fail(p, (unsigned)(ln->pos + 1), "", 0,
                          "expected a fact after '%.*s' (tlb, fault, nofault, stale, pa, frames, "
                          "heap, faults, cr0, cr2, cr3, cr4 or efer), got end of line",
                          qlen(w->n), w->s);
    size_t k;
    for (k = 0; k < NFACT; k++) {
        if (tok_is(&t, fact_words[k]))
            break;
    }
    if (k == NFACT)
        return parse_fail(p, t.col, t.s, t.n,
                          "unknown fact '%.*s', expected tlb, fault, nofault, stale, pa, frames, "
                          "heap, faults, cr0, cr2, cr3, cr4 or efer",
                          qlen(t.n), t.s);
    f.end = t.s + t.n;
    e.line = p->lineno;
    e.col = t.col;
    e.op = p->last_act;
    e.say = p->last_say;
    if (!fact_rest(&f, k, &e) || !fact_end(&f))
        return false;
    if (!parse_arena_add(p, t.s, (size_t)(f.end - t.s), &e.text))
        return false;
    struct trace *tr = p->t;
    if (!parse_grow((void **)&tr->expects, &p->expects_cap, tr->nexpects + 1, sizeof e))
        return parse_nomem(p);
    tr->expects[tr->nexpects++] = e;
    return true;
}
