/*
 * heap.h - malloc, calloc, realloc and free over pages from the VMM: the
 * seed's step 6, "carve a block out of the page".
 *
 * Design (docs/memory-layout.md has the pictures): boundary tags and one
 * explicit doubly linked free list, first fit, LIFO insertion, immediate
 * coalescing with both neighbours. Every chunk is 16-byte aligned and starts
 * with a 16-byte header; the payload follows it, so every pointer handed out
 * is 16-byte aligned. Chunk sizes are multiples of 16, at least 32:
 *
 *   chunk+0   size | ALLOC (bit 0) | PREV_ALLOC (bit 1) | LARGE (bit 2)   64-bit LE
 *   chunk+8   allocated: block id          free: next free chunk (0 = end)
 *   chunk+16  allocated: payload ...       free: previous free chunk (0 = head)
 *   chunk+size-8                           free: footer, a copy of the size word
 *
 * The list head lives in a 16-byte control block at the heap base (base+0),
 * in simulated RAM like every other piece of metadata, and every metadata
 * access is a real translation through the MMU: TLB hits and misses, A and D
 * bits show the allocator's own footprint. The heap grows by whole pages at
 * its top and gives whole free pages at its top back at once.
 *
 * Requests at or above the threshold (128 KiB, glibc's M_MMAP_THRESHOLD) get
 * pages of their own in the VMM's large region (header at the first page,
 * payload at +16), returned to the VMM and the pfa on free.
 *
 * The program may overwrite metadata (a write past a block's end, a write
 * after free): every word read is checked (sizes, addresses inside the heap,
 * flags); what fails the check is counted as a corruption and the allocator
 * goes on without trusting it (a bad free-list link ends the list), never
 * crashing and never looping.
 */
#ifndef PAGESIM_SIM_HEAP_H
#define PAGESIM_SIM_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

struct mmu;
struct phys;
struct vmm;

#define HEAP_HEADER    16u /* bytes before every payload */
#define HEAP_MIN_CHUNK 32u /* bytes */
#define HEAP_ALIGN     16u
#define HEAP_F_ALLOC   UINT64_C(1)
#define HEAP_F_PREV    UINT64_C(2)
#define HEAP_F_LARGE   UINT64_C(4)
#define HEAP_SIZE_MASK (~UINT64_C(0xF))
#define HEAP_CONTROL   16u /* the control block at the heap base */

/* The hardware the heap uses. mmu->sink is where its events go. */
struct heap_parts {
    const struct mmu *mmu;
    struct vmm *vmm;
    struct phys *phys;
};

struct heap_stats {
    uint64_t brk;          /* end of the mapped small-block heap (== base when empty) */
    uint64_t heap_pages;   /* pages mapped for small blocks */
    uint64_t large_blocks; /* large blocks alive */
    uint64_t free_chunks;  /* chunks on the free list */
    uint64_t grows, shrinks, splits, coalesces, moves;
    uint64_t corruptions; /* metadata words that failed their check */
    uint64_t meta_faults; /* metadata accesses the MMU refused */
};

/*
 * What the walker (heap_walk) finds, for the views and the tests: the
 * allocator's own metadata as it is in simulated RAM at that moment, read
 * with side-effect-free probes, nothing taken from the allocator's C state
 * but the bounds of the small heap (base, brk).
 */
enum heap_chunk_kind {
    HEAP_CHUNK_USED,  /* a small block: header with ALLOC */
    HEAP_CHUNK_FREE,  /* a free chunk */
    HEAP_CHUNK_LARGE, /* a large block with pages of its own */
    HEAP_CHUNK_BAD,   /* bytes whose metadata does not read as a chunk (yet) */
};

/* What is inconsistent about a chunk (heap_chunk.odd): every one of these
 * is a state the allocator passes through in the middle of an operation,
 * or the trace of a program that overwrote the metadata. */
#define HEAP_ODD_HEADER   (1u << 0) /* BAD: the header is not a valid chunk header */
#define HEAP_ODD_UNMAPPED (1u << 1) /* BAD: the header's page does not translate */
#define HEAP_ODD_FOOTER   (1u << 2) /* free, and its footer differs from its header */
#define HEAP_ODD_PREV     (1u << 3) /* PREV_ALLOC disagrees with the chunk before it */
#define HEAP_ODD_UNMERGED (1u << 4) /* free right after a free chunk: not coalesced */
#define HEAP_ODD_UNLISTED (1u << 5) /* free, but the free list does not reach it */
#define HEAP_ODD_LISTED   (1u << 6) /* allocated, but the free list points at it */
#define HEAP_ODD_BACKLINK (1u << 7) /* on the list, its prev link is not its predecessor */

