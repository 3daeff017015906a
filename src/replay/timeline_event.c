/*
 * timeline_event.c - event-level time (timeline.h, "event-level time";
 * docs/architecture.md "Time"): the cursor stopped inside an operation,
 * right after one of its micro-events.
 *
 * Going to N.E: from the end of op N-1, make that state restorable (a
 * checkpoint saved there, or a journal of its own on a timeline without
 * checkpoints), run op N to its end once to learn its M events (skipped when
 * they are known: stepping inside one op), go back, and run op N again with
 * the sink counting its events: at the E-th the sink longjmps out of the
 * operation. The machine is then exactly as the E-th event left it. The
 * tracked-memory journal saved every chunk before its first write, so the
 * next move restores the state before op N exactly, however far the op got.
 */
#include "replay/timeline.h"

#include <setjmp.h>
#include <string.h>

#include "replay/checkpoint.h"
#include "replay/steps.h"
#include "replay/timeline_impl.h"

bool timeline_leave_partial(struct timeline *tl)
{
    if (!tl->partial)
        return true;
    if (tl->reader != NULL)
        return false; /* a stream runs forward only */
    return timeline_go_back(tl, tl->pos - 1);
}

/* Makes the state at pos (an operation's end) restorable: a checkpoint at
 * pos, or a journal of the timeline's own (*own) when it has none. */
static bool undo_point(struct timeline *tl, struct checkpoints **own)
{
    *own = NULL;
    if (tl->ckpt != NULL) {
        if (checkpoints_save(tl->ckpt, tl->pos, &tl->rs))
            return true;
        checkpoints_destroy(tl->ckpt);
        tl->ckpt = NULL;
    }
    *own = checkpoints_create(tl->m, tl->pos, &tl->rs, sizeof tl->rs, UINT64_MAX, UINT64_MAX);
    return *own != NULL;
}

/* Back to the undo point at k, the events of op k+1 (already in the event
 * array) kept. */
static void undo_to(struct timeline *tl, struct checkpoints *own, uint64_t k)
{
    timeline_set_capture(tl, false, false);
    tl->partial = false;
    tl->pos = checkpoints_restore(own != NULL ? own : tl->ckpt, k, &tl->rs);
    if (tl->hist != NULL)
        timeline_history_truncate(tl, tl->pos);
    timeline_uncheck_expects(tl);
}

/* Runs op pos+1, stopping right after its stop-th event (0: to its end).
 * Returns true when it stopped inside. */
static bool run_op_until(struct timeline *tl, uint64_t stop)
{
    tl->stop_at = stop;
    if (setjmp(tl->stop) != 0) {
        /* Out of the operation, right after event `stop`: what follows it
         * in the operation never ran. */
        tl->stop_at = 0;
        tl->pos++;
        tl->evpos = tl->evcount;
        tl->evop = tl->pos;
        tl->partial = true;
        return true;
    }
    timeline_exec_op(tl);
    tl->stop_at = 0;
    tl->partial = false;
    return false;
}

/* Brings the cursor to the end of op k-1 (not inside), with op k's events
 * already in the event array when the cursor was at op k and knew them
 * (*known: their number). */
static bool reach_before(struct timeline *tl, uint64_t k, uint64_t *known)
{
    *known = UINT64_MAX;
    bool have = tl->pos == k && tl->evop == k && (tl->partial || tl->evknown) &&
                tl->nev == tl->evtotal && tl->ckpt != NULL && tl->reader == NULL;
    if (have) {
        /* Stepping inside op k: restore the state before it, keep its events. */
        uint64_t m = tl->evtotal;
        tl->ev_frozen = true;
        undo_to(tl, NULL, k - 1);
        /* No checkpoint right before op k (it was reached by n, or thinned):
         * run up to it, refilling the history ring with the last ops' events
         * as a step back does (the event array stays op k's). */
        while (tl->pos < k - 1 && timeline_have_op(tl)) {
            timeline_set_capture(tl, k - 1 - tl->pos <= RECORD_TAIL, false);
            timeline_exec_op(tl);
        }
        timeline_set_capture(tl, false, false);
        tl->ev_frozen = false;
        if (tl->pos == k - 1) {
            *known = m;
            return true;
        }
        return false;
    }
    if (tl->partial || tl->pos != k - 1)
        timeline_goto(tl, k - 1);
    return tl->pos == k - 1 && !tl->partial;
}

/* Runs op k = pos+1 to its end, counting and recording its events, and
 * goes back to the undo point; returns the number of events. */
static uint64_t learn_events(struct timeline *tl, struct checkpoints *own)
{
    uint64_t k = tl->pos + 1;
    tl->counting = true;
    timeline_set_capture(tl, true, false);
    timeline_exec_op(tl);
    uint64_t m = tl->evcount;
    tl->ev_frozen = true;
    undo_to(tl, own, k - 1);
    tl->ev_frozen = false;
    return m;
}

