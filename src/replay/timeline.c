/*
 * timeline.c - replay with a cursor that moves both ways (see timeline.h):
 * the cursor, stepping, going back, breakpoints, streaming, and the events
 * recorded on the way. The machine comes from replay_boot (boot.c); going
 * back restores a checkpoint (checkpoint.c) and runs forward again, or,
 * without checkpoints, re-boots and runs forward from operation 0. The
 * checkpoints save the replay's own scalars (struct replay_scalars) with the
 * machine's.
 */
#include "replay/timeline.h"

#include <stdlib.h>
#include <string.h>

#include "replay/access.h"
#include "replay/boot.h"
#include "replay/checkpoint.h"
#include "replay/expect.h"
#include "replay/options.h"
#include "replay/timeline_impl.h"
#include "sim/tlb.h"

#define DEFAULT_EVERY  1024
#define DEFAULT_BUDGET (UINT64_C(128) << 20)

/* ---- events ---- */

static void push_history(struct timeline *tl, const struct event *ev)
{
    if (tl->hist == NULL)
        return;
    size_t at = (tl->hstart + tl->hcount) % TIMELINE_HISTORY;
    tl->hist[at].op = tl->cur_op;
    tl->hist[at].ev = *ev;
    if (tl->hcount < TIMELINE_HISTORY)
        tl->hcount++;
    else
        tl->hstart = (tl->hstart + 1) % TIMELINE_HISTORY;
}

static void push_event(struct timeline *tl, const struct event *ev)
{
    if (tl->nev == tl->capev) {
        if (tl->capev >= TIMELINE_MAX_OP_EVENTS)
            return;
        size_t cap = tl->capev ? tl->capev * 2 : 64;
        struct event *n = realloc(tl->ev, cap * sizeof *n);
        if (n == NULL)
            return;
        tl->ev = n;
        tl->capev = cap;
    }
    tl->ev[tl->nev++] = *ev;
}

static void on_event(void *ctx, const struct event *ev)
{
    struct timeline *tl = ctx;
    tl->cur_ev++;
    if (tl->track)
        access_feed(&tl->rs.access, (enum paging_mode)tl->mode, tl->cur_op, tl->cur_ev, ev);
    tl->evcount++;
    if (tl->record) {
        if (!tl->ev_frozen)
            push_event(tl, ev);
        push_history(tl, ev);
    }
    if (tl->logging)
        tl->log(tl->log_ctx, tl->cur_op, tl->cur_line, ev);
    if (tl->stop_at != 0 && tl->evcount == tl->stop_at)
        longjmp(tl->stop, 1); /* out of the operation: see timeline_event.c */
}

/* Attaches the sink when anybody listens, detaches it when nobody does. */
static void update_sink(struct timeline *tl)
{
    bool now = tl->record || tl->logging || tl->track || tl->counting;
    if (now != tl->attached)
        machine_set_sink(tl->m, now ? &tl->sink : NULL);
    tl->attached = now;
}

/* Sets what the sink does; detaches it from the machine when nobody listens,
 * so headless replay pays nothing for events. */
void timeline_set_capture(struct timeline *tl, bool record, bool logging)
{
    tl->record = record && !(tl->flags & TIMELINE_NO_EVENTS);
    tl->logging = logging && tl->log != NULL;
    tl->reporting = logging;
    update_sink(tl);
}

/* Checks the `expect` lines of operations up to the cursor not yet checked. */
static void check_expects(struct timeline *tl)
{
    const struct trace *t = tl->t;
    while (tl->exp_next < t->nexpects && t->expects[tl->exp_next].op <= tl->pos) {
        const struct trace_expect *e = &t->expects[tl->exp_next];
        char found[192];
        bool ok = expect_fact_check(e, tl->m, &tl->rs.access, found, sizeof found);
        if (ok)
            tl->exp_passed++;
        else
            tl->exp_failed++;
        if (tl->exp_status != NULL)
            tl->exp_status[tl->exp_next] = ok ? 1 : 2;
        if (tl->reporting && tl->expect != NULL)
            tl->expect(tl->expect_ctx, t, e, ok, found);
        tl->exp_next++;
    }
}

