/*
 * view_heap.c - the Heap view: the heap as the allocator's own metadata in
 * simulated RAM says it is at the moment on screen (heap_walk, sim/heap.h:
 * headers, footers and the free list read through probe translations, so
 * the view changes nothing). One row per chunk in address order: the
 * chunk's address and size (header included), used, free or large, the
 * block id its header names, and the frames behind its pages when the pane
 * has room. Merged free chunks are one row; a chunk the walk finds
 * inconsistent (the middle of an operation, or metadata the program wrote
 * over) is marked with '!' and explained under the list, beside the
 * selected block's request, its mtrace caller or the trace line that
 * allocated it. Ids are never cut: the id column is as wide as the longest
 * id, and the frames column is dropped first when the pane is narrow.
 */
#include "ui.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/machine.h"
#include "sim/x86.h"
#include "view_heap.h"

#define DETAIL_ROWS 4 /* under the list: the selected chunk, wrapped */

static void collect(const struct ui *ui, struct heap_state *hs)
{
    if (hs->valid)
        return;
    const struct heap *h = machine_heap(ui_machine(ui));
    heap_walk(h, hs->chunks, hs->cap, &hs->w);
    if (hs->w.truncated) {
        size_t cap = hs->w.n + hs->w.n / 2 + 16;
        struct heap_chunk *c = realloc(hs->chunks, cap * sizeof *c);
        if (c != NULL) { /* else: the first cap chunks, and a note */
            hs->chunks = c;
            hs->cap = cap;
            heap_walk(h, hs->chunks, hs->cap, &hs->w);
        }
    }
    hs->valid = true;
    size_t n = hs->w.n < hs->cap ? hs->w.n : hs->cap;
    if (hs->cursor >= n)
        hs->cursor = n ? n - 1 : 0;
}

static size_t shown(const struct heap_state *hs)
{
    return hs->w.n < hs->cap ? hs->w.n : hs->cap;
}

/* The name of the block a chunk's header names: its trace id ("a",
 * "0x562368ef44a0"), "#N" for a number the trace does not know, "" for a
 * free chunk or a BAD span. */
static const char *chunk_name(const struct ui *ui, const struct heap_chunk *c, char *buf,
                              size_t len)
{
    if (!c->alloc)
        return "";
    if (c->id < ui->trace->nids)
        return trace_id_name(ui->trace, (uint32_t)c->id);
    snprintf(buf, len, "#%" PRIu64, c->id);
    return buf;
}

static const char *state_name(const struct heap_chunk *c)
{
    static const char *const names[] = {"used", "free", "large", "bad"};
    return c->kind < 4 ? names[c->kind] : "?";
}

/* The block id's live record, when it is the block at chunk c. */
static bool chunk_block(const struct ui *ui, const struct heap_chunk *c, struct machine_block *b)
{
    return c->alloc && c->id < ui->trace->nids &&
           machine_block(ui_machine(ui), (uint32_t)c->id, b) && b->live &&
           b->va == c->addr + HEAP_HEADER;
}

/* True when an event of the current step names an address in chunk c. */
static bool chunk_hot(const struct ui *ui, const struct heap_chunk *c)
{
    size_t n;
    const struct event *ev = ui_events(ui, &n);
    for (size_t i = 0; i < n; i++) {
        uint64_t va = ev[i].va;
        switch ((int)ev[i].kind) {
        case EV_BLOCK_ALLOC:
        case EV_BLOCK_SPLIT:
        case EV_BLOCK_COALESCE:
        case EV_BLOCK_FREE:
        case EV_BLOCK_MOVE:
            if (ev[i].kind == EV_BLOCK_MOVE)
                va = ev[i].new;
            if (va >= c->addr && va - c->addr < c->size)
                return true;
            break;
        default:
            break;
        }
    }
    return false;
}

/* Column widths, from what is there: ids in full, addresses and sizes. */
struct cols {
    int addr, size, id;
    bool frames;   /* room for the frames column */
    bool id_first; /* too narrow for all columns: the id leads, so that the
                      painter's clip takes the address, never the id */
};

