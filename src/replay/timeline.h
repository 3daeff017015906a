/*
 * timeline.h - a trace being replayed on a machine, with a cursor that moves
 * both ways (DESIGN.md "Time").
 *
 * The timeline owns one machine booted from the trace's configuration (the
 * shared command-line options override it) and a cursor: the number of trace
 * operations done, 0..N. Stepping forward runs the next operation on the
 * machine. Replay is deterministic, so stepping back is "restore the nearest
 * checkpoint at or before the target, run forward" (replay/checkpoint.h:
 * every K operations, exact, thinned under a memory budget), or without
 * checkpoints "re-boot, run forward from 0". The machine's configuration is
 * the machine's own (machine_config): replay/boot.h builds it for the boot.
 *
 * While moving, the timeline records micro-events (sim/event.h): all events
 * of the last operation executed (for "step into": the UI reveals them one by
 * one), a bounded ring of recent events with the operation that caused each
 * (the log view), and an optional log callback (replay --log). The `say`
 * operations of a trace add captions to these (TIMELINE_EV_CAPTION, the
 * replay's own kind: see below). Events of the boot (machine_create) belong
 * to operation 0.
 *
 * Operation indices: op k (1-based) is t->ops[k-1]; the cursor is at k after
 * op k has run. "Events of the last op" are the events of op `pos` (the boot's
 * when pos is 0).
 *
 * This layer never prints: errors come back in a struct trace_error.
 */
#ifndef PAGESIM_REPLAY_TIMELINE_H
#define PAGESIM_REPLAY_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "replay/options.h"
#include "sim/event.h"
#include "sim/machine.h"
#include "sim/mmu.h"
#include "sim/tlb.h"
#include "trace/trace.h"

struct timeline;

/* The events the timeline records are the machine's micro-events
 * (sim/event.h) and one kind of the replay's own, past the machine's kinds:
 * a caption, from a `say` operation (extra = its text handle, see
 * timeline_caption_text). Sim never emits it; a reader tests for it with
 * timeline_is_caption before switching on the machine's kinds. */
#define TIMELINE_EV_CAPTION ((enum event_kind)EV_KIND_COUNT)

static inline bool timeline_is_caption(const struct event *ev)
{
    return ev->kind == TIMELINE_EV_CAPTION;
}

/* Called once per event as the cursor moves forward onto an operation (and
 * for the boot's events, with op 0, during timeline_create). op is the
 * 1-based index of the operation that caused ev; line is its trace line (0
 * for the boot). Not called for the silent re-runs inside a step back. */
typedef void (*timeline_log_fn)(void *ctx, uint64_t op, uint32_t line, const struct event *ev);

/* Called once per `expect` line (trace.h struct trace_expect) as the cursor
 * moves forward past its operation (op 0's during timeline_create): ok says
 * whether the fact held, found what was found (replay/expect.h). Not called
 * for the silent re-runs inside a step back. */
typedef void (*timeline_expect_fn)(void *ctx, const struct trace *t, const struct trace_expect *e,
                                   bool ok, const char *found);

/* Flags of struct timeline_params. */
#define TIMELINE_NO_CHECKPOINTS                                                                    \
    (1u << 0) /* no journal: fastest forward replay; going back
                                             re-boots and runs forward from op 0 */
#define TIMELINE_NO_EVENTS                                                                         \
    (1u << 1) /* no last-op events, no history ring (headless);
                                             the log callback still works */

#define TIMELINE_ACCESSES                                                                          \
    (1u << 2) /* with TIMELINE_NO_EVENTS: still keep the last access
                                             (timeline_last_access; costs the events) */

/* Optional creation parameters; NULL means all zero (defaults). */
struct timeline_params {
    unsigned flags;      /* TIMELINE_* */
    timeline_log_fn log; /* may be NULL */
    void *log_ctx;
    timeline_expect_fn expect; /* may be NULL */
    void *expect_ctx;
    uint64_t checkpoint_every; /* ops between checkpoints; 0: the default (1024) */
    uint64_t budget_bytes;     /* memory for saved chunks before thinning; 0: 128 MiB */
};