bool timeline_goto_event(struct timeline *tl, uint64_t k, uint64_t e)
{
    if (tl->reader == NULL && k > timeline_len(tl)) {
        timeline_goto(tl, k);
        return false;
    }
    if (k == 0 || e == 0) {
        timeline_goto(tl, k == 0 ? 0 : k - 1);
        return k > 0 || e == 0;
    }
    uint64_t m;
    if (!reach_before(tl, k, &m) || !timeline_have_op(tl))
        return false;
    struct checkpoints *own = NULL;
    if (!undo_point(tl, &own)) {
        timeline_goto(tl, k); /* no memory to go back: the op's end */
        return false;
    }
    if (m == UINT64_MAX)
        m = learn_events(tl, own);
    /* The run that stays: history and log up to event e, the event array
     * (op k's, from the first run) left as it is. */
    tl->counting = true;
    tl->ev_frozen = true;
    timeline_set_capture(tl, true, true);
    bool inside = run_op_until(tl, e < m ? e : 0);
    tl->ev_frozen = false;
    tl->counting = false;
    timeline_set_capture(tl, false, false);
    tl->evtotal = m;
    tl->evknown = true;
    checkpoints_destroy(own);
    (void)inside;
    return e <= m;
}

bool timeline_step_event(struct timeline *tl)
{
    if (tl->partial)
        return timeline_goto_event(tl, tl->pos, tl->evpos + 1);
    if (tl->reader == NULL && tl->pos >= timeline_len(tl))
        return false;
    uint64_t k = tl->pos + 1;
    timeline_goto_event(tl, k, 1);
    return tl->pos == k;
}

bool timeline_back_event(struct timeline *tl)
{
    uint64_t k = tl->pos;
    if (k == 0 && !tl->partial)
        return false;
    uint64_t e = timeline_event_pos(tl);
    if (e > 1)
        return timeline_goto_event(tl, k, e - 1);
    if (tl->partial)
        return timeline_leave_partial(tl);
    return timeline_goto(tl, k - 1) || tl->pos == k - 1;
}

bool timeline_inside(const struct timeline *tl)
{
    return tl->partial;
}

uint64_t timeline_event_count(const struct timeline *tl)
{
    if (tl->pos == 0)
        return tl->nboot;
    if (tl->evop == tl->pos && (tl->evknown || tl->partial))
        return tl->evtotal;
    return tl->nev;
}

uint64_t timeline_event_pos(const struct timeline *tl)
{
    if (tl->partial)
        return tl->evpos;
    return timeline_event_count(tl);
}

/* The first event index >= from of the current op's recorded events that
 * is a change, or SIZE_MAX. */
static size_t change_from(const struct timeline *tl, size_t from)
{
    for (size_t i = from; i < tl->nev; i++) {
        if (steps_is_change(&tl->ev[i]))
            return i;
    }
    return SIZE_MAX;
}

bool timeline_next_change(struct timeline *tl, uint64_t limit)
{
    for (uint64_t n = 0; n <= limit; n++) {
        /* Inside op pos, or at its end: look in op pos+1. */
        if (!tl->partial) {
            if (tl->reader == NULL && tl->pos >= timeline_len(tl))
                return false;
            if (!timeline_step(tl)) /* learn op pos+1's events */
                return false;
            size_t i = change_from(tl, 0);
            if (i != SIZE_MAX)
                return timeline_goto_event(tl, tl->pos, i + 1);
            continue;
        }
        size_t i = change_from(tl, (size_t)tl->evpos);
        if (i != SIZE_MAX)
            return timeline_goto_event(tl, tl->pos, i + 1);
        if (!timeline_step(tl)) /* nothing left in this op: its end */
            return false;
    }
    return false;
}

bool timeline_prev_change(struct timeline *tl, uint64_t limit)
{
    for (uint64_t n = 0; n <= limit; n++) {
        uint64_t e = timeline_event_pos(tl);
        size_t hi = e > 1 ? (size_t)e - 1 : 0; /* events before the cursor's: [0, e-1) */
        if (hi > tl->nev)
            hi = tl->nev;
        for (size_t i = hi; i-- > 0;) {
            if (steps_is_change(&tl->ev[i]))
                return timeline_goto_event(tl, tl->pos, i + 1);
        }
        if (tl->pos == 0)
            return false;
        if (!timeline_goto(tl, tl->pos - 1) && tl->ckpt == NULL)
            return false;
        /* The end of op pos is its last event's state: a change there is a
         * landing place too. */
        size_t m = tl->nev;
        if (m > 0 && steps_is_change(&tl->ev[m - 1]))
            return true;
        if (m == 0)
            continue;
    }
    return false;
}
