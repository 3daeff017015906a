/*
 * bench_translate.c - the cost of one linear-address translation (CONTRACT 5):
 *
 *   translate_tlb_hit_ns     mmu_translate of an address whose page the TLB holds
 *   translate_walk_ns_32     mmu_translate that misses the TLB and walks 2 levels
 *   translate_walk_ns_pae    ... PDPTE register + 2 levels
 *   translate_walk_ns_long   ... 4 levels
 *
 * Each figure is the wall time of millions of mmu_translate calls divided by
 * their number, everything included (TLB lookup, walk, A-bit checks, TLB fill
 * with LRU eviction, choosing the address). The walk benchmarks map 4096 pages
 * and visit them in a scrambled order, over and over, through the default
 * 64-entry 4-way TLB: every set sees 256 pages in turn, so LRU makes every
 * access a miss (the program checks this with the TLB's counters). No event
 * sink is attached, as in a headless replay.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "sim/cpu.h"
#include "sim/mmu.h"
#include "sim/phys.h"
#include "sim/tlb.h"
#include "sim/x86.h"

#define RAM_SIZE   (UINT64_C(64) << 20)
#define NPAGES     4096u                /* 16 MiB of mapped pages */
#define DATA_BASE  (UINT64_C(32) << 20) /* frames of the mapped pages */
#define TABLE_BASE UINT64_C(0x100000)   /* page tables from here */
#define FLAGS      (X86_PTE_P | X86_PTE_RW)

#define HIT_ITERS  (40u * 1000 * 1000)
#define WALK_ITERS (10u * 1000 * 1000)

struct rig {
    struct phys *ph;
    struct cpu cpu;
    struct tlb *tlb;
    struct mmu m;
    uint64_t va_base;
};

/* Page k of the walk set, in a scrambled but complete order (odd multiplier). */
static inline uint64_t page_va(const struct rig *r, unsigned i)
{
    return r->va_base + ((uint64_t)((i * 2654435761u) & (NPAGES - 1)) << X86_PAGE_SHIFT);
}

/* 32-bit paging: PD at TABLE_BASE, PTs after it; va_base 0x40000000. */
static void map_32(struct rig *r)
{
    uint64_t pd = TABLE_BASE;
    r->va_base = 0x40000000;
    for (unsigned k = 0; k < NPAGES; k++) {
        uint64_t va = r->va_base + ((uint64_t)k << X86_PAGE_SHIFT);
        uint64_t pt = pd + X86_PAGE_SIZE * (1 + (k >> 10));
        phys_store32(r->ph, pd + 4 * ((va >> 22) & 1023), (uint32_t)(pt | FLAGS));
        phys_store32(r->ph, pt + 4 * ((va >> 12) & 1023),
                     (uint32_t)((DATA_BASE + ((uint64_t)k << 12)) | FLAGS));
    }
    r->cpu.cr3 = pd;
    r->cpu.cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_PG;
}

/* PAE paging: PDPT at TABLE_BASE, PD after it, PTs after that; va_base 0x40000000. */
static void map_pae(struct rig *r)
{
    uint64_t pdpt = TABLE_BASE;
    uint64_t pd = pdpt + X86_PAGE_SIZE;
    r->va_base = 0x40000000;
    for (unsigned k = 0; k < NPAGES; k++) {
        uint64_t va = r->va_base + ((uint64_t)k << X86_PAGE_SHIFT);
        uint64_t pt = pd + X86_PAGE_SIZE * (1 + (k >> 9));
        phys_store64(r->ph, pd + 8 * ((va >> 21) & 511), pt | FLAGS);
        phys_store64(r->ph, pt + 8 * ((va >> 12) & 511), (DATA_BASE + ((uint64_t)k << 12)) | FLAGS);
    }
    phys_store64(r->ph, pdpt + 8, pd | X86_PTE_P);
    r->cpu.cr3 = pdpt;
    r->cpu.cr4 = X86_CR4_PAE;
    r->cpu.pdpte[1] = pd | X86_PTE_P; /* what the CR3 load would have loaded */
    r->cpu.cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_PG;
}

/* 4-level paging: PML4, PDPT, PD, PTs from TABLE_BASE; va_base in the high half. */
static void map_long(struct rig *r)
{
    uint64_t pml4 = TABLE_BASE;
    uint64_t pdpt = pml4 + X86_PAGE_SIZE;
    uint64_t pd = pdpt + X86_PAGE_SIZE;
    r->va_base = UINT64_C(0xFFFF800040000000);
    for (unsigned k = 0; k < NPAGES; k++) {
        uint64_t va = r->va_base + ((uint64_t)k << X86_PAGE_SHIFT);
        uint64_t pt = pd + X86_PAGE_SIZE * (1 + (k >> 9));
        phys_store64(r->ph, pd + 8 * ((va >> 21) & 511), pt | FLAGS);
        phys_store64(r->ph, pt + 8 * ((va >> 12) & 511), (DATA_BASE + ((uint64_t)k << 12)) | FLAGS);
    }
    phys_store64(r->ph, pml4 + 8 * ((r->va_base >> 39) & 511), pdpt | FLAGS);
    phys_store64(r->ph, pdpt + 8 * ((r->va_base >> 30) & 511), pd | FLAGS);
    r->cpu.cr3 = pml4;
    r->cpu.cr4 = X86_CR4_PAE;
    r->cpu.efer = X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE;
    r->cpu.cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_PG;
}