static struct cols widths(const struct ui *ui, const struct heap_state *hs, int width)
{
    struct cols k = {8, 4, 2, false, false};
    char buf[32];
    for (size_t i = 0; i < shown(hs); i++) {
        const struct heap_chunk *c = &hs->chunks[i];
        int a = snprintf(buf, sizeof buf, "%" PRIx64, c->addr);
        int s = snprintf(buf, sizeof buf, "%" PRIu64, c->size);
        int d = (int)strlen(chunk_name(ui, c, buf, sizeof buf));
        k.addr = a > k.addr ? a : k.addr;
        k.size = s > k.size ? s : k.size;
        k.id = d > k.id ? d : k.id;
    }
    /* address size state! id: the frames column (up to three frame
     * numbers and "...") only when it fits whole */
    k.frames = k.addr + k.size + k.id + 9 + 22 <= width;
    k.id_first = k.addr + k.size + k.id + 9 > width;
    return k;
}

/* The frames behind the pages of [va, va + len), as a probe finds them
 * (the first three, then "..."); with pages, the page numbers first. */
static void put_frames(const struct ui *ui, struct fmt_line *l, uint64_t va, uint64_t len,
                       bool pages)
{
    uint64_t first = va >> X86_PAGE_SHIFT;
    uint64_t last = len ? (va + len - 1) >> X86_PAGE_SHIFT : first;
    if (pages) {
        fmt_put(l, UI_NORMAL, "page %" PRIx64, first);
        if (last != first)
            fmt_put(l, UI_NORMAL, "-%" PRIx64, last);
        fmt_put(l, UI_NORMAL, " -> frame");
    }
    for (uint64_t p = first; p <= last && p < first + 3; p++) {
        struct timeline_probe pr;
        timeline_translate(ui->tl, p << X86_PAGE_SHIFT, MMU_READ, false, &pr);
        if (pr.ok)
            fmt_put(l, UI_FRAME_HEAP, " %" PRIx64, pr.res.pa >> X86_PAGE_SHIFT);
        else
            fmt_put(l, UI_NOTPRESENT, " -");
    }
    if (last >= first + 3)
        fmt_put(l, UI_DIM, " ...");
}

static void chunk_row(const struct ui *ui, const struct heap_chunk *c, const struct cols *k,
                      struct fmt_line *l)
{
    char buf[32];
    enum ui_role role = c->odd                       ? UI_FAULT
                        : chunk_hot(ui, c)           ? UI_CHANGED
                        : c->kind == HEAP_CHUNK_FREE ? UI_DIM
                                                     : UI_PRESENT;
    fmt_line_clear(l);
    if (k->id_first) {
        fmt_put(l, role, "%-*s %-5s%c %*" PRIu64 " %" PRIx64, k->id,
                chunk_name(ui, c, buf, sizeof buf), state_name(c), c->odd ? '!' : ' ', k->size,
                c->size, c->addr);
        return;
    }
    fmt_put(l, role, "%*" PRIx64 " %*" PRIu64 " %-5s%c %-*s", k->addr, c->addr, k->size, c->size,
            state_name(c), c->odd ? '!' : ' ', k->id, chunk_name(ui, c, buf, sizeof buf));
    if (k->frames)
        put_frames(ui, l, c->addr, c->size, false);
}

/* The first row of the list shown for a list of rows rows. */
static size_t top_of(const struct heap_state *hs, int rows)
{
    size_t n = shown(hs), r = rows > 0 ? (size_t)rows : 1;
    size_t top = hs->cursor >= r / 2 ? hs->cursor - r / 2 : 0;
    if (n > r && top > n - r)
        top = n - r;
    return n <= r ? 0 : top;
}

static int list_rows(const struct ui_rect *r)
{
    int rows = r->h - 3 - (r->h >= 12 ? DETAIL_ROWS : 0);
    return rows > 0 ? rows : 1;
}

