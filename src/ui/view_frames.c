/*
 * view_frames.c - the Frames view: the page-frame allocator's bytemap as a
 * grid, one cell per frame, or per group of 2^k frames when RAM has more
 * frames than the pane has cells (the legend says how many). Each cell shows
 * the most telling frame of its group (fmt_frame_group), coloured by state
 * and role; frames the current step touched are highlighted; the cursor
 * frame's physical address, state, role and the linear addresses that map
 * it (a reverse walk of the tables, pagemap.c) are shown under the grid.
 *
 * Cost: one pass over the bytemap of the frames on screen, so a redraw costs
 * the same for 16 MiB as for 4 GiB once the grid is full.
 */
#include "ui.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "pagemap.h"
#include "view_frames.h"
#include "sim/cpu.h"
#include "sim/pfa.h"
#include "sim/x86.h"

#define PREFIX_W  10 /* "000107000 " physical address of the row */
#define INFO_ROWS 3

struct grid {
    uint64_t nframes;
    uint64_t cols, rows; /* cells */
    unsigned zoom;       /* frames per cell = 1 << zoom */
    uint64_t top_cell;   /* first cell of the top row */
};

static uint64_t nframes_of(const struct ui *ui)
{
    return pfa_stats(machine_pfa(ui_machine(ui))).total;
}

/* Fits the grid into r and keeps the cursor on screen. */
static struct grid layout(const struct ui *ui, struct frames_state *fs, const struct ui_rect *r)
{
    struct grid g;
    g.nframes = nframes_of(ui);
    int w = r->w - PREFIX_W;
    g.cols = w >= 16 ? (uint64_t)(w / 8 * 8) : (uint64_t)(w > 1 ? w : 1);
    g.rows = r->h > 2 + INFO_ROWS + 1 ? (uint64_t)(r->h - 2 - INFO_ROWS) : 1;
    if (fs->fit) {
        uint64_t per = fmt_frames_per_cell(g.nframes, g.cols * g.rows);
        fs->zoom = 0;
        while ((UINT64_C(1) << fs->zoom) < per)
            fs->zoom++;
    }
    g.zoom = fs->zoom;
    fs->cols = g.cols;
    if (fs->cursor >= g.nframes)
        fs->cursor = g.nframes ? g.nframes - 1 : 0;
    uint64_t ncells = (g.nframes + (UINT64_C(1) << g.zoom) - 1) >> g.zoom;
    uint64_t cur_row = (fs->cursor >> g.zoom) / g.cols;
    uint64_t top_row = fs->top >> g.zoom;
    top_row /= g.cols;
    if (cur_row < top_row)
        top_row = cur_row;
    if (cur_row >= top_row + g.rows)
        top_row = cur_row - g.rows + 1;
    uint64_t total_rows = (ncells + g.cols - 1) / g.cols;
    if (top_row + g.rows > total_rows)
        top_row = total_rows > g.rows ? total_rows - g.rows : 0;
    g.top_cell = top_row * g.cols;
    fs->top = g.top_cell << g.zoom;
    return g;
}

