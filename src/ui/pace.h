/*
 * pace.h - the visualizer's sense of time: the clock, playback at a speed,
 * and long forward moves cut into chunks. No curses: app.c calls these from
 * its main loop (reading keys between calls), and the unit tests drive them
 * with a manual clock, so nothing here depends on how fast the machine is.
 *
 * The clock is CLOCK_MONOTONIC, or a manual clock that moves only when told
 * (pace_tick): the terminal tests set it with PAGESIM_TEST_CLOCK=tick and
 * move it with a key (docs/architecture.md, "Test hooks").
 */
#ifndef PAGESIM_UI_PACE_H
#define PAGESIM_UI_PACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct timeline;

/* Operations run between two looks at the clock (playback and moves). */
#define PACE_BATCH_OPS 4096

/* A clock in nanoseconds. manual: ns is the time, and only pace_tick moves
 * it; otherwise the time is CLOCK_MONOTONIC's. */
struct pace_clock {
    bool manual;
    double ns;
};

/* The time now, in nanoseconds (any origin). Can't fail. */
double pace_now(const struct pace_clock *c);

/* Moves a manual clock forward by ns nanoseconds; no effect on the real one. */
void pace_tick(struct pace_clock *c, double ns);

/* Playback: speed operations per second of the clock. */
struct pace_play {
    bool playing;
    unsigned speed;  /* operations per second, at least 1 */
    double credit;   /* operations due but not yet run */
    double last_ns;  /* the clock at the last pace_play_run */
    double frame_ns; /* at most this much clock time of work per call (real clock) */
};

/* Why pace_play_run stopped playing. */
enum pace_stop {
    PACE_PLAYING, /* still playing: the operations due were run */
    PACE_END,     /* the end of the trace: playback is off */
    PACE_BREAK,   /* a breakpoint matched: playback is off, see *mask */
};

/* Starts playback at the clock's time now, with one operation due at once
 * (pace_play_run runs it). Changes only p. */
void pace_play_start(struct pace_play *p, const struct pace_clock *c);

/* Runs on tl the operations due since the last call at p->speed, in
 * batches of PACE_BATCH_OPS, stopping at a breakpoint of breaks
 * (TIMELINE_BREAK_*) or the end. With the real clock, work past
 * p->frame_ns drops what is still due (the machine cannot keep up); a
 * manual clock runs exactly what is due. Returns the operations run;
 * *why says whether it still plays, *mask (may be NULL) which
 * breakpoints matched. Does nothing (0, PACE_PLAYING) when not playing. */
uint64_t pace_play_run(struct pace_play *p, struct timeline *tl, const struct pace_clock *c,
                       unsigned breaks, enum pace_stop *why, unsigned *mask);

/* A long forward move (> or g) under way. */
struct pace_move {
    bool going;
    uint64_t from, target; /* operation indices */
    size_t ckpts;          /* checkpoints when it started (0 after: out of memory) */
    uint64_t chunk_ops;    /* operations per chunk; 0: about chunk_ns of them */
    double chunk_ns;       /* a chunk's clock time when chunk_ops is 0 */
};

/* What a move did. */
enum pace_move_result {
    PACE_MOVE_GOING, /* under way: call pace_move_chunk again */
    PACE_MOVE_DONE,  /* at its target (or it was short and done at once) */
    PACE_MOVE_OOM,   /* done, but checkpoints ran out of memory on the way */
};

/* Starts a move of tl to operation k (clamped to the trace's length). A
 * move back, or forward by at most one chunk's step (chunk_ops, or
 * PACE_BATCH_OPS when 0 or larger), is done at once; a longer one becomes a
 * move under way and runs its first chunk. m's chunk_ops and chunk_ns are
 * the caller's settings and stay. */
enum pace_move_result pace_move_start(struct pace_move *m, struct timeline *tl, uint64_t k,
                                      const struct pace_clock *c);

/* Runs one chunk of the move under way: chunk_ops operations, or as many
 * as chunk_ns of the clock allows (at least one batch). The last stretch
 * (at most one step) is one timeline_goto, so the move ends as one
 * timeline_goto to the target would, with the events of the target
 * operation. */
enum pace_move_result pace_move_chunk(struct pace_move *m, struct timeline *tl,
                                      const struct pace_clock *c);

/* Stops the move under way where it is; the cursor's operation is run
 * again for its events (the move recorded none this far from its target). */
void pace_move_cancel(struct pace_move *m, struct timeline *tl);

/* How far the move under way has come, 0..100. */
unsigned pace_move_percent(const struct pace_move *m, const struct timeline *tl);

#endif
