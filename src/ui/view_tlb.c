/*
 * view_tlb.c - the TLB view: the set-associative TLB (sim/tlb.h) set by set,
 * way by way: page -> frame, page size, the rights cached from the walk
 * (SDM 4.10.2: R/W and U/S combined over the levels, XD, the leaf's D, G),
 * and the LRU order inside the set (0 = most recently used). The counters
 * sit on top; the entry the current step used or filled is highlighted and
 * an eviction is named.
 */
#include "ui.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sim/tlb.h"

/* The rights a TLB entry caches, in the column's order, each shown by the
 * letter of its entry bit (sim/paging.h's flag table). */
#define TLB_FLAGS 5
static const struct {
    unsigned bit;
    enum paging_flag_id id;
} tlb_flag[TLB_FLAGS] = {
    {TLB_F_RW, PFLAG_RW}, {TLB_F_US, PFLAG_US}, {TLB_F_XD, PFLAG_XD},
    {TLB_F_D, PFLAG_D},   {TLB_F_G, PFLAG_G},
};

struct tlb_state {
    int top; /* first row shown (set * ways + way) */
};

/* 0 for the most recently used valid way of the set, 1 for the next... */
/* "4K", "2M", "4M", "1G": the size of the entry's page, 2^shift bytes, in
 * the column's 4 characters (a power of two below 1024 and its unit). */
static void page_size_short(unsigned shift, char out[8])
{
    snprintf(out, 8, "%u%c", 1u << (shift % 10), "BKMGTPE"[(shift / 10) % 7]);
}

static unsigned lru_rank(const struct tlb *t, unsigned s, unsigned w)
{
    const struct tlb_entry *e = tlb_entry_at(t, s, w);
    unsigned rank = 0;
    for (unsigned o = 0; o < tlb_nways(t); o++) {
        const struct tlb_entry *x = tlb_entry_at(t, s, o);
        if (o != w && x->valid && x->lru > e->lru)
            rank++;
    }
    return rank;
}

static int tlb_rows(const struct tlb *t)
{
    return (int)(tlb_nsets(t) * tlb_nways(t));
}

static void tlb_format(const struct ui *ui, void *st, const struct ui_rect *r, bool focused,
                       struct view_rows *out)
{
    (void)focused;
    struct tlb_state *ts = st;
    const struct tlb *t = machine_tlb(ui_machine(ui));
    struct tlb_stats cnt = tlb_stats(t);
    struct fmt_line l;
    fmt_line_clear(&l);
    uint64_t look = cnt.hits + cnt.misses;
    fmt_put(&l, UI_NORMAL, "%u entries, %u sets x %u ways  ", tlb_nentries(t), tlb_nsets(t),
            tlb_nways(t));
    fmt_put(&l, UI_HIT, "hits %" PRIu64 " ", cnt.hits);
    fmt_put(&l, UI_MISS, "misses %" PRIu64 " ", cnt.misses);
    fmt_put(&l, UI_NORMAL, "ratio %.1f%%", look ? 100.0 * (double)cnt.hits / (double)look : 0.0);
    view_put(out, 1, &l);
    fmt_line_clear(&l);
    fmt_put(&l, UI_DIM,
            "fills %" PRIu64 " evictions %" PRIu64 " flushes %" PRIu64 " invlpg %" PRIu64,
            cnt.fills, cnt.evictions, cnt.flushes, cnt.invlpg);
    if (ui->touch.evicted) {
        char ev[64];
        snprintf(ev, sizeof ev, "  evicted %" PRIx64 "->%" PRIx64, ui->touch.evict_va,
                 ui->touch.evict_pa);
        if (l.len + (int)strlen(ev) > r->w) { /* its own row: the counters stay whole */
            view_put(out, 2, &l);
            fmt_line_clear(&l);
        }
        fmt_put(&l, UI_CHANGED, "%s", ev);
    }
    view_put(out, out->n + 1, &l);
    int y = out->n + 1;
    fmt_line_clear(&l);
    fmt_put(&l, UI_DIM, "set way %-16s    %-12s size flags lru", "page", "frame");
    view_put(out, y++, &l);

    /* The flag legend on the last row, where it fits and rows are left. */
    int end = r->h;
    fmt_line_clear(&l);
    fmt_put(&l, UI_DIM, "flags:");
    for (unsigned i = 0; i < TLB_FLAGS; i++) {
        fmt_put(&l, UI_DIM, " ");
        fmt_flag_legend(&l, &tlb_flag[i].id, 1);
    }
    if (r->h >= 12 && l.len <= r->w) {
        end = r->h - 1;
        view_put(out, end, &l);
    }

    int rows = end - y;
    int total = tlb_rows(t);
    if (ts->top > total - rows)
        ts->top = total - rows;
    if (ts->top < 0)
        ts->top = 0;
    unsigned ways = tlb_nways(t);
    for (int k = ts->top; k < total && y < end; k++, y++) {
        unsigned s = (unsigned)k / ways, w = (unsigned)k % ways;
        const struct tlb_entry *e = tlb_entry_at(t, s, w);
        fmt_line_clear(&l);
        if (w == 0)
            fmt_put(&l, UI_NORMAL, "%3u ", s);
        else
            fmt_put(&l, UI_NORMAL, "    ");
        if (!e->valid) {
            fmt_put(&l, UI_DIM, "%3u  -", w);
        } else {
            bool hot = ui_touched_va(ui, e->va);
            enum ui_role role = hot ? UI_CHANGED : UI_PRESENT;
            char size[8];
            page_size_short(e->shift, size);
            char fl[TLB_FLAGS + 1];
            for (unsigned i = 0; i < TLB_FLAGS; i++)
                fl[i] = (e->flags & tlb_flag[i].bit) ? paging_flag(tlb_flag[i].id)->letter : '-';
            fl[TLB_FLAGS] = '\0';
            fmt_put(&l, role, "%3u %16" PRIx64 " -> %-12" PRIx64 " %-4s %s %u", w, e->va, e->pa,
                    size, fl, lru_rank(t, s, w));
        }
        view_put(out, y, &l);
    }
}

static bool tlb_key(struct ui *ui, void *st, enum ui_action a)
{
    struct tlb_state *ts = st;
    switch ((int)a) {
    case ACT_UP:
        ts->top--;
        return true;
    case ACT_DOWN:
        ts->top++;
        return true;
    case ACT_PAGE_UP:
        ts->top -= 16;
        return true;
    case ACT_PAGE_DOWN:
        ts->top += 16;
        return true;
    case ACT_TOP:
        ts->top = 0;
        return true;
    case ACT_BOTTOM:
        ts->top = tlb_rows(machine_tlb(ui_machine(ui))); /* format clamps it */
        return true;
    default:
        return false;
    }
}

const struct view view_tlb = {
    .title = "4 TLB",
    .state_size = sizeof(struct tlb_state),
    .format = tlb_format,
    .key = tlb_key,
};
