/*
 * view_translate.c - the Translation view: the memory access the machine
 * made at the cursor, taken apart the way the MMU took it apart (SDM Vol.
 * 3A 4.3-4.5, figures 4-2..4-10): the linear address split into the fields
 * of the paging mode for the page size the walk found, the TLB's answer
 * (4.10.2), the walk as the hardware read it (each entry as read, and the
 * A/D bits it set, 4.8), the physical address or the fault with its error
 * code decoded bit by bit (4.7) and CR2.
 *
 * What is shown is what happened: the record the timeline keeps
 * (replay/access.h, timeline_last_access), or, while stepping into an
 * operation, that record fed with the events revealed so far. An operation
 * that made no access says so and shows the last access with its
 * operation. The only probe of the tables now is the word of the tables
 * beside a stale TLB hit, labelled so. An address typed after `t` is a
 * probe (timeline_translate: no A/D, no TLB fill), labelled so. In quiz
 * mode (Q) the question is such a probe: until the student answers, only
 * the address, the access, CR3 and the fields are drawn; then everything,
 * under the verdict quiz_ui_judge() writes.
 *
 * Every row fits the pane's width: a split packs its fields as the width
 * allows, a walk row drops what it can spare (translate_fmt_step), and
 * long sentences wrap.
 *
 * Gathering (translate_gather: which access, which probe), formatting
 * (translate_format_rows, pure) and painting (view.c, generic) are
 * separate steps.
 */
#include "view_translate.h"

#include <inttypes.h>
#include <string.h>

#include "quiz_ui.h"
#include "sim/cpu.h"
#include "sim/x86.h"

/* True when ev is a translation (a program access, a fault, or a TLB lookup
 * of the heap's own metadata accesses); fills the address and access kind.
 * *known is false when the event does not say the kind (TLB lookups). For
 * the quiz's question after a step. */
static bool access_of(const struct event *ev, uint64_t *va, enum mmu_access *acc, bool *user,
                      bool *known)
{
    switch ((int)ev->kind) {
    case EV_ACCESS:
        *va = ev->va;
        *acc = ev->extra <= MMU_EXEC ? (enum mmu_access)ev->extra : MMU_READ;
        *user = ev->code == 3;
        *known = true;
        return true;
    case EV_FAULT:
        if (ev->reason == FAULT_NONE)
            return false; /* a refused control-register write */
        *va = ev->va;
        *acc = (ev->code & X86_PF_ID) ? MMU_EXEC : (ev->code & X86_PF_W) ? MMU_WRITE : MMU_READ;
        *user = (ev->code & X86_PF_U) != 0;
        *known = ev->extra != X86_VEC_GP;
        return true;
    case EV_TLB_HIT:
    case EV_TLB_MISS:
        *va = ev->va;
        *acc = MMU_READ;
        *user = false;
        *known = false;
        return true;
    default:
        return false;
    }
}

bool view_translate_current_access(const struct ui *ui, bool last_only, uint64_t *va,
                                   enum mmu_access *acc, bool *user, bool *known)
{
    size_t n;
    const struct event *ev = ui_events(ui, &n);
    for (size_t i = n; i-- > 0;) {
        if (access_of(&ev[i], va, acc, user, known))
            return true;
        if (last_only)
            return false;
    }
    return false;
}

/* --- gathering ----------------------------------------------------------------- */

/* The access at the cursor: the timeline's record, or, stepping into the
 * operation, the record before it fed with the events revealed so far. */
