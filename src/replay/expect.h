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
 * about whether that access faulted (an operation stops at its first
 * fault, so a fault is always its last access). Those read the record of
 * the last access (replay/access.h) that the timeline keeps.
 */
#ifndef PAGESIM_REPLAY_EXPECT_H
#define PAGESIM_REPLAY_EXPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace/trace.h"

struct access_record;
struct machine;

/* Checks fact e on machine m, right after its operation (e->op), with last
 * the last memory access at or before it (NULL: none yet); an access that
 * operation e->op did not make is no access of it. Writes what was found into found[0..n) (always, also when the
 * fact holds: "tlb miss", "frames used 9", "pa 0xd0000000 fault"), in the
 * words of the fact. Returns whether the fact holds. Changes nothing. */
bool expect_fact_check(const struct trace_expect *e, const struct machine *m,
                       const struct access_record *last, char *found, size_t n);

/* The fact as written in the trace ("tlb hit"): its text. */
const char *expect_fact_text(const struct trace *t, const struct trace_expect *e);

#endif
