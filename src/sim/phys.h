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
#include <string.h>

#include "limits/limits.h"
#include "tmem.h"

struct phys {
    struct tmem *mem;
    uint64_t size; /* bytes */
};

/* Largest RAM the simulator accepts: 64 GiB (pae and long mode). */
#define PHYS_MAX_SIZE LIMITS_RAM_MAX

/* Creates size bytes of zeroed RAM. size must pass limits_ram (a non-zero
 * multiple of 4 KiB, at most PHYS_MAX_SIZE). Returns NULL otherwise, or
 * when the reservation fails. */
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

/* The host's byte order decides how a little-endian value is assembled:
 * on a little-endian host (x86-64) a memcpy into an integer is the whole
 * conversion and compiles to one load or store; a big-endian host swaps
 * after the copy; a compiler that does not say falls back to bytes. */
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) &&                                 \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define PHYS_HOST_LE 1
#define PHYS_HOST_BE 0
#elif defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__) &&                                  \
    __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ && defined(__GNUC__)
#define PHYS_HOST_LE 0
#define PHYS_HOST_BE 1
#else
#define PHYS_HOST_LE 0
#define PHYS_HOST_BE 0
#endif

/* The little-endian 32-bit value at b (any alignment). */
static inline uint32_t phys_get_le32(const uint8_t *b)
{
#if PHYS_HOST_LE || PHYS_HOST_BE
    uint32_t v;
    memcpy(&v, b, sizeof v);
#if PHYS_HOST_BE
    v = __builtin_bswap32(v);
#endif
    return v;
#else
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
#endif
}

/* The little-endian 64-bit value at b (any alignment). */
static inline uint64_t phys_get_le64(const uint8_t *b)
{
#if PHYS_HOST_LE || PHYS_HOST_BE
    uint64_t v;
    memcpy(&v, b, sizeof v);
#if PHYS_HOST_BE
    v = __builtin_bswap64(v);
#endif
    return v;
#else
    return (uint64_t)phys_get_le32(b) | (uint64_t)phys_get_le32(b + 4) << 32;
#endif
}

/* Writes v at b as 4 little-endian bytes (any alignment). */
static inline void phys_put_le32(uint8_t *b, uint32_t v)
{
#if PHYS_HOST_LE || PHYS_HOST_BE
#if PHYS_HOST_BE
    v = __builtin_bswap32(v);
#endif
    memcpy(b, &v, sizeof v);
#else
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(v >> (8 * i));
#endif
}

/* Writes v at b as 8 little-endian bytes (any alignment). */
static inline void phys_put_le64(uint8_t *b, uint64_t v)
{
#if PHYS_HOST_LE || PHYS_HOST_BE
#if PHYS_HOST_BE
    v = __builtin_bswap64(v);
#endif
    memcpy(b, &v, sizeof v);
#else
    phys_put_le32(b, (uint32_t)v);
    phys_put_le32(b + 4, (uint32_t)(v >> 32));
#endif
}

static inline uint32_t phys_load32(const struct phys *p, uint64_t pa)
{
    if (!phys_contains(p, pa, 4))
        return UINT32_C(0xFFFFFFFF);
    return phys_get_le32(p->mem->data + pa);
}

static inline uint64_t phys_load64(const struct phys *p, uint64_t pa)
{
    if (!phys_contains(p, pa, 8))
        return UINT64_C(0xFFFFFFFFFFFFFFFF);
    return phys_get_le64(p->mem->data + pa);
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
    phys_put_le32(p->mem->data + pa, v);
    return true;
}

static inline bool phys_store64(struct phys *p, uint64_t pa, uint64_t v)
{
    if (!phys_contains(p, pa, 8))
        return false;
    tmem_touch(p->mem, pa, 8);
    phys_put_le64(p->mem->data + pa, v);
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