/* Going back to pos: forgets the results of the later operations' lines. */
void timeline_uncheck_expects(struct timeline *tl)
{
    const struct trace *t = tl->t;
    while (tl->exp_next > 0 && t->expects[tl->exp_next - 1].op > tl->pos)
        tl->exp_next--;
    tl->exp_passed = tl->exp_failed = 0;
    for (size_t i = 0; i < tl->exp_next && tl->exp_status != NULL; i++) {
        if (tl->exp_status[i] == 1)
            tl->exp_passed++;
        else
            tl->exp_failed++;
    }
}

/* Drops history entries of operations after op. */
void timeline_history_truncate(struct timeline *tl, uint64_t op)
{
    while (tl->hcount > 0) {
        size_t last = (tl->hstart + tl->hcount - 1) % TIMELINE_HISTORY;
        if (tl->hist[last].op <= op)
            break;
        tl->hcount--;
    }
}

/* ---- creation ---- */

static struct timeline *create(const struct trace *t, struct trace_reader *r,
                               const struct replay_options *o, const struct timeline_params *p,
                               struct trace_error *err)
{
    struct timeline *tl = calloc(1, sizeof *tl);
    if (tl == NULL) {
        replay_set_error(err, 0, 0, "", "out of memory");
        return NULL;
    }
    tl->t = t;
    tl->reader = r;
    tl->rs.caption = TRACE_NO_TEXT;
    if (p != NULL) {
        tl->flags = p->flags;
        tl->log = p->log;
        tl->log_ctx = p->log_ctx;
        tl->expect = p->expect;
        tl->expect_ctx = p->expect_ctx;
        tl->every = p->checkpoint_every;
        tl->budget = p->budget_bytes;
    }
    if (tl->every == 0)
        tl->every = DEFAULT_EVERY;
    if (tl->budget == 0)
        tl->budget = DEFAULT_BUDGET;
    tl->sink.emit = on_event;
    tl->sink.ctx = tl;
    if (o != NULL)
        tl->opts = *o;
    if (!(tl->flags & TIMELINE_NO_EVENTS)) {
        tl->hist = malloc(TIMELINE_HISTORY * sizeof *tl->hist);
        if (tl->hist == NULL) {
            replay_set_error(err, 0, 0, "", "out of memory");
            timeline_destroy(tl);
            return NULL;
        }
    }
    tl->record = !(tl->flags & TIMELINE_NO_EVENTS);
    tl->logging = tl->log != NULL;
    tl->reporting = true;
    tl->exp_any = t->nexpects > 0;
    if (r == NULL && t->nexpects > 0) {
        tl->exp_status = calloc(t->nexpects, 1);
        if (tl->exp_status == NULL) {
            replay_set_error(err, 0, 0, "", "out of memory");
            timeline_destroy(tl);
            return NULL;
        }
    }
    /* `expect` reads the record of accesses (the sink stays attached). */
    tl->track =
        !(tl->flags & TIMELINE_NO_EVENTS) || (tl->flags & TIMELINE_ACCESSES) || t->nexpects > 0;
    tl->mode = (uint8_t)PAGING_OFF; /* until the machine is booted */
    tl->attached = tl->record || tl->logging || tl->track;
    tl->m = replay_boot(t, &tl->opts, tl->attached ? &tl->sink : NULL, err);
    if (tl->m == NULL) {
        timeline_destroy(tl);
        return NULL;
    }
    tl->mode = (uint8_t)machine_config(tl->m)->paging;
    check_expects(tl);
    /* Keep the boot's events: they are "op 0"'s. */
    if (tl->nev > 0) {
        tl->boot = malloc(tl->nev * sizeof *tl->boot);
        if (tl->boot != NULL) {
            memcpy(tl->boot, tl->ev, tl->nev * sizeof *tl->boot);
            tl->nboot = tl->nev;
        }
    }
    if (!(tl->flags & TIMELINE_NO_CHECKPOINTS))
        tl->ckpt = checkpoints_create(tl->m, 0, &tl->rs, sizeof tl->rs, tl->every, tl->budget);
    if (o != NULL && o->has_at && o->has_at_event)
        timeline_goto_event(tl, o->at, o->at_event);
    else if (o != NULL && o->has_at)
        timeline_goto(tl, o->at);
    return tl;
}

