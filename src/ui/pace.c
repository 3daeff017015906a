/*
 * pace.c - playback and long moves, paced by a clock that can be real or
 * manual (pace.h). Playback runs as many operations as the speed asks for
 * the time elapsed, in bounded batches; a long move runs a chunk at a time
 * (a count of operations, or about chunk_ns of them) so that the caller can
 * read keys and draw between chunks. Nothing here draws or reads keys.
 */
#include "pace.h"

#include <time.h>

#include "replay/timeline.h"

double pace_now(const struct pace_clock *c)
{
    if (c->manual)
        return c->ns;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

void pace_tick(struct pace_clock *c, double ns)
{
    if (c->manual)
        c->ns += ns;
}

void pace_play_start(struct pace_play *p, const struct pace_clock *c)
{
    p->playing = true;
    p->credit = 1.0; /* the first operation runs at once */
    p->last_ns = pace_now(c);
}

uint64_t pace_play_run(struct pace_play *p, struct timeline *tl, const struct pace_clock *c,
                       unsigned breaks, enum pace_stop *why, unsigned *mask)
{
    *why = PACE_PLAYING;
    if (mask != NULL)
        *mask = 0;
    if (!p->playing)
        return 0;
    double t = pace_now(c);
    p->credit += (t - p->last_ns) * (double)p->speed / 1e9;
    p->last_ns = t;
    double deadline = t + p->frame_ns;
    uint64_t total = 0;
    while (p->credit >= 1.0) {
        uint64_t due = p->credit > PACE_BATCH_OPS ? PACE_BATCH_OPS : (uint64_t)p->credit;
        enum timeline_stop stop;
        unsigned hit = 0;
        uint64_t n = timeline_run(tl, due, breaks, &stop, &hit);
        p->credit -= (double)n;
        total += n;
        if (stop == TIMELINE_STOP_END) {
            p->playing = false;
            *why = PACE_END;
            break;
        }
        if (stop == TIMELINE_STOP_BREAK) {
            p->playing = false;
            *why = PACE_BREAK;
            if (mask != NULL)
                *mask = hit;
            break;
        }
        if (!c->manual && pace_now(c) > deadline) {
            p->credit = 0; /* the machine cannot keep up: drop what is due */
            break;
        }
    }
    if (!p->playing)
        p->credit = 0;
    return total;
}

/* The most operations one timeline call of a move runs, and the length of
 * the last stretch (one timeline_goto). */
static uint64_t step_of(const struct pace_move *m)
{
    return m->chunk_ops > 0 && m->chunk_ops < PACE_BATCH_OPS ? m->chunk_ops : PACE_BATCH_OPS;
}

enum pace_move_result pace_move_start(struct pace_move *m, struct timeline *tl, uint64_t k,
                                      const struct pace_clock *c)
{
    m->going = false;
    uint64_t pos = timeline_pos(tl);
    if (k > timeline_len(tl))
        k = timeline_len(tl);
    if (k <= pos || k - pos <= step_of(m))
        return timeline_goto(tl, k) ? PACE_MOVE_DONE : PACE_MOVE_OOM;
    m->going = true;
    m->from = pos;
    m->target = k;
    m->ckpts = timeline_checkpoint_count(tl);
    return pace_move_chunk(m, tl, c);
}

/* The end of a move: the last stretch, as one timeline_goto. */
static enum pace_move_result finish(struct pace_move *m, struct timeline *tl)
{
    bool ok = timeline_goto(tl, m->target);
    m->going = false;
    if (!ok || (m->ckpts > 0 && timeline_checkpoint_count(tl) == 0))
        return PACE_MOVE_OOM;
    return PACE_MOVE_DONE;
}

enum pace_move_result pace_move_chunk(struct pace_move *m, struct timeline *tl,
                                      const struct pace_clock *c)
{
    if (!m->going)
        return PACE_MOVE_DONE;
    uint64_t step = step_of(m);
    double deadline = pace_now(c) + m->chunk_ns;
    uint64_t done = 0;
    for (;;) {
        if (m->target - timeline_pos(tl) <= step)
            return finish(m, tl);
        uint64_t n = step;
        if (m->chunk_ops > 0 && m->chunk_ops - done < n)
            n = m->chunk_ops - done;
        uint64_t ran = timeline_advance(tl, m->target, n);
        if (ran == 0)
            return finish(m, tl); /* cannot happen short of the end; never loop */
        done += ran;
        if (m->chunk_ops > 0 ? done >= m->chunk_ops : pace_now(c) >= deadline)
            return PACE_MOVE_GOING;
    }
}

void pace_move_cancel(struct pace_move *m, struct timeline *tl)
{
    m->going = false;
    /* A step back from a checkpoint and one step: a fraction of a
     * millisecond. */
    if (timeline_back(tl))
        timeline_step(tl);
}

unsigned pace_move_percent(const struct pace_move *m, const struct timeline *tl)
{
    uint64_t done = timeline_pos(tl) - m->from;
    uint64_t all = m->target - m->from;
    return (unsigned)(done * 100 / (all ? all : 1));
}
