/*
 * pagemap.h - which linear addresses map a frame: a reverse lookup done by
 * walking every present entry of the paging structures from CR3, through
 * phys's loads (the frames view shows it under the cursor). Pure: reads the
 * simulated RAM, changes nothing.
 */
#ifndef PAGESIM_UI_PAGEMAP_H
#define PAGESIM_UI_PAGEMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fmt.h"

struct phys;

/* One way a frame is reached from CR3. */
struct pagemap_hit {
    uint64_t va;  /* linear address of the frame's first byte (page), or
                        the first linear address the table serves */
    uint8_t kind; /* 0: a page frame mapped at va; 1 + enum walk_level: a
                        paging structure whose entries are at that level */
};

/* Walks the structures of mode m from the top-level table at root (physical
 * address) and writes up to max hits for frame pfn, in linear-address order,
 * to out. Stops after visiting `budget` entries (0: 4 Mi) and sets *more
 * when hits or entries were left unvisited. Returns the number written.
 * Tables are read through phys_load32/64 (out-of-RAM reads give all ones and
 * are not followed further than the four levels). Can't fail. */
size_t pagemap_find(const struct phys *p, const struct fmt_mode *m, uint64_t root,
                    unsigned maxphyaddr, uint64_t pfn, struct pagemap_hit *out, size_t max,
                    uint64_t budget, bool *more);

#endif