static void gather_access(const struct ui *ui, struct translate_shown *s)
{
    const struct timeline *tl = ui->tl;
    const struct access_record *r = timeline_last_access(tl);
    /* The operation's whole count, as the status line's "ev j/M" (the
     * timeline's events stop at the cursor's). */
    size_t nall = (size_t)timeline_event_count(tl);
    if (ui->micro && s->op > 0) {
        size_t n;
        const struct event *ev = ui_events(ui, &n);
        const struct access_record *b = timeline_access_before_op(tl);
        if (b != NULL)
            s->acc = *b;
        for (size_t i = 0; i < n; i++)
            access_feed(&s->acc, ui->mode.paging, s->op, i + 1, &ev[i]);
        s->ev = n;
        s->nev = nall;
    } else if (r != NULL) {
        s->acc = *r;
    }
    if (!s->acc.valid)
        return;
    s->source = s->acc.op == s->op ? TR_ACCESS : TR_EARLIER;
    size_t n;
    const struct event *ev = ui_events(ui, &n);
    for (size_t i = 0; i < n; i++) {
        s->lookups += ev[i].kind == EV_TLB_HIT || ev[i].kind == EV_TLB_MISS;
        s->misses += ev[i].kind == EV_TLB_MISS;
    }
    const struct op *o = timeline_op(tl, s->acc.op);
    bool rw = o != NULL && (o->kind == OP_READ || o->kind == OP_WRITE || o->kind == OP_EXEC);
    s->program = s->acc.program || rw;
    if (rw && !s->acc.kind_known) {
        /* A #GP says nothing of the access: the operation does. */
        s->acc.access = o->kind == OP_READ ? MMU_READ : o->kind == OP_WRITE ? MMU_WRITE : MMU_EXEC;
        s->acc.user = (o->flags & OP_F_USER) != 0;
        s->acc.kind_known = true;
    }
    s->stale = access_stale(&s->acc, ui_machine(ui), &s->now);
}

void translate_gather(const struct ui *ui, struct translate_state *ts, struct translate_shown *s)
{
    memset(s, 0, sizeof *s);
    const struct cpu *c = machine_cpu(ui_machine(ui));
    s->cr3 = c->cr3;
    s->cr2 = c->cr2;
    s->known = true;
    s->quiz = ts->quiz_state;
    s->answer = ts->quiz_answer;
    s->quiz_right = ui->quiz_right;
    s->quiz_asked = ui->quiz_asked;
    s->op = timeline_pos(ui->tl);
    const struct op *o = timeline_op(ui->tl, s->op);
    s->op_name = o != NULL ? trace_op_name((enum op_kind)o->kind) : NULL;
    if (ts->quiz_state != UI_QUIZ_IDLE) {
        s->source = ts->quiz_from_step ? TR_QUIZ_STEP : TR_QUIZ_TYPED;
        s->op = ts->quiz_op;
        s->known = ts->quiz_known;
        s->pr = ts->quiz_pr;
    } else if (ts->typed) {
        s->source = TR_TYPED;
        timeline_translate(ui->tl, ts->probe.va, ts->probe.access, ts->probe.user, &s->pr);
        ts->probe = s->pr;
    } else {
        gather_access(ui, s);
    }
}

/* --- formatting ----------------------------------------------------------------- */
/* Puts l from row *y on, wrapped at spaces to width (continuation rows
 * indented by two), so a sentence is read whole on a narrow terminal. */
static void put_wrapped(struct view_rows *out, int width, int *y, const struct fmt_line *l)
{
    struct fmt_line rows[FMT_LINE_MAX / 8 + 1]; /* width is at least 8 */
    int n = fmt_wrap_line(rows, (int)(sizeof rows / sizeof rows[0]), width, 2, l);
    for (int i = 0; i < n && *y <= out->max; i++)
        view_put(out, (*y)++, &rows[i]);
}

/* Puts l (wrapped to width) from row *y on and empties l. */
static void put_next(struct view_rows *out, int width, int *y, struct fmt_line *l)
{
    if (l->len == 0)
        view_put(out, (*y)++, l);
    else
        put_wrapped(out, width, y, l);
    fmt_line_clear(l);
}

static const char *who(bool user)
{
    return user ? "user" : "supervisor";
}

/* "write 0xd0000020, 100 bytes (supervisor)" or, for the kernel's own
 * access to the heap's metadata, "heap metadata write 0xd0000008
 * (supervisor)": what the record says of the access. */
