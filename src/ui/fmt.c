/*
 * fmt.c - pure format functions of the visualizer (see fmt.h).
 *
 * The decoding follows the SDM Vol. 3A chapter 4 bit for bit, through the
 * masks of sim/x86.h: entry flags and addresses (4.3 tables 4-4..4-6 for
 * 32-bit paging with PSE-36, 4.4 for PAE, 4.5 for 4-level paging), the
 * linear-address fields of each mode (figures 4-2 to 4-10) and the
 * page-fault error code (4.7, figure 4-12). Text is plain ASCII so that every
 * terminal shows it; colour comes from the roles, mapped only by theme.c.
 */
#include "fmt.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "replay/strbuf.h"
#include "sim/x86.h"
#include "trace/trace.h"

void fmt_line_clear(struct fmt_line *l)
{
    l->len = 0;
    l->text[0] = '\0';
}

int fmt_put(struct fmt_line *l, enum ui_role role, const char *fmt, ...)
{
    char buf[FMT_LINE_MAX + 1];
    struct strbuf sb = strbuf_make(buf, sizeof buf);
    va_list ap;
    va_start(ap, fmt);
    strbuf_vprintf(&sb, fmt, ap);
    va_end(ap);
    int n = sb.pos > FMT_LINE_MAX ? FMT_LINE_MAX : (int)sb.pos;
    /* Text from a trace (a caption, a caller, a name) may hold control
     * bytes: curses would act on them (a CR, a tab) or show them raw. They
     * are escaped as everywhere else (trace_escape). */
    for (int i = 0; i < n; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c < 0x20 || c >= 0x7F) {
            char esc[FMT_LINE_MAX + 1];
            n = (int)trace_escape(esc, sizeof esc, buf, (size_t)n);
            memcpy(buf, esc, (size_t)n + 1);
            break;
        }
    }
    int room = FMT_LINE_MAX - l->len;
    if (n > room)
        n = room;
    memcpy(l->text + l->len, buf, (size_t)n);
    memset(l->role + l->len, (int)role, (size_t)n);
    l->len += n;
    l->text[l->len] = '\0';
    return n;
}

const char *fmt_expect_mark(enum timeline_mark m, bool utf8, enum ui_role *role)
{
    switch (m) {
    case TIMELINE_MARK_HOLD:
        *role = UI_HIT;
        return utf8 ? "\xe2\x9c\x93" : "[ok]"; /* U+2713 CHECK MARK */
    case TIMELINE_MARK_FAIL:
        *role = UI_FAULT;
        return utf8 ? "\xe2\x9c\x97" : "[X]"; /* U+2717 BALLOT X */
    case TIMELINE_MARK_NONE:
    default:
        *role = UI_NORMAL;
        return "";
    }
}

void fmt_fill(struct fmt_line *l, enum ui_role role, char c, int n)
{
    int room = FMT_LINE_MAX - l->len;
    if (n > room)
        n = room;
    if (n <= 0)
        return;
    memset(l->text + l->len, c, (size_t)n);
    memset(l->role + l->len, (int)role, (size_t)n);
    l->len += n;
    l->text[l->len] = '\0';
}

void fmt_recolor(struct fmt_line *l, int from, enum ui_role role)
{
    if (from < 0)
        from = 0;
    if (from < l->len)
        memset(l->role + from, (int)role, (size_t)(l->len - from));
}

/* --- frames ---------------------------------------------------------------- */

/* Priority of a frame in a group cell: the most telling frame wins. */
enum {
    PRIO_FREE,
    PRIO_RESERVED,
    PRIO_USED,
    PRIO_KERNEL,
    PRIO_DEVICE,
    PRIO_HEAP,
    PRIO_PT,
    PRIO_PD,
    PRIO_PDPT,
    PRIO_PML4,
    PRIO_BAD,
};

static int frame_prio(uint8_t state, uint8_t role)
{
    if (state == PFA_FREE)
        return PRIO_FREE;
    if (state > PFA_RESERVED || role >= ROLE_COUNT)
        return PRIO_BAD;
    switch ((enum frame_role)role) {
    case ROLE_NONE:
    case ROLE_FIRMWARE:
        return state == PFA_RESERVED ? PRIO_RESERVED : PRIO_USED;
    case ROLE_KERNEL:
        return PRIO_KERNEL;
    case ROLE_PML4:
        return PRIO_PML4;
    case ROLE_PDPT:
        return PRIO_PDPT;
    case ROLE_PD:
        return PRIO_PD;
    case ROLE_PT:
        return PRIO_PT;
    case ROLE_HEAP:
        return PRIO_HEAP;
    case ROLE_DEVICE:
        return PRIO_DEVICE;
    case ROLE_COUNT:
        break;
    }
    return PRIO_BAD;
}

