/*
 * quiz_ui.c - judging a student's answer to one translation, and saying why
 * in words, from the walk the probe did and its explanation, worked out by
 * replay/explain.c for both quizzes (SDM Vol. 3A ch. 4):
 * - a translation is frame + offset: the leaf entry's frame (4.3-4.5) plus
 *   the address bits below the page size, which paging never changes;
 * - a walk stops at the first entry with P=0 or with a reserved bit set
 *   (#PF with P=0, or P=1 and RSVD=1; 4.7);
 * - rights are combined over every level (4.6): a write needs R/W=1
 *   everywhere (for the supervisor too when CR0.WP=1), a user access U/S=1
 *   everywhere, and a fetch faults when XD=1 anywhere with EFER.NXE=1; a PAE
 *   PDPTE has none of these bits (4.4.1);
 * - in 4-level paging a non-canonical address raises #GP(0) before any
 *   table is read (4.5, 3.3.7.1).
 */
#include "quiz_ui.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "replay/explain.h"
#include "replay/strbuf.h"
#include "sim/x86.h"
#include "ui.h"
#include "view_translate.h"

bool quiz_ui_parse(const char *text, struct quiz_ui_answer *out)
{
    if (text == NULL)
        return false;
    while (*text == ' ' || *text == '\t')
        text++;
    size_t n = strlen(text);
    while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\t' || text[n - 1] == '\n'))
        n--;
    char w[24];
    if (n == 0 || n >= sizeof w)
        return false;
    for (size_t i = 0; i < n; i++)
        w[i] = (char)tolower((unsigned char)text[i]);
    w[n] = '\0';
    const char *s = w[0] == '#' ? w + 1 : w;
    if (strcmp(s, "pf") == 0) {
        out->kind = QUIZ_UI_PF;
        out->pa = 0;
        return true;
    }
    if (strcmp(s, "gp") == 0) {
        out->kind = QUIZ_UI_GP;
        out->pa = 0;
        return true;
    }
    if (w[0] == '#')
        return false;
    s = w;
    if (s[0] == '0' && s[1] == 'x')
        s += 2;
    size_t digits = strlen(s);
    if (digits == 0 || digits > 16)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < digits; i++) {
        int c = s[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else
            return false;
        v = v << 4 | d;
    }
    out->kind = QUIZ_UI_ADDR;
    out->pa = v;
    return true;
}

/* "0x00107010" below 4 GiB, else all the digits needed. */
static const char *hex(uint64_t v, char *buf, size_t len)
{
    if (v <= UINT32_MAX)
        snprintf(buf, len, "0x%08" PRIx64, v);
    else
        snprintf(buf, len, "0x%" PRIx64, v);
    return buf;
}

static const char *kind_word(enum quiz_ui_kind k)
{
    return k == QUIZ_UI_PF ? "#PF" : k == QUIZ_UI_GP ? "#GP" : "an address";
}

/* The kind of answer the explanation gives. */
static enum quiz_ui_kind truth_of(const struct explain *e)
{
    return e->outcome == EXPLAIN_ADDR ? QUIZ_UI_ADDR
           : e->outcome == EXPLAIN_GP ? QUIZ_UI_GP
                                      : QUIZ_UI_PF;
}

/* The answer, as line 1 says it: "pa 0x00107010 (4 KiB page)", "#PF, error
 * code 0x2", "#GP(0)". */
static void put_truth(struct fmt_line *l, enum ui_role role, const struct timeline_probe *pr,
                      const struct explain *e)
{
    char b[24], sz[16];
    switch (truth_of(e)) {
    case QUIZ_UI_ADDR:
        fmt_put(l, role, "pa %s (%s page)", hex(pr->res.pa, b, sizeof b),
                fmt_size(pr->res.page_size, sz, sizeof sz));
        break;
    case QUIZ_UI_PF:
        fmt_put(l, role, "#PF, error code 0x%" PRIx32 " (%s)", pr->res.fault.error_code,
                mmu_fault_reason_name((enum fault_reason)pr->res.fault.reason));
        break;
    case QUIZ_UI_GP:
        fmt_put(l, role, "#GP(0), %s",
                mmu_fault_reason_name((enum fault_reason)pr->res.fault.reason));
        break;
    }
}

/* "PDE[832]" for step i of the walk. */
static void put_step(struct fmt_line *l, enum ui_role role, const struct walk_step *s)
{
    fmt_put(l, role, "%s[%u]", mmu_level_name((enum walk_level)(s->level & 3)), s->index);
}

