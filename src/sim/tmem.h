/*
 * tmem.h - tracked memory: a byte buffer whose changes can be undone.
 *
 * Every large array of the machine (the simulated RAM, the frame bytemap and
 * roles, the TLB, the heap's id table) lives in a tmem, so that replay/ can
 * step back without copying whole arrays: the buffer is cut into 4 KiB chunks
 * and, while a journal is attached, the first write to a chunk in an epoch
 * hands the chunk's old contents to the journal (copy on first write). Undoing
 * an epoch is writing those contents back. Without a journal, tracking costs
 * nothing but one test per write.
 *
 * The buffer is reserved with mmap(MAP_NORESERVE): a 4 GiB buffer costs no
 * memory until it is touched, and reads of untouched chunks return zeros.
 * Buffers of 2 MiB or more ask for transparent huge pages (first touches
 * then cost one host fault per 2 MiB instead of one per 4 KiB).
 *
 * Writers must call tmem_touch() on a range before changing it; tmem_data()
 * gives the bytes. Readers read tmem_data() directly.
 */
#ifndef PAGESIM_SIM_TMEM_H
#define PAGESIM_SIM_TMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TMEM_CHUNK_SHIFT 12
#define TMEM_CHUNK_SIZE  (UINT64_C(1) << TMEM_CHUNK_SHIFT)

struct tmem;

/* Receives the old contents of a chunk before its first change in an epoch.
 * old points to TMEM_CHUNK_SIZE bytes (fewer for the last chunk: len). */
struct tmem_journal {
    void (*save)(void *ctx, struct tmem *m, uint64_t chunk, const uint8_t *old, size_t len);
    void *ctx;
};

struct tmem {
    uint8_t *data;   /* size bytes, zero-initialised */
    uint64_t size;   /* bytes */
    uint64_t *dirty; /* one bit per chunk: changed in this epoch */
    uint64_t nchunks;
    struct tmem_journal journal; /* save == NULL: not tracking */
    uint64_t ndirty;             /* chunks changed in this epoch */
    uint64_t *written;           /* one bit per chunk: ever written (the rest is still zero) */
    uint64_t *dirty_list;        /* the ndirty chunks changed in this epoch, in order */
};

/* Creates a zeroed buffer of size bytes (rounded up to a chunk), reserved
 * lazily. Returns NULL if size is 0 or the reservation fails. */
struct tmem *tmem_create(uint64_t size);

/* Grows the buffer to size bytes (never shrinks), keeping its contents; the
 * new bytes are zero. Only without a journal (a journal's saved chunks name
 * the old buffer): returns false then, or when memory runs out (m is
 * unchanged). The data pointer changes. */
bool tmem_grow(struct tmem *m, uint64_t size);

/* Frees m and its buffer. NULL is allowed. */
void tmem_destroy(struct tmem *m);

/* Attaches a journal (or detaches it when j is NULL or j->save is NULL) and
 * starts a new epoch. */
void tmem_set_journal(struct tmem *m, const struct tmem_journal *j);

/* Starts a new epoch: forgets which chunks changed, so that the next change to
 * any chunk is journaled again. Costs O(chunks changed in the epoch ended). */
void tmem_epoch(struct tmem *m);

/* The slow path of tmem_touch() (same contract): marks the chunks of the
 * range written and, with a journal attached, hands each chunk not yet saved
 * in this epoch to the journal. Call tmem_touch() instead. */
void tmem_touch_slow(struct tmem *m, uint64_t off, uint64_t len);

/* Declares that [off, off+len) is about to change. The range must lie inside
 * the buffer (callers bounds-check first). Can't fail. */
static inline void tmem_touch(struct tmem *m, uint64_t off, uint64_t len)
{
    uint64_t c = off >> TMEM_CHUNK_SHIFT;
    uint64_t bit = UINT64_C(1) << (c & 63);
    if (len != 0 && ((off + len - 1) >> TMEM_CHUNK_SHIFT) == c && (m->written[c >> 6] & bit) &&
        (m->journal.save == NULL || (m->dirty[c >> 6] & bit)))
        return;
    tmem_touch_slow(m, off, len);
}

/* True when tmem_touch() on any range inside the chunk holding off would do
 * nothing now (the chunk was written before and, with a journal attached,
 * already saved in this epoch): stays true until the next tmem_epoch() or
 * tmem_set_journal(). off must lie inside the buffer. Changes nothing. */
static inline bool tmem_chunk_touched(const struct tmem *m, uint64_t off)
{
    uint64_t c = off >> TMEM_CHUNK_SHIFT;
    uint64_t bit = UINT64_C(1) << (c & 63);
    return (m->written[c >> 6] & bit) && (m->journal.save == NULL || (m->dirty[c >> 6] & bit));
}

/* Overwrites chunk with data (len bytes, the chunk's length), without
 * journaling: the undo path. */
void tmem_restore_chunk(struct tmem *m, uint64_t chunk, const uint8_t *data, size_t len);

/* Hashes the buffer's contents, folded into h: equal contents give equal
 * hashes, however they were reached and whatever the buffers' sizes (bytes
 * past the end of the shorter count as zeros). Reads only chunks ever
 * written (the rest are zero) and treats an all-zero chunk as never written.
 * Allocates nothing. */
uint64_t tmem_hash(const struct tmem *m, uint64_t h);

#endif