/* Breakpoints for timeline_run: stop after an operation that ... */
#define TIMELINE_BREAK_FAULT      (1u << 0) /* raised a #PF or #GP */
#define TIMELINE_BREAK_DIAG       (1u << 1) /* produced any diagnostic (faults included) */
#define TIMELINE_BREAK_CAPTION    (1u << 2) /* is a `say` */
#define TIMELINE_BREAK_ALLOC_FAIL (1u << 3) /* saw an allocation return null */

/* Why timeline_run stopped. */
enum timeline_stop {
    TIMELINE_STOP_LIMIT, /* ran limit_ops operations */
    TIMELINE_STOP_END,   /* reached the end of the trace */
    TIMELINE_STOP_BREAK, /* a breakpoint matched: see the mask in *why_mask */
};

/* One entry of the history ring: an event and the operation that caused it. */
struct timeline_logged {
    uint64_t op; /* 1-based operation index; 0 for the boot */
    struct event ev;
};

/* What a translate probe found (timeline_translate). */
struct timeline_probe {
    uint64_t va;
    enum mmu_access access;
    bool user;
    bool ok;               /* translated: res.pa is valid; else res.fault says why */
    struct mmu_result res; /* the walk, step by step, as the hardware would do it */
    bool tlb_has;          /* the TLB holds an entry for va's page */
    uint64_t tlb_pa;       /* the physical address that entry gives for va */
    struct tlb_entry tlb;  /* a copy of that entry (valid when tlb_has) */
};

/* Builds the machine configuration from t's configuration lines with o's
 * options overriding them (o may be NULL), boots the machine, and places the
 * cursor at 0 (or runs to o->at when o->has_at; an `at` past the end stops
 * at the end). t must outlive the timeline. p may be NULL.
 * Returns NULL with *err filled (line and column of the offending
 * configuration line or 1:1, token, message) when the configuration is
 * rejected (RAM size, TLB geometry, kernel does not fit) or memory runs out. */
struct timeline *timeline_create(const struct trace *t, const struct replay_options *o,
                                 const struct timeline_params *p, struct trace_error *err);

/* A timeline that runs a trace while reading it (headless replay): as
 * timeline_create, but the operations come from r batch by batch (see
 * trace_reader_next) and are forgotten once run, so memory does not grow
 * with the trace's length. It has no checkpoints (TIMELINE_NO_CHECKPOINTS is
 * implied) and runs forward only: timeline_goto and timeline_back to an
 * earlier operation return false. timeline_op() serves only the current
 * batch (NULL for any other operation, and for the last one once the end has
 * been read). timeline_len() is the number of
 * operations read so far, the whole trace's once timeline_run has stopped
 * at the end or timeline_read_all has run. An error in the trace ends the
 * operations like the end of the trace does; timeline_read_all reports it.
 * Also fails (NULL, *err) on an error within the first 64 KiB of the trace.
 * r must outlive the timeline; the caller closes it. */
struct timeline *timeline_create_reader(struct trace_reader *r, const struct replay_options *o,
                                        const struct timeline_params *p, struct trace_error *err);

/* For a timeline made by timeline_create_reader: reads what is left of the
 * trace without running it (after --at), so that timeline_len() counts the
 * whole trace. Returns false with *err filled when the trace has an error,
 * whether met now or earlier while running. Without a reader: true. */
bool timeline_read_all(struct timeline *tl, struct trace_error *err);

/* Frees the timeline and its machine. NULL is allowed. The trace is not freed. */
void timeline_destroy(struct timeline *tl);

/* The cursor: operations done, 0..timeline_len(). */
uint64_t timeline_pos(const struct timeline *tl);

/* Number of operations in the trace (N). */
uint64_t timeline_len(const struct timeline *tl);

/* Runs the next operation. Returns false, changing nothing, at the end. */
bool timeline_step(struct timeline *tl);

/* Moves the cursor back by one operation (restore + run forward). Returns
 * false, changing nothing, at 0. */
bool timeline_back(struct timeline *tl);

/* Moves the cursor to k (clamped to 0..N), forward or back. Afterwards the
 * machine is exactly as if ops 1..k had run from the boot, and the events of
 * op k are available. Returns false only when memory ran out while saving a
 * checkpoint (the move still completes, checkpoints are then disabled). */
bool timeline_goto(struct timeline *tl, uint64_t k);