struct timeline *timeline_create(const struct trace *t, const struct replay_options *o,
                                 const struct timeline_params *p, struct trace_error *err)
{
    return create(t, NULL, o, p, err);
}

struct timeline *timeline_create_reader(struct trace_reader *r, const struct replay_options *o,
                                        const struct timeline_params *p, struct trace_error *err)
{
    /* The first batch completes the configuration (it comes before any
     * operation), and its ids are the machine's first. */
    size_t n;
    if (!trace_reader_next(r, &n, err))
        return NULL;
    struct timeline_params sp;
    memset(&sp, 0, sizeof sp);
    if (p != NULL)
        sp = *p;
    sp.flags |= TIMELINE_NO_CHECKPOINTS;
    struct timeline *tl = create(trace_reader_trace(r), r, o, &sp, err);
    if (tl != NULL && n == 0)
        tl->read_end = true;
    return tl;
}

/* Streaming: forgets the current batch and reads the next one. Returns its
 * size; 0 at the end of the trace or on an error (then read_end is set, and
 * read_failed with read_err for an error). */
static size_t next_batch(struct timeline *tl)
{
    size_t n = 0;
    if (!trace_reader_next(tl->reader, &n, &tl->read_err))
        tl->read_failed = true;
    tl->base = trace_reader_first(tl->reader);
    if (n == 0)
        tl->read_end = true;
    /* The batch's expect lines may check operations already run: the last
     * one before the batch (and `say`s after it, which change nothing). */
    tl->exp_next = 0;
    if (tl->t->nexpects > 0 && !tl->exp_any) {
        tl->track = tl->exp_any = true;
        update_sink(tl);
    }
    check_expects(tl);
    return n;
}

bool timeline_read_all(struct timeline *tl, struct trace_error *err)
{
    if (tl->reader == NULL)
        return true;
    /* Skip what is left of the batch, then read on without running. */
    tl->reporting = true;
    while (!tl->read_end)
        next_batch(tl);
    if (tl->read_failed) {
        if (err != NULL)
            *err = tl->read_err;
        return false;
    }
    return true;
}

void timeline_destroy(struct timeline *tl)
{
    if (tl == NULL)
        return;
    checkpoints_destroy(tl->ckpt); /* before the machine: it stops the journal */
    machine_destroy(tl->m);
    free(tl->ev);
    free(tl->boot);
    free(tl->hist);
    free(tl->exp_status);
    free(tl);
}

/* ---- moving ---- */

/* Whether op pos+1 exists; when streaming, reads the next batch when the
 * current one is done. */
bool timeline_have_op(struct timeline *tl)
{
    if (tl->pos - tl->base < tl->t->nops)
        return true;
    if (tl->reader == NULL || tl->read_end)
        return false;
    size_t n = next_batch(tl);
    if (n == 0)
        return false;
    if (!machine_reserve_ids(tl->m, tl->t->nids)) {
        replay_set_error(&tl->read_err, 0, 0, "", "out of memory (block ids)");
        tl->read_failed = true;
        tl->read_end = true;
        tl->base += n; /* nothing of this batch runs */
        return false;
    }
    return true;
}