struct fmt_cell fmt_frame_cell(uint8_t state, uint8_t role)
{
    static const struct fmt_cell by_prio[] = {
        [PRIO_FREE] = {'.', UI_FRAME_FREE},     [PRIO_RESERVED] = {'#', UI_FRAME_RESERVED},
        [PRIO_USED] = {'U', UI_FRAME_USED},     [PRIO_KERNEL] = {'K', UI_FRAME_KERNEL},
        [PRIO_DEVICE] = {'V', UI_FRAME_DEVICE}, [PRIO_HEAP] = {'H', UI_FRAME_HEAP},
        [PRIO_PT] = {'T', UI_FRAME_PT},         [PRIO_PD] = {'D', UI_FRAME_PD},
        [PRIO_PDPT] = {'P', UI_FRAME_PDPT},     [PRIO_PML4] = {'L', UI_FRAME_PML4},
        [PRIO_BAD] = {'?', UI_FAULT},
    };
    return by_prio[frame_prio(state, role)];
}

/* The render benchmark's hot loop: aligned to a cache line, so that its
 * speed does not depend on what the linker happens to put before it (a 5%
 * swing in render_ms_4g from moving it by 16 bytes). */
__attribute__((aligned(64))) struct fmt_cell fmt_frame_group(const uint8_t *states,
                                                             const uint8_t *roles, uint64_t nframes,
                                                             uint64_t first, uint64_t count)
{
    struct fmt_cell blank = {' ', UI_NORMAL};
    if (first >= nframes || count == 0)
        return blank;
    uint64_t end = count > nframes - first ? nframes : first + count;
    int best = -1;
    uint64_t best_i = first;
    uint64_t i = first;
    while (i < end) {
        /* Runs of free frames (state 0) are skipped eight at a time. */
        if (end - i >= 8) {
            uint64_t w;
            memcpy(&w, states + i, sizeof w);
            if (w == 0) {
                if (best < PRIO_FREE) {
                    best = PRIO_FREE;
                    best_i = i;
                }
                i += 8;
                continue;
            }
        }
        int p = frame_prio(states[i], roles[i]);
        if (p > best) {
            best = p;
            best_i = i;
            if (p == PRIO_BAD)
                break;
        }
        i++;
    }
    return fmt_frame_cell(states[best_i], roles[best_i]);
}

uint64_t fmt_frames_per_cell(uint64_t nframes, uint64_t cells)
{
    if (cells == 0)
        cells = 1;
    uint64_t per = 1;
    while (per < (UINT64_C(1) << 40) && (nframes + per - 1) / per > cells)
        per <<= 1;
    return per;
}

const char *fmt_size(uint64_t bytes, char *buf, size_t len)
{
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    unsigned u = 0;
    uint64_t scale = 1;
    while (u + 1 < sizeof unit / sizeof unit[0] && bytes >= scale * 1024) {
        scale *= 1024;
        u++;
    }
    if (bytes % scale == 0)
        snprintf(buf, len, "%" PRIu64 " %s", bytes / scale, unit[u]);
    else
        snprintf(buf, len, "%.1f %s", (double)bytes / (double)scale, unit[u]);
    return buf;
}

/* --- paging structures ------------------------------------------------------ */

struct fmt_mode fmt_mode_of(enum paging_mode p)
{
    const struct paging_geom *g = paging_geom(p);
    if (g == NULL)
        g = paging_geom(PAGING_32);
    struct fmt_mode m;
    memset(&m, 0, sizeof m);
    m.g = g;
    m.paging = g->mode;
    m.levels = g->nlevels;
    m.entry_bytes = g->entry_bytes;
    for (unsigned d = 0; d < g->nlevels; d++) {
        m.level[d] = g->lv[d].level;
        m.shift[d] = g->lv[d].shift;
        m.nentries[d] = (uint16_t)paging_nentries(g, d);
    }
    m.va_bits = paging_va_bits(g);
    return m;
}

bool fmt_entry_is_leaf(const struct fmt_mode *m, enum walk_level lvl, uint64_t e)
{
    int d = paging_depth(m->g, lvl);
    return d >= 0 && paging_is_leaf(m->g, (unsigned)d, e);
}

uint64_t fmt_entry_span(const struct fmt_mode *m, enum walk_level lvl)
{
    int d = paging_depth(m->g, lvl);
    return d < 0 ? X86_PAGE_SIZE : paging_span(m->g, (unsigned)d);
}