static void summary(const struct ui *ui, const struct heap_state *hs, int width, struct fmt_line *l)
{
    uint64_t used = 0, free_ = 0, large = 0;
    for (size_t i = 0; i < shown(hs); i++) {
        used += hs->chunks[i].kind == HEAP_CHUNK_USED;
        free_ += hs->chunks[i].kind == HEAP_CHUNK_FREE;
        large += hs->chunks[i].kind == HEAP_CHUNK_LARGE;
    }
    struct machine_stats ms = machine_stats(ui_machine(ui));
    /* What matters most first: the marks of an inconsistent or cut walk,
     * the counts; the peak and the policy only where they fit. */
    fmt_line_clear(l);
    if ((hs->w.odd || hs->w.list_broken) && timeline_inside(ui->tl))
        fmt_put(l, UI_CHANGED, "! half-written: the operation is under way  ");
    else if (hs->w.odd || hs->w.list_broken)
        fmt_put(l, UI_FAULT, "! inconsistent  ");
    if (hs->w.truncated)
        fmt_put(l, UI_FAULT, "first %zu of %zu  ", hs->cap, hs->w.n);
    fmt_put(l, UI_NORMAL,
            "%" PRIu64 " used, %" PRIu64 " free, %" PRIu64 " large; live %" PRIu64 " B", used,
            free_, large, ms.live_bytes);
    char peak[40];
    int n = snprintf(peak, sizeof peak, " (peak %" PRIu64 ")", ms.peak_live_bytes);
    if (l->len + n <= width)
        fmt_put(l, UI_NORMAL, "%s", peak);
    if (hs->w.policy != NULL && l->len + (int)strlen(hs->w.policy) + 2 <= width)
        fmt_put(l, UI_DIM, "  %s", hs->w.policy);
}

static bool heap_key(struct ui *ui, void *st, enum ui_action a)
{
    struct heap_state *hs = st;
    collect(ui, hs);
    size_t n = shown(hs);
    switch ((int)a) {
    case ACT_UP:
        hs->cursor = hs->cursor ? hs->cursor - 1 : 0;
        return true;
    case ACT_DOWN:
        hs->cursor = hs->cursor + 1 < n ? hs->cursor + 1 : hs->cursor;
        return true;
    case ACT_PAGE_UP:
        hs->cursor = hs->cursor > 16 ? hs->cursor - 16 : 0;
        return true;
    case ACT_PAGE_DOWN:
        hs->cursor = hs->cursor + 16 < n ? hs->cursor + 16 : (n ? n - 1 : 0);
        return true;
    case ACT_TOP:
        hs->cursor = 0;
        return true;
    case ACT_BOTTOM:
        hs->cursor = n ? n - 1 : 0;
        return true;
    default:
        return false;
    }
}

static void heap_click(const struct ui *ui, void *st, const struct ui_rect *r, int y, int x)
{
    (void)x;
    struct heap_state *hs = st;
    collect(ui, hs);
    if (y < 3 || y - 3 >= list_rows(r))
        return;
    size_t k = top_of(hs, list_rows(r)) + (size_t)(y - 3);
    if (k < shown(hs))
        hs->cursor = k;
}

/* The operation at or before the cursor that allocated block id (a
 * malloc, a calloc, or a realloc that made it), 0 when none; cached. */
static uint64_t alloc_op(const struct ui *ui, struct heap_state *hs, uint64_t id)
{
    uint64_t pos = timeline_pos(ui->tl);
    if (hs->alloc_op_at == pos && hs->alloc_op_id == id)
        return hs->alloc_op;
    uint64_t found = 0;
    for (uint64_t k = pos; k >= 1 && found == 0; k--) {
        const struct op *o = timeline_op(ui->tl, k);
        if (o == NULL)
            break;
        if (((o->kind == OP_MALLOC || o->kind == OP_CALLOC) && o->id == id) ||
            (o->kind == OP_REALLOC && o->id2 == id && !(o->flags & OP_F_FAILED)))
            found = k;
    }
    hs->alloc_op = found;
    hs->alloc_op_at = pos;
    hs->alloc_op_id = id;
    return found;
}

/* Why chunk c is marked '!', in words. */
static void put_odd(struct fmt_line *l, unsigned odd)
{
    static const char *const why[] = {
        "header not a chunk header",        "page not mapped",
        "footer differs from header",       "PREV_ALLOC bit disagrees",
        "next to a free chunk: not merged", "not on the free list",
        "allocated but on the free list",   "free-list back link wrong",
    };
    for (unsigned i = 0; i < sizeof why / sizeof why[0]; i++) {
        if (odd & (1u << i))
            fmt_put(l, UI_FAULT, " ! %s", why[i]);
    }
}