static void put_access_words(struct fmt_line *l, const struct translate_shown *s)
{
    const struct access_record *a = &s->acc;
    const char *kind = a->kind_known ? mmu_access_name((enum mmu_access)a->access) : "access";
    if (!s->program)
        fmt_put(l, UI_NORMAL, " heap metadata %s 0x%" PRIx64, kind, a->va);
    else
        fmt_put(l, UI_NORMAL, " %s 0x%" PRIx64, kind, a->va);
    if (a->size > 0)
        fmt_put(l, UI_NORMAL, ", %" PRIu64 " byte%s", a->size, a->size == 1 ? "" : "s");
    fmt_put(l, UI_NORMAL, " (%s)", who(a->user));
}

/* "op 9" or, stepping into it, "op 9 ev 3/12". */
static void put_when(struct fmt_line *l, enum ui_role role, const struct translate_shown *s)
{
    fmt_put(l, role, "op %" PRIu64, s->op);
    if (s->nev > 0)
        fmt_put(l, role, " ev %zu/%zu", s->ev, s->nev);
}

/* The heading: what is shown and when it happened. Returns false when
 * there is nothing to show. */
static bool format_heading(const struct translate_shown *s, int width, struct view_rows *out,
                           int *y)
{
    struct fmt_line l;
    fmt_line_clear(&l);
    switch (s->source) {
    case TR_NONE:
        if (s->op > 0) {
            put_when(&l, UI_DIM, s);
            fmt_put(&l, UI_DIM, ": ");
        }
        fmt_put(&l, UI_DIM, "no access yet: step the trace, or press t to type an address");
        put_next(out, width, y, &l);
        return false;
    case TR_ACCESS:
        put_when(&l, UI_TITLE, s);
        fmt_put(&l, UI_TITLE, ":");
        put_access_words(&l, s);
        if (s->lookups > 1) {
            put_next(out, width, y, &l);
            fmt_put(&l, UI_DIM,
                    "the last of %u TLB lookups in op %" PRIu64 "%s (%u hit%s, %u miss%s)",
                    s->lookups, s->op, s->nev > 0 ? " so far" : "", s->lookups - s->misses,
                    s->lookups - s->misses == 1 ? "" : "s", s->misses, s->misses == 1 ? "" : "es");
        }
        break;
    case TR_EARLIER:
        put_when(&l, UI_DIM, s);
        if (s->nev > 0 && s->ev < s->nev)
            fmt_put(&l, UI_DIM, ": no memory access yet in this operation");
        else
            fmt_put(&l, UI_DIM, " (%s) made no memory access", s->op_name ? s->op_name : "boot");
        put_next(out, width, y, &l);
        fmt_put(&l, UI_TITLE, "last access, op %" PRIu64 ":", s->acc.op);
        put_access_words(&l, s);
        break;
    case TR_TYPED:
    case TR_QUIZ_STEP:
    case TR_QUIZ_TYPED:
        if (s->source != TR_TYPED)
            fmt_put(&l, UI_TITLE, "quiz: ");
        fmt_put(&l, UI_TITLE, "probe of 0x%" PRIx64 " at op %" PRIu64 ":", s->pr.va, s->op);
        fmt_put(&l, UI_DIM, " no A/D, no TLB fill");
        put_next(out, width, y, &l);
        fmt_put(&l, UI_NORMAL, "%s, %s; the tables as they are now",
                s->known ? mmu_access_name(s->pr.access) : "lookup", who(s->pr.user));
        if (!s->known)
            fmt_put(&l, UI_DIM, " (probed as a read)");
        break;
    }
    put_next(out, width, y, &l);
    return true;
}

