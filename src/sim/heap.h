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

/* One chunk of the small-block heap, for views and tests. */
struct heap_chunk {
    uint64_t addr; /* chunk address (the payload is at addr + 16) */
    uint64_t size; /* bytes, header included */
    bool alloc;
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
 * False when out of memory: the old block is untouched then. */
bool heap_realloc(struct heap *h, uint32_t id, uint64_t va, uint64_t old_size, bool old_large,
                  uint64_t new_size, uint64_t *new_va, bool *new_large);

/* Stores len zero bytes from va through the MMU (calloc). */
void heap_zero(struct heap *h, uint64_t va, uint64_t len);

struct heap_stats heap_stats(const struct heap *h);

/* heap_stats(h).corruptions without building the whole struct: the count
 * the machine compares around every operation. Can't fail. */
uint64_t heap_corruptions(const struct heap *h);

/* Walks the small-block heap in address order with side-effect-free probes:
 * addr = 0 gives the first chunk, a chunk's address gives the one after it.
 * True and *out filled, or false past the end or at a corrupt header. */
bool heap_chunk_next(const struct heap *h, uint64_t addr, struct heap_chunk *out);

/* For replay/: scalar state as an opaque buffer of heap_scalars_size(). */
size_t heap_scalars_size(void);
void heap_scalars_save(const struct heap *h, void *dst);
void heap_scalars_load(struct heap *h, const void *src);
uint64_t heap_hash(const struct heap *h, uint64_t hash);

#endif
