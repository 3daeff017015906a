/*
 * expect.h - checking the `expect` lines of a trace (CONTRACT 2.1,
 * docs/trace-format.md "Checked lessons") against the machine.
 *
 * A fact is checked right after the operation it follows (struct
 * trace_expect's op), by the timeline, as its cursor passes that operation:
 * headless replay, translate and the visualizer see the same results. Most
 * facts read the machine as it is then (frames, registers, a probe, the
 * TLB's contents, counters); four are about what the operation did: `tlb
 * hit|miss` and `stale` about its last memory access, `fault` and `nofault`
 * about the faults it raised. Those read a struct expect_seen the timeline
 * fills from the operation's micro-events.
 *
 * REPLACE: struct expect_seen is the minimum record of an operation's
 * accesses, kept here until the replay's access record (replay/access.h,
 * issue 11 item 3) takes its place; then expect_check reads that instead.
 */
#ifndef PAGESIM_REPLAY_EXPECT_H
#define PAGESIM_REPLAY_EXPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/event.h"
#include "sim/mmu.h"
#include "trace/trace.h"

struct machine;

/* What one operation did, as the facts about it need. */
struct expect_seen {
    bool recorded;       /* the timeline was recording while the operation ran */
    bool access;         /* it made at least one memory access through the TLB */
    bool tlb_hit;        /* the last such access hit the TLB ... */
    uint64_t va;         /* ... at this linear address */
    uint64_t pa;         /* ... translated to this (valid on a hit) */
    enum mmu_access acc; /* the last access's kind and privilege */
    bool user;
    bool fault;     /* it raised a fault; the last one: */
    uint8_t vector; /* 14 #PF, 13 #GP */
    uint32_t code;  /* #PF error code */
    uint64_t cr2;   /* the faulting address */
};

/* Forgets everything: the start of an operation (recorded stays as given). */
void expect_seen_reset(struct expect_seen *s, bool recorded);

/* Takes in one micro-event of the operation. Can't fail. */
void expect_seen_event(struct expect_seen *s, const struct event *ev);

/* Checks fact e of trace t on machine m, right after the operation seen
 * describes. Writes what was found into found[0..n) (always, also when the
 * fact holds: "tlb miss", "frames used 9", "pa 0xd0000000 fault"), in the
 * words of the fact. Returns whether the fact holds. Changes nothing. */
bool expect_check(const struct trace_expect *e, const struct machine *m,
                  const struct expect_seen *seen, char *found, size_t n);

/* The fact as written in the trace ("tlb hit"): its text. */
const char *expect_fact_text(const struct trace *t, const struct trace_expect *e);

#endif