/* Runs one operation of the program on the machine (a `say` is the
 * replay's own: timeline_exec_op). Inlined into timeline_exec_op, as when it was one
 * function: it runs once per operation of every replay. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline void
run_on_machine(struct machine *m, const struct op *op)
{
    bool ok;
    switch ((enum op_kind)op->kind) {
    case OP_MALLOC:
        if (op->flags & OP_F_FAILED) {
            machine_failed_alloc(m, op->id, op->a); /* "+ (nil)": no block */
            break;
        }
        ok = machine_malloc(m, op->id, op->a);
        if (ok && (op->flags & OP_F_TOUCH) && op->a > 0)
            machine_access(m, op->id, 0, 1, MMU_WRITE);
        break;
    case OP_CALLOC:
        if (op->flags & OP_F_FAILED) {
            machine_failed_alloc(
                m, op->id, op->b != 0 && op->a > UINT64_MAX / op->b ? UINT64_MAX : op->a * op->b);
            break;
        }
        ok = machine_calloc(m, op->id, op->a, op->b);
        if (ok && (op->flags & OP_F_TOUCH) && op->a > 0 && op->b > 0)
            machine_access(m, op->id, 0, 1, MMU_WRITE);
        break;
    case OP_REALLOC:
        if (op->flags & OP_F_FAILED) {
            machine_failed_alloc(m, op->id, op->a); /* "!": the block asked to grow */
            break;
        }
        if (op->flags & OP_F_NULL)
            ok = machine_malloc(m, op->id2, op->a);
        else
            ok = machine_realloc(m, op->id, op->id2, op->a);
        if (ok && (op->flags & OP_F_TOUCH) && op->a > 0)
            machine_access(m, op->id2, 0, 1, MMU_WRITE);
        break;
    case OP_FREE:
        if (!(op->flags & OP_F_NULL))
            machine_free(m, op->id);
        break;
    case OP_READ:
    case OP_WRITE:
    case OP_EXEC: {
        enum mmu_access acc = op->kind == OP_READ    ? MMU_READ
                              : op->kind == OP_WRITE ? MMU_WRITE
                                                     : MMU_EXEC;
        bool user = (op->flags & OP_F_USER) != 0;
        if (op->flags & OP_F_RAW)
            machine_access_va_priv(m, op->a, op->b, acc, user);
        else
            machine_access_priv(m, op->id, op->a, op->b, acc, user);
        break;
    }
    case OP_PROTECT: {
        bool rw = !(op->flags & OP_F_RO);
        bool inv = !(op->flags & OP_F_NOINVLPG);
        if (op->flags & OP_F_RAW)
            machine_protect_va(m, op->a, op->b, rw, inv);
        else
            machine_protect(m, op->id, rw, inv);
        break;
    }
    case OP_INVLPG:
        if (op->flags & OP_F_RAW)
            machine_invlpg_va(m, op->a);
        else
            machine_invlpg(m, op->id, op->a);
        break;
    case OP_CR3_RELOAD:
        machine_cr3_reload(m);
        break;
    case OP_CR0_WP:
        machine_set_cr0_wp(m, op->a != 0);
        break;
    case OP_CR4_PGE:
        machine_set_cr4_pge(m, op->a != 0);
        break;
    case OP_SAY:
    case OP_KIND_COUNT:
    default:
        break;
    }
}

/* A `say`: the caption of the replay, logged as an event of its own. */
static void say(struct timeline *tl, uint32_t text)
{
    tl->rs.caption = text;
    tl->rs.caption_op = tl->cur_op;
    if (tl->record || tl->logging || tl->counting) {
        struct event ev;
        memset(&ev, 0, sizeof ev);
        ev.kind = TIMELINE_EV_CAPTION;
        ev.extra = text;
        on_event(tl, &ev);
    }
}

