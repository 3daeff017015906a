/*
 * view_translate.c - the Translation view: one linear address taken apart
 * the way the MMU takes it apart (SDM Vol. 3A 4.3-4.5, figures 4-2..4-10):
 * its bits split into the fields of the paging mode and coloured per field,
 * the walk drawn step by step from CR3 to the frame plus the offset, what
 * the TLB did for it, and a fault with its error code decoded bit by bit
 * (4.7) and CR2.
 *
 * The address is the latest access of the replay, or one typed after `t`.
 * In quiz mode (Q) it is the question: until the student answers, only the
 * address, the access, CR3 and the fields are drawn; then everything, under
 * the verdict quiz_ui_judge() writes.
 * The walk shown is a side-effect-free probe (timeline_translate) of the
 * machine at the cursor, i.e. after the operation.
 *
 * Gathering (translate_gather: which access, the probe, what the step did),
 * formatting (translate_format_rows, pure) and painting (view.c, generic)
 * are separate steps.
 */
#include "view_translate.h"

#include <inttypes.h>
#include <string.h>

#include "quiz_ui.h"
#include "sim/cpu.h"
#include "sim/x86.h"

/* True when ev is a translation (a program access, a fault, or a TLB lookup
 * of the heap's own metadata accesses); fills the address and access kind.
 * *known is false when the event does not say the kind (TLB lookups). */