/* Appends the steps of mask (bit i: step i), "PDE[832] and PTE[0]". */
static unsigned put_steps(struct fmt_line *l, const struct mmu_result *r, unsigned mask)
{
    unsigned k = 0;
    for (unsigned i = 0; i < r->nsteps && i < PAGING_MAX_LEVELS; i++) {
        if (!(mask & (1u << i)))
            continue;
        fmt_put(l, UI_NORMAL, "%s", k ? " and " : "");
        put_step(l, UI_FAULT, &r->steps[i]);
        k++;
    }
    return k;
}

/* "PDE[832] and PTE[0] have U/S=0", or "PTE[0] has U/S=0": the levels the
 * explanation blames. */
static void put_blamed(struct fmt_line *l, const struct mmu_result *r, const struct explain *e,
                       const char *what)
{
    unsigned k = put_steps(l, r, e->blamed);
    fmt_put(l, UI_NORMAL, "%s %s", k == 0 ? "some level" : "", k > 1 ? "have" : "has");
    fmt_put(l, UI_FAULT, " %s", what);
}

static void put_error_code(struct fmt_line *l, uint32_t ec, uint64_t cr2)
{
    char b[24], bits[64];
    struct strbuf sb = strbuf_make(bits, sizeof bits);
    explain_error_code_bits(&sb, ec);
    fmt_put(l, UI_FAULT, "-> #PF, error code 0x%" PRIx32, ec);
    fmt_put(l, UI_NORMAL, ": %s; CR2 would be %s", bits, hex(cr2, b, sizeof b));
}

/* The walk in one row: "the walk went CR3 -> PDE[832] -> PTE[0] -> frame ...". */
static void put_walk(struct fmt_line *l, const struct timeline_probe *pr)
{
    const struct mmu_result *r = &pr->res;
    char b[24];
    if (!pr->ok && r->fault.vector == X86_VEC_GP) {
        fmt_put(l, UI_NORMAL, "no walk at all: the address is checked before any table is read");
        return;
    }
    fmt_put(l, UI_NORMAL, "the walk went CR3");
    for (unsigned i = 0; i < r->nsteps && i < PAGING_MAX_LEVELS; i++) {
        fmt_put(l, UI_NORMAL, " -> ");
        put_step(l, (enum ui_role)(UI_FIELD0 + (i < 3 ? i : 3)), &r->steps[i]);
    }
    if (pr->ok) {
        fmt_put(l, UI_NORMAL, " -> frame %s", hex(r->pa & ~(r->page_size - 1), b, sizeof b));
    } else if (r->fault.reason == FAULT_NOT_PRESENT || r->fault.reason == FAULT_RESERVED_BIT) {
        fmt_put(l, UI_NORMAL, " and stopped there");
    } else if (r->nsteps > 0) {
        fmt_put(l, UI_NORMAL, ", all present, but the access is not allowed");
    }
}

/* Why: the rows after the walk. Returns the number written to out. */
static unsigned put_why(struct fmt_line *out, unsigned max, const struct fmt_mode *m,
                        unsigned maxphyaddr, const struct timeline_probe *pr,
                        const struct explain *e)
{
    const struct mmu_result *r = &pr->res;
    const struct mmu_fault *f = &r->fault;
    const struct walk_step *last = r->nsteps > 0 ? &r->steps[r->nsteps - 1] : NULL;
    char b[24];
    unsigned n = 0;
    struct fmt_line *l = &out[n++];
    if (e->outcome == EXPLAIN_ADDR) {
        fmt_put(l, UI_HIT, "frame %s", hex(e->page_base, b, sizeof b));
        fmt_put(l, UI_NORMAL, " + offset 0x%" PRIx64 " (bits %u:0, kept as they are)", e->offset,
                e->offset_hi);
        fmt_put(l, UI_HIT, " = pa %s", hex(r->pa, b, sizeof b));
        return n;
    }
    int ew = m->entry_bytes == 8 ? 16 : 8;
    switch ((enum fault_reason)f->reason) {
    case FAULT_NON_CANONICAL:
        fmt_put(l, UI_NORMAL,
                "because bits 63:%u of 0x%016" PRIx64 " are not all equal (0x%0*" PRIx64 ")",
                m->va_bits - 1, pr->va, (int)(64 - m->va_bits + 4) / 4, pr->va >> (m->va_bits - 1));
        l = &out[n++];
        fmt_put(l, UI_FAULT, "-> #GP(0): not canonical");
        fmt_put(l, UI_NORMAL, ", no error code, CR2 unchanged");
        return n;
    case FAULT_NOT_PRESENT:
        fmt_put(l, UI_NORMAL, "because ");
        if (last != NULL) {
            put_step(l, UI_FAULT, last);
            fmt_put(l, UI_NORMAL, " = 0x%0*" PRIx64 " has P=0: nothing is mapped there", ew,
                    last->entry);
        } else {
            fmt_put(l, UI_NORMAL, "the top-level entry has P=0");
        }
        break;
    case FAULT_RESERVED_BIT:
        fmt_put(l, UI_NORMAL, "because ");
        if (last != NULL) {
            put_step(l, UI_FAULT, last);
            fmt_put(l, UI_NORMAL, " = 0x%0*" PRIx64 " sets a reserved bit", ew, last->entry);
            if (e->rsvd_high)
                fmt_put(l, UI_NORMAL, " (above MAXPHYADDR = %u)", maxphyaddr);
        } else {
            fmt_put(l, UI_NORMAL, "an entry sets a reserved bit");
        }
        break;
    case FAULT_WRITE_PROTECT:
        fmt_put(l, UI_NORMAL, "because ");
        put_blamed(l, r, e, "R/W=0");
        fmt_put(l, UI_NORMAL, ": a write needs R/W=1 at every level%s",
                pr->user ? "" : " (CR0.WP=1)");
        break;
    case FAULT_USER_SUPERVISOR:
        fmt_put(l, UI_NORMAL, "because ");
        put_blamed(l, r, e, "U/S=0");
        fmt_put(l, UI_NORMAL, ": user accesses need U/S=1 at every level");
        break;
    case FAULT_EXECUTE_DISABLE:
        fmt_put(l, UI_NORMAL, "because ");
        put_blamed(l, r, e, "XD=1");
        fmt_put(l, UI_NORMAL, ": with EFER.NXE=1 a fetch needs XD=0 at every level");
        break;
    case FAULT_NONE:
        fmt_put(l, UI_NORMAL, "the probe reported no reason");
        break;
    }
    if (n < max) {
        l = &out[n++];
        put_error_code(l, f->error_code, f->addr);
    }
    return n;
}