uint64_t fmt_entry_addr(const struct fmt_mode *m, enum walk_level lvl, uint64_t e,
                        unsigned maxphyaddr)
{
    if (maxphyaddr < 32 || maxphyaddr > 52)
        maxphyaddr = X86_MAXPHYADDR_DEFAULT;
    int d = paging_depth(m->g, lvl);
    if (d < 0)
        return e & paging_addr_mask(m->g, maxphyaddr);
    return paging_entry_addr(m->g, (unsigned)d, e, maxphyaddr);
}

uint64_t fmt_entry_va(const struct fmt_mode *m, enum walk_level lvl, uint64_t base, unsigned index)
{
    return paging_va_canon(m->g, base + index * fmt_entry_span(m, lvl));
}

void fmt_entry_flags(const struct fmt_mode *m, enum walk_level lvl, uint64_t e, char out[11])
{
    int d = paging_depth(m->g, lvl);
    for (unsigned i = 0; i < PAGING_FLAG_COLUMNS; i++) {
        unsigned bit = paging_flag_column_bit(i);
        const struct paging_flag *f = d < 0 ? NULL : paging_flag_at(m->g, (unsigned)d, bit);
        out[i] = f != NULL && (e >> bit & 1) ? f->letter : '-';
    }
    out[PAGING_FLAG_COLUMNS] = '\0';
}

void fmt_entry_row(struct fmt_line *l, const struct fmt_mode *m, enum walk_level lvl,
                   unsigned index, uint64_t e, uint64_t base, unsigned maxphyaddr, bool changed)
{
    bool present = (e & X86_PTE_P) != 0;
    enum ui_role role = changed ? UI_CHANGED : present ? UI_PRESENT : UI_NOTPRESENT;
    int hexw = m->entry_bytes == 4 ? 8 : 16;
    int vaw = m->g->canonical ? 16 : 8; /* a sign-extended va: all 64 bits */
    uint64_t va = fmt_entry_va(m, lvl, base, index);
    uint64_t last = va + fmt_entry_span(m, lvl) - 1;
    char flags[11];
    fmt_entry_flags(m, lvl, e, flags);
    fmt_put(l, role, "%4u %0*" PRIx64 " ", index, hexw, e);
    if (present) {
        bool leaf = fmt_entry_is_leaf(m, lvl, e);
        fmt_put(l, role, "%s %s %09" PRIx64 " ", flags, leaf ? "page" : "tbl ",
                fmt_entry_addr(m, lvl, e, maxphyaddr));
    } else {
        fmt_put(l, role, "%-10s %-14s ", "-", "not present");
    }
    fmt_put(l, changed ? UI_CHANGED : UI_DIM, "%0*" PRIx64 "-%0*" PRIx64, vaw, va, vaw, last);
}

/* --- linear addresses ----------------------------------------------------------- */

static const char *level_name(enum paging_mode p, enum walk_level lvl)
{
    if (p == PAGING_LONG) {
        static const char *const n64[] = {"PML4", "PDPT", "PD", "PT"};
        return n64[lvl];
    }
    static const char *const n[] = {"PML4E", "PDPTE", "PDE", "PTE"};
    return n[lvl];
}

unsigned fmt_addr_fields(const struct fmt_mode *m, uint64_t page_size, uint64_t va,
                         struct fmt_field out[PAGING_MAX_LEVELS + 1])
{
    unsigned page_shift = X86_PAGE_SHIFT;
    while (page_shift < 40 && (UINT64_C(1) << page_shift) < page_size)
        page_shift++;
    /* Only the page sizes the mode has (SDM table 4-1); anything else is 4 KiB. */
    bool ok = page_shift == X86_PAGE_SHIFT;
    for (unsigned d = 0; d < m->g->nlevels; d++)
        ok |= m->g->lv[d].large && m->g->lv[d].shift == page_shift;
    if (!ok)
        page_shift = X86_PAGE_SHIFT;
    unsigned n = 0;
    unsigned hi = m->va_bits - 1;
    for (unsigned i = 0; i < m->levels && m->shift[i] >= page_shift; i++) {
        out[n].name = level_name(m->paging, (enum walk_level)m->level[i]);
        out[n].hi = (uint8_t)hi;
        out[n].lo = m->shift[i];
        out[n].value = (va >> m->shift[i]) & ((UINT64_C(1) << (hi - m->shift[i] + 1)) - 1);
        hi = m->shift[i] - 1u;
        n++;
    }
    out[n].name = "offset";
    out[n].hi = (uint8_t)hi;
    out[n].lo = 0;
    out[n].value = va & ((UINT64_C(1) << (hi + 1)) - 1);
    return n + 1;
}

