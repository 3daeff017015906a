/*
 * view_log.c - the Log view: the micro-events of the current operation and
 * those before it, newest at the bottom, each with the operation and trace
 * line that caused it, in the words replay --log uses (replay/eventfmt.h).
 * The latest caption (`say`) sits on top, prominently. While stepping into
 * an operation (s) only the events revealed so far are listed, the newest
 * highlighted.
 */
#include "ui.h"

#include <inttypes.h>

#include "replay/eventfmt.h"

struct log_state {
    int back;                        /* events scrolled back from the newest */
    bool hide_hits;                  /* H: TLB hits are not listed */
    size_t listed[TIMELINE_HISTORY]; /* the history entries listed, oldest first */
};

#define LOG_INDENT   9 /* "7 L16    ": the column the words start at */
#define LOG_WRAP_MAX 4 /* rows one event may take */

static enum ui_role role_of(const struct event *e)
{
    if (timeline_is_caption(e))
        return UI_CAPTION;
    switch (e->kind) {
    case EV_FAULT:
    case EV_DIAG:
    case EV_ALLOC_FAIL:
        return UI_FAULT;
    case EV_TLB_HIT:
        return UI_HIT;
    case EV_TLB_MISS:
        return UI_MISS;
    case EV_FRAME_ALLOC:
    case EV_FRAME_FREE:
    case EV_FRAME_CLAIM:
    case EV_TABLE_ALLOC:
    case EV_TABLE_FREE:
    case EV_ENTRY_WRITE:
    case EV_CR_WRITE:
    case EV_TLB_FILL:
    case EV_TLB_EVICT:
    case EV_TLB_FLUSH:
    case EV_TLB_INVLPG:
    case EV_WALK_STEP:
    case EV_AD_SET:
    case EV_ACCESS:
    case EV_PAGE_MAP:
    case EV_PAGE_UNMAP:
    case EV_BLOCK_ALLOC:
    case EV_BLOCK_SPLIT:
    case EV_BLOCK_COALESCE:
    case EV_BLOCK_FREE:
    case EV_BLOCK_MOVE:
    case EV_HEAP_GROW:
    case EV_HEAP_SHRINK:
    case EV_KIND_COUNT:
        break;
    }
    return UI_NORMAL;
}

static bool is_hit(const struct timeline_logged *lg)
{
    return lg != NULL && !timeline_is_caption(&lg->ev) && lg->ev.kind == EV_TLB_HIT;
}

/* Number of history entries shown: the ring minus the events of the current
 * operation not yet revealed. */
static size_t shown_count(const struct ui *ui)
{
    size_t n = timeline_history_count(ui->tl);
    if (!ui->micro)
        return n;
    uint64_t pos = timeline_pos(ui->tl);
    size_t cur = 0;
    while (cur < n) {
        const struct timeline_logged *lg = timeline_history_at(ui->tl, n - 1 - cur);
        if (lg == NULL || lg->op != pos)
            break;
        cur++;
    }
    size_t hide = cur > ui->reveal ? cur - ui->reveal : 0;
    return n - hide;
}

/* One logged event as its row: "7 L16    " then its words. */
static void event_row(const struct ui *ui, size_t i, bool newest, struct fmt_line *l)
{
    const struct timeline_logged *lg = timeline_history_at(ui->tl, i);
    fmt_line_clear(l);
    if (lg == NULL)
        return;
    const struct op *o = timeline_op(ui->tl, lg->op);
    bool cur = lg->op == timeline_pos(ui->tl);
    if (lg->op == 0)
        fmt_put(l, UI_DIM, "boot     ");
    else
        fmt_put(l, cur ? UI_TITLE : UI_DIM, "%" PRIu64 " L%" PRIu32 " ", lg->op, o ? o->line : 0);
    if (l->len < LOG_INDENT)
        fmt_fill(l, UI_DIM, ' ', LOG_INDENT - l->len);
    char buf[FMT_LINE_MAX];
    eventfmt_format(ui->tl, &lg->ev, buf, sizeof buf);
    enum ui_role role = role_of(&lg->ev);
    if (ui->micro && cur && newest)
        role = UI_CHANGED;
    fmt_put(l, role, "%s", buf);
}

/* The caption on top (at most two rows), then the events, newest at the
 * bottom; an event wider than the pane wraps under its words. */
static void log_format(const struct ui *ui, void *st, const struct ui_rect *r, bool focused,
                       struct view_rows *out)
{
    (void)focused;
    struct log_state *ls = st;
    struct fmt_line l, wrap[LOG_WRAP_MAX];
    int y = 1;
    const char *cap = timeline_caption(ui->tl);
    int nc = cap != NULL ? fmt_wrap(wrap, r->h > 8 ? 2 : 1, r->w, UI_CAPTION, ">> ", cap) : 0;
    for (int k = 0; k < nc; k++)
        view_put(out, y++, &wrap[k]);
    if (nc == 0) {
        fmt_line_clear(&l);
        fmt_put(&l, UI_DIM, "(no caption yet)");
        view_put(out, y++, &l);
    }

    size_t n = shown_count(ui);
    /* The history entries listed: all, or all but the TLB hits (H). */
    size_t listed = 0;
    for (size_t i = 0; i < n; i++) {
        if (!ls->hide_hits || !is_hit(timeline_history_at(ui->tl, i)))
            ls->listed[listed++] = i;
    }
    int rows = r->h - y;
    if (rows <= 0)
        return;
    if (ls->back > (int)listed - rows) /* the oldest event stays on the top row */
        ls->back = (int)listed - rows;
    if (ls->back < 0)
        ls->back = 0;
    size_t end = listed - (size_t)ls->back;
    /* From the newest up: how many events fill the rows. */
    size_t start = end;
    int used = 0;
    while (start > 0) {
        event_row(ui, ls->listed[start - 1], false, &l);
        int k = fmt_wrap_line(wrap, LOG_WRAP_MAX, r->w, LOG_INDENT, &l);
        if (used + (k > 0 ? k : 1) > rows)
            break;
        used += k > 0 ? k : 1;
        start--;
    }
    for (size_t i = start; i < end && y < r->h; i++) {
        event_row(ui, ls->listed[i], i + 1 == end && ls->back == 0, &l);
        int k = fmt_wrap_line(wrap, LOG_WRAP_MAX, r->w, LOG_INDENT, &l);
        if (k == 0)
            view_put(out, y++, &l);
        for (int j = 0; j < k && y < r->h; j++)
            view_put(out, y++, &wrap[j]);
    }
}

static bool log_key(struct ui *ui, void *st, enum ui_action a)
{
    struct log_state *ls = st;
    switch ((int)a) {
    case ACT_LOG_HITS:
        ls->hide_hits = !ls->hide_hits;
        snprintf(ui->note, sizeof ui->note, "Log view: TLB hits %s",
                 ls->hide_hits ? "hidden" : "shown");
        return true;
    case ACT_UP:
        ls->back++;
        return true;
    case ACT_DOWN:
        ls->back--;
        return true;
    case ACT_PAGE_UP:
        ls->back += 16;
        return true;
    case ACT_PAGE_DOWN:
        ls->back -= 16;
        return true;
    case ACT_TOP:
        ls->back = (int)timeline_history_count(ui->tl); /* the oldest: format clamps it */
        return true;
    case ACT_BOTTOM:
        ls->back = 0;
        return true;
    default:
        return false;
    }
}

const struct view view_log = {
    .title = "6 Log",
    .state_size = sizeof(struct log_state),
    .format = log_format,
    .key = log_key,
};