/* Runs op pos+1 on the machine. */
void timeline_exec_op(struct timeline *tl)
{
    uint64_t at = tl->pos - tl->base;
    const struct op *op = &tl->t->ops[at];
#if defined(__GNUC__)
    /* A long run reads the operations once, in order, from an array far
     * larger than the caches: ask for the one 16 ahead. */
    if (at + 16 < tl->t->nops)
        __builtin_prefetch(op + 16);
#endif
    tl->cur_op = tl->pos + 1;
    tl->cur_line = op->line;
    tl->cur_ev = 0;
    if (!tl->ev_frozen)
        tl->nev = 0;
    if (tl->track)
        tl->rs.before = tl->rs.access;
    tl->evcount = 0;
    /* Counted before it runs: an operation stopped inside (timeline_goto_event)
     * has started, and counts. */
    if (op->kind < OP_KIND_COUNT)
        tl->rs.counts[op->kind]++;
    if (op->kind == OP_SAY) {
        say(tl, op->text);
    } else {
        run_on_machine(tl->m, op);
    }
    tl->pos++;
    tl->evtotal = tl->evpos = tl->evcount;
    tl->evknown = tl->record || tl->logging || tl->counting;
    tl->evop = tl->pos;
    if (tl->exp_next < tl->t->nexpects)
        check_expects(tl);
    if (tl->ckpt != NULL && !checkpoints_tick(tl->ckpt, tl->pos, &tl->rs)) {
        checkpoints_destroy(tl->ckpt);
        tl->ckpt = NULL;
    }
}

uint64_t timeline_pos(const struct timeline *tl)
{
    return tl->pos;
}

uint64_t timeline_len(const struct timeline *tl)
{
    return tl->base + tl->t->nops;
}

bool timeline_step(struct timeline *tl)
{
    if (tl->partial) {
        /* Inside an operation: finish it (from the state before it). */
        timeline_goto(tl, tl->pos);
        return !tl->partial;
    }
    if (!timeline_have_op(tl))
        return false;
    timeline_set_capture(tl, true, true);
    timeline_exec_op(tl);
    return true;
}

/* Runs forward to k. Events are recorded (last-op events, history) only
 * for the last RECORD_TAIL operations: a long move pays nothing for the
 * events nobody will look at. The log, when logging, sees every operation. */
static void run_until(struct timeline *tl, uint64_t k, bool logging)
{
    while (tl->pos < k && timeline_have_op(tl)) {
        timeline_set_capture(tl, k - tl->pos <= RECORD_TAIL, logging);
        timeline_exec_op(tl);
    }
}

/* Re-boots the machine (no checkpoints): the state of op 0. */
static bool reboot(struct timeline *tl)
{
    timeline_set_capture(tl, false, false);
    machine_destroy(tl->m);
    tl->m = NULL;
    memset(&tl->rs, 0, sizeof tl->rs);
    tl->cur_op = 0;
    tl->cur_ev = 0;
    /* Tracking accesses keeps the sink attached: the boot's count too. */
    tl->m = replay_boot(tl->t, &tl->opts, tl->track ? &tl->sink : NULL, NULL);
    tl->attached = tl->track;
    if (tl->m == NULL)
        return false;
    tl->pos = 0;
    tl->rs.caption = TRACE_NO_TEXT;
    return true;
}

/* Moves the cursor back to k < pos, with the events of op k recorded. */
bool timeline_go_back(struct timeline *tl, uint64_t k)
{
    /* To have op k's events, restore strictly before k (unless events are off). */
    uint64_t want = k;
    if (k > 0 && !(tl->flags & TIMELINE_NO_EVENTS))
        want = k - 1;
    timeline_set_capture(tl, false, false);
    tl->partial = false;
    if (tl->ckpt != NULL)
        tl->pos = checkpoints_restore(tl->ckpt, want, &tl->rs);
    else if (!reboot(tl)) {
        return false;
    }
    tl->nev = 0;
    if (tl->hist != NULL)
        timeline_history_truncate(tl, tl->pos);
    timeline_uncheck_expects(tl);
    run_until(tl, k, false);
    /* At k == 0, nev is 0 and timeline_events() serves the boot's events. */
    return true;
}

uint64_t timeline_advance(struct timeline *tl, uint64_t target, uint64_t limit_ops)
{
    uint64_t done = 0;
    if (!timeline_leave_partial(tl))
        return 0;
    while (tl->pos < target && done < limit_ops && timeline_have_op(tl)) {
        timeline_set_capture(tl, target - tl->pos <= RECORD_TAIL, true);
        timeline_exec_op(tl);
        done++;
    }
    return done;
}

