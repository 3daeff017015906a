/*
 * pagemap.c - reverse lookup of a frame through the paging structures (see
 * pagemap.h). The walk is sim's read-only paging_scan (sim/paging.h): depth
 * first over present entries, top level first, in index order, so hits come
 * out in linear-address order. Here is only what a hit is: a leaf entry (a
 * PTE or a large page, SDM 4.3-4.5) whose range of frames holds pfn, or an
 * entry pointing at a table that lives in pfn.
 */
#include "pagemap.h"

#include "sim/paging.h"
#include "sim/x86.h"

struct find {
    const struct fmt_mode *m;
    uint64_t pfn;
    struct pagemap_hit *out;
    size_t max, n;
    bool more;
};

static void add(struct find *f, uint64_t va, uint8_t kind)
{
    if (f->n < f->max)
        f->out[f->n++] = (struct pagemap_hit){va, kind};
    else
        f->more = true;
}

static void visit(void *ctx, const struct paging_visit *v)
{
    struct find *f = ctx;
    uint64_t first = v->addr >> X86_PAGE_SHIFT;
    if (v->leaf) {
        uint64_t count = paging_span(f->m->g, v->depth) >> X86_PAGE_SHIFT;
        if (f->pfn >= first && f->pfn - first < count)
            add(f, v->va + ((f->pfn - first) << X86_PAGE_SHIFT), 0);
    } else if (first == f->pfn) {
        add(f, v->va, (uint8_t)(1 + f->m->g->lv[v->depth + 1].level));
    }
}

size_t pagemap_find(const struct phys *p, const struct fmt_mode *m, uint64_t root,
                    unsigned maxphyaddr, uint64_t pfn, struct pagemap_hit *out, size_t max,
                    uint64_t budget, bool *more)
{
    struct find f = {m, pfn, out, max, 0, false};
    if ((root >> X86_PAGE_SHIFT) == pfn)
        add(&f, 0, (uint8_t)(1 + m->g->lv[0].level));
    if (!paging_scan(p, m->g, root, maxphyaddr, budget ? budget : UINT64_C(4) << 20, visit, &f))
        f.more = true;
    if (more != NULL)
        *more = f.more;
    return f.n;
}
