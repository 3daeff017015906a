/*
 * view_tables.c - the Tables view: the paging structure at CR3 and, on
 * Enter, the table an entry points to (Backspace returns). Each row is one
 * entry as the hardware reads it from simulated RAM (SDM Vol. 3A 4.3-4.5):
 * index, raw value, flag letters, table or page and its physical address,
 * and the linear range the entry covers. Entries the current step wrote
 * (software writes and A/D updates by the walk) are highlighted. Present
 * entries only by default; `a` shows all.
 */
#include "ui.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sim/phys.h"
#include "sim/x86.h"

/* The width of a full row: index, raw value, flags, kind, address, and
 * the range as first-last (16 hex digits each in 64-bit modes). */
#define TABLES_ROW_W(m)                                                                            \
    (4 + 1 + 2 * (int)(m)->entry_bytes + 1 + 10 + 1 + 4 + 1 + 9 + 1 + ((m)->g->canonical ? 33 : 17))

/* The stack of tables opened with Enter. */
struct tables_state {
    unsigned depth;
    uint64_t table[PAGING_MAX_LEVELS];  /* physical base of the table at each depth */
    uint64_t va[PAGING_MAX_LEVELS];     /* first linear address the table covers */
    unsigned cursor[PAGING_MAX_LEVELS]; /* entry index under the cursor */
    bool all;                           /* all entries, not only present ones */
    uint64_t root;                      /* CR3 the stack was built for */
};

static uint64_t load_entry(const struct ui *ui, uint64_t ea)
{
    const struct phys *p = machine_phys(ui_machine(ui));
    return ui->mode.entry_bytes == 4 ? phys_load32(p, ea) : phys_load64(p, ea);
}

static uint64_t entry_addr(const struct ui *ui, const struct tables_state *ts, unsigned depth,
                           unsigned i)
{
    return ts->table[depth] + (uint64_t)i * ui->mode.entry_bytes;
}

/* The indices shown at the current depth: present ones, or all. */
static unsigned shown(const struct ui *ui, const struct tables_state *ts, unsigned *idx,
                      unsigned max)
{
    unsigned d = ts->depth;
    unsigned n = 0;
    for (unsigned i = 0; i < ui->mode.nentries[d] && n < max; i++) {
        if (ts->all || (load_entry(ui, entry_addr(ui, ts, d, i)) & X86_PTE_P))
            idx[n++] = i;
    }
    return n;
}

/* The row under the last entry row: the flag legend's (formatted into l)
 * where it fits and rows are left, else the pane's end. */
static int entries_end(const struct ui_rect *r, struct fmt_line *l)
{
    fmt_line_clear(l);
    fmt_flag_legend(l, fmt_entry_flag_ids, FMT_ENTRY_FLAGS);
    return r->h >= 12 && l->len <= r->w ? r->h - 1 : r->h;
}

static void tables_format(const struct ui *ui, void *st, const struct ui_rect *r, bool focused,
                          struct view_rows *out)
{
    struct tables_state *ts = st;
    if (r->h < 4)
        return;
    const struct fmt_mode *m = &ui->mode;
    unsigned d = ts->depth;
    enum walk_level lvl = (enum walk_level)m->level[d];
    static const char *const lname[] = {"PML4", "PDPT", "page directory", "page table"};
    struct fmt_line l;
    fmt_line_clear(&l);
    fmt_put(&l, UI_NORMAL, "CR3");
    for (unsigned i = 0; i < d; i++)
        fmt_put(&l, UI_NORMAL, " > [%u]", ts->cursor[i]);
    fmt_put(&l, UI_TITLE, " %s at 0x%09" PRIx64, lname[lvl], ts->table[d]);
    const char *hint = ts->all ? " (all entries, a: present only)" : " (present, a: all)";
    if (l.len + (int)strlen(hint) <= r->w)
        fmt_put(&l, UI_DIM, "%s", hint);
    view_put(out, 1, &l);
    /* The row's full form where it fits, else the range as "va +size". */
    bool compact = TABLES_ROW_W(m) > r->w;
    fmt_line_clear(&l);
    fmt_put(&l, UI_DIM, " idx %-*s ", m->entry_bytes == 4 ? 8 : 16, "raw");
    for (unsigned c = 0; c < PAGING_FLAG_COLUMNS; c++)
        fmt_put(&l, UI_DIM, "%c", paging_flag(fmt_entry_flag_ids[c])->letter);
    fmt_put(&l, UI_DIM, " kind %-9s %s", "address", compact ? "covers from +size" : "covers");
    view_put(out, 2, &l);

    int last = entries_end(r, &l);
    if (last < r->h)
        view_put(out, last, &l); /* the flag legend */

