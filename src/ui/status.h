/*
 * status.h - what the status rows say beyond the machine's registers: the
 * trace line of the current operation (status.c) and the step the current
 * micro-event belongs to.
 */
#ifndef PAGESIM_UI_STATUS_H
#define PAGESIM_UI_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "trace/trace.h"

struct ui;

/* Operation k (1-based) of trace t, o, as a line of its trace reads:
 * "L7 malloc a 100", "L12 write 0xd0000000 4 user", "L3 cr0 wp on"; an mtrace
 * operation in pagesim's words followed by its caller: "L5 malloc 0x4052a0 16
 * @ ./prog:[0x4005d6]". k 0 (o NULL) is "boot". Written into buf (truncated
 * to len - 1, NUL-terminated); returns the full length (as snprintf). */
size_t status_op_text(const struct trace *t, uint64_t k, const struct op *o, char *buf, size_t len);

#endif