bool timeline_back(struct timeline *tl)
{
    if (tl->partial)
        return timeline_leave_partial(tl); /* the state before the operation */
    if (tl->pos == 0 || tl->reader != NULL)
        return false;
    timeline_go_back(tl, tl->pos - 1);
    return true;
}

bool timeline_goto(struct timeline *tl, uint64_t k)
{
    if (tl->reader == NULL && k > tl->t->nops)
        k = tl->t->nops;
    if (!timeline_leave_partial(tl))
        return false;
    bool had = tl->ckpt != NULL;
    if (k < tl->pos) {
        if (tl->reader != NULL)
            return false; /* a stream runs forward only */
        if (!timeline_go_back(tl, k))
            return false;
    } else {
        run_until(tl, k, true);
    }
    return !had || tl->ckpt != NULL;
}

uint64_t timeline_run(struct timeline *tl, uint64_t limit_ops, unsigned break_mask,
                      enum timeline_stop *why, unsigned *why_mask)
{
    uint64_t done = 0;
    unsigned hit = 0;
    enum timeline_stop stop = TIMELINE_STOP_END;
    if (!timeline_leave_partial(tl)) {
        if (why != NULL)
            *why = TIMELINE_STOP_END;
        if (why_mask != NULL)
            *why_mask = 0;
        return 0;
    }
    bool counters = (break_mask &
                     (TIMELINE_BREAK_FAULT | TIMELINE_BREAK_DIAG | TIMELINE_BREAK_ALLOC_FAIL)) != 0;
    struct machine_stats before;
    memset(&before, 0, sizeof before);
    if (counters)
        before = machine_stats(tl->m);
    for (;;) {
        if (tl->reader == NULL && tl->pos >= tl->t->nops) {
            stop = TIMELINE_STOP_END;
            break;
        }
        if (limit_ops != 0 && done >= limit_ops) {
            stop = TIMELINE_STOP_LIMIT;
            break;
        }
        if (!timeline_have_op(tl)) {
            stop = TIMELINE_STOP_END;
            break;
        }
        bool say = tl->t->ops[tl->pos - tl->base].kind == OP_SAY;
        /* With breakpoints any op may be the last: record them all. A
         * stream's length is unknown: it records only at breakpoints. */
        uint64_t left = tl->reader != NULL ? UINT64_MAX : tl->t->nops - tl->pos;
        if (limit_ops != 0 && limit_ops - done < left)
            left = limit_ops - done;
        timeline_set_capture(tl, break_mask != 0 || left <= RECORD_TAIL, true);
        timeline_exec_op(tl);
        done++;
        if ((break_mask & TIMELINE_BREAK_CAPTION) && say)
            hit |= TIMELINE_BREAK_CAPTION;
        if (counters) {
            struct machine_stats now = machine_stats(tl->m);
            if (now.page_faults + now.gp_faults != before.page_faults + before.gp_faults)
                hit |= break_mask & TIMELINE_BREAK_FAULT;
            if (now.diagnostics != before.diagnostics)
                hit |= break_mask & TIMELINE_BREAK_DIAG;
            if (now.failed_allocs != before.failed_allocs)
                hit |= break_mask & TIMELINE_BREAK_ALLOC_FAIL;
            before = now;
        }
        if (hit != 0) {
            stop = TIMELINE_STOP_BREAK;
            break;
        }
    }
    if (why != NULL)
        *why = stop;
    if (why_mask != NULL)
        *why_mask = hit;
    return done;
}

/* ---- reading ---- */

const struct machine *timeline_machine(const struct timeline *tl)
{
    return tl->m;
}

const struct trace *timeline_trace(const struct timeline *tl)
{
    return tl->t;
}

const struct op *timeline_op(const struct timeline *tl, uint64_t k)
{
    if (k <= tl->base || k - tl->base > tl->t->nops)
        return NULL;
    return &tl->t->ops[k - 1 - tl->base];
}

