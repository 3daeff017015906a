/*
 * machine_check.h - private to sim/machine*.c: the configuration checks the
 * boot makes before it builds anything (machine_check.c).
 */
#ifndef PAGESIM_SIM_MACHINE_CHECK_H
#define PAGESIM_SIM_MACHINE_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "machine.h"

/* The first address past r (UINT64_MAX when it would wrap). */
static inline uint64_t machine_range_end(const struct machine_range *r)
{
    return r->len > UINT64_MAX - r->start ? UINT64_MAX : r->start + r->len;
}

/* Checks a configuration before anything is built; fills f->why (and
 * f->range) and returns false when it cannot boot. */
bool machine_config_check(const struct machine_config *c, struct machine_failure *f);

/* The range that took the most of the RAM's frames (SIZE_MAX: none took
 * any): the one to blame when the boot finds no frame for its tables. */
size_t machine_greediest_range(const struct machine_config *c);

#endif
