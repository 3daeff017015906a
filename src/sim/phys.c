/*
 * phys.c - the simulated physical RAM: a lazily reserved byte array over a
 * tracked buffer (tmem), so that step-back can undo what a step wrote.
 */
#include "phys.h"

#include <stdlib.h>
#include <string.h>

#include "x86.h"

struct phys *phys_create(uint64_t size)
{
    if (limits_ram(size).rule != LIMITS_OK)
        return NULL;
    struct phys *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->mem = tmem_create(size);
    if (p->mem == NULL) {
        free(p);
        return NULL;
    }
    p->size = size;
    return p;
}

void phys_destroy(struct phys *p)
{
    if (p == NULL)
        return;
    tmem_destroy(p->mem);
    free(p);
}

bool phys_read(const struct phys *p, uint64_t pa, void *buf, size_t len)
{
    if (!phys_contains(p, pa, len))
        return false;
    if (len != 0)
        memcpy(buf, p->mem->data + pa, len);
    return true;
}

bool phys_write(struct phys *p, uint64_t pa, const void *buf, size_t len)
{
    if (!phys_contains(p, pa, len))
        return false;
    if (len != 0) {
        tmem_touch(p->mem, pa, len);
        memcpy(p->mem->data + pa, buf, len);
    }
    return true;
}

bool phys_fill(struct phys *p, uint64_t pa, uint8_t byte, uint64_t len)
{
    if (!phys_contains(p, pa, len))
        return false;
    if (len != 0) {
        tmem_touch(p->mem, pa, len);
        memset(p->mem->data + pa, byte, (size_t)len);
    }
    return true;
}