const struct event *timeline_events(const struct timeline *tl, size_t *n)
{
    if (tl->pos == 0 && tl->nev == 0 && !(tl->flags & TIMELINE_NO_EVENTS)) {
        *n = tl->nboot;
        return tl->boot;
    }
    *n = tl->nev;
    if (tl->partial && tl->evpos < *n)
        *n = (size_t)tl->evpos; /* nothing after the cursor's event */
    return tl->ev;
}

size_t timeline_history_count(const struct timeline *tl)
{
    return tl->hcount;
}

const struct timeline_logged *timeline_history_at(const struct timeline *tl, size_t i)
{
    if (i >= tl->hcount)
        return NULL;
    return &tl->hist[(tl->hstart + i) % TIMELINE_HISTORY];
}

void timeline_op_counts(const struct timeline *tl, uint64_t counts[OP_KIND_COUNT])
{
    memcpy(counts, tl->rs.counts, sizeof tl->rs.counts);
}

const char *timeline_caption_text(const struct timeline *tl, const struct event *ev)
{
    if (!timeline_is_caption(ev) || ev->extra > UINT32_MAX)
        return "";
    return trace_text(tl->t, (uint32_t)ev->extra);
}

const char *timeline_caption(const struct timeline *tl)
{
    if (tl->rs.caption == TRACE_NO_TEXT)
        return NULL;
    return trace_text(tl->t, tl->rs.caption);
}

void timeline_expect_counts(const struct timeline *tl, uint64_t *passed, uint64_t *failed)
{
    *passed = tl->exp_passed;
    *failed = tl->exp_failed;
}

bool timeline_has_expects(const struct timeline *tl)
{
    return tl->exp_any;
}

enum timeline_mark timeline_caption_mark(const struct timeline *tl)
{
    if (tl->exp_status == NULL || tl->rs.caption_op == 0)
        return TIMELINE_MARK_NONE;
    enum timeline_mark mark = TIMELINE_MARK_NONE;
    for (size_t i = 0; i < tl->exp_next; i++) {
        if (tl->t->expects[i].say != tl->rs.caption_op)
            continue;
        if (tl->exp_status[i] == 2)
            return TIMELINE_MARK_FAIL;
        mark = TIMELINE_MARK_HOLD;
    }
    return mark;
}

uint64_t timeline_hash(const struct timeline *tl)
{
    uint64_t h = machine_hash(tl->m);
    for (size_t i = 0; i < OP_KIND_COUNT; i++) {
        h ^= tl->rs.counts[i] + UINT64_C(0x9E3779B97F4A7C15) + (h << 6) + (h >> 2);
    }
    return h;
}

void timeline_translate(const struct timeline *tl, uint64_t va, enum mmu_access acc, bool user,
                        struct timeline_probe *out)
{
    memset(out, 0, sizeof *out);
    out->va = va;
    out->access = acc;
    out->user = user;
    out->ok = machine_probe(tl->m, va, acc, user, &out->res);
    const struct tlb_entry *e = tlb_peek(machine_tlb(tl->m), va);
    if (e != NULL && e->valid) {
        out->tlb_has = true;
        out->tlb = *e;
        uint64_t mask = (UINT64_C(1) << e->shift) - 1;
        out->tlb_pa = e->pa | (va & mask);
    }
}

const struct access_record *timeline_last_access(const struct timeline *tl)
{
    return tl->rs.access.valid ? &tl->rs.access : NULL;
}

const struct access_record *timeline_op_access(const struct timeline *tl)
{
    const struct access_record *r = timeline_last_access(tl);
    return r != NULL && r->op == tl->pos ? r : NULL;
}

const struct access_record *timeline_access_before_op(const struct timeline *tl)
{
    if (!tl->track || tl->pos == 0)
        return NULL;
    return &tl->rs.before;
}

uint64_t timeline_checkpoint_bytes(const struct timeline *tl)
{
    return tl->ckpt != NULL ? checkpoints_bytes(tl->ckpt) : 0;
}

size_t timeline_checkpoint_count(const struct timeline *tl)
{
    return tl->ckpt != NULL ? checkpoints_count(tl->ckpt) : 0;
}