static bool access_of(const struct event *ev, uint64_t *va, enum mmu_access *acc, bool *user,
                      bool *known)
{
    switch ((int)ev->kind) {
    case EV_ACCESS:
        *va = ev->va;
        *acc = ev->extra <= MMU_EXEC ? (enum mmu_access)ev->extra : MMU_READ;
        *user = false;
        *known = true;
        return true;
    case EV_FAULT:
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

/* The latest translation at or before the cursor (op receives its op). */
static bool latest_access(const struct ui *ui, uint64_t *va, enum mmu_access *acc, bool *user,
                          bool *known, uint64_t *op)
{
    size_t n;
    const struct event *ev = ui_events(ui, &n);
    for (size_t i = n; i-- > 0;) {
        if (access_of(&ev[i], va, acc, user, known)) {
            *op = timeline_pos(ui->tl);
            return true;
        }
    }
    if (ui->micro)
        return false;
    uint64_t pos = timeline_pos(ui->tl);
    for (size_t i = timeline_history_count(ui->tl); i-- > 0;) {
        const struct timeline_logged *lg = timeline_history_at(ui->tl, i);
        if (lg == NULL || lg->op > pos)
            continue;
        if (access_of(&lg->ev, va, acc, user, known)) {
            *op = lg->op;
            return true;
        }
    }
    return false;
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

/* What the TLB did for va's page in this step, and the fault it raised. */
static void gather_step(const struct ui *ui, uint64_t va, struct translate_shown *s)
{
    size_t n;
    const struct event *ev = ui_events(ui, &n);
    for (size_t i = 0; i < n; i++) {
        bool same_page = (ev[i].va >> X86_PAGE_SHIFT) == (va >> X86_PAGE_SHIFT);
        if (ev[i].kind == EV_TLB_HIT && same_page)
            s->hit = true;
        if (ev[i].kind == EV_TLB_MISS && same_page)
            s->miss = true;
        if (ev[i].kind == EV_FAULT) {
            s->fault = true;
            s->fault_vector = ev[i].extra;
            s->fault_code = ev[i].code;
            s->fault_va = ev[i].va;
        }
    }
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
    if (ts->quiz_state != UI_QUIZ_IDLE) {
        s->source = ts->quiz_from_step ? TR_QUIZ_STEP : TR_QUIZ_TYPED;
        s->op = ts->quiz_op;
        s->known = ts->quiz_known;
        s->pr = ts->quiz_pr;
    } else {
        uint64_t va = 0;
        enum mmu_access acc = MMU_READ;
        bool user = false;
        if (ts->typed) {
            va = ts->probe.va, acc = ts->probe.access, user = ts->probe.user;
            s->source = TR_TYPED;
        } else if (latest_access(ui, &va, &acc, &user, &s->known, &s->op)) {
            s->source = TR_LATEST;
        } else {
            return;
        }
        timeline_translate(ui->tl, va, acc, user, &s->pr);
        if (ts->typed)
            ts->probe = s->pr;
    }
    if (!ts->typed)
        gather_step(ui, s->pr.va, s);
}

/* --- formatting ----------------------------------------------------------------- */

/* Puts l from row *y on, wrapped at spaces to width (continuation rows
 * indented by two), so a verdict is read whole on a narrow terminal. */
static void put_wrapped(struct view_rows *out, int width, int *y, const struct fmt_line *l)
{
    int from = 0;
    while (from < l->len && *y <= out->max) {
        int indent = from > 0 ? 2 : 0;
        int room = width - indent > 8 ? width - indent : 8;
        int end = l->len;
        if (end - from > room) {
            end = from + room;
            int sp = end;
            while (sp > from && l->text[sp] != ' ')
                sp--;
            if (sp > from)
                end = sp;
        }
        struct fmt_line part;
        fmt_line_clear(&part);
        fmt_fill(&part, UI_NORMAL, ' ', indent);
        for (int i = from; i < end && part.len < FMT_LINE_MAX; i++) {
            part.text[part.len] = l->text[i];
            part.role[part.len] = l->role[i];
            part.len++;
        }
        part.text[part.len] = '\0';
        view_put(out, (*y)++, &part);
        from = end;
        while (from < l->len && l->text[from] == ' ')
            from++;
    }
}

/* Puts l as row *y, moves to the next row and empties l. */
static void line_and_next(struct view_rows *out, int *y, struct fmt_line *l)
{
    view_put(out, (*y)++, l);
    fmt_line_clear(l);
}

/* The heading: where the address comes from, the access and who makes it.
 * Returns false when there is no access to show. */
static bool format_heading(const struct translate_shown *s, struct view_rows *out, int *y)
{
    struct fmt_line l;
    fmt_line_clear(&l);
    switch (s->source) {
    case TR_NONE:
        fmt_put(&l, UI_DIM, "no access yet: step the trace, or press t to type an address");
        line_and_next(out, y, &l);
        return false;
    case TR_LATEST:
        fmt_put(&l, UI_TITLE, "latest access, op %" PRIu64 ":", s->op);
        break;
    case TR_TYPED:
        fmt_put(&l, UI_TITLE, "typed (t):");
        break;
    case TR_QUIZ_STEP:
        fmt_put(&l, UI_TITLE, "quiz, latest access, op %" PRIu64 ":", s->op);
        break;
    case TR_QUIZ_TYPED:
        fmt_put(&l, UI_TITLE, "quiz (t):");
        break;
    }
    fmt_put(&l, UI_NORMAL, " %s 0x%" PRIx64 " (%s)",
            s->known ? mmu_access_name(s->pr.access) : "lookup", s->pr.va,
            s->pr.user ? "user" : "supervisor");
    if (!s->known)
        fmt_put(&l, UI_DIM, " probed as a read");
    line_and_next(out, y, &l);
    return true;
}

/* The address's bits split into the mode's fields, and the fields' values.
 * While the question is open the split is the 4 KiB one: the fields of a
 * large page would give its size away. */
static void format_split(const struct fmt_mode *m, const struct translate_shown *s, bool hidden,
                         struct view_rows *out, int *y)
{
    const struct timeline_probe *pr = &s->pr;
    struct fmt_line l;
    fmt_line_clear(&l);
    struct fmt_field f[PAGING_MAX_LEVELS + 1];
    uint64_t psize = pr->ok && !hidden ? pr->res.page_size : X86_PAGE_SIZE;
    unsigned nf = fmt_addr_fields(m, psize, pr->va, f);
    if (m->g->canonical) /* the sign extension above the mode's width */
        fmt_put(&l, UI_DIM, "sign %0*" PRIx64 " ", (int)(64 - m->va_bits) / 4,
                pr->va >> m->va_bits);
    fmt_addr_binary(&l, f, nf);
    line_and_next(out, y, &l);
    for (unsigned i = 0; i < nf; i++) {
        enum ui_role role =
            i + 1 == nf ? UI_FIELD_OFF : (enum ui_role)(UI_FIELD0 + (i < 3 ? i : 3));
        fmt_put(&l, role, "%s%s %u:%u = %" PRIu64 " (0x%" PRIx64 ")", i ? " | " : "", f[i].name,
                f[i].hi, f[i].lo, f[i].value, f[i].value);
    }
    line_and_next(out, y, &l);
}

/* An open question: CR3 and how to answer, nothing that gives it away. */
static void format_hidden(const struct translate_shown *s, struct view_rows *out, int *y)
{
    struct fmt_line l;
    fmt_line_clear(&l);
    fmt_put(&l, UI_NORMAL, "CR3 0x%" PRIx64, s->cr3);
    line_and_next(out, y, &l);
    line_and_next(out, y, &l);
    fmt_put(&l, UI_TITLE, "QUIZ:");
    fmt_put(&l, UI_NORMAL, " the walk, the frame, the TLB and any fault are hidden.");
    line_and_next(out, y, &l);
    fmt_put(&l, UI_NORMAL,
            "Walk the tables by hand, then type your answer: a physical address in hex,");
    line_and_next(out, y, &l);
    fmt_put(&l, UI_NORMAL, "or 'pf' / 'gp' for a fault.");
    line_and_next(out, y, &l);
    fmt_put(&l, UI_DIM,
            "Esc leaves the question open (look at the tables: 2); t answers it, "
            "Q gives up.");
    line_and_next(out, y, &l);
}

/* The quiz's score: right answers of the questions asked. */
static void format_score(const struct translate_shown *s, struct view_rows *out, int *y)
{
    struct fmt_line l;
    char sc[32];
    fmt_line_clear(&l);
    fmt_put(&l, UI_DIM, "quiz %s (right/asked)",
            quiz_ui_score(s->quiz_right, s->quiz_asked, sc, sizeof sc));
    line_and_next(out, y, &l);
}

/* What the TLB did for the address in the replay, and what it holds now. */
static void format_tlb(const struct translate_shown *s, struct view_rows *out, int *y)
{
    const struct timeline_probe *pr = &s->pr;
    struct fmt_line l;
    fmt_line_clear(&l);
    if (s->hit || s->miss) {
        fmt_put(&l, UI_NORMAL, "this step: ");
        if (s->hit)
            fmt_put(&l, UI_HIT, "TLB hit ");
        if (s->miss)
            fmt_put(&l, UI_MISS, "TLB miss, walked ");
    }
    if (pr->tlb_has) {
        bool stale = pr->ok && pr->tlb_pa != pr->res.pa;
        fmt_put(&l, stale ? UI_FAULT : UI_HIT, "TLB holds -> 0x%" PRIx64 "%s", pr->tlb_pa,
                stale ? " (STALE: tables say otherwise)" : "");
    } else {
        fmt_put(&l, UI_MISS, "TLB holds nothing for this page (a miss)");
    }
    line_and_next(out, y, &l);
}

/* CR3 and the walk, one row per entry read. */
static void format_walk(const struct fmt_mode *m, unsigned maxphyaddr,
                        const struct translate_shown *s, struct view_rows *out, int *y)
{
    const struct timeline_probe *pr = &s->pr;
    struct fmt_line l;
    fmt_line_clear(&l);
    fmt_put(&l, UI_NORMAL, "CR3 0x%" PRIx64, s->cr3);
    line_and_next(out, y, &l);
    for (unsigned i = 0; i < pr->res.nsteps && i < PAGING_MAX_LEVELS && *y <= out->max; i++) {
        const struct walk_step *st = &pr->res.steps[i];
        char flags[11];
        enum walk_level lvl = (enum walk_level)(st->level & 3);
        fmt_entry_flags(m, lvl, st->entry, flags);
        bool p = (st->entry & X86_PTE_P) != 0;
        fmt_put(&l, (enum ui_role)(UI_FIELD0 + (i < 3 ? i : 3)), "%*s%s[%u]", (int)i * 2, "",
                mmu_level_name(lvl), st->index);
        fmt_put(&l, UI_NORMAL, " @0x%" PRIx64 " = 0x%0*" PRIx64 " ", st->entry_addr,
                m->entry_bytes * 2, st->entry);
        fmt_put(&l, p ? UI_PRESENT : UI_NOTPRESENT, "%s", flags);
        if (p)
            fmt_put(&l, UI_NORMAL, " -> 0x%" PRIx64, fmt_entry_addr(m, lvl, st->entry, maxphyaddr));
        line_and_next(out, y, &l);
    }
}

/* The error code's bits, one row each (SDM figure 4-12). */
static void format_pf_bits(uint32_t code, struct view_rows *out, int *y)
{
    struct fmt_line l;
    fmt_line_clear(&l);
    for (unsigned b = 0; *y <= out->max && fmt_pf_bit(&l, code, b); b++)
        line_and_next(out, y, &l);
}

/* The result of the probe: frame + offset, or the fault; then the fault
 * this step raised, if any. */
static void format_result(const struct translate_shown *s, struct view_rows *out, int *y)
{
    const struct timeline_probe *pr = &s->pr;
    struct fmt_line l;
    fmt_line_clear(&l);
    if (pr->ok) {
        char sz[24];
        fmt_put(&l, UI_HIT, "=> frame 0x%" PRIx64 " + offset 0x%" PRIx64 " = pa 0x%" PRIx64,
                pr->res.pa & ~(pr->res.page_size - 1), pr->res.pa & (pr->res.page_size - 1),
                pr->res.pa);
        fmt_put(&l, UI_DIM, " (%s page)", fmt_size(pr->res.page_size, sz, sizeof sz));
        line_and_next(out, y, &l);
    } else if (pr->res.fault.vector == X86_VEC_GP) {
        fmt_put(&l, UI_FAULT, "#GP(0): %s",
                mmu_fault_reason_name((enum fault_reason)pr->res.fault.reason));
        line_and_next(out, y, &l);
    } else {
        const struct mmu_fault *fl = &pr->res.fault;
        fmt_put(&l, UI_FAULT, "#PF error code 0x%" PRIx32 ": %s", fl->error_code,
                mmu_fault_reason_name((enum fault_reason)fl->reason));
        fmt_put(&l, UI_NORMAL, "  CR2 would be 0x%" PRIx64, fl->addr);
        line_and_next(out, y, &l);
        format_pf_bits(fl->error_code, out, y);
    }
    if (s->fault && *y <= out->max) {
        bool gp = s->fault_vector == X86_VEC_GP;
        fmt_put(&l, UI_FAULT, "this step raised %s err=0x%" PRIx32 " at 0x%" PRIx64,
                gp ? "#GP" : "#PF", s->fault_code, s->fault_va);
        fmt_put(&l, UI_NORMAL, "  CR2=0x%" PRIx64, s->cr2);
        line_and_next(out, y, &l);
        if (!gp)
            format_pf_bits(s->fault_code, out, y);
    }
}

void translate_format_rows(const struct fmt_mode *m, unsigned maxphyaddr,
                           const struct translate_shown *s, int width, struct view_rows *out)
{
    int y = 1;
    if (!format_heading(s, out, &y))
        return;
    if (s->quiz == UI_QUIZ_REVEALED) {
        struct fmt_line v[QUIZ_UI_LINES];
        unsigned nv = 0;
        quiz_ui_judge(m, maxphyaddr, &s->pr, s->answer, v, &nv);
        for (unsigned i = 0; i < nv && y <= out->max; i++)
            put_wrapped(out, width, &y, &v[i]);
        format_score(s, out, &y);
    }
    bool hidden = s->quiz == UI_QUIZ_ASKING;
    format_split(m, s, hidden, out, &y);
    if (hidden) {
        format_hidden(s, out, &y);
        format_score(s, out, &y);
        return;
    }
    format_tlb(s, out, &y);
    format_walk(m, maxphyaddr, s, out, &y);
    format_result(s, out, &y);
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
