/*
 * pfa.c - the seed's bytemap page-frame allocator, without the seed's full
 * scan per call.
 *
 * The bytemap holds one byte per 4 KiB frame (enum pfa_state) and the role
 * map one byte per frame (enum frame_role); both live in tracked memory so
 * that replay/ can undo a step, and every change calls tmem_touch() first.
 *
 * Allocation returns the lowest free frame, exactly as the seed's scan from
 * frame 0 does. Invariant: every frame below hint is not free. So the scan
 * starts at hint (memchr for the first zero byte), an allocation moves hint
 * past the frame it returns, and a free below hint lowers it to the freed
 * frame. Filling n frames costs O(n) instead of the seed's O(n^2).
 *
 * The counts by state are kept incrementally (every transition adjusts
 * them), so pfa_stats() is O(1). All mutable scalars (hint and counts) sit in
 * one inner struct that pfa_scalars_save/load copy as a whole.
 */
#include "pfa.h"

#include <stdlib.h>
#include <string.h>

/* The allocator's mutable scalar state: saved and loaded as one block. */
struct pfa_scalars {
    uint64_t hint;  /* frame number: every frame below it is not free */
    uint64_t nfree; /* frames */
    uint64_t nused;
    uint64_t nreserved;
};

struct pfa {
    uint64_t nframes;
    struct tmem *map;   /* nframes bytes, enum pfa_state */
    struct tmem *roles; /* nframes bytes, enum frame_role */
    struct pfa_scalars s;
};

struct pfa *pfa_create(uint64_t nframes)
{
    if (nframes == 0)
        return NULL;
    struct pfa *a = calloc(1, sizeof *a);
    if (a == NULL)
        return NULL;
    a->map = tmem_create(nframes);
    a->roles = tmem_create(nframes);
    if (a->map == NULL || a->roles == NULL) {
        pfa_destroy(a);
        return NULL;
    }
    a->nframes = nframes;
    a->s.hint = 0;
    a->s.nfree = nframes;
    return a;
}

void pfa_destroy(struct pfa *a)
{
    if (a == NULL)
        return;
    tmem_destroy(a->map);
    tmem_destroy(a->roles);
    free(a);
}

/* A role value that fits the role map: anything unknown becomes fallback. */
static uint8_t role_byte(enum frame_role role, enum frame_role fallback)
{
    if ((unsigned)role >= (unsigned)ROLE_COUNT)
        return (uint8_t)fallback;
    return (uint8_t)role;
}

static void count_leave(struct pfa *a, uint8_t state)
{
    switch (state) {
    case PFA_FREE:
        a->s.nfree--;
        break;
    case PFA_USED:
        a->s.nused--;
        break;
    default:
        a->s.nreserved--;
        break;
    }
}

void pfa_reserve(struct pfa *a, uint64_t start, uint64_t end, enum frame_role role)
{
    if (end <= start || start >= pfn_to_pa(a->nframes))
        return;
    uint64_t first = pa_to_pfn(start);
    uint64_t last = pa_to_pfn(end - 1); /* inclusive: a partial frame is reserved whole */
    if (last >= a->nframes)
        last = a->nframes - 1;
    uint64_t n = last - first + 1;
    uint8_t r = role_byte(role == ROLE_NONE ? ROLE_FIRMWARE : role, ROLE_FIRMWARE);

    tmem_touch(a->map, first, n);
    tmem_touch(a->roles, first, n);
    uint8_t *map = a->map->data;
    for (uint64_t f = first; f <= last; f++) {
        if (map[f] != PFA_RESERVED) {
            count_leave(a, map[f]);
            a->s.nreserved++;
        }
    }
    memset(map + first, PFA_RESERVED, (size_t)n);
    memset(a->roles->data + first, r, (size_t)n);
    /* The hint stays right: reserving makes no frame free. */
}

enum pfa_status pfa_alloc(struct pfa *a, enum frame_role role, uint64_t *pfn)
{
    if (a->s.nfree == 0)
        return PFA_ERR_NO_MEMORY;
    uint8_t *map = a->map->data;
    uint64_t f = a->s.hint < a->nframes ? a->s.hint : 0;
    /* nfree > 0 and nothing below hint is free, so a zero byte exists at or
     * after hint. The common case (sequential fill) finds it at hint. */
    if (map[f] != PFA_FREE) {
        const uint8_t *z = memchr(map + f, PFA_FREE, (size_t)(a->nframes - f));
        if (z == NULL) /* Only if the counts were corrupted: refuse, change nothing. */
            return PFA_ERR_NO_MEMORY;
        f = (uint64_t)(z - map);
    }
    tmem_touch(a->map, f, 1);
    tmem_touch(a->roles, f, 1);
    map[f] = PFA_USED;
    a->roles->data[f] = role_byte(role, ROLE_NONE);
    a->s.nfree--;
    a->s.nused++;
    a->s.hint = f + 1;
    *pfn = f;
    return PFA_OK;
}