void fmt_addr_binary(struct fmt_line *l, const struct fmt_field *f, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        enum ui_role role = i + 1 == n ? UI_FIELD_OFF : (enum ui_role)(UI_FIELD0 + (i < 3 ? i : 3));
        if (i > 0)
            fmt_put(l, UI_DIM, "|");
        for (int b = f[i].hi; b >= f[i].lo; b--)
            fmt_put(l, role, "%c", (f[i].value >> (b - f[i].lo)) & 1 ? '1' : '0');
    }
}

/* --- faults ------------------------------------------------------------------ */

bool fmt_pf_bit(struct fmt_line *l, uint32_t code, unsigned i)
{
    static const struct {
        uint32_t mask;
        const char *name;
        const char *clear, *set;
    } bits[] = {
        {X86_PF_P, "P", "not-present page", "protection violation"},
        {X86_PF_W, "W/R", "read access", "write access"},
        {X86_PF_U, "U/S", "supervisor-mode access", "user-mode access"},
        {X86_PF_RSVD, "RSVD", "no reserved bit", "reserved bit set in an entry"},
        {X86_PF_ID, "I/D", "data access", "instruction fetch"},
    };
    if (i >= sizeof bits / sizeof bits[0])
        return false;
    bool set = (code & bits[i].mask) != 0;
    fmt_put(l, set ? UI_FAULT : UI_NORMAL, "bit %u %-4s = %d  %s", i, bits[i].name, set ? 1 : 0,
            set ? bits[i].set : bits[i].clear);
    return true;
}

/* --- status line ------------------------------------------------------------- */

void fmt_status_line(struct fmt_line *l, const struct fmt_status *s, int width)
{
    if (width > FMT_LINE_MAX)
        width = FMT_LINE_MAX;
    if (width < 0)
        width = 0;
    char right[200];
    char ev[48] = "";
    if (s->nev > 0)
        snprintf(ev, sizeof ev, " ev %zu/%zu%s%s", s->ev, s->nev, s->step ? " " : "",
                 s->step ? s->step : "");
    const char *name = s->trace ? s->trace : "";
    int nlen = (int)strlen(name);
    /* The full form, else a compact one (no 0x), else compact without the
     * speed: the first that leaves the name 12 columns (or all it needs).
     * Every field of CONTRACT 4 is in all three. */
    const char *mode = s->mode ? s->mode : "?";
    char run[48];
    if (s->quiz)
        snprintf(run, sizeof run, "%s QUIZ %u/%u", s->playing ? "PLAYING" : "PAUSED", s->quiz_right,
                 s->quiz_asked);
    else
        snprintf(run, sizeof run, "%s", s->playing ? "PLAYING" : "PAUSED");
    int want = nlen < 12 ? nlen : 12;
    for (int form = 0; form < 3; form++) {
        if (form == 0)
            snprintf(right, sizeof right,
                     "op %zu/%zu%s | %s | CR0=0x%" PRIx64 " CR3=0x%" PRIx64 " CR4=0x%" PRIx64
                     " | %s %u op/s",
                     s->op, s->nops, ev, mode, s->cr0, s->cr3, s->cr4, run, s->speed);
        else if (form == 1)
            snprintf(right, sizeof right,
                     "op %zu/%zu%s %s CR0=%" PRIx64 " CR3=%" PRIx64 " CR4=%" PRIx64 " %s %u/s",
                     s->op, s->nops, ev, mode, s->cr0, s->cr3, s->cr4, run, s->speed);
        else
            snprintf(right, sizeof right,
                     "op %zu/%zu%s %s CR0=%" PRIx64 " CR3=%" PRIx64 " CR4=%" PRIx64 " %s", s->op,
                     s->nops, ev, mode, s->cr0, s->cr3, s->cr4, run);
        if (width - (int)strlen(right) - 3 >= want)
            break;
    }
    int rlen = (int)strlen(right);
    int room = width - rlen - 3; /* " name  right" */
    fmt_line_clear(l);
    fmt_put(l, UI_STATUS, " ");
    if (room >= nlen) {
        fmt_put(l, UI_STATUS, "%s  ", name);
    } else if (room >= 4) {
        fmt_put(l, UI_STATUS, "<%s  ", name + nlen - (room - 1));
    }
    fmt_put(l, UI_STATUS, "%s", right);
    if (s->note != NULL && s->note[0] != '\0' && l->len + 3 < width)
        fmt_put(l, UI_STATUS, " | %.*s", width - l->len - 3, s->note);
    if (l->len > width) {
        l->len = width;
        l->text[width] = '\0';
    }
    fmt_fill(l, UI_STATUS, ' ', width - l->len);
}