/* The first detail row: what the selected chunk is. */
static void detail_what(const struct ui *ui, const struct heap_chunk *c, const struct cols *k,
                        struct fmt_line *l)
{
    char buf[32];
    struct machine_block b;
    fmt_line_clear(l);
    if (c->kind == HEAP_CHUNK_BAD) {
        fmt_put(l, UI_FAULT, "%" PRIu64 " bytes at %" PRIx64 ": %s (mid-operation, or overwritten)",
                c->size, c->addr,
                (c->odd & HEAP_ODD_UNMAPPED) ? "page not mapped" : "no valid chunk header");
        return;
    } else if (!c->alloc) {
        fmt_put(l, UI_NORMAL, "free chunk %" PRIu64 " B at %" PRIx64 "%s", c->size, c->addr,
                c->listed ? ", on the free list" : "");
    } else if (chunk_block(ui, c, &b)) {
        fmt_put(l, UI_NORMAL, "block %s: %" PRIu64 " B asked at %" PRIx64 ", chunk %" PRIu64 " B",
                chunk_name(ui, c, buf, sizeof buf), b.size, c->addr + HEAP_HEADER, c->size);
        if (c->kind == HEAP_CHUNK_LARGE)
            fmt_put(l, UI_NORMAL, " = %" PRIu64 " pages of its own", c->size >> X86_PAGE_SHIFT);
    } else {
        fmt_put(l, UI_FAULT, "header names block %s, which is not live here",
                chunk_name(ui, c, buf, sizeof buf));
    }
    put_odd(l, c->odd);
    if (!k->frames && c->kind != HEAP_CHUNK_BAD) {
        fmt_put(l, UI_DIM, "; ");
        put_frames(ui, l, c->addr, c->size, true);
    }
}

/* The second detail row: where the selected block came from. */
static void detail_source(const struct ui *ui, struct heap_state *hs, const struct heap_chunk *c,
                          struct fmt_line *l)
{
    fmt_line_clear(l);
    struct machine_block b;
    if (!chunk_block(ui, c, &b))
        return;
    uint64_t k = alloc_op(ui, hs, c->id);
    const struct op *o = k ? timeline_op(ui->tl, k) : NULL;
    if (o == NULL) {
        fmt_put(l, UI_DIM, "allocated before the trace's first operation");
        return;
    }
    if (ui->trace->format == TRACE_MTRACE) {
        const char *who = o->text != TRACE_NO_TEXT ? trace_text(ui->trace, o->text) : "";
        fmt_put(l, UI_NORMAL, "caller %s", who[0] ? who : "(none logged)");
        fmt_put(l, UI_DIM, " (op %" PRIu64 ", line %u)", k, o->line);
        return;
    }
    fmt_put(l, UI_NORMAL, "line %u: %s %s", o->line, trace_op_name((enum op_kind)o->kind),
            trace_id_name(ui->trace, o->kind == OP_REALLOC ? o->id2 : o->id));
    if (o->kind == OP_CALLOC)
        fmt_put(l, UI_NORMAL, " %" PRIu64 " %" PRIu64, o->a, o->b);
    else
        fmt_put(l, UI_NORMAL, " %" PRIu64, o->a);
    fmt_put(l, UI_DIM, " (op %" PRIu64 ")", k);
}

