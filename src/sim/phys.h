/*
 * phys.h - the simulated physical RAM.
 *
 * One byte array of RAM-size bytes (a multiple of 4 KiB), reserved lazily so
 * that a 4 GiB machine costs nothing until touched. Page tables, heap
 * metadata and heap data all live here, and every module reaches them only
 * through these little-endian loads and stores (blink's Get32, QEMU's
 * ldl_p): never by casting a byte pointer to a wider type.
 *
 * Accesses are bounds-checked. Outside RAM, as on a PC bus with nothing
 * behind an address, loads return all ones and stores are dropped; the
 * checked variants (phys_read, phys_write) say so instead.
 */
#ifndef PAGESIM_SIM_PHYS_H
#define PAGESIM_SIM_PHYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tmem.h"

struct phys {
    struct tmem *mem;
    uint64_t size; /* bytes */
};

/* Largest RAM the simulator accepts: 64 GiB (pae and long mode). */
#define PHYS_MAX_SIZE (UINT64_C(64) << 30)

/* Creates size bytes of zeroed RAM. size must be a non-zero multiple of
 * 4 KiB and at most PHYS_MAX_SIZE. Returns NULL otherwise, or when the
 * reservation fails. */
struct phys *phys_create(uint64_t size);

/* Frees the RAM. NULL is allowed. */
void phys_destroy(struct phys *p);

static inline uint64_t phys_size(const struct phys *p)
{
    return p->size;
}

/* True when [pa, pa+len) lies inside RAM. */
static inline bool phys_contains(const struct phys *p, uint64_t pa, uint64_t len)
{
    return pa <= p->size && len <= p->size - pa;
}

static inline uint8_t phys_load8(const struct phys *p, uint64_t pa)
{
    return phys_contains(p, pa, 1) ? p->mem->data[pa] : 0xFF;
}

static inline uint32_t phys_load32(const struct phys *p, uint64_t pa)
{
    if (!phys_contains(p, pa, 4))
        return UINT32_C(0xFFFFFFFF);
    const uint8_t *b = p->mem->data + pa;
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static inline uint64_t phys_load64(const struct phys *p, uint64_t pa)
{
    if (!phys_contains(p, pa, 8))
        return UINT64_C(0xFFFFFFFFFFFFFFFF);
    const uint8_t *b = p->mem->data + pa;
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | b[i];
    return v;
}

/* Stores return false, changing nothing, when the range is outside RAM. */
static inline bool phys_store8(struct phys *p, uint64_t pa, uint8_t v)
{
    if (!phys_contains(p, pa, 1))
        return false;
    tmem_touch(p->mem, pa, 1);
    p->mem->data[pa] = v;
    return true;
}

static inline bool phys_store32(struct phys *p, uint64_t pa, uint32_t v)
{
    if (!phys_contains(p, pa, 4))
        return false;
    tmem_touch(p->mem, pa, 4);
    uint8_t *b = p->mem->data + pa;
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    return true;
}

static inline bool phys_store64(struct phys *p, uint64_t pa, uint64_t v)
{
    if (!phys_contains(p, pa, 8))
        return false;
    tmem_touch(p->mem, pa, 8);
    uint8_t *b = p->mem->data + pa;
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    return true;
}

/* Copies len bytes at pa into buf. Returns false, copying nothing, when the
 * range is outside RAM. */
bool phys_read(const struct phys *p, uint64_t pa, void *buf, size_t len);

/* Copies len bytes from buf to pa. Returns false, changing nothing, when the
 * range is outside RAM. */
bool phys_write(struct phys *p, uint64_t pa, const void *buf, size_t len);

/* Sets len bytes at pa to byte. Returns false, changing nothing, when the
 * range is outside RAM. */
bool phys_fill(struct phys *p, uint64_t pa, uint8_t byte, uint64_t len);

/* The bytes of RAM, read-only, for views, hashing and --save-ram. */
static inline const uint8_t *phys_bytes(const struct phys *p)
{
    return p->mem->data;
}

#endif
