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
 */
#include "ui.h"

#include <inttypes.h>

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

/* Paints l from row *y on, wrapped at spaces to r's width (continuation rows
 * indented by two), so a verdict is read whole on a narrow terminal. */
static void paint_wrapped(const struct ui_rect *r, int *y, const struct fmt_line *l)
{
    int from = 0;
    while (from < l->len && *y < r->h) {
        int indent = from > 0 ? 2 : 0;
        int room = r->w - indent > 8 ? r->w - indent : 8;
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
        ui_paint_line(r, (*y)++, &part);
        from = end;
        while (from < l->len && l->text[from] == ' ')
            from++;
    }
}

static void line_and_next(const struct ui_rect *r, int *y, struct fmt_line *l)
{
    ui_paint_line(r, (*y)++, l);
    fmt_line_clear(l);
}

void view_translate_draw(struct ui *ui, const struct ui_rect *r, bool focused)
{
    ui_paint_title(r, ui_view_title(VIEW_TRANSLATE), focused);
    int y = 1;
    struct fmt_line l;
    fmt_line_clear(&l);
    uint64_t va = 0, op = 0;
    enum mmu_access acc = MMU_READ;
    bool user = false, known = true;
    bool have;
    bool quiz = ui->quiz_state != UI_QUIZ_IDLE;
    bool hidden = ui->quiz_state == UI_QUIZ_ASKING;
    if (quiz) {
        va = ui->quiz_pr.va, acc = ui->quiz_pr.access, user = ui->quiz_pr.user;
        known = ui->quiz_known;
        have = true;
        if (ui->quiz_from_step)
            fmt_put(&l, UI_TITLE, "quiz, latest access, op %" PRIu64 ":", ui->quiz_op);
        else
            fmt_put(&l, UI_TITLE, "quiz (t):");
    } else if (ui->tr_typed) {
        va = ui->tr_probe.va, acc = ui->tr_probe.access, user = ui->tr_probe.user;
        have = true;
        fmt_put(&l, UI_TITLE, "typed (t):");
    } else {
        have = latest_access(ui, &va, &acc, &user, &known, &op);
        if (have)
            fmt_put(&l, UI_TITLE, "latest access, op %" PRIu64 ":", op);
    }
    if (!have) {
        fmt_put(&l, UI_DIM, "no access yet: step the trace, or press t to type an address");
        line_and_next(r, &y, &l);
        ui_clear_rows(r, y);
        return;
    }
    struct timeline_probe pr;
    if (quiz) {
        pr = ui->quiz_pr;
    } else {
        timeline_translate(ui->tl, va, acc, user, &pr);
        if (ui->tr_typed)
            ui->tr_probe = pr;
    }
    fmt_put(&l, UI_NORMAL, " %s 0x%" PRIx64 " (%s)", known ? mmu_access_name(acc) : "lookup", va,
            user ? "user" : "supervisor");
    if (!known)
        fmt_put(&l, UI_DIM, " probed as a read");
    line_and_next(r, &y, &l);

    if (ui->quiz_state == UI_QUIZ_REVEALED) {
        struct fmt_line v[QUIZ_UI_LINES];
        unsigned nv = 0;
        quiz_ui_judge(&ui->mode, ui->maxphyaddr, &pr, ui->quiz_answer, v, &nv);
        for (unsigned i = 0; i < nv && y < r->h; i++)
            paint_wrapped(r, &y, &v[i]);
    }

    /* While the question is open the split is the 4 KiB one: the fields of
     * a large page would give its size away. */
    struct fmt_field f[5];
    uint64_t psize = pr.ok && !hidden ? pr.res.page_size : X86_PAGE_SIZE;
    unsigned nf = fmt_addr_fields(&ui->mode, psize, va, f);
    if (ui->mode.va_bits == 48)
        fmt_put(&l, UI_DIM, "sign %04" PRIx64 " ", (va >> 48) & 0xFFFF);
    fmt_addr_binary(&l, f, nf);
    line_and_next(r, &y, &l);
    for (unsigned i = 0; i < nf; i++) {
        enum ui_role role =
            i + 1 == nf ? UI_FIELD_OFF : (enum ui_role)(UI_FIELD0 + (i < 3 ? i : 3));
        fmt_put(&l, role, "%s%s %u:%u = %" PRIu64 " (0x%" PRIx64 ")", i ? " | " : "", f[i].name,
                f[i].hi, f[i].lo, f[i].value, f[i].value);
    }
    line_and_next(r, &y, &l);

    const struct cpu *c = machine_cpu(ui_machine(ui));
    if (hidden) {
        fmt_put(&l, UI_NORMAL, "CR3 0x%" PRIx64, c->cr3);
        line_and_next(r, &y, &l);
        line_and_next(r, &y, &l);
        fmt_put(&l, UI_TITLE, "QUIZ:");
        fmt_put(&l, UI_NORMAL, " the walk, the frame, the TLB and any fault are hidden.");
        line_and_next(r, &y, &l);
        fmt_put(&l, UI_NORMAL,
                "Walk the tables by hand, then type your answer: a physical address in hex,");
        line_and_next(r, &y, &l);
        fmt_put(&l, UI_NORMAL, "or 'pf' / 'gp' for a fault.");
        line_and_next(r, &y, &l);
        fmt_put(&l, UI_DIM,
                "Esc leaves the question open (look at the tables: 2); t answers it, "
                "Q gives up.");
        line_and_next(r, &y, &l);
        ui_clear_rows(r, y);
        return;
    }

    /* What the TLB did for it in the replay, and what it holds now. */
    size_t n;
    const struct event *ev = ui_events(ui, &n);
    bool hit = false, miss = false;
    const struct event *fault = NULL;
    for (size_t i = 0; !ui->tr_typed && i < n; i++) {
        if (ev[i].kind == EV_TLB_HIT && (ev[i].va >> 12) == (va >> 12))
            hit = true;
        if (ev[i].kind == EV_TLB_MISS && (ev[i].va >> 12) == (va >> 12))
            miss = true;
        if (ev[i].kind == EV_FAULT)
            fault = &ev[i];
    }
    if (hit || miss) {
        fmt_put(&l, UI_NORMAL, "this step: ");
        if (hit)
            fmt_put(&l, UI_HIT, "TLB hit ");
        if (miss)
            fmt_put(&l, UI_MISS, "TLB miss, walked ");
    }
    if (pr.tlb_has) {
        bool stale = pr.ok && pr.tlb_pa != pr.res.pa;
        fmt_put(&l, stale ? UI_FAULT : UI_HIT, "TLB holds -> 0x%" PRIx64 "%s", pr.tlb_pa,
                stale ? " (STALE: tables say otherwise)" : "");
    } else {
        fmt_put(&l, UI_MISS, "TLB holds nothing for this page (a miss)");
    }
    line_and_next(r, &y, &l);

    fmt_put(&l, UI_NORMAL, "CR3 0x%" PRIx64, c->cr3);
    line_and_next(r, &y, &l);
    for (unsigned i = 0; i < pr.res.nsteps && i < 4 && y < r->h; i++) {
        const struct walk_step *s = &pr.res.steps[i];
        char flags[11];
        enum walk_level lvl = (enum walk_level)(s->level & 3);
        fmt_entry_flags(&ui->mode, lvl, s->entry, flags);
        bool p = (s->entry & X86_PTE_P) != 0;
        fmt_put(&l, (enum ui_role)(UI_FIELD0 + (i < 3 ? i : 3)), "%*s%s[%u]", (int)i * 2, "",
                mmu_level_name(lvl), s->index);
        fmt_put(&l, UI_NORMAL, " @0x%" PRIx64 " = 0x%0*" PRIx64 " ", s->entry_addr,
                ui->mode.entry_bytes * 2, s->entry);
        fmt_put(&l, p ? UI_PRESENT : UI_NOTPRESENT, "%s", flags);
        if (p)
            fmt_put(&l, UI_NORMAL, " -> 0x%" PRIx64,
                    fmt_entry_addr(&ui->mode, lvl, s->entry, ui->maxphyaddr));
        line_and_next(r, &y, &l);
    }
    if (pr.ok) {
        char sz[24];
        fmt_put(&l, UI_HIT, "=> frame 0x%" PRIx64 " + offset 0x%" PRIx64 " = pa 0x%" PRIx64,
                pr.res.pa & ~(pr.res.page_size - 1), pr.res.pa & (pr.res.page_size - 1), pr.res.pa);
        fmt_put(&l, UI_DIM, " (%s page)", fmt_size(pr.res.page_size, sz, sizeof sz));
        line_and_next(r, &y, &l);
    } else {
        const struct mmu_fault *fl = &pr.res.fault;
        if (fl->vector == X86_VEC_GP) {
            fmt_put(&l, UI_FAULT, "#GP(0): %s",
                    mmu_fault_reason_name((enum fault_reason)fl->reason));
            line_and_next(r, &y, &l);
        } else {
            fmt_put(&l, UI_FAULT, "#PF error code 0x%" PRIx32 ": %s", fl->error_code,
                    mmu_fault_reason_name((enum fault_reason)fl->reason));
            fmt_put(&l, UI_NORMAL, "  CR2 would be 0x%" PRIx64, fl->addr);
            line_and_next(r, &y, &l);
            for (unsigned b = 0; y < r->h && fmt_pf_bit(&l, fl->error_code, b); b++)
                line_and_next(r, &y, &l);
        }
    }
    if (fault != NULL && y < r->h) {
        fmt_put(&l, UI_FAULT, "this step raised %s err=0x%" PRIx32 " at 0x%" PRIx64,
                fault->extra == X86_VEC_GP ? "#GP" : "#PF", fault->code, fault->va);
        fmt_put(&l, UI_NORMAL, "  CR2=0x%" PRIx64, c->cr2);
        line_and_next(r, &y, &l);
        for (unsigned b = 0;
             y < r->h && fault->extra != X86_VEC_GP && fmt_pf_bit(&l, fault->code, b); b++)
            line_and_next(r, &y, &l);
    }
    ui_clear_rows(r, y);
}