void translate_fmt_split(struct view_rows *out, int *y, const struct fmt_mode *m,
                         uint64_t page_size, uint64_t va, int width)
{
    struct fmt_field f[PAGING_MAX_LEVELS + 1];
    unsigned nf = fmt_addr_fields(m, page_size != 0 ? page_size : X86_PAGE_SIZE, va, f);
    struct fmt_line l;
    fmt_line_clear(&l);
    int bits = (int)m->va_bits + (int)nf - 1;
    int sign = m->g->canonical ? (int)(64 - m->va_bits) / 4 + 6 : 0; /* "sign ffff " */
    if (bits <= width) {
        if (sign > 0 && bits + sign <= width)
            fmt_put(&l, UI_DIM, "sign %0*" PRIx64 " ", (int)(64 - m->va_bits) / 4,
                    va >> m->va_bits);
        fmt_addr_binary(&l, f, nf);
        view_put(out, (*y)++, &l);
        fmt_line_clear(&l);
    }
    /* The fields: in one row as "PDE 31:22 = 832 (0x340)" when they fit,
     * else "PDE 31:22=832", as many to a row as fit. */
    char item[PAGING_MAX_LEVELS + 1][64];
    int total = 0;
    for (int pass = 0; pass < 2; pass++) {
        total = 0;
        for (unsigned i = 0; i < nf; i++) {
            bool off = i + 1 == nf;
            if (pass == 0)
                snprintf(item[i], sizeof item[i], "%s %u:%u = %" PRIu64 " (0x%" PRIx64 ")",
                         f[i].name, f[i].hi, f[i].lo, f[i].value, f[i].value);
            else if (off)
                snprintf(item[i], sizeof item[i], "%s %u:0=0x%" PRIx64, f[i].name, f[i].hi,
                         f[i].value);
            else
                snprintf(item[i], sizeof item[i], "%s %u:%u=%" PRIu64, f[i].name, f[i].hi, f[i].lo,
                         f[i].value);
            total += (int)strlen(item[i]) + (i > 0 ? 3 : 0);
        }
        if (total <= width)
            break;
    }
    for (unsigned i = 0; i < nf; i++) {
        enum ui_role role =
            i + 1 == nf ? UI_FIELD_OFF : (enum ui_role)(UI_FIELD0 + (i < 3 ? i : 3));
        int need = (int)strlen(item[i]) + (l.len > 0 ? 3 : 0);
        if (l.len > 0 && l.len + need > width) {
            view_put(out, (*y)++, &l);
            fmt_line_clear(&l);
        }
        if (l.len > 0)
            fmt_put(&l, UI_DIM, " | ");
        fmt_put(&l, role, "%s", item[i]);
    }
    view_put(out, (*y)++, &l);
}

/* The forms of a walk row, widest first: indented with the entry's
 * address and value; not indented; the value only; neither. */
#define STEP_FORMS 4

static void step_form(struct fmt_line *l, const struct fmt_mode *m, unsigned maxphyaddr,
                      unsigned depth, const struct access_step *st, int form)
{
    enum walk_level lvl = (enum walk_level)(st->level & 3);
    enum ui_role role = (enum ui_role)(UI_FIELD0 + (depth < 3 ? depth : 3));
    char flags[11];
    fmt_entry_flags(m, lvl, st->entry, flags);
    bool p = (st->entry & X86_PTE_P) != 0;
    fmt_line_clear(l);
    if (form == 0)
        fmt_put(l, role, "%*s", (int)depth * 2, "");
    fmt_put(l, role, "%s[%u]", mmu_level_name(lvl), st->index);
    if (form <= 1)
        fmt_put(l, UI_NORMAL, " @0x%" PRIx64, st->entry_addr);
    if (form <= 2)
        fmt_put(l, UI_NORMAL, " = 0x%0*" PRIx64, (int)m->entry_bytes * 2, st->entry);
    fmt_put(l, p ? UI_PRESENT : UI_NOTPRESENT, " %s", flags);
    if (p)
        fmt_put(l, UI_NORMAL, " -> 0x%" PRIx64, fmt_entry_addr(m, lvl, st->entry, maxphyaddr));
    else
        fmt_put(l, UI_FAULT, " not present");
    uint64_t set = st->written & ~st->entry & (X86_PTE_A | X86_PTE_D);
    if (set != 0)
        fmt_put(l, UI_CHANGED, " set %s",
                set == (X86_PTE_A | X86_PTE_D) ? "A,D"
                : set == X86_PTE_A             ? "A"
                                               : "D");
}

/* The widest form in which every row of steps[0..n) fits width. */
static int walk_form(const struct fmt_mode *m, unsigned maxphyaddr, const struct access_step *st,
                     unsigned n, int width)
{
    struct fmt_line l;
    int form = 0;
    for (unsigned i = 0; i < n; i++) {
        for (; form + 1 < STEP_FORMS; form++) {
            step_form(&l, m, maxphyaddr, i, &st[i], form);
            if (l.len <= width)
                break;
        }
    }
    return form;
}

