/*
 * eventfmt.h - one micro-event (sim/event.h) put into one line of words a
 * student can read: "PFA gave frame 0x00107000 (heap)", "PDE 832 at
 * 0x00105d00: 0x00000000 -> 0x00106023", "TLB miss 0xd0000000",
 * "#PF err=0x2 (write, not present) CR2=0xd0001000", "say: TEXT".
 *
 * The replay --log output and the visualizer's log view both use it, so the
 * golden tests pin the wording the UI shows. Entry indices are derived from
 * the entry's physical address and the entry size of the machine's paging
 * mode (4 bytes in 32-bit paging, 8 in PAE and 4-level paging, SDM Vol. 3A
 * 4.3-4.5). Pure: no I/O, no allocation.
 */
#ifndef PAGESIM_REPLAY_EVENTFMT_H
#define PAGESIM_REPLAY_EVENTFMT_H

#include <stddef.h>
#include <stdint.h>

#include "sim/event.h"

struct timeline;

/* Writes the words for ev (no op prefix, no newline) into buf, truncated to
 * len-1 bytes and NUL-terminated (len 0 writes nothing). tl gives the names
 * of block ids, caption texts and the paging mode. Returns the length the
 * full text has (as snprintf). Can't fail. */
size_t eventfmt_format(const struct timeline *tl, const struct event *ev, char *buf, size_t len);

/* The same with the --log prefix: "op 3 line 7: " or "boot: " for op 0. */
size_t eventfmt_line(const struct timeline *tl, uint64_t op, uint32_t line, const struct event *ev,
                     char *buf, size_t len);

#endif