/* A hint for a wrong address when the translation succeeds. */
static void put_hint(struct fmt_line *l, const struct timeline_probe *pr, uint64_t typed)
{
    const struct mmu_result *r = &pr->res;
    uint64_t mask = r->page_size - 1;
    char b[24];
    fmt_put(l, UI_DIM, "hint: ");
    if (typed == pr->va) {
        fmt_put(l, UI_DIM, "%s is the linear address itself: paging maps its page elsewhere",
                hex(typed, b, sizeof b));
    } else if ((typed & mask) != (r->pa & mask)) {
        fmt_put(l, UI_DIM,
                "the offset is kept: pa and linear address share their low bits (0x%" PRIx64 ")",
                pr->va & mask);
    } else {
        fmt_put(l, UI_DIM, "the offset is right; the frame is the one the leaf entry holds");
    }
}

enum quiz_ui_verdict quiz_ui_judge(const struct fmt_mode *m, unsigned maxphyaddr,
                                   const struct timeline_probe *pr, const char *typed,
                                   struct fmt_line out[QUIZ_UI_LINES], unsigned *nlines)
{
    for (unsigned i = 0; i < QUIZ_UI_LINES; i++)
        fmt_line_clear(&out[i]);
    struct quiz_ui_answer a;
    if (!quiz_ui_parse(typed, &a)) {
        fmt_put(&out[0], UI_FAULT, "not understood, try again:");
        fmt_put(&out[0], UI_NORMAL, " a hex address (0x1f2e3000 or 1f2e3000), pf or gp");
        *nlines = 1;
        return QUIZ_UI_UNCLEAR;
    }
    struct explain e;
    explain_translation(m->paging, maxphyaddr, pr->ok, &pr->res, &e);
    enum quiz_ui_kind truth = truth_of(&e);
    bool right = a.kind == truth && (truth != QUIZ_UI_ADDR || a.pa == pr->res.pa);
    char b[24];
    struct fmt_line *l = &out[0];
    if (right) {
        fmt_put(l, UI_HIT, "right: ");
        put_truth(l, UI_HIT, pr, &e);
    } else {
        fmt_put(l, UI_FAULT, "wrong:");
        if (a.kind == QUIZ_UI_ADDR)
            fmt_put(l, UI_NORMAL, " you said %s, the answer is ", hex(a.pa, b, sizeof b));
        else
            fmt_put(l, UI_NORMAL, " you said %s, the answer is ", kind_word(a.kind));
        put_truth(l, UI_CHANGED, pr, &e);
    }
    unsigned n = 1;
    put_walk(&out[n++], pr);
    n += put_why(&out[n], QUIZ_UI_LINES - n - 2, m, maxphyaddr, pr, &e);
    if (!right && a.kind == QUIZ_UI_ADDR && truth == QUIZ_UI_ADDR) {
        put_hint(&out[n++], pr, a.pa);
    } else if (!right && a.kind == QUIZ_UI_ADDR) {
        fmt_put(&out[n++], UI_DIM, "hint: a fault gives no physical address at all");
    } else if (!right && truth == QUIZ_UI_ADDR) {
        fmt_put(&out[n++], UI_DIM,
                "hint: every entry on the way is present and allows this access");
    } else if (!right && a.kind == QUIZ_UI_GP) {
        fmt_put(&out[n++], UI_DIM,
                "hint: only a non-canonical address (4-level paging) raises #GP here");
    } else if (!right) {
        fmt_put(&out[n++], UI_DIM, "hint: a non-canonical address faults before the walk");
    }
    bool stale = pr->tlb_has &&
                 (pr->ok ? pr->tlb_pa != pr->res.pa : pr->res.fault.reason == FAULT_NOT_PRESENT);
    if (stale && n < QUIZ_UI_LINES) {
        fmt_put(&out[n++], UI_DIM,
                "note: a stale TLB entry gives %s: a real access uses it until INVLPG",
                hex(pr->tlb_pa, b, sizeof b));
    }
    *nlines = n;
    return right ? QUIZ_UI_RIGHT : QUIZ_UI_WRONG;
}