enum pfa_status pfa_free(struct pfa *a, uint64_t pfn)
{
    if (pfn >= a->nframes)
        return PFA_ERR_RANGE;
    uint8_t *map = a->map->data;
    if (map[pfn] == PFA_FREE)
        return PFA_ERR_NOT_ALLOCATED;
    if (map[pfn] != PFA_USED)
        return PFA_ERR_RESERVED;
    tmem_touch(a->map, pfn, 1);
    tmem_touch(a->roles, pfn, 1);
    map[pfn] = PFA_FREE;
    a->roles->data[pfn] = ROLE_NONE;
    a->s.nused--;
    a->s.nfree++;
    if (pfn < a->s.hint)
        a->s.hint = pfn;
    return PFA_OK;
}

enum pfa_status pfa_claim(struct pfa *a, uint64_t pfn, enum frame_role role)
{
    if (pfn >= a->nframes)
        return PFA_ERR_RANGE;
    uint8_t *map = a->map->data;
    if (map[pfn] == PFA_USED)
        return PFA_ERR_BUSY;
    if (map[pfn] != PFA_FREE)
        return PFA_ERR_RESERVED;
    tmem_touch(a->map, pfn, 1);
    tmem_touch(a->roles, pfn, 1);
    map[pfn] = PFA_USED;
    a->roles->data[pfn] = role_byte(role, ROLE_NONE);
    a->s.nfree--;
    a->s.nused++;
    /* The hint stays right: a frame that stops being free never lowers the
     * lowest free one. */
    return PFA_OK;
}

enum pfa_state pfa_state(const struct pfa *a, uint64_t pfn)
{
    if (pfn >= a->nframes)
        return PFA_RESERVED;
    return (enum pfa_state)a->map->data[pfn];
}

enum frame_role pfa_role(const struct pfa *a, uint64_t pfn)
{
    if (pfn >= a->nframes)
        return ROLE_NONE;
    return (enum frame_role)a->roles->data[pfn];
}

void pfa_set_role(struct pfa *a, uint64_t pfn, enum frame_role role)
{
    if (pfn >= a->nframes || a->map->data[pfn] == PFA_FREE)
        return;
    uint8_t r = role_byte(role, ROLE_NONE);
    if (a->roles->data[pfn] == r)
        return;
    tmem_touch(a->roles, pfn, 1);
    a->roles->data[pfn] = r;
}

struct pfa_stats pfa_stats(const struct pfa *a)
{
    struct pfa_stats st = {
        .total = a->nframes,
        .free = a->s.nfree,
        .used = a->s.nused,
        .reserved = a->s.nreserved,
    };
    return st;
}

const uint8_t *pfa_bytemap(const struct pfa *a)
{
    return a->map->data;
}

const uint8_t *pfa_roles(const struct pfa *a)
{
    return a->roles->data;
}

struct tmem *pfa_tmem_bytemap(struct pfa *a)
{
    return a->map;
}

struct tmem *pfa_tmem_roles(struct pfa *a)
{
    return a->roles;
}

size_t pfa_scalars_size(void)
{
    return sizeof(struct pfa_scalars);
}

void pfa_scalars_save(const struct pfa *a, void *dst)
{
    memcpy(dst, &a->s, sizeof a->s);
}

void pfa_scalars_load(struct pfa *a, const void *src)
{
    memcpy(&a->s, src, sizeof a->s);
    /* A hint past the end (only from a foreign buffer) would be meaningless;
     * 0 is always a correct, if slow, lower bound. */
    if (a->s.hint > a->nframes)
        a->s.hint = 0;
}

const char *pfa_state_name(enum pfa_state s)
{
    switch (s) {
    case PFA_FREE:
        return "free";
    case PFA_USED:
        return "used";
    case PFA_RESERVED:
        return "reserved";
    }
    return "?";
}

const char *pfa_role_name(enum frame_role r)
{
    switch (r) {
    case ROLE_NONE:
        return "none";
    case ROLE_FIRMWARE:
        return "firmware";
    case ROLE_KERNEL:
        return "kernel";
    case ROLE_PML4:
        return "PML4";
    case ROLE_PDPT:
        return "PDPT";
    case ROLE_PD:
        return "PD";
    case ROLE_PT:
        return "PT";
    case ROLE_HEAP:
        return "heap";
    case ROLE_DEVICE:
        return "device";
    case ROLE_COUNT:
        break;
    }
    return "?";
}