    unsigned idx[1024];
    unsigned n = shown(ui, ts, idx, 1024);
    int rows = last - 3;
    if (n == 0) {
        fmt_line_clear(&l);
        fmt_put(&l, UI_DIM, "no present entry (a shows all)");
        view_put(out, 3, &l);
        return;
    }
    unsigned pos = 0;
    while (pos + 1 < n && idx[pos] < ts->cursor[d])
        pos++;
    ts->cursor[d] = idx[pos];
    unsigned top = pos >= (unsigned)rows / 2 ? pos - (unsigned)rows / 2 : 0;
    if (n > (unsigned)rows && top > n - (unsigned)rows)
        top = n - (unsigned)rows;
    if (n <= (unsigned)rows)
        top = 0;
    int y = 3;
    for (unsigned k = top; k < n && y < last; k++, y++) {
        uint64_t ea = entry_addr(ui, ts, d, idx[k]);
        uint64_t e = load_entry(ui, ea);
        fmt_line_clear(&l);
        fmt_entry_row(&l, m, lvl, idx[k], e, ts->va[d], ui->maxphyaddr, ui_touched_entry(ui, ea),
                      compact);
        if (k == pos && focused)
            fmt_recolor(&l, 0, UI_CURSOR);
        else if (k == pos)
            for (int c = 0; c < 4 && c < l.len; c++)
                l.role[c] = UI_CURSOR; /* unfocused: mark the index only */
        view_put(out, y, &l);
    }
}

static bool tables_key(struct ui *ui, void *st, enum ui_action a)
{
    struct tables_state *ts = st;
    unsigned d = ts->depth;
    unsigned idx[1024];
    unsigned n = shown(ui, ts, idx, 1024);
    unsigned pos = 0;
    while (pos + 1 < n && idx[pos] < ts->cursor[d])
        pos++;
    switch ((int)a) {
    case ACT_UP:
        pos = pos > 0 ? pos - 1 : 0;
        break;
    case ACT_DOWN:
        pos = pos + 1 < n ? pos + 1 : pos;
        break;
    case ACT_PAGE_UP:
        pos = pos > 16 ? pos - 16 : 0;
        break;
    case ACT_PAGE_DOWN:
        pos = pos + 16 < n ? pos + 16 : (n ? n - 1 : 0);
        break;
    case ACT_TOP:
        pos = 0;
        break;
    case ACT_BOTTOM:
        pos = n ? n - 1 : 0;
        break;
    case ACT_SHOW_ALL:
        ts->all = !ts->all;
        return true;
    case ACT_POP:
        if (ts->depth > 0)
            ts->depth--;
        return true;
    case ACT_ENTER: {
        if (n == 0 || d + 1 >= ui->mode.levels)
            return true;
        enum walk_level lvl = (enum walk_level)ui->mode.level[d];
        unsigned i = ts->cursor[d];
        uint64_t e = load_entry(ui, entry_addr(ui, ts, d, i));
        if (!(e & X86_PTE_P) || fmt_entry_is_leaf(&ui->mode, lvl, e)) {
            snprintf(ui->note, sizeof ui->note, "entry %u %s", i,
                     (e & X86_PTE_P) ? "maps a page, not a table" : "is not present");
            return true;
        }
        ts->table[d + 1] = fmt_entry_addr(&ui->mode, lvl, e, ui->maxphyaddr);
        ts->va[d + 1] = fmt_entry_va(&ui->mode, lvl, ts->va[d], i);
        ts->cursor[d + 1] = 0;
        ts->depth = d + 1;
        return true;
    }
    default:
        return false;
    }
    if (n > 0)
        ts->cursor[d] = idx[pos];
    return true;
}

static void tables_click(const struct ui *ui, void *st, const struct ui_rect *r, int y, int x)
{
    struct tables_state *ts = st;
    (void)x;
    if (y < 3)
        return;
    unsigned idx[1024];
    unsigned n = shown(ui, ts, idx, 1024);
    unsigned d = ts->depth;
    unsigned pos = 0;
    while (pos + 1 < n && idx[pos] < ts->cursor[d])
        pos++;
    struct fmt_line l;
    int rows = entries_end(r, &l) - 3;
    unsigned top = pos >= (unsigned)rows / 2 ? pos - (unsigned)rows / 2 : 0;
    if (n > (unsigned)rows && top > n - (unsigned)rows)
        top = n - (unsigned)rows;
    if (n <= (unsigned)rows)
        top = 0;
    unsigned k = top + (unsigned)(y - 3);
    if (k < n)
        ts->cursor[d] = idx[k];
}

/* A new CR3 (another paging mode cannot happen) resets the stack. */
static void tables_moved(const struct ui *ui, void *st)
{
    struct tables_state *ts = st;
    uint64_t root = ui_root_table(ui);
    if (root != ts->root) {
        ts->root = root;
        ts->depth = 0;
        ts->table[0] = root;
        ts->va[0] = 0;
    }
}

const struct view view_tables = {
    .title = "2 Tables",
    .state_size = sizeof(struct tables_state),
    .format = tables_format,
    .key = tables_key,
    .click = tables_click,
    .moved = tables_moved,
};
