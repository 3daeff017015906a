/*
 * tmem.c - tracked memory: copy-on-first-write journaling of 4 KiB chunks,
 * so that replay/ can undo an epoch of changes to the machine's arrays. See
 * tmem.h for the model.
 */
#include "tmem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static size_t chunk_len(const struct tmem *m, uint64_t c);

/* Large buffers are touched a page at a time as the machine runs, and on a
 * virtual machine each first touch of a host page is a costly fault: a
 * buffer of at least HUGE_MIN bytes is aligned to HUGE_SIZE and asks for
 * transparent huge pages, so that one fault maps 2 MiB (memory is still
 * taken only where touched, 2 MiB at a time). Where the host has none, the
 * advice is ignored. */
#define HUGE_SIZE (UINT64_C(2) << 20)
#define HUGE_MIN  (UINT64_C(2) << 20)

/* An anonymous, lazily backed, zeroed mapping of len bytes (a multiple of
 * the chunk size), or NULL. */
static uint8_t *map_buffer(uint64_t len)
{
    const int prot = PROT_READ | PROT_WRITE;
    const int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
#if defined(MADV_HUGEPAGE)
    if (len >= HUGE_MIN) {
        void *p = mmap(NULL, (size_t)(len + HUGE_SIZE), prot, flags, -1, 0);
        if (p != MAP_FAILED) {
            uintptr_t a = (uintptr_t)p;
            uintptr_t start = (a + (uintptr_t)HUGE_SIZE - 1) & ~(uintptr_t)(HUGE_SIZE - 1);
            uintptr_t end = start + (uintptr_t)len;
            if (start > a)
                munmap(p, start - a);
            if (a + (uintptr_t)(len + HUGE_SIZE) > end)
                munmap((void *)end, a + (uintptr_t)(len + HUGE_SIZE) - end);
            madvise((void *)start, (size_t)len, MADV_HUGEPAGE);
            return (uint8_t *)start;
        }
    }
#endif
    void *p = mmap(NULL, (size_t)len, prot, flags, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static uint64_t *bitmap_new(uint64_t nbits)
{
    return calloc((size_t)((nbits + 63) / 64), sizeof(uint64_t));
}

struct tmem *tmem_create(uint64_t size)
{
    if (size == 0 || size > (UINT64_C(1) << 46))
        return NULL;
    uint64_t rounded = (size + TMEM_CHUNK_SIZE - 1) & ~(TMEM_CHUNK_SIZE - 1);
    struct tmem *m = calloc(1, sizeof *m);
    if (m == NULL)
        return NULL;
    uint8_t *p = map_buffer(rounded);
    if (p == NULL) {
        free(m);
        return NULL;
    }
    m->data = p;
    m->size = size;
    m->nchunks = rounded >> TMEM_CHUNK_SHIFT;
    m->dirty = bitmap_new(m->nchunks);
    m->written = bitmap_new(m->nchunks);
    /* One slot per chunk; calloc of a large block is lazily backed, so only
     * the slots an epoch uses cost memory. */
    m->dirty_list = calloc((size_t)m->nchunks, sizeof(uint64_t));
    if (m->dirty == NULL || m->written == NULL || m->dirty_list == NULL) {
        tmem_destroy(m);
        return NULL;
    }
    return m;
}

bool tmem_grow(struct tmem *m, uint64_t size)
{
    if (size <= m->size)
        return true;
    if (m->journal.save != NULL)
        return false;
    struct tmem *n = tmem_create(size);
    if (n == NULL)
        return false;
    /* Only what was ever written differs from the new buffer's zeros. */
    for (uint64_t c = 0; c < m->nchunks; c++) {
        uint64_t bit = UINT64_C(1) << (c & 63);
        if (!(m->written[c >> 6] & bit))
            continue;
        memcpy(n->data + (c << TMEM_CHUNK_SHIFT), m->data + (c << TMEM_CHUNK_SHIFT),
               chunk_len(m, c));
        n->written[c >> 6] |= bit;
    }
    struct tmem old = *m;
    *m = *n;
    *n = old;
    tmem_destroy(n);
    return true;
}

void tmem_destroy(struct tmem *m)
{
    if (m == NULL)
        return;
    if (m->data != NULL)
        munmap(m->data, (size_t)(m->nchunks << TMEM_CHUNK_SHIFT));
    free(m->dirty);
    free(m->written);
    free(m->dirty_list);
    free(m);
}

void tmem_set_journal(struct tmem *m, const struct tmem_journal *j)
{
    if (j == NULL || j->save == NULL) {
        m->journal.save = NULL;
        m->journal.ctx = NULL;
    } else {
        m->journal = *j;
    }
    memset(m->dirty, 0, (size_t)((m->nchunks + 63) / 64) * sizeof(uint64_t));
    m->ndirty = 0;
}

void tmem_epoch(struct tmem *m)
{
    if (m->ndirty == 0)
        return;
    /* Clear only the bits this epoch set (the list holds them): an epoch
     * costs what it changed, not the size of the buffer (a 4 GiB RAM has a
     * 128 KiB dirty bitmap, and replay may end an epoch per operation). */
    for (uint64_t i = 0; i < m->ndirty; i++) {
        uint64_t c = m->dirty_list[i];
        m->dirty[c >> 6] &= ~(UINT64_C(1) << (c & 63));
    }
    m->ndirty = 0;
}

static size_t chunk_len(const struct tmem *m, uint64_t c)
{
    uint64_t start = c << TMEM_CHUNK_SHIFT;
    uint64_t end = start + TMEM_CHUNK_SIZE;
    if (end > m->size)
        end = m->size;
    return (size_t)(end - start);
}

void tmem_touch_slow(struct tmem *m, uint64_t off, uint64_t len)
{
    if (len == 0)
        return;
    uint64_t first = off >> TMEM_CHUNK_SHIFT;
    uint64_t last = (off + len - 1) >> TMEM_CHUNK_SHIFT;
    for (uint64_t c = first; c <= last && c < m->nchunks; c++) {
        uint64_t bit = UINT64_C(1) << (c & 63);
        m->written[c >> 6] |= bit;
        if (m->journal.save == NULL || (m->dirty[c >> 6] & bit))
            continue;
        m->dirty[c >> 6] |= bit;
        m->dirty_list[m->ndirty++] = c;
        m->journal.save(m->journal.ctx, m, c, m->data + (c << TMEM_CHUNK_SHIFT), chunk_len(m, c));
    }
}

void tmem_restore_chunk(struct tmem *m, uint64_t chunk, const uint8_t *data, size_t len)
{
    if (chunk >= m->nchunks)
        return;
    size_t n = chunk_len(m, chunk);
    if (len < n)
        n = len;
    memcpy(m->data + (chunk << TMEM_CHUNK_SHIFT), data, n);
    m->written[chunk >> 6] |= UINT64_C(1) << (chunk & 63);
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != 0)
            return false;
    }
    return true;
}

uint64_t tmem_hash(const struct tmem *m, uint64_t h)
{
    const uint64_t prime = UINT64_C(0x100000001b3);
    if (h == 0)
        h = UINT64_C(0xcbf29ce484222325);
    for (uint64_t c = 0; c < m->nchunks; c++) {
        if (!(m->written[c >> 6] & (UINT64_C(1) << (c & 63))))
            continue;
        const uint8_t *p = m->data + (c << TMEM_CHUNK_SHIFT);
        size_t n = chunk_len(m, c);
        if (all_zero(p, n))
            continue;
        /* Trailing zeros are not hashed: the same contents in a longer
         * buffer (tmem_grow) hash the same. */
        while (p[n - 1] == 0)
            n--;
        for (int i = 0; i < 8; i++) {
            h ^= (c >> (8 * i)) & 0xFF;
            h *= prime;
        }
        for (size_t i = 0; i < n; i++) {
            h ^= p[i];
            h *= prime;
        }
    }
    return h;
}
