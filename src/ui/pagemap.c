/*
 * pagemap.c - reverse lookup of a frame through the paging structures (see
 * pagemap.h). A depth-first walk over present entries, top level first, in
 * index order, so hits come out in linear-address order. Leaf entries (PTEs
 * and large pages, SDM 4.3-4.5) map a range of frames; other entries point
 * to the next table.
 */
#include "pagemap.h"

#include "sim/phys.h"
#include "sim/x86.h"

struct walk {
    const struct phys *p;
    const struct fmt_mode *m;
    unsigned maxphyaddr;
    uint64_t pfn;
    struct pagemap_hit *out;
    size_t max, n;
    uint64_t budget;
    bool more;
};

static void add(struct walk *w, uint64_t va, uint8_t kind)
{
    if (w->n < w->max)
        w->out[w->n++] = (struct pagemap_hit){va, kind};
    else
        w->more = true;
}

static void walk_table(struct walk *w, unsigned depth, uint64_t table, uint64_t base)
{
    const struct fmt_mode *m = w->m;
    enum walk_level lvl = (enum walk_level)m->level[depth];
    uint64_t span = UINT64_C(1) << m->shift[depth];
    for (unsigned i = 0; i < m->nentries[depth]; i++) {
        if (w->budget == 0) {
            w->more = true;
            return;
        }
        w->budget--;
        uint64_t ea = table + (uint64_t)i * m->entry_bytes;
        uint64_t e = m->entry_bytes == 4 ? phys_load32(w->p, ea) : phys_load64(w->p, ea);
        if (!(e & X86_PTE_P))
            continue;
        uint64_t addr = fmt_entry_addr(m, lvl, e, w->maxphyaddr);
        uint64_t va = fmt_entry_va(m, lvl, base, i);
        if (fmt_entry_is_leaf(m, lvl, e)) {
            uint64_t first = addr >> X86_PAGE_SHIFT;
            uint64_t count = span >> X86_PAGE_SHIFT;
            if (w->pfn >= first && w->pfn - first < count)
                add(w, va + ((w->pfn - first) << X86_PAGE_SHIFT), 0);
            continue;
        }
        if (depth + 1 >= m->levels || depth + 1 >= sizeof m->level / sizeof m->level[0])
            continue;
        if ((addr >> X86_PAGE_SHIFT) == w->pfn)
            add(w, va, (uint8_t)(1 + m->level[depth + 1]));
        walk_table(w, depth + 1, addr, va);
    }
}

size_t pagemap_find(const struct phys *p, const struct fmt_mode *m, uint64_t root,
                    unsigned maxphyaddr, uint64_t pfn, struct pagemap_hit *out, size_t max,
                    uint64_t budget, bool *more)
{
    struct walk w = {p,    m, maxphyaddr, pfn, out, max, 0, budget ? budget : UINT64_C(4) << 20,
                     false};
    if ((root >> X86_PAGE_SHIFT) == pfn)
        add(&w, 0, (uint8_t)(1 + m->level[0]));
    walk_table(&w, 0, root, 0);
    if (more != NULL)
        *more = w.more;
    return w.n;
}