/* One chunk of the heap, in address order. */
struct heap_chunk {
    uint64_t addr; /* chunk address (the payload is at addr + 16) */
    uint64_t size; /* bytes, header included (BAD: the bytes not understood) */
    uint64_t id;   /* USED, LARGE: the block-id word at addr + 8 */
    uint8_t kind;  /* enum heap_chunk_kind */
    uint8_t odd;   /* HEAP_ODD_* */
    bool alloc;    /* USED or LARGE */
    bool listed;   /* FREE: the free list reaches it */
};

/* The walk as a whole. */
struct heap_walk {
    const char *policy; /* how the allocator places blocks, for the views */
    uint64_t base, brk; /* the small heap spans [base, brk); brk == base: empty */
    uint64_t head;      /* the free-list head word, read at base */
    uint64_t listed;    /* chunks the free list reaches */
    bool list_broken;   /* the list leaves the chunks, loops, or is unreadable */
    size_t n;           /* chunks found, stored or not */
    bool truncated;     /* more than max: out[] holds the first max */
    unsigned odd;       /* the HEAP_ODD_* bits of all chunks together */
};

struct heap;

/* Creates an empty heap; large_threshold in bytes (0: 128 KiB). Returns NULL
 * when memory runs out. */
struct heap *heap_create(const struct heap_parts *parts, uint64_t large_threshold);

/* Frees h. NULL is allowed. */
void heap_destroy(struct heap *h);

/* Allocates size bytes for block id; stores the payload address in *va and
 * whether it got pages of its own in *large. False when there is no frame
 * or no virtual room (the heap is unchanged then). */
bool heap_malloc(struct heap *h, uint32_t id, uint64_t size, uint64_t *va, bool *large);

/* Frees the block at payload va (size: the requested bytes, large: as
 * heap_malloc said). Coalesces, and gives whole free pages at the top back. */
void heap_free(struct heap *h, uint32_t id, uint64_t va, uint64_t size, bool large);

/* Resizes the block at va (old_size requested bytes) to new_size > 0 bytes:
 * in place when it can (shrink, absorb a free neighbour, grow at the top),
 * else allocate, copy min(old_size, new_size) bytes through the MMU, free.
 * Afterwards the block's header names it new_id (mtrace: the address
 * realloc returned; the same id otherwise). False when out of memory: the
 * old block is untouched then. */
bool heap_realloc(struct heap *h, uint32_t id, uint32_t new_id, uint64_t va, uint64_t old_size,
                  bool old_large, uint64_t new_size, uint64_t *new_va, bool *new_large);

/* Stores len zero bytes from va through the MMU (calloc). */
void heap_zero(struct heap *h, uint64_t va, uint64_t len);

struct heap_stats heap_stats(const struct heap *h);

/* heap_stats(h).corruptions without building the whole struct: the count
 * the machine compares around every operation. Can't fail. */
uint64_t heap_corruptions(const struct heap *h);

/*
 * The heap as its metadata in simulated RAM says it is now: the chunks of
 * the small heap from the control block to brk, then the large blocks of
 * the large region (the VMM's reservation bitmap, each block's header), in
 * address order, into out[0..max) (out may be NULL when max is 0); the
 * free list is followed from its head and each free chunk it reaches is
 * marked listed. Headers are read through probe translations (no TLB
 * lookup or fill, no A/D bits, no counters, no events): the machine is not
 * changed in any way, and the walk may run at any moment, in the middle of
 * an operation too (from an event sink).
 *
 * Every word is checked before it is trusted (size, alignment, bounds,
 * footer, list links); what does not check out is reported (kind BAD, the
 * HEAP_ODD_* bits), never followed: the walk reads only inside RAM, takes
 * at most one step per 16 bytes of heap plus one per list link, and ends.
 * A BAD span runs to the next chunk the free list vouches for, or to brk.
 * Returns w->n (chunks found); fills *w. Can't fail.
 */
size_t heap_walk(const struct heap *h, struct heap_chunk *out, size_t max, struct heap_walk *w);

/* The chunk of the small heap after the one at addr (addr = 0: the first),
 * as heap_walk finds them: true and *out filled, or false past the end or
 * where the walk finds no valid header. Side-effect free. */
bool heap_chunk_next(const struct heap *h, uint64_t addr, struct heap_chunk *out);

/* For replay/: scalar state as an opaque buffer of heap_scalars_size(). */
size_t heap_scalars_size(void);
void heap_scalars_save(const struct heap *h, void *dst);
void heap_scalars_load(struct heap *h, const void *src);
uint64_t heap_hash(const struct heap *h, uint64_t hash);

#endif