/* One step of a long forward move to target, for a caller that moves in
 * steps to stay responsive: runs at most limit_ops operations toward target
 * (never past it, nor past the end) and records events as timeline_goto(tl,
 * target) would, only for the operations close to target, so the history
 * ends up as after one timeline_goto. Returns the number of operations run
 * (0 at target or at the end). */
uint64_t timeline_advance(struct timeline *tl, uint64_t target, uint64_t limit_ops);

/* Runs at most limit_ops operations (0: no limit), stopping early after an
 * operation that matches break_mask (TIMELINE_BREAK_*; 0: none) or at the
 * end. Returns the number of operations run; *why says why it stopped and
 * *why_mask (may be NULL) which breakpoints matched. */
uint64_t timeline_run(struct timeline *tl, uint64_t limit_ops, unsigned break_mask,
                      enum timeline_stop *why, unsigned *why_mask);

/* ---- event-level time (DESIGN.md "Time", docs/architecture.md "Time") ----
 *
 * The cursor may also stop inside an operation: "N.E" is the machine right
 * after the E-th micro-event (1-based) of operation N, a real state, equal
 * (timeline_hash) to a fresh machine run exactly that far. N.0 is the state
 * before op N, which is the end of op N-1, and the cursor shows it as that
 * (pos N-1, not inside). E at or past the number M of op N's events is op
 * N's end (pos N: N.M is op N's end, the few counters an op updates after
 * its last event included). The boot (op 0) cannot be stopped inside.
 *
 * How: the event sink counts op N's events and, at the E-th, longjmps out of
 * the operation (sim/ holds no host resource on its paths and writes each
 * change before it reports it). A machine stopped inside an operation is
 * never run further: every move restores the state before op N (a
 * checkpoint saved there when stepping into it) and runs again. While
 * stopped inside, timeline_pos() is N, timeline_events() the first E events
 * of op N, the history ring ends at event E, timeline_op_counts() counts op
 * N (an operation that started counts). The moves above
 * (timeline_step: finish op N; timeline_back: to the state before op N;
 * timeline_goto, _advance, _run) leave the inside first. */

/* Moves the cursor to op k stopped right after its e-th event (see above:
 * e == 0 is the end of op k-1, e >= M the end of op k; k past the end: the
 * end of the trace). Works forward only on a stream (timeline_create_reader).
 * Returns false when the move could not be made as asked: k or e past the
 * end (clamped: the cursor is at the end of op k or of the trace), a stream
 * asked to go back, or memory ran out (the cursor is then at the end of op
 * k). */
bool timeline_goto_event(struct timeline *tl, uint64_t k, uint64_t e);

/* s: one micro-event forward (from the end of op k, the first event of op
 * k+1; an operation without events is passed over whole). False at the end. */
bool timeline_step_event(struct timeline *tl);

/* S: one micro-event back (from event 1 of op k, the end of op k-1). False
 * at 0. */
bool timeline_back_event(struct timeline *tl);

/* True when the cursor is stopped inside op timeline_pos() (before its end). */
bool timeline_inside(const struct timeline *tl);

/* E: the events of op timeline_pos() the cursor is after (the boot's at 0):
 * timeline_event_count() at the op's end. */
uint64_t timeline_event_pos(const struct timeline *tl);

/* M: the number of micro-events of op timeline_pos() (the boot's at 0);
 * with TIMELINE_NO_EVENTS and no log, known only after timeline_goto_event
 * (0 otherwise). */
uint64_t timeline_event_count(const struct timeline *tl);

/* The next micro-event, at or after the cursor's, that changes the machine
 * beyond the TLB-hit/miss counters (replay/steps.h: steps_is_change) and
 * moves there (searching at most limit operations ahead). False, the cursor
 * left at the end of the last operation searched, when none was found. */
bool timeline_next_change(struct timeline *tl, uint64_t limit);

/* The same backwards: the latest such event before the cursor's. */
bool timeline_prev_change(struct timeline *tl, uint64_t limit);

/* The machine, read-only (views read it; only the timeline changes it). */
const struct machine *timeline_machine(const struct timeline *tl);

/* The trace being replayed. */
const struct trace *timeline_trace(const struct timeline *tl);

/* The operation k (1-based, 1..N), or NULL outside. */
const struct op *timeline_op(const struct timeline *tl, uint64_t k);

