/*
 * timeline_impl.h - the timeline's insides, shared by timeline.c (operations:
 * the cursor, stepping, going back) and timeline_event.c (event-level time:
 * stopping inside an operation). Nothing outside replay/timeline*.c includes
 * it.
 */
#ifndef PAGESIM_REPLAY_TIMELINE_IMPL_H
#define PAGESIM_REPLAY_TIMELINE_IMPL_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "replay/access.h"
#include "replay/checkpoint.h"
#include "replay/options.h"
#include "replay/timeline.h"

#define RECORD_TAIL 64 /* a long move records events only for its last ops */

struct replay_scalars {
    uint64_t counts[OP_KIND_COUNT];
    uint32_t caption;            /* text handle of the latest caption, or TRACE_NO_TEXT */
    uint64_t caption_op;         /* the op number of its `say` (0: none) */
    struct access_record access; /* the last memory access so far (access.h) */
    struct access_record before; /* ... as it was when op pos began */
};

struct timeline {
    const struct trace *t;
    struct replay_options opts; /* the command line's (a reboot boots again) */
    /* Streaming (timeline_create_reader): t->ops[0..nops) is the batch
     * being run, op base + i + 1 being t->ops[i]. Otherwise base is 0 and
     * t->ops is the whole trace. */
    struct trace_reader *reader;
    uint64_t base;
    bool read_end;    /* the reader has no more operations */
    bool read_failed; /* ... because of an error, in read_err */
    struct trace_error read_err;
    struct machine *m; /* its configuration is the only one (machine_config) */
    struct event_sink sink;

    unsigned flags;
    timeline_log_fn log;
    void *log_ctx;
    uint64_t every;
    uint64_t budget;

    uint64_t pos;
    struct replay_scalars rs;

    /* Event capture. */
    bool record;     /* last-op events and history */
    bool logging;    /* forward to the log callback */
    bool track;      /* feed rs.access: the sink stays attached (timeline_last_access) */
    uint8_t mode;    /* the machine's paging mode, for access_feed */
    uint64_t cur_ev; /* events of op cur_op so far */
    uint64_t cur_op;
    uint32_t cur_line;
    struct event *ev;
    size_t nev, capev;
    struct event *boot;
    size_t nboot;
    struct timeline_logged *hist;
    size_t hstart, hcount;

    /* The `expect` lines (replay/expect.h): t->expects[0..exp_next) are
     * checked. exp_status (a whole trace only) holds each one's result,
     * 0 not checked, 1 held, 2 failed; the counts are those of [0..exp_next)
     * (of every batch, when streaming). */
    timeline_expect_fn expect;
    void *expect_ctx;
    bool reporting; /* the current move calls expect (not a silent re-run) */
    bool attached;  /* the sink is the machine's */
    bool exp_any;
    size_t exp_next;
    uint8_t *exp_status;
    uint64_t exp_passed, exp_failed;

    /* Checkpoints (NULL: none, going back re-boots); each saves rs too. */
    struct checkpoints *ckpt;

    /* Event-level time (timeline_goto_event). The events of op pos are
     * counted as they come (evcount); evtotal is their number once the op
     * ran to its end (evknown), evpos how many of them the cursor is after.
     * partial: the machine was stopped inside op pos, after its evpos-th
     * event, by a longjmp from the sink (stop_at); it is never run further:
     * any move restores the state before op pos first. */
    uint64_t evcount, evtotal, evpos, stop_at;
    uint64_t evop; /* the operation evtotal counts (valid when it is pos) */
    bool evknown, partial;
    bool counting;  /* the sink stays attached to count events */
    bool ev_frozen; /* the event array holds op pos's events already */
    jmp_buf stop;
};

/* Sets what the sink does (last-op events and history, the log callback);
 * detaches it when nobody listens and nothing counts. */
void timeline_set_capture(struct timeline *tl, bool record, bool logging);

/* Going back to pos: forgets the results of the later operations' expect
 * lines. */
void timeline_uncheck_expects(struct timeline *tl);

/* Drops history entries of operations after op. */
void timeline_history_truncate(struct timeline *tl, uint64_t op);

/* Whether op pos+1 exists (a stream reads its next batch when needed). */
bool timeline_have_op(struct timeline *tl);

/* Runs op pos+1 to its end (the sink as timeline_set_capture left it). */
void timeline_exec_op(struct timeline *tl);

/* Moves the cursor back to k < pos, with op k's events recorded (restore a
 * checkpoint or re-boot, run forward). False when the re-boot failed. */
bool timeline_go_back(struct timeline *tl, uint64_t k);

/* When the machine was stopped inside op pos: back to the state before it
 * (pos - 1, its events recorded). False for a stream (forward only). */
bool timeline_leave_partial(struct timeline *tl);

#endif