void translate_fmt_step(struct fmt_line *l, const struct fmt_mode *m, unsigned maxphyaddr,
                        unsigned depth, const struct access_step *st, int width)
{
    for (int form = 0; form < STEP_FORMS; form++) {
        step_form(l, m, maxphyaddr, depth, st, form);
        if (l->len <= width)
            return;
    }
}

/* CR3 and the walk, one row per entry read (steps[0..n)). */
static void format_walk(const struct fmt_mode *m, unsigned maxphyaddr, uint64_t root,
                        const struct access_step *steps, unsigned n, int width,
                        struct view_rows *out, int *y)
{
    struct fmt_line l;
    fmt_line_clear(&l);
    fmt_put(&l, UI_NORMAL, "CR3 -> 0x%" PRIx64, root);
    put_next(out, width, y, &l);
    if (n > PAGING_MAX_LEVELS)
        n = PAGING_MAX_LEVELS;
    int form = walk_form(m, maxphyaddr, steps, n, width);
    for (unsigned i = 0; i < n && *y <= out->max; i++) {
        step_form(&l, m, maxphyaddr, i, &steps[i], form);
        put_next(out, width, y, &l);
    }
}

/* The error code's bits, one row each (SDM figure 4-12). */
static void format_pf_bits(uint32_t code, int width, struct view_rows *out, int *y)
{
    struct fmt_line l;
    fmt_line_clear(&l);
    for (unsigned b = 0; *y <= out->max && fmt_pf_bit(&l, code, b); b++)
        put_next(out, width, y, &l);
}

/* "=> frame 0x107000 + offset 0x20 = pa 0x107020 (4 KiB page)". */
static void put_frame(struct fmt_line *l, uint64_t pa, uint64_t page_size)
{
    if (page_size == 0) {
        fmt_put(l, UI_HIT, "=> pa 0x%" PRIx64, pa);
        return;
    }
    char sz[24];
    fmt_put(l, UI_HIT, "=> frame 0x%" PRIx64 " + offset 0x%" PRIx64 " = pa 0x%" PRIx64,
            pa & ~(page_size - 1), pa & (page_size - 1), pa);
    fmt_put(l, UI_DIM, " (%s page)", fmt_size(page_size, sz, sizeof sz));
}

/* What the TLB answered for the access, and beside a stale hit what the
 * tables in RAM say now. */
static void format_access_tlb(const struct translate_shown *s, int width, struct view_rows *out,
                              int *y)
{
    const struct access_record *a = &s->acc;
    struct fmt_line l;
    fmt_line_clear(&l);
    char sz[24];
    if (!a->tlb_looked) {
        if (a->faulted && a->vector == X86_VEC_GP)
            fmt_put(&l, UI_FAULT, "TLB not asked: a non-canonical address faults first");
        else if (a->nsteps == 0)
            fmt_put(&l, UI_DIM, "paging off: the linear address is the physical one");
        else
            fmt_put(&l, UI_MISS, "no TLB: walked the tables");
    } else if (access_served_by_tlb(a)) {
        fmt_put(&l, UI_HIT, "TLB hit -> 0x%" PRIx64 " (%s page), no walk", a->tlb_pa,
                fmt_size(a->tlb_size, sz, sizeof sz));
        if (s->stale)
            fmt_put(&l, UI_FAULT, ": STALE");
    } else if (a->tlb_hit) {
        fmt_put(&l, UI_MISS, "TLB hit, but the entry cannot serve this %s (rights or clean D):",
                a->kind_known ? mmu_access_name((enum mmu_access)a->access) : "access");
        fmt_put(&l, UI_MISS, " walked again%s", a->filled ? ", result cached" : "");
    } else if (a->nsteps == 0 && !a->faulted) {
        fmt_put(&l, UI_MISS, "TLB miss: the walk comes next"); /* stepping into it */
    } else {
        fmt_put(&l, UI_MISS, "TLB miss: walked the tables%s", a->filled ? ", result cached" : "");
    }
    put_next(out, width, y, &l);
    if (!s->stale)
        return;
    fmt_put(&l, UI_FAULT, "the tables in RAM now say: ");
    if (s->now.fault.vector == X86_VEC_PF)
        fmt_put(&l, UI_FAULT, "#PF, %s",
                mmu_fault_reason_name((enum fault_reason)s->now.fault.reason));
    else if (s->now.fault.vector == X86_VEC_GP)
        fmt_put(&l, UI_FAULT, "#GP");
    else
        fmt_put(&l, UI_FAULT, "-> 0x%" PRIx64, s->now.pa);
    fmt_put(&l, UI_NORMAL, " (the entry was not invalidated)");
    put_next(out, width, y, &l);
}

