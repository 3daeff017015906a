/*
 * pfa.h - the bytemap page-frame allocator of the seed.
 *
 * One byte per 4 KiB frame: 0 free, 1 allocated, 2 reserved (device memory,
 * firmware, holes in the memory map; a frame is reserved whole when any byte
 * of it is). Allocation hands out the lowest free frame, as the seed's scan
 * does, but never rescans from frame 0: a hint remembers the lowest frame
 * that may be free and memchr finds the next zero byte from there. Beside
 * the bytemap, a role per frame (kernel image, each level of table, heap...)
 * for the views. Both arrays live in tracked memory (tmem.h) so step-back can
 * undo them.
 */
#ifndef PAGESIM_SIM_PFA_H
#define PAGESIM_SIM_PFA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tmem.h"
#include "x86.h"

enum pfa_state {
    PFA_FREE = 0,
    PFA_USED = 1,
    PFA_RESERVED = 2,
};

/* What a frame is used for. Kept beside the bytemap for the views only: the
 * allocator's decisions never depend on it. */
enum frame_role {
    ROLE_NONE = 0, /* free, or allocated with no stated use */
    ROLE_FIRMWARE, /* reserved by the memory map (BIOS, EBDA, hole) */
    ROLE_KERNEL,   /* the kernel image */
    ROLE_PML4,     /* a page-map level-4 table */
    ROLE_PDPT,     /* a page-directory-pointer table (PAE or 4-level) */
    ROLE_PD,       /* a page directory */
    ROLE_PT,       /* a page table */
    ROLE_HEAP,     /* heap pages (allocator metadata and blocks) */
    ROLE_DEVICE,   /* device memory claimed or identity-mapped (VGA...) */
    ROLE_COUNT
};

enum pfa_status {
    PFA_OK = 0,
    PFA_ERR_RANGE,         /* the frame number is past the end of RAM */
    PFA_ERR_NOT_ALLOCATED, /* freeing a free frame (double free) */
    PFA_ERR_RESERVED,      /* freeing or claiming a reserved frame */
    PFA_ERR_BUSY,          /* claiming a frame already allocated */
    PFA_ERR_NO_MEMORY,     /* no free frame left */
};

struct pfa_stats {
    uint64_t total; /* frames */
    uint64_t free;
    uint64_t used;
    uint64_t reserved;
};

struct pfa;

/* Creates an allocator for nframes frames, all free, roles ROLE_NONE.
 * Returns NULL when nframes is 0 or memory runs out. */
struct pfa *pfa_create(uint64_t nframes);

/* Frees the allocator. NULL is allowed. */
void pfa_destroy(struct pfa *a);

/* Marks every frame that overlaps the byte range [start, end) reserved, role
 * ROLE_FIRMWARE unless role says otherwise; frames already allocated become
 * reserved too (a memory map is applied at boot, before any allocation).
 * Parts of the range past the end of RAM are ignored. Can't fail. */
void pfa_reserve(struct pfa *a, uint64_t start, uint64_t end, enum frame_role role);

/* Allocates the lowest free frame, gives it role, stores its number in *pfn.
 * Returns PFA_OK, or PFA_ERR_NO_MEMORY leaving everything unaltered. */
enum pfa_status pfa_alloc(struct pfa *a, enum frame_role role, uint64_t *pfn);

/* Frees frame pfn (its role becomes ROLE_NONE). Freeing a free frame gives
 * PFA_ERR_NOT_ALLOCATED, a reserved one PFA_ERR_RESERVED, one past the end
 * PFA_ERR_RANGE; in those cases nothing changes. */
enum pfa_status pfa_free(struct pfa *a, uint64_t pfn);

/* Allocates the specific frame pfn (device memory such as 0xB8000) with role.
 * PFA_ERR_BUSY when it is allocated, PFA_ERR_RESERVED when reserved,
 * PFA_ERR_RANGE past the end; nothing changes then. */
enum pfa_status pfa_claim(struct pfa *a, uint64_t pfn, enum frame_role role);

/* State and role of frame pfn; PFA_RESERVED / ROLE_NONE past the end. */
enum pfa_state pfa_state(const struct pfa *a, uint64_t pfn);
enum frame_role pfa_role(const struct pfa *a, uint64_t pfn);

/* Changes the role of an allocated or reserved frame (views only). */
void pfa_set_role(struct pfa *a, uint64_t pfn, enum frame_role role);

/* Frame counts by state. Can't fail; O(1). */
struct pfa_stats pfa_stats(const struct pfa *a);

/* The bytemap (one byte per frame, enum pfa_state) and role map (one byte per
 * frame, enum frame_role), read-only, pfa_stats().total bytes each. */
const uint8_t *pfa_bytemap(const struct pfa *a);
const uint8_t *pfa_roles(const struct pfa *a);

/* For replay/: the two tracked arrays, and the allocator's scalar state (hint
 * and counters) saved to and loaded from an opaque buffer of
 * pfa_scalars_size() bytes. */
struct tmem *pfa_tmem_bytemap(struct pfa *a);
struct tmem *pfa_tmem_roles(struct pfa *a);
size_t pfa_scalars_size(void);
void pfa_scalars_save(const struct pfa *a, void *dst);
void pfa_scalars_load(struct pfa *a, const void *src);

/* Short names for views and logs ("free", "used", "reserved"; "kernel", "PT"...). */
const char *pfa_state_name(enum pfa_state s);
const char *pfa_role_name(enum frame_role r);

static inline uint64_t pfn_to_pa(uint64_t pfn)
{
    return pfn << X86_PAGE_SHIFT;
}

static inline uint64_t pa_to_pfn(uint64_t pa)
{
    return pa >> X86_PAGE_SHIFT;
}

#endif