static void format_info(const struct ui *ui, struct frames_state *fs, struct view_rows *out, int y0,
                        const struct grid *g, const struct ui_rect *r)
{
    const struct machine *m = ui_machine(ui);
    const struct pfa *a = machine_pfa(m);
    uint64_t pfn = fs->cursor;
    struct fmt_line l;
    char sz[24];
    fmt_line_clear(&l);
    enum pfa_state st = pfa_state(a, pfn);
    enum frame_role ro = pfa_role(a, pfn);
    struct fmt_cell c = fmt_frame_cell((uint8_t)st, (uint8_t)ro);
    fmt_put(&l, UI_NORMAL, "frame 0x%" PRIx64 " at 0x%09" PRIx64 ": ", pfn, pfn_to_pa(pfn));
    fmt_put(&l, (enum ui_role)c.role, "%c %s", c.glyph, pfa_state_name(st));
    if (ro != ROLE_NONE)
        fmt_put(&l, (enum ui_role)c.role, ", %s", pfa_role_name(ro));
    if (ui_touched_frame(ui, pfn))
        fmt_put(&l, UI_CHANGED, " (touched by this step)");
    view_put(out, y0, &l);

    if (!fs->rev_valid || fs->rev_pfn != pfn || fs->rev_pos != timeline_pos(ui->tl)) {
        struct pagemap_hit hits[8];
        fs->rev_n = pagemap_find(machine_phys(m), &ui->mode, ui_root_table(ui), ui->maxphyaddr, pfn,
                                 hits, 8, 0, &fs->rev_more);
        for (size_t i = 0; i < fs->rev_n; i++) {
            fs->rev_va[i] = hits[i].va;
            fs->rev_kind[i] = hits[i].kind;
        }
        fs->rev_pfn = pfn;
        fs->rev_pos = timeline_pos(ui->tl);
        fs->rev_valid = true;
    }
    fmt_line_clear(&l);
    if (fs->rev_n == 0) {
        fmt_put(&l, UI_DIM, "not reached from CR3 (no virtual page maps it)");
    } else {
        fmt_put(&l, UI_NORMAL, "mapped by:");
        bool more = fs->rev_more;
        for (size_t i = 0; i < fs->rev_n && !more; i++) {
            static const char *const what[] = {"PML4", "PDPT", "PD", "PT"};
            char one[48];
            if (fs->rev_kind[i] == 0)
                snprintf(one, sizeof one, " va 0x%" PRIx64, fs->rev_va[i]);
            else
                snprintf(one, sizeof one, " %s for 0x%" PRIx64, what[(fs->rev_kind[i] - 1) & 3],
                         fs->rev_va[i]);
            if (l.len + (int)strlen(one) + 4 > r->w && i + 1 < fs->rev_n) {
                more = true; /* the rest: " ..." */
                break;
            }
            fmt_put(&l, fs->rev_kind[i] == 0 ? UI_PRESENT : UI_FRAME_PT, "%s", one);
        }
        if (more)
            fmt_put(&l, UI_DIM, " ...");
    }
    view_put(out, y0 + 1, &l);

    fmt_line_clear(&l);
    static const struct {
        uint8_t state, role;
        const char *name;
    } legend[] = {
        {PFA_FREE, ROLE_NONE, "free"},     {PFA_RESERVED, ROLE_FIRMWARE, "rsvd"},
        {PFA_USED, ROLE_KERNEL, "kernel"}, {PFA_USED, ROLE_PML4, "PML4"},
        {PFA_USED, ROLE_PDPT, "PDPT"},     {PFA_USED, ROLE_PD, "PD"},
        {PFA_USED, ROLE_PT, "PT"},         {PFA_USED, ROLE_HEAP, "heap"},
        {PFA_USED, ROLE_DEVICE, "dev"},    {PFA_USED, ROLE_NONE, "used"},
    };
    for (size_t i = 0; i < sizeof legend / sizeof legend[0]; i++) {
        struct fmt_cell lc = fmt_frame_cell(legend[i].state, legend[i].role);
        fmt_put(&l, (enum ui_role)lc.role, "%c", lc.glyph);
        fmt_put(&l, UI_DIM, "%s ", legend[i].name);
    }
    fmt_size(X86_PAGE_SIZE << g->zoom, sz, sizeof sz);
    if (l.len + 12 + (int)strlen(sz) <= r->w)
        fmt_put(&l, UI_DIM, " 1 cell = %s", sz);
    view_put(out, y0 + 2, &l);
}

static void frames_format(const struct ui *ui, void *st, const struct ui_rect *r, bool focused,
                          struct view_rows *out)
{
    (void)focused;
    struct frames_state *fs = st;
    if (r->h < 2)
        return;
    struct grid g = layout(ui, fs, r);
    const struct pfa *a = machine_pfa(ui_machine(ui));
    const uint8_t *states = pfa_bytemap(a);
    const uint8_t *roles = pfa_roles(a);
    struct pfa_stats ps = pfa_stats(a);
    uint64_t per = UINT64_C(1) << g.zoom;
    struct fmt_line l;
    char sz[24], rs[24];

    /* The counts always; the cell's size and the zoom hint where they fit. */
    char cnt[160], csz[48];
    snprintf(cnt, sizeof cnt, "  RAM %s: %" PRIu64 " used %" PRIu64 " free %" PRIu64 " rsvd",
             fmt_size(ps.total << X86_PAGE_SHIFT, rs, sizeof rs), ps.used, ps.free, ps.reserved);
    snprintf(csz, sizeof csz, " (%s)", fmt_size(X86_PAGE_SIZE << g.zoom, sz, sizeof sz));
    const char *hint = fs->fit ? "  [fit; z zooms]" : "  [z/Z zoom]";
    fmt_line_clear(&l);
    fmt_put(&l, UI_NORMAL, "%" PRIu64 " frame%s per cell", per, per == 1 ? "" : "s");
    int room = r->w - l.len - (int)strlen(cnt);
    if ((int)strlen(csz) <= room) {
        fmt_put(&l, UI_NORMAL, "%s", csz);
        room -= (int)strlen(csz);
    }
    fmt_put(&l, UI_DIM, "%s", cnt);
    if ((int)strlen(hint) <= room)
        fmt_put(&l, UI_DIM, "%s", hint);
    view_put(out, 1, &l);