static bool rig_init(struct rig *r, void (*map)(struct rig *))
{
    r->ph = phys_create(RAM_SIZE);
    r->tlb = tlb_create(64, 4);
    if (r->ph == NULL || r->tlb == NULL)
        return false;
    cpu_reset(&r->cpu, X86_MAXPHYADDR_DEFAULT);
    map(r);
    r->m.phys = r->ph;
    r->m.cpu = &r->cpu;
    r->m.tlb = r->tlb;
    r->m.sink = NULL;
    return true;
}

static void rig_fini(struct rig *r)
{
    tlb_destroy(r->tlb);
    phys_destroy(r->ph);
}

/* ns per translation of the walk set, every one a miss; false on a bad result. */
static bool bench_walk(const char *name, void (*map)(struct rig *))
{
    struct rig r;
    if (!rig_init(&r, map))
        return false;
    struct mmu_request rq = {0, MMU_READ, false, false};
    struct mmu_result res;
    unsigned long long sum = 0;
    /* Warm-up: sets every Accessed bit, so the timed loop writes no entry. */
    for (unsigned i = 0; i < NPAGES; i++) {
        rq.va = page_va(&r, i);
        if (!mmu_translate(&r.m, &rq, &res)) {
            fprintf(stderr, "%s: translation of %#llx failed\n", name, (unsigned long long)rq.va);
            rig_fini(&r);
            return false;
        }
    }
    struct tlb_stats s0 = tlb_stats(r.tlb);
    double t0 = bench_now_ns();
    for (unsigned i = 0; i < WALK_ITERS; i++) {
        rq.va = page_va(&r, i) | (i & 0xFF8);
        mmu_translate(&r.m, &rq, &res);
        sum += res.pa;
    }
    double t1 = bench_now_ns();
    struct tlb_stats s1 = tlb_stats(r.tlb);
    bench_keep(sum);
    rig_fini(&r);
    if (s1.misses - s0.misses != WALK_ITERS || s1.hits != s0.hits) {
        fprintf(stderr, "%s: expected %u misses, got %llu (hits %llu)\n", name, WALK_ITERS,
                (unsigned long long)(s1.misses - s0.misses),
                (unsigned long long)(s1.hits - s0.hits));
        return false;
    }
    bench_report(name, (t1 - t0) / WALK_ITERS, "ns");
    return true;
}

/* ns per translation that hits: 16 pages the TLB holds, visited in turn. */
static bool bench_hit(void)
{
    struct rig r;
    if (!rig_init(&r, map_long))
        return false;
    struct mmu_request rq = {0, MMU_READ, false, false};
    struct mmu_result res;
    unsigned long long sum = 0;
    for (unsigned i = 0; i < 16; i++) {
        rq.va = r.va_base + ((uint64_t)i << X86_PAGE_SHIFT);
        mmu_translate(&r.m, &rq, &res);
    }
    struct tlb_stats s0 = tlb_stats(r.tlb);
    double t0 = bench_now_ns();
    for (unsigned i = 0; i < HIT_ITERS; i++) {
        rq.va = r.va_base + ((uint64_t)(i & 15) << X86_PAGE_SHIFT) + (i & 0xFF8);
        mmu_translate(&r.m, &rq, &res);
        sum += res.pa;
    }
    double t1 = bench_now_ns();
    struct tlb_stats s1 = tlb_stats(r.tlb);
    bench_keep(sum);
    rig_fini(&r);
    if (s1.hits - s0.hits != HIT_ITERS) {
        fprintf(stderr, "translate_tlb_hit_ns: expected %u hits, got %llu\n", HIT_ITERS,
                (unsigned long long)(s1.hits - s0.hits));
        return false;
    }
    bench_report("translate_tlb_hit_ns", (t1 - t0) / HIT_ITERS, "ns");
    return true;
}

int main(void)
{
    bool ok = bench_hit();
    ok = bench_walk("translate_walk_ns_32", map_32) && ok;
    ok = bench_walk("translate_walk_ns_pae", map_pae) && ok;
    ok = bench_walk("translate_walk_ns_long", map_long) && ok;
    return ok ? 0 : 1;
}