/* Events of the last operation executed (op timeline_pos(); the boot's at
 * 0), in order. *n receives the count. At most TIMELINE_MAX_OP_EVENTS are
 * kept (the rest still reach the log callback and the history ring). Empty
 * with TIMELINE_NO_EVENTS. The pointer is valid until the cursor moves. */
#define TIMELINE_MAX_OP_EVENTS 65536
const struct event *timeline_events(const struct timeline *tl, size_t *n);

/* The ring of recent events (at most TIMELINE_HISTORY entries), oldest
 * first: i in 0..timeline_history_count()-1. Entries of operations after the
 * cursor are dropped when the cursor moves back. Returns NULL outside. */
#define TIMELINE_HISTORY 4096
size_t timeline_history_count(const struct timeline *tl);
const struct timeline_logged *timeline_history_at(const struct timeline *tl, size_t i);

/* Trace operations by kind (enum op_kind) done up to the cursor: counts
 * receives OP_KIND_COUNT numbers (OP_SAY included; JSON leaves it out). */
void timeline_op_counts(const struct timeline *tl, uint64_t counts[OP_KIND_COUNT]);

/* The text of a caption (TIMELINE_EV_CAPTION; "" for any other event). */
const char *timeline_caption_text(const struct timeline *tl, const struct event *ev);

/* The most recent caption at or before the cursor, or NULL when none. */
const char *timeline_caption(const struct timeline *tl);

/* The `expect` lines checked so far (those of operations 0..cursor; going
 * back forgets the later ones, and running forward again checks them again,
 * counted once): how many held and how many did not. */
void timeline_expect_counts(const struct timeline *tl, uint64_t *passed, uint64_t *failed);

/* Whether the trace has `expect` lines (a trace being read: whether one has
 * been read so far). */
bool timeline_has_expects(const struct timeline *tl);

/* The facts of the current caption (timeline_caption): the `expect` lines
 * written after its `say` and before the next one, among those checked so
 * far. Not for a timeline that reads its trace (always NONE). */
enum timeline_mark {
    TIMELINE_MARK_NONE, /* no caption, or none of its facts checked yet */
    TIMELINE_MARK_HOLD, /* every fact checked so far held */
    TIMELINE_MARK_FAIL, /* at least one did not */
};
enum timeline_mark timeline_caption_mark(const struct timeline *tl);

/* A hash of the whole replay state (machine_hash plus the op counts): equal
 * states give equal hashes, however they were reached. */
uint64_t timeline_hash(const struct timeline *tl);

/* Probes the translation of va for the access (user: CPL 3) at the cursor,
 * without any side effect (no A/D bit, no TLB fill, no counter, no event),
 * and looks up what the TLB holds for va. Fills *out. Can't fail. */
void timeline_translate(const struct timeline *tl, uint64_t va, enum mmu_access acc, bool user,
                        struct timeline_probe *out);

/* The last memory access made at or before the cursor, as it happened
 * (replay/access.h): the MMU's answer then, the walk as read, A/D as set.
 * NULL when no access has been made yet, or when the timeline does not
 * track accesses (TIMELINE_NO_EVENTS without TIMELINE_ACCESSES). Kept right
 * across step back and jumps (the checkpoints save it). r->op tells which
 * operation made it. The pointer is valid until the cursor moves. */
struct access_record;
const struct access_record *timeline_last_access(const struct timeline *tl);

/* timeline_last_access() when the operation at the cursor (op
 * timeline_pos()) made it; NULL when that operation made no access. */
const struct access_record *timeline_op_access(const struct timeline *tl);

/* The record timeline_last_access() gave before operation timeline_pos()
 * began (its valid flag false when there was none): a view that reveals the
 * operation's events one by one feeds them into a copy of it
 * (access_feed) to know the last access at each event. NULL at 0, or when
 * the timeline does not track accesses. */
const struct access_record *timeline_access_before_op(const struct timeline *tl);

/* Bytes held by saved checkpoints (chunks and scalars), and the number of
 * checkpoints: for the benchmarks and the status line. */
uint64_t timeline_checkpoint_bytes(const struct timeline *tl);
size_t timeline_checkpoint_count(const struct timeline *tl);

#endif
