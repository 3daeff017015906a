/*
 * checkpoint.h - saved states of a machine being replayed, to go back to
 * (DESIGN.md "Time").
 *
 * Every `every` operations a new epoch of the tracked-memory journal
 * (sim/tmem.h) begins: the machine's scalar state is saved with the
 * caller's own bytes (extra: the replay's counters), and from then on each
 * 4 KiB chunk of the machine's arrays is saved before its first change in
 * the epoch. Undoing the epochs newest first gives back the machine at the
 * checkpoint bit for bit. When the saved chunks pass a memory budget, old
 * checkpoints are thinned by merging adjacent epochs (the older copy of a
 * chunk is kept), so recent history stays dense and a million-operation
 * trace stays within bounds.
 *
 * Positions are the caller's (operations done); the checkpoints only order
 * them. This layer never prints.
 */
#ifndef PAGESIM_REPLAY_CHECKPOINT_H
#define PAGESIM_REPLAY_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/machine.h"

struct checkpoints;

/* Starts journaling m's tracked memory, with a first checkpoint at pos: the
 * machine as it is now and extra_size bytes of extra. A checkpoint is then
 * saved at each position that is a multiple of every (> 0), and old ones are
 * thinned when the saved data pass budget bytes. m must outlive the
 * checkpoints. NULL when memory runs out or m has more arrays than the
 * journal follows. */
struct checkpoints *checkpoints_create(struct machine *m, uint64_t pos, const void *extra,
                                       size_t extra_size, uint64_t every, uint64_t budget);

/* Stops journaling and frees every checkpoint. NULL is allowed. */
void checkpoints_destroy(struct checkpoints *c);

/* Called after each operation, the cursor at pos, extra as the caller has
 * it now: saves a checkpoint when pos is a multiple of every, thinning old
 * ones to stay within the budget. Returns false when memory ran out (now or
 * while the operation journaled): the checkpoints can no longer restore,
 * and the caller destroys them. */
bool checkpoints_tick(struct checkpoints *c, uint64_t pos, const void *extra);

/* Saves a checkpoint at pos now, whatever every says (none when the newest
 * is at pos already): event-level stepping restores the state before an
 * operation it stops inside (timeline.h). It does not thin: the next
 * checkpoints_tick does.
 * Returns false when memory ran out, as checkpoints_tick. */
bool checkpoints_save(struct checkpoints *c, uint64_t pos, const void *extra);

/* Restores the newest checkpoint at or before want (the oldest when none
 * is): the machine and extra as they were saved. The later checkpoints are
 * dropped; the restored one is kept, journaling again from there. Returns
 * its position. */
uint64_t checkpoints_restore(struct checkpoints *c, uint64_t want, void *extra);

/* Bytes held by the saved checkpoints (chunks, records and scalars), and
 * their number: for the benchmarks and the status line. */
uint64_t checkpoints_bytes(const struct checkpoints *c);
size_t checkpoints_count(const struct checkpoints *c);

#endif