static void heap_format(const struct ui *ui, void *st, const struct ui_rect *r, bool focused,
                        struct view_rows *out)
{
    struct heap_state *hs = st;
    collect(ui, hs);
    struct fmt_line l;
    summary(ui, hs, r->w, &l);
    view_put(out, 1, &l);
    if (shown(hs) == 0) {
        fmt_line_clear(&l);
        fmt_put(&l, UI_DIM, "no heap page mapped yet");
        view_put(out, 2, &l);
        return;
    }
    struct cols k = widths(ui, hs, r->w);
    fmt_line_clear(&l);
    if (k.id_first)
        fmt_put(&l, UI_DIM, "%-*s %-6s %*s chunk", k.id, "id", "state", k.size, "size");
    else
        fmt_put(&l, UI_DIM, "%-*s %*s %-6s %-*s%s", k.addr, "chunk", k.size, "size", "state", k.id,
                "id", k.frames ? " frames" : "");
    view_put(out, 2, &l);
    int rows = list_rows(r);
    int y = 3;
    for (size_t i = top_of(hs, rows); i < shown(hs) && y < 3 + rows; i++, y++) {
        chunk_row(ui, &hs->chunks[i], &k, &l);
        if (i == hs->cursor && focused)
            fmt_recolor(&l, 0, UI_CURSOR);
        view_put(out, y, &l);
    }
    if (r->h < 12)
        return;
    const struct heap_chunk *c = &hs->chunks[hs->cursor];
    struct fmt_line d[2], part[DETAIL_ROWS];
    detail_what(ui, c, &k, &d[0]);
    detail_source(ui, hs, c, &d[1]);
    int n = fmt_wrap_line(part, DETAIL_ROWS, r->w, 2, &d[0]);
    n += fmt_wrap_line(part + n, DETAIL_ROWS - n, r->w, 2, &d[1]);
    for (int i = 0; i < n; i++)
        view_put(out, r->h - DETAIL_ROWS + i, &part[i]);
}

/* Whether chunk c matches the search: its id contains text (case
 * ignored), or, when text is a number, c holds that address. */
static bool matches(const struct ui *ui, const struct heap_chunk *c, const char *text)
{
    uint64_t a;
    if (trace_number_parse(text, false, &a) && a >= c->addr && a - c->addr < c->size)
        return true;
    char buf[32];
    const char *name = chunk_name(ui, c, buf, sizeof buf);
    size_t n = strlen(text);
    for (const char *p = name; *p; p++) {
        size_t i = 0;
        while (i < n && p[i] && tolower((unsigned char)p[i]) == tolower((unsigned char)text[i]))
            i++;
        if (i == n)
            return true;
    }
    return false;
}

void view_heap_search(struct ui *ui, const char *text, char *note, size_t len)
{
    struct heap_state *hs = ui->view_state[VIEW_HEAP];
    if (text[0] != '\0')
        snprintf(hs->query, sizeof hs->query, "%s", text);
    if (hs->query[0] == '\0') {
        snprintf(note, len, "search: type an id or an address");
        return;
    }
    collect(ui, hs);
    size_t n = shown(hs);
    for (size_t step = 1; step <= n; step++) {
        size_t i = (hs->cursor + step) % n;
        if (matches(ui, &hs->chunks[i], hs->query)) {
            snprintf(note, len, "/%s: chunk at %" PRIx64 "%s (/ Enter: next)", hs->query,
                     hs->chunks[i].addr, i <= hs->cursor ? ", wrapped" : "");
            hs->cursor = i;
            return;
        }
    }
    snprintf(note, len, "/%s: not found", hs->query);
}

/* Room for two chunks per id of the trace (each block, a free chunk beside
 * it), now, so that formatting allocates only for a heap broken beyond
 * that. */
static bool heap_init(const struct ui *ui, void *st)
{
    struct heap_state *hs = st;
    size_t cap = 2 * (size_t)ui->trace->nids + 16;
    hs->chunks = calloc(cap, sizeof *hs->chunks);
    if (hs->chunks == NULL)
        return false;
    hs->cap = cap;
    return true;
}

static void heap_state_free(void *st)
{
    struct heap_state *hs = st;
    free(hs->chunks);
    hs->chunks = NULL;
    hs->cap = 0;
}

static void heap_moved(const struct ui *ui, void *st)
{
    (void)ui;
    struct heap_state *hs = st;
    hs->valid = false;
}

const struct view view_heap = {
    .title = "5 Heap",
    .state_size = sizeof(struct heap_state),
    .format = heap_format,
    .key = heap_key,
    .click = heap_click,
    .moved = heap_moved,
    .init = heap_init,
    .free = heap_state_free,
};