/* The access as it happened: split, TLB, walk as read, result. */
static void format_access(const struct fmt_mode *m, unsigned maxphyaddr,
                          const struct translate_shown *s, int width, struct view_rows *out, int *y)
{
    const struct access_record *a = &s->acc;
    translate_fmt_split(out, y, m, a->page_size, a->va, width);
    format_access_tlb(s, width, out, y);
    if (a->nsteps > 0)
        format_walk(m, maxphyaddr, a->steps[0].table, a->steps, a->nsteps, width, out, y);
    struct fmt_line l;
    fmt_line_clear(&l);
    if (a->faulted && a->vector == X86_VEC_GP) {
        fmt_put(&l, UI_FAULT, "#GP(0): %s", mmu_fault_reason_name((enum fault_reason)a->reason));
        fmt_put(&l, UI_NORMAL, "; no error code, CR2 unchanged");
        put_next(out, width, y, &l);
    } else if (a->faulted) {
        fmt_put(&l, UI_FAULT, "#PF error code 0x%" PRIx32 ": %s", a->error_code,
                mmu_fault_reason_name((enum fault_reason)a->reason));
        if (a->has_cr2)
            fmt_put(&l, UI_NORMAL, "  CR2=0x%" PRIx64, a->cr2);
        put_next(out, width, y, &l);
        format_pf_bits(a->error_code, width, out, y);
    } else if (a->has_pa) {
        put_frame(&l, a->pa, a->page_size);
        put_next(out, width, y, &l);
    } else {
        fmt_put(&l, UI_DIM, "the walk goes on in the next event (s)");
        put_next(out, width, y, &l);
    }
}

/* An open question: CR3 and how to answer, nothing that gives it away. */
static void format_hidden(const struct translate_shown *s, int width, struct view_rows *out, int *y)
{
    struct fmt_line l;
    fmt_line_clear(&l);
    fmt_put(&l, UI_NORMAL, "CR3 0x%" PRIx64, s->cr3);
    put_next(out, width, y, &l);
    put_next(out, width, y, &l);
    fmt_put(&l, UI_TITLE, "QUIZ:");
    fmt_put(&l, UI_NORMAL, " the walk, the frame, the TLB and any fault are hidden.");
    put_next(out, width, y, &l);
    fmt_put(&l, UI_NORMAL,
            "Walk the tables by hand, then type your answer: a physical address in hex, "
            "or 'pf' / 'gp' for a fault.");
    put_next(out, width, y, &l);
    fmt_put(&l, UI_DIM,
            "Esc leaves the question open (look at the tables: 2); t answers it, "
            "Q gives up.");
    put_next(out, width, y, &l);
}

/* The quiz's score: right answers of the questions asked. */
static void format_score(const struct translate_shown *s, int width, struct view_rows *out, int *y)
{
    struct fmt_line l;
    char sc[32];
    fmt_line_clear(&l);
    fmt_put(&l, UI_DIM, "quiz %s (right/asked)",
            quiz_ui_score(s->quiz_right, s->quiz_asked, sc, sizeof sc));
    put_next(out, width, y, &l);
}

/* A probe: what the TLB holds for the page (and whether the tables agree),
 * the walk of the tables now, and where it would go. */