    uint64_t cur_cell = fs->cursor >> g.zoom;
    for (uint64_t row = 0; row < g.rows && (int)row + 2 < r->h; row++) {
        uint64_t cell0 = g.top_cell + row * g.cols;
        fmt_line_clear(&l);
        if ((cell0 << g.zoom) >= g.nframes) {
            view_put(out, (int)row + 2, &l);
            continue;
        }
        fmt_put(&l, UI_DIM, "%09" PRIx64 " ", pfn_to_pa(cell0 << g.zoom));
        int x0 = l.len;
        for (uint64_t c = 0; c < g.cols; c++) {
            uint64_t first = (cell0 + c) << g.zoom;
            struct fmt_cell cell = fmt_frame_group(states, roles, g.nframes, first, per);
            if (l.len < FMT_LINE_MAX) {
                l.text[l.len] = cell.glyph;
                l.role[l.len] = cell.role;
                l.len++;
            }
        }
        l.text[l.len] = '\0';
        /* Highlights: what this step touched, then the cursor on top. */
        for (size_t i = 0; i < ui->touch.nframes; i++) {
            uint64_t tc = ui->touch.frames[i] >> g.zoom;
            if (tc >= cell0 && tc < cell0 + g.cols && ui->touch.frames[i] < g.nframes)
                l.role[x0 + (int)(tc - cell0)] = UI_CHANGED;
        }
        if (cur_cell >= cell0 && cur_cell < cell0 + g.cols)
            l.role[x0 + (int)(cur_cell - cell0)] = UI_CURSOR;
        view_put(out, (int)row + 2, &l);
    }
    int y0 = r->h - INFO_ROWS;
    if (y0 >= 2)
        format_info(ui, fs, out, y0, &g, r); /* rows between stay blank */
}

static bool frames_key(struct ui *ui, void *st, enum ui_action a)
{
    struct frames_state *fs = st;
    uint64_t n = nframes_of(ui);
    uint64_t per = UINT64_C(1) << fs->zoom;
    uint64_t row = per * (fs->cols ? fs->cols : 1);
    uint64_t c = fs->cursor;
    switch ((int)a) {
    case ACT_UP:
        c = c >= row ? c - row : c % per;
        break;
    case ACT_DOWN:
        c = c + row < n ? c + row : c;
        break;
    case ACT_LEFT:
        c = c >= per ? c - per : 0;
        break;
    case ACT_RIGHT:
        c = c + per < n ? c + per : c;
        break;
    case ACT_PAGE_UP:
        c = c >= row * 16 ? c - row * 16 : 0;
        break;
    case ACT_PAGE_DOWN:
        c = c + row * 16 < n ? c + row * 16 : (n ? n - 1 : 0);
        break;
    case ACT_TOP:
        c = 0;
        break;
    case ACT_BOTTOM:
        c = n ? n - 1 : 0;
        break;
    case ACT_ZOOM_IN:
        fs->fit = false;
        if (fs->zoom > 0)
            fs->zoom--;
        return true;
    case ACT_ZOOM_OUT:
        fs->fit = false;
        if ((n >> fs->zoom) > 1)
            fs->zoom++;
        return true;
    default:
        return false;
    }
    fs->cursor = c & ~(per - 1);
    return true;
}

static void frames_click(const struct ui *ui, void *st, const struct ui_rect *r, int y, int x)
{
    (void)r;
    struct frames_state *fs = st;
    if (y < 2 || x < PREFIX_W || fs->cols == 0)
        return;
    uint64_t col = (uint64_t)(x - PREFIX_W);
    if (col >= fs->cols)
        return;
    uint64_t cell = ((fs->top >> fs->zoom) + (uint64_t)(y - 2) * fs->cols) + col;
    uint64_t f = cell << fs->zoom;
    if (f < nframes_of(ui))
        fs->cursor = f;
}

static bool frames_init(const struct ui *ui, void *st)
{
    (void)ui;
    struct frames_state *fs = st;
    fs->fit = true;
    return true;
}

static void frames_moved(const struct ui *ui, void *st)
{
    (void)ui;
    struct frames_state *fs = st;
    fs->rev_valid = false;
}

const struct view view_frames = {
    .title = "1 Frames",
    .state_size = sizeof(struct frames_state),
    .format = frames_format,
    .key = frames_key,
    .click = frames_click,
    .moved = frames_moved,
    .init = frames_init,
};