/* --- the question open on screen --------------------------------------------- */

bool quiz_ui_asking(const struct ui *ui)
{
    const struct translate_state *ts = ui->view_state[VIEW_TRANSLATE];
    return ts != NULL && ts->quiz_state == UI_QUIZ_ASKING;
}

bool quiz_ui_hides_view(const struct ui *ui, int v)
{
    return v != VIEW_TRANSLATE && v != VIEW_TABLES && quiz_ui_asking(ui);
}

void quiz_ui_hidden_rows(struct view_rows *out)
{
    static const char *const rows[] = {
        "hidden while the quiz question is open:",      "this view could give the answer away.", "",
        "Walk the tables by hand (2), then t answers;", "Q gives up and shows the answer.",
    };
    struct fmt_line l;
    for (int i = 0; i < (int)(sizeof rows / sizeof rows[0]); i++) {
        fmt_line_clear(&l);
        fmt_put(&l, i == 0 ? UI_TITLE : UI_DIM, "%s", rows[i]);
        view_put(out, i + 1, &l);
    }
}

bool quiz_ui_answer_char(int ch)
{
    if (ch >= '0' && ch <= '9')
        return true;
    switch (ch) {
    case 'a':
    case 'b':
    case 'c':
    case 'd':
    case 'e':
    case 'f':
    case 'A':
    case 'B':
    case 'C':
    case 'D':
    case 'E':
    case 'F':
    case 'x':
    case 'X':
    case 'p':
    case 'P':
    case 'g':
    case 'G':
    case '#':
        return true;
    default:
        return false;
    }
}

bool quiz_ui_leaves_answer(enum ui_action a)
{
    switch (a) {
    case ACT_NONE:
    case ACT_MOUSE:
    case ACT_UP:
    case ACT_DOWN:
    case ACT_LEFT:
    case ACT_RIGHT:
    case ACT_PAGE_UP:
    case ACT_PAGE_DOWN:
    case ACT_TOP:
    case ACT_BOTTOM:
    case ACT_ENTER:
    case ACT_POP:
    case ACT_ZOOM_IN:
    case ACT_ZOOM_OUT:
    case ACT_SHOW_ALL:
    case ACT_LOG_HITS:
    case ACT_SEARCH: /* a search of the hidden heap: typed as nothing */
    case ACT_FASTER:
    case ACT_SLOWER:
    case ACT_TRANSLATE:
    case ACT_REDRAW:
    case ACT_BREAK_FAULT:
    case ACT_BREAK_CAPTION:
    case ACT_BREAK_DIAG:
    case ACT_VIEW1:
    case ACT_VIEW2:
    case ACT_VIEW3:
    case ACT_VIEW4:
    case ACT_VIEW5:
    case ACT_VIEW6:
    case ACT_COUNT:
        return false;
    case ACT_QUIT:
    case ACT_HELP:
    case ACT_PLAY:
    case ACT_STEP:
    case ACT_BACK:
    case ACT_MICRO:
    case ACT_MICRO_BACK:
    case ACT_NEXT_CHANGE:
    case ACT_PREV_CHANGE:
    case ACT_GOTO:
    case ACT_QUIZ:
    case ACT_NEXT_VIEW:
    case ACT_PREV_VIEW:
    case ACT_START:
    case ACT_END:
        return true; /* time moves, or the question is left */
    }
    return true;
}

const char *quiz_ui_score(unsigned right, unsigned asked, char *buf, size_t len)
{
    snprintf(buf, len, "score %u/%u", right, asked);
    return buf;
}