static void format_probe(const struct fmt_mode *m, unsigned maxphyaddr,
                         const struct translate_shown *s, int width, struct view_rows *out, int *y)
{
    const struct timeline_probe *pr = &s->pr;
    struct fmt_line l;
    fmt_line_clear(&l);
    if (pr->tlb_has) {
        bool stale = !pr->ok || pr->tlb_pa != pr->res.pa;
        fmt_put(&l, stale ? UI_FAULT : UI_HIT, "TLB holds -> 0x%" PRIx64 "%s", pr->tlb_pa,
                stale ? " (stale: the tables say otherwise)" : "");
    } else {
        fmt_put(&l, UI_MISS, "TLB holds nothing for this page (a miss)");
    }
    put_next(out, width, y, &l);
    struct access_step st[PAGING_MAX_LEVELS];
    unsigned n = pr->res.nsteps < PAGING_MAX_LEVELS ? pr->res.nsteps : PAGING_MAX_LEVELS;
    for (unsigned i = 0; i < n; i++) {
        const struct walk_step *w = &pr->res.steps[i];
        st[i] =
            (struct access_step){w->level, w->index, w->table, w->entry_addr, w->entry, w->entry};
    }
    format_walk(m, maxphyaddr, n > 0 ? st[0].table : s->cr3, st, n, width, out, y);
    if (pr->ok) {
        put_frame(&l, pr->res.pa, pr->res.page_size);
        put_next(out, width, y, &l);
    } else if (pr->res.fault.vector == X86_VEC_GP) {
        fmt_put(&l, UI_FAULT, "#GP(0): %s",
                mmu_fault_reason_name((enum fault_reason)pr->res.fault.reason));
        put_next(out, width, y, &l);
    } else {
        const struct mmu_fault *fl = &pr->res.fault;
        fmt_put(&l, UI_FAULT, "#PF error code 0x%" PRIx32 ": %s", fl->error_code,
                mmu_fault_reason_name((enum fault_reason)fl->reason));
        fmt_put(&l, UI_NORMAL, "  CR2 would be 0x%" PRIx64, fl->addr);
        put_next(out, width, y, &l);
        format_pf_bits(fl->error_code, width, out, y);
    }
}

void translate_format_rows(const struct fmt_mode *m, unsigned maxphyaddr,
                           const struct translate_shown *s, int width, struct view_rows *out)
{
    int y = 1;
    if (!format_heading(s, width, out, &y))
        return;
    if (s->source == TR_ACCESS || s->source == TR_EARLIER) {
        format_access(m, maxphyaddr, s, width, out, &y);
        return;
    }
    if (s->quiz == UI_QUIZ_REVEALED) {
        struct fmt_line v[QUIZ_UI_LINES];
        unsigned nv = 0;
        quiz_ui_judge(m, maxphyaddr, &s->pr, s->answer, v, &nv);
        for (unsigned i = 0; i < nv && y <= out->max; i++)
            put_wrapped(out, width, &y, &v[i]);
        format_score(s, width, out, &y);
    }
    bool hidden = s->quiz == UI_QUIZ_ASKING;
    uint64_t psize = hidden ? X86_PAGE_SIZE : s->pr.res.page_size;
    translate_fmt_split(out, &y, m, psize, s->pr.va, width);
    if (hidden) {
        format_hidden(s, width, out, &y);
        format_score(s, width, out, &y);
        return;
    }
    format_probe(m, maxphyaddr, s, width, out, &y);
}

/* --- the view ------------------------------------------------------------------- */

static void translate_format(const struct ui *ui, void *st, const struct ui_rect *r, bool focused,
                             struct view_rows *out)
{
    (void)focused;
    struct translate_shown s;
    translate_gather(ui, st, &s);
    translate_format_rows(&ui->mode, ui->maxphyaddr, &s, r->w, out);
}

/* A question is about the machine it was asked on: a move closes it. */
static void translate_moved(const struct ui *ui, void *st)
{
    (void)ui;
    struct translate_state *ts = st;
    ts->quiz_state = UI_QUIZ_IDLE;
}

const struct view view_translate = {
    .title = "3 Translation",
    .state_size = sizeof(struct translate_state),
    .format = translate_format,
    .moved = translate_moved,
};
