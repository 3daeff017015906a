/*
 * test_mmu.c - the page walk of sim/mmu.c against the Intel SDM Vol. 3A
 * chapter 4, bit for bit: the steps of each mode and page size (4.3-4.5),
 * the rights of 4.6, the error code and CR2 of 4.7, Accessed and Dirty of
 * 4.8, the TLB's caching and staleness of 4.10, and a differential test of
 * TLB-cached translation against the side-effect-free probe.
 *
 * Page tables are built by hand with phys_store32/64 in a 32 MiB machine; the
 * registers are set directly (struct cpu is transparent), so the walk is
 * tested apart from cpu.c's write side effects. Expected values are literals
 * worked out from the SDM's tables, not computed from the code under test.
 */
#include "helpers.h"

#include <stdbool.h>
#include <stdio.h>

#include "sim/cpu.h"
#include "sim/mmu.h"
#include "sim/phys.h"
#include "sim/tlb.h"
#include "sim/x86.h"

#define RAM_SIZE (UINT64_C(32) << 20)

/* Entry flags spelled out, as the tables would be written by hand. */
#define P  UINT64_C(0x001)
#define RW UINT64_C(0x002)
#define US UINT64_C(0x004)
#define A  UINT64_C(0x020)
#define D  UINT64_C(0x040)
#define PS UINT64_C(0x080)
#define G  UINT64_C(0x100)
#define XD (UINT64_C(1) << 63)

struct fx {
    struct phys *ph;
    struct cpu cpu;
    struct tlb *tlb;
    struct recorder rec;
    struct event_sink sink;
    struct mmu m;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    f->ph = phys_create(RAM_SIZE);
    f->tlb = tlb_create(64, 4);
    if (f->ph == NULL || f->tlb == NULL)
        return -1;
    cpu_reset(&f->cpu, X86_MAXPHYADDR_DEFAULT);
    f->sink = recorder_sink(&f->rec);
    f->m.phys = f->ph;
    f->m.cpu = &f->cpu;
    f->m.tlb = f->tlb;
    f->m.sink = &f->sink;
    tlb_set_sink(f->tlb, &f->sink);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    tlb_destroy(f->tlb);
    phys_destroy(f->ph);
    free(f);
    return 0;
}

static void st32(struct fx *f, uint64_t pa, uint64_t v)
{
    assert_true(phys_store32(f->ph, pa, (uint32_t)v));
}

static void st64(struct fx *f, uint64_t pa, uint64_t v)
{
    assert_true(phys_store64(f->ph, pa, v));
}

static uint64_t ld32(struct fx *f, uint64_t pa)
{
    return phys_load32(f->ph, pa);
}

static uint64_t ld64(struct fx *f, uint64_t pa)
{
    return phys_load64(f->ph, pa);
}

/* 32-bit paging, CR3 = 0x1000; with or without CR4.PSE. */
static void mode_32(struct fx *f, bool pse)
{
    f->cpu.cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_PG;
    f->cpu.cr3 = 0x1000;
    f->cpu.cr4 = pse ? X86_CR4_PSE : 0;
    f->cpu.efer = 0;
}

/* PAE paging, CR3 = 0x3020 (32-byte aligned, not page aligned). */
static void mode_pae(struct fx *f, bool nxe)
{
    f->cpu.cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_PG;
    f->cpu.cr3 = 0x3020;
    f->cpu.cr4 = X86_CR4_PAE;
    f->cpu.efer = nxe ? X86_EFER_NXE : 0;
}

/* 4-level paging, CR3 = 0x10000. */
static void mode_long(struct fx *f, bool nxe)
{
    f->cpu.cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_PG;
    f->cpu.cr3 = 0x10000;
    f->cpu.cr4 = X86_CR4_PAE;
    f->cpu.efer = X86_EFER_LME | X86_EFER_LMA | (nxe ? X86_EFER_NXE : 0);
}

static bool tr(struct fx *f, uint64_t va, enum mmu_access a, bool user, struct mmu_result *r)
{
    struct mmu_request rq = {va, a, user, false};
    memset(r, 0xA5, sizeof *r); /* garbage in: the result must be filled */
    return mmu_translate(&f->m, &rq, r);
}

static bool probe(struct fx *f, uint64_t va, enum mmu_access a, bool user, struct mmu_result *r)
{
    struct mmu_request rq = {va, a, user, true};
    memset(r, 0x5A, sizeof *r);
    return mmu_translate(&f->m, &rq, r);
}

static void assert_step(const struct walk_step *s, enum walk_level lvl, unsigned index,
                        uint64_t table, uint64_t entry_addr, uint64_t entry)
{
    assert_int_equal(s->level, lvl);
    assert_int_equal(s->index, index);
    assert_hex_equal(s->table, table);
    assert_hex_equal(s->entry_addr, entry_addr);
    assert_hex_equal(s->entry, entry);
}

static void assert_pf(const struct fx *f, const struct mmu_result *r, uint64_t va, uint32_t code,
                      enum fault_reason why)
{
    assert_int_equal(r->fault.vector, 14);
    assert_hex_equal(r->fault.error_code, code);
    assert_int_equal(r->fault.reason, why);
    assert_hex_equal(r->fault.addr, va);
    assert_hex_equal(f->cpu.cr2, va);
}

/* --- 32-bit paging (SDM 4.3) --- */

/* va 0x00403ABC: PDE index 1, PTE index 3, offset 0xABC. */
static void build_32_4k(struct fx *f, uint64_t pde_flags, uint64_t pte_flags)
{
    st32(f, 0x1004, 0x2000 | pde_flags);
    st32(f, 0x200C, 0x5000 | pte_flags);
}

static void walk32_4k_page_reports_pde_then_pte(void **state)
{
    struct fx *f = *state;
    mode_32(f, false);
    build_32_4k(f, P | RW | US, P | RW | US);
    struct mmu_result r;
    assert_true(tr(f, 0x00403ABC, MMU_READ, false, &r));
    assert_hex_equal(r.pa, 0x5ABC);
    assert_hex_equal(r.page_size, 0x1000);
    assert_false(r.tlb_hit);
    assert_int_equal(r.nsteps, 2);
    assert_step(&r.steps[0], LVL_PDE, 1, 0x1000, 0x1004, 0x2007);
    assert_step(&r.steps[1], LVL_PTE, 3, 0x2000, 0x200C, 0x5007);
    assert_int_equal(r.fault.vector, 0);
    assert_int_equal(r.rights, TLB_F_RW | TLB_F_US);
}

static void walk32_pse_4m_page_uses_pde_only(void **state)
{
    struct fx *f = *state;
    mode_32(f, true);
    /* va 0x00C12345: PDE index 3 -> 4 MiB page at 0x00800000. */
    st32(f, 0x100C, 0x00800000 | PS | P | RW);
    struct mmu_result r;
    assert_true(tr(f, 0x00C12345, MMU_READ, false, &r));
    assert_hex_equal(r.pa, 0x00812345);
    assert_hex_equal(r.page_size, 0x400000);
    assert_int_equal(r.nsteps, 1);
    assert_step(&r.steps[0], LVL_PDE, 3, 0x1000, 0x100C, 0x00800083);
}

static void walk32_pse36_4m_page_reaches_above_4g(void **state)
{
    struct fx *f = *state;
    mode_32(f, true);
    /* PDE bits 20:13 = 0x12 are PA bits 39:32; bits 31:22 = 0x00400000. */
    st32(f, 0x1000, 0x00400000 | (UINT64_C(0x12) << 13) | PS | P | RW);
    st32(f, 0x1004, 0x00400000 | (UINT64_C(0xFF) << 13) | PS | P | RW);
    struct mmu_result r;
    assert_true(tr(f, 0x00123456, MMU_READ, false, &r));
    assert_hex_equal(r.pa, UINT64_C(0x1200523456));
    assert_true(tr(f, 0x00765432, MMU_WRITE, false, &r));
    assert_hex_equal(r.pa, UINT64_C(0xFF00765432));
    /* The TLB keeps the high bits too. */
    assert_true(tr(f, 0x00123457, MMU_READ, false, &r));
    assert_true(r.tlb_hit);
    assert_hex_equal(r.pa, UINT64_C(0x1200523457));
}

static void walk32_pde_ps_ignored_without_cr4_pse(void **state)
{
    struct fx *f = *state;
    mode_32(f, false);
    /* PS=1 and bit 21 set: with CR4.PSE=0 both mean nothing, the PDE points to a PT. */
    st32(f, 0x1004, 0x2000 | PS | P | RW);
    st32(f, 0x200C, 0x5000 | P | RW);
    struct mmu_result r;
    assert_true(tr(f, 0x00403ABC, MMU_READ, false, &r));
    assert_hex_equal(r.pa, 0x5ABC);
    assert_hex_equal(r.page_size, 0x1000);
    assert_int_equal(r.nsteps, 2);
    assert_hex_equal(r.steps[1].table, 0x2000);
}

static void walk32_4m_pde_bit21_is_reserved(void **state)
{
    struct fx *f = *state;
    mode_32(f, true);
    st32(f, 0x1000, 0x00400000 | (UINT64_C(1) << 21) | PS | P | RW | US);
    struct mmu_result r;
    assert_false(tr(f, 0x00001234, MMU_WRITE, true, &r));
    assert_pf(f, &r, 0x1234, X86_PF_P | X86_PF_RSVD | X86_PF_W | X86_PF_U, FAULT_RESERVED_BIT);
    /* The faulting entry got no Accessed bit. */
    assert_hex_equal(ld32(f, 0x1000) & A, 0);
}

static void walk32_4m_pa_bits_at_or_above_maxphyaddr_are_reserved(void **state)
{
    struct fx *f = *state;
    mode_32(f, true);
    f->cpu.maxphyaddr = 36;
    /* PA bit 35 (entry bit 16) is fine with M = 36; PA bit 36 (entry bit 17) is not. */
    st32(f, 0x1000, 0x00400000 | (UINT64_C(1) << 16) | PS | P);
    st32(f, 0x1004, 0x00400000 | (UINT64_C(1) << 17) | PS | P);
    struct mmu_result r;
    assert_true(tr(f, 0x00000010, MMU_READ, false, &r));
    assert_hex_equal(r.pa, UINT64_C(0x800400010));
    assert_false(tr(f, 0x00400010, MMU_READ, false, &r));
    assert_pf(f, &r, 0x00400010, X86_PF_P | X86_PF_RSVD, FAULT_RESERVED_BIT);
    /* Bit 21 stays reserved with any M. */
    st32(f, 0x1008, 0x00400000 | (UINT64_C(1) << 21) | PS | P);
    assert_false(tr(f, 0x00800010, MMU_READ, false, &r));
    assert_pf(f, &r, 0x00800010, X86_PF_P | X86_PF_RSVD, FAULT_RESERVED_BIT);
    /* With M = 40 the same entry is legal. */
    f->cpu.maxphyaddr = 40;
    assert_true(tr(f, 0x00400010, MMU_READ, false, &r));
    assert_hex_equal(r.pa, UINT64_C(0x1000400010));
}

static void walk32_fetch_is_checked_like_a_read(void **state)
{
    struct fx *f = *state;
    mode_32(f, false);
    f->cpu.efer = X86_EFER_NXE; /* no XD in 32-bit paging, NXE or not */
    build_32_4k(f, P | RW | US, P | US);
    struct mmu_result r;
    assert_true(tr(f, 0x00403000, MMU_EXEC, true, &r));
    assert_hex_equal(r.pa, 0x5000);
    /* A fetch from a not-present page: no I/D bit in 32-bit paging (SDM 4.7). */
    assert_false(tr(f, 0x00800000, MMU_EXEC, true, &r));
    assert_pf(f, &r, 0x00800000, X86_PF_U, FAULT_NOT_PRESENT);
}

static void walk32_truncates_linear_address_to_32_bits(void **state)
{
    struct fx *f = *state;
    mode_32(f, false);
    build_32_4k(f, P | RW, P | RW);
    struct mmu_result r;
    assert_true(tr(f, UINT64_C(0x700403ABC), MMU_READ, false, &r));
    assert_hex_equal(r.pa, 0x5ABC);
}

/* --- PAE paging (SDM 4.4) --- */

/* va 0xC0403ABC: PDPTE 3, PDE 2, PTE 3. PD at 0x4000, PT at 0x6000, page 0x9000. */
static void build_pae_4k(struct fx *f, uint64_t pde_flags, uint64_t pte_flags)
{
    f->cpu.pdpte[3] = 0x4000 | P;
    st64(f, 0x4010, 0x6000 | pde_flags);
    st64(f, 0x6018, 0x9000 | pte_flags);
}

static void walk_pae_4k_page_uses_pdpte_register(void **state)
{
    struct fx *f = *state;
    mode_pae(f, false);
    build_pae_4k(f, P | RW | US, P | RW | US);
    st64(f, 0x3038, 0); /* the PDPT in RAM says not present: the register rules */
    struct mmu_result r;
    assert_true(tr(f, 0xC0403ABC, MMU_READ, false, &r));
    assert_hex_equal(r.pa, 0x9ABC);
    assert_hex_equal(r.page_size, 0x1000);
    assert_int_equal(r.nsteps, 3);
    assert_step(&r.steps[0], LVL_PDPTE, 3, 0x3020, 0x3038, 0x4001);
    assert_step(&r.steps[1], LVL_PDE, 2, 0x4000, 0x4010, 0x6007);
    assert_step(&r.steps[2], LVL_PTE, 3, 0x6000, 0x6018, 0x9007);
    /* No A bit in a PDPTE: neither the register nor RAM changes. */
    assert_hex_equal(f->cpu.pdpte[3], 0x4001);
    assert_hex_equal(ld64(f, 0x3038), 0);
    assert_hex_equal(ld64(f, 0x4010), 0x6027);
    assert_hex_equal(ld64(f, 0x6018), 0x9027);
}

static void walk_pae_2m_page(void **state)
{
    struct fx *f = *state;
    mode_pae(f, false);
    f->cpu.pdpte[1] = 0x4000 | P;
    /* va 0x40A12345: PDPTE 1, PDE 5 -> 2 MiB page at 0x3_0060_0000 (above 4 GiB). */
    st64(f, 0x4028, UINT64_C(0x300600000) | PS | P | RW | X86_PDE_PAT_LARGE);
    struct mmu_result r;
    assert_true(tr(f, 0x40A12345, MMU_READ, false, &r));
    assert_hex_equal(r.pa, UINT64_C(0x300612345));
    assert_hex_equal(r.page_size, 0x200000);
    assert_int_equal(r.nsteps, 2);
    assert_step(&r.steps[1], LVL_PDE, 5, 0x4000, 0x4028,
                UINT64_C(0x300600000) | PS | P | RW | X86_PDE_PAT_LARGE);
}

static void walk_pae_2m_page_low_address_bits_are_reserved(void **state)
{
    struct fx *f = *state;
    mode_pae(f, false);
    f->cpu.pdpte[0] = 0x4000 | P;
    st64(f, 0x4000, 0x00600000 | (UINT64_C(1) << 13) | PS | P | RW);
    struct mmu_result r;
    assert_false(tr(f, 0x00001000, MMU_READ, false, &r));
    assert_pf(f, &r, 0x1000, X86_PF_P | X86_PF_RSVD, FAULT_RESERVED_BIT);
    st64(f, 0x4000, 0x00600000 | (UINT64_C(1) << 20) | PS | P | RW);
    assert_false(tr(f, 0x00002000, MMU_READ, false, &r));
    assert_int_equal(r.fault.reason, FAULT_RESERVED_BIT);
}

static void walk_pae_xd_is_reserved_without_nxe(void **state)
{
    struct fx *f = *state;
    mode_pae(f, false);
    build_pae_4k(f, P | RW, P | RW | XD);
    struct mmu_result r;
    assert_false(tr(f, 0xC0403000, MMU_READ, false, &r));
    assert_pf(f, &r, 0xC0403000, X86_PF_P | X86_PF_RSVD, FAULT_RESERVED_BIT);
    /* The non-leaf PDE was fine, so it got A; the reserved PTE did not. */
    assert_hex_equal(ld64(f, 0x4010), 0x6000 | P | RW | A);
    assert_hex_equal(ld64(f, 0x6018), 0x9000 | P | RW | XD);
    /* With NXE the same tables translate; a read of an XD page is allowed. */
    f->cpu.efer = X86_EFER_NXE;
    assert_true(tr(f, 0xC0403000, MMU_READ, false, &r));
    assert_hex_equal(r.pa, 0x9000);
    assert_int_equal(r.rights, TLB_F_RW | TLB_F_XD);
}

static void walk_pae_not_present_pdpte_faults(void **state)
{
    struct fx *f = *state;
    mode_pae(f, true);
    f->cpu.pdpte[2] = 0x4000; /* P = 0 */
    struct mmu_result r;
    assert_false(tr(f, 0x80000123, MMU_EXEC, false, &r));
    assert_pf(f, &r, 0x80000123, X86_PF_ID, FAULT_NOT_PRESENT);
    assert_int_equal(r.nsteps, 1);
    assert_step(&r.steps[0], LVL_PDPTE, 2, 0x3020, 0x3030, 0x4000);
}

static void walk_pae_bits_above_maxphyaddr_are_reserved(void **state)
{
    struct fx *f = *state;
    mode_pae(f, false);
    build_pae_4k(f, P | RW, P | RW | (UINT64_C(1) << 40));
    struct mmu_result r;
    assert_false(tr(f, 0xC0403000, MMU_WRITE, false, &r));
    assert_pf(f, &r, 0xC0403000, X86_PF_P | X86_PF_RSVD | X86_PF_W, FAULT_RESERVED_BIT);
    /* Bit 39 is an address bit with M = 40. */
    build_pae_4k(f, P | RW, P | RW | (UINT64_C(1) << 39));
    assert_true(tr(f, 0xC0403000, MMU_WRITE, false, &r));
    assert_hex_equal(r.pa, UINT64_C(0x8000009000));
}

/* --- 4-level paging (SDM 4.5) --- */

/* The linear address with these 4-level indices and offset. */
static uint64_t lva(uint64_t i4, uint64_t i3, uint64_t i2, uint64_t i1, uint64_t off)
{
    return i4 << 39 | i3 << 30 | i2 << 21 | i1 << 12 | off;
}

/* PML4 0x10000 [5] -> PDPT 0x11000 [6] -> PD 0x12000 [7] -> PT 0x13000 [8] -> 0x20000. */
static void build_long_4k(struct fx *f, uint64_t f4, uint64_t f3, uint64_t f2, uint64_t f1)
{
    st64(f, 0x10028, 0x11000 | f4);
    st64(f, 0x11030, 0x12000 | f3);
    st64(f, 0x12038, 0x13000 | f2);
    st64(f, 0x13040, 0x20000 | f1);
}

#define LONG_VA lva(5, 6, 7, 8, 0xABC)

static void walk_long_4k_page_reports_four_steps(void **state)
{
    struct fx *f = *state;
    mode_long(f, false);
    build_long_4k(f, P | RW | US, P | RW | US, P | RW | US, P | RW | US);
    struct mmu_result r;
    assert_true(tr(f, LONG_VA, MMU_READ, true, &r));
    assert_hex_equal(r.pa, 0x20ABC);
    assert_hex_equal(r.page_size, 0x1000);
    assert_int_equal(r.nsteps, 4);
    assert_step(&r.steps[0], LVL_PML4E, 5, 0x10000, 0x10028, 0x11007);
    assert_step(&r.steps[1], LVL_PDPTE, 6, 0x11000, 0x11030, 0x12007);
    assert_step(&r.steps[2], LVL_PDE, 7, 0x12000, 0x12038, 0x13007);
    assert_step(&r.steps[3], LVL_PTE, 8, 0x13000, 0x13040, 0x20007);
}

static void walk_long_high_half_address_translates(void **state)
{
    struct fx *f = *state;
    mode_long(f, false);
    /* 0xFFFF_8000_0040_1234: PML4 index 256, PDPT 0, PD 2, PT 1. */
    st64(f, 0x10800, 0x11000 | P | RW);
    st64(f, 0x11000, 0x12000 | P | RW);
    st64(f, 0x12010, 0x13000 | P | RW);
    st64(f, 0x13008, 0x7000 | P | RW);
    struct mmu_result r;
    assert_true(tr(f, UINT64_C(0xFFFF800000401234), MMU_READ, false, &r));
    assert_hex_equal(r.pa, 0x7234);
    assert_int_equal(r.steps[0].index, 256);
    /* The TLB keys on the full canonical address. */
    assert_true(tr(f, UINT64_C(0xFFFF800000401238), MMU_READ, false, &r));
    assert_true(r.tlb_hit);
    assert_hex_equal(r.pa, 0x7238);
}

static void walk_long_2m_page(void **state)
{
    struct fx *f = *state;
    mode_long(f, false);
    st64(f, 0x10028, 0x11000 | P | RW);
    st64(f, 0x11030, 0x12000 | P | RW);
    st64(f, 0x12038, UINT64_C(0x40000000) | PS | P | RW);
    struct mmu_result r;
    assert_true(tr(f, lva(5, 6, 7, 0x1AB, 0xCDE), MMU_READ, false, &r));
    assert_hex_equal(r.pa, UINT64_C(0x40000000) + 0x1ABCDE);
    assert_hex_equal(r.page_size, 0x200000);
    assert_int_equal(r.nsteps, 3);
    assert_step(&r.steps[2], LVL_PDE, 7, 0x12000, 0x12038, UINT64_C(0x40000000) | PS | P | RW);
}

static void walk_long_1g_page(void **state)
{
    struct fx *f = *state;
    mode_long(f, false);
    st64(f, 0x10028, 0x11000 | P | RW);
    st64(f, 0x11030, UINT64_C(0x8C0000000) | PS | P | RW | X86_PDE_PAT_LARGE);
    struct mmu_result r;
    assert_true(tr(f, lva(5, 6, 0x1F5, 0x123, 0x456), MMU_WRITE, false, &r));
    assert_hex_equal(r.pa, UINT64_C(0x8C0000000) + UINT64_C(0x3EB23456));
    assert_hex_equal(r.page_size, 0x40000000);
    assert_int_equal(r.nsteps, 2);
    assert_step(&r.steps[1], LVL_PDPTE, 6, 0x11000, 0x11030,
                UINT64_C(0x8C0000000) | PS | P | RW | X86_PDE_PAT_LARGE);
    /* Leaf got A and D. */
    assert_hex_equal(ld64(f, 0x11030),
                     UINT64_C(0x8C0000000) | PS | P | RW | X86_PDE_PAT_LARGE | A | D);
}

static void walk_long_1g_page_low_address_bits_are_reserved(void **state)
{
    struct fx *f = *state;
    mode_long(f, false);
    st64(f, 0x10028, 0x11000 | P | RW);
    st64(f, 0x11030, UINT64_C(0x40000000) | (UINT64_C(1) << 29) | PS | P | RW);
    struct mmu_result r;
    assert_false(tr(f, lva(5, 6, 0, 0, 0), MMU_READ, false, &r));
    assert_pf(f, &r, lva(5, 6, 0, 0, 0), X86_PF_P | X86_PF_RSVD, FAULT_RESERVED_BIT);
    st64(f, 0x11030, UINT64_C(0x40000000) | (UINT64_C(1) << 21) | PS | P | RW);
    assert_false(tr(f, lva(5, 6, 0, 0, 0), MMU_READ, false, &r));
    assert_int_equal(r.fault.reason, FAULT_RESERVED_BIT);
}

static void walk_long_2m_page_low_address_bits_are_reserved(void **state)
{
    struct fx *f = *state;
    mode_long(f, true);
    st64(f, 0x10028, 0x11000 | P | RW);
    st64(f, 0x11030, 0x12000 | P | RW);
    st64(f, 0x12038, UINT64_C(0x40000000) | (UINT64_C(1) << 15) | PS | P | RW);
    struct mmu_result r;
    assert_false(tr(f, lva(5, 6, 7, 0, 0), MMU_EXEC, false, &r));
    assert_pf(f, &r, lva(5, 6, 7, 0, 0), X86_PF_P | X86_PF_RSVD | X86_PF_ID, FAULT_RESERVED_BIT);
}

static void walk_long_ps_in_pml4e_is_reserved(void **state)
{
    struct fx *f = *state;
    mode_long(f, false);
    st64(f, 0x10028, 0x11000 | PS | P | RW);
    struct mmu_result r;
    assert_false(tr(f, LONG_VA, MMU_READ, true, &r));
    assert_pf(f, &r, LONG_VA, X86_PF_P | X86_PF_RSVD | X86_PF_U, FAULT_RESERVED_BIT);
    assert_int_equal(r.nsteps, 1);
}

static void walk_long_bits_above_maxphyaddr_are_reserved_at_every_level(void **state)
{
    struct fx *f = *state;
    mode_long(f, false);
    for (int lvl = 0; lvl < 4; lvl++) {
        uint64_t bad = UINT64_C(1) << (40 + 3 * lvl); /* bits 40, 43, 46, 49: all in 62:M */
        build_long_4k(f, P | RW | (lvl == 0 ? bad : 0), P | RW | (lvl == 1 ? bad : 0),
                      P | RW | (lvl == 2 ? bad : 0), P | RW | (lvl == 3 ? bad : 0));
        tlb_flush(f->tlb, false);
        struct mmu_result r;
        assert_false(tr(f, LONG_VA, MMU_READ, false, &r));
        assert_pf(f, &r, LONG_VA, X86_PF_P | X86_PF_RSVD, FAULT_RESERVED_BIT);
        assert_int_equal(r.nsteps, lvl + 1);
    }
    /* With M = 52 those same bits are address bits. */
    f->cpu.maxphyaddr = 52;
    struct mmu_result r;
    assert_true(tr(f, LONG_VA, MMU_READ, false, &r));
    assert_hex_equal(r.pa, (UINT64_C(1) << 49) | 0x20ABC);
}

static void non_canonical_address_raises_gp_without_cr2(void **state)
{
    struct fx *f = *state;
    mode_long(f, false);
    build_long_4k(f, P | RW, P | RW, P | RW, P | RW);
    f->cpu.cr2 = 0x1234;
    recorder_clear(&f->rec);
    struct tlb_stats before = tlb_stats(f->tlb);
    struct mmu_result r;
    assert_false(tr(f, UINT64_C(0x0000800000000000), MMU_READ, false, &r));
    assert_int_equal(r.fault.vector, 13);
    assert_int_equal(r.fault.reason, FAULT_NON_CANONICAL);
    assert_int_equal(r.fault.error_code, 0);
    assert_int_equal(r.nsteps, 0);
    assert_hex_equal(f->cpu.cr2, 0x1234);
    /* No TLB lookup either. */
    struct tlb_stats after = tlb_stats(f->tlb);
    assert_int_equal(after.hits + after.misses, before.hits + before.misses);
    const struct event *ev = recorder_find(&f->rec, EV_FAULT);
    assert_non_null(ev);
    assert_int_equal(ev->extra, 13);
    assert_int_equal(recorder_count(&f->rec, EV_CR_WRITE), 0);
    assert_false(tr(f, UINT64_C(0xFFFF7FFFFFFFF000), MMU_WRITE, true, &r));
    assert_int_equal(r.fault.vector, 13);
    /* The lowest high-half address is canonical: it walks (and finds P=0). */
    assert_false(probe(f, UINT64_C(0xFFFF800000000000), MMU_READ, false, &r));
    assert_int_equal(r.fault.vector, 14);
    assert_int_equal(r.nsteps, 1);
}

/* --- Rights (SDM 4.6) --- */

static void user_access_needs_us_at_every_level(void **state)
{
    struct fx *f = *state;
    mode_long(f, false);
    for (int lvl = 0; lvl < 4; lvl++) {
        build_long_4k(f, P | RW | (lvl == 0 ? 0 : US), P | RW | (lvl == 1 ? 0 : US),
                      P | RW | (lvl == 2 ? 0 : US), P | RW | (lvl == 3 ? 0 : US));
        tlb_flush(f->tlb, false);
        struct mmu_result r;
        assert_false(tr(f, LONG_VA, MMU_READ, true, &r));
        assert_pf(f, &r, LONG_VA, X86_PF_P | X86_PF_U, FAULT_USER_SUPERVISOR);
        assert_int_equal(r.nsteps, 4);
        assert_true(tr(f, LONG_VA, MMU_READ, false, &r)); /* supervisor is fine */
    }
    build_long_4k(f, P | US, P | US, P | US, P | US);
    tlb_flush(f->tlb, false);
    struct mmu_result r;
    assert_true(tr(f, LONG_VA, MMU_READ, true, &r));
    assert_int_equal(r.rights, TLB_F_US);
}

static void supervisor_write_to_read_only_page_allowed_when_wp_clear(void **state)
{
    struct fx *f = *state;
    mode_32(f, false);
    build_32_4k(f, P | US, P | US);
    struct mmu_result r;
    assert_true(tr(f, 0x00403010, MMU_WRITE, false, &r));
    assert_hex_equal(r.pa, 0x5010);
    assert_hex_equal(ld32(f, 0x200C), 0x5000 | P | US | A | D);
}

static void supervisor_write_to_read_only_page_faults_when_wp_set(void **state)
{
    struct fx *f = *state;
    mode_32(f, false);
    f->cpu.cr0 |= X86_CR0_WP;
    /* Read-only at the PDE alone is enough. */
    build_32_4k(f, P | US, P | RW | US);
    struct mmu_result r;
    assert_false(tr(f, 0x00403010, MMU_WRITE, false, &r));
    assert_pf(f, &r, 0x00403010, X86_PF_P | X86_PF_W, FAULT_WRITE_PROTECT);
    assert_true(tr(f, 0x00403010, MMU_READ, false, &r));
    build_32_4k(f, P | RW | US, P | RW | US);
    tlb_invlpg(f->tlb, 0x00403010);
    assert_true(tr(f, 0x00403010, MMU_WRITE, false, &r));
}

static void user_write_needs_rw_at_every_level_whatever_wp(void **state)
{
    struct fx *f = *state;
    mode_pae(f, false);
    for (int wp = 0; wp < 2; wp++) {
        f->cpu.cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_PG | (wp ? X86_CR0_WP : 0);
        for (int lvl = 0; lvl < 2; lvl++) {
            build_pae_4k(f, P | US | (lvl == 0 ? 0 : RW), P | US | (lvl == 1 ? 0 : RW));
            tlb_flush(f->tlb, false);
            struct mmu_result r;
            assert_false(tr(f, 0xC0403004, MMU_WRITE, true, &r));
            assert_pf(f, &r, 0xC0403004, X86_PF_P | X86_PF_W | X86_PF_U, FAULT_WRITE_PROTECT);
            assert_true(tr(f, 0xC0403004, MMU_READ, true, &r));
        }
    }
}

static void supervisor_may_read_write_and_fetch_user_pages(void **state)
{
    struct fx *f = *state;
    mode_long(f, true);
    f->cpu.cr0 |= X86_CR0_WP;
    build_long_4k(f, P | RW | US, P | RW | US, P | RW | US, P | RW | US);
    struct mmu_result r;
    assert_true(tr(f, LONG_VA, MMU_READ, false, &r));
    assert_true(tr(f, LONG_VA, MMU_WRITE, false, &r));
    assert_true(tr(f, LONG_VA, MMU_EXEC, false, &r));
    assert_hex_equal(r.pa, 0x20ABC);
}

static void fetch_from_xd_page_faults_with_id_when_nxe(void **state)
{
    struct fx *f = *state;
    mode_long(f, true);
    /* XD in the PDPTE alone forbids fetches from the whole 1 GiB below it. */
    build_long_4k(f, P | RW | US, P | RW | US | XD, P | RW | US, P | RW | US);
    struct mmu_result r;
    assert_true(tr(f, LONG_VA, MMU_READ, true, &r));
    assert_int_equal(r.rights, TLB_F_RW | TLB_F_US | TLB_F_XD);
    assert_true(tr(f, LONG_VA, MMU_WRITE, true, &r));
    assert_false(tr(f, LONG_VA, MMU_EXEC, true, &r));
    assert_pf(f, &r, LONG_VA, X86_PF_P | X86_PF_U | X86_PF_ID, FAULT_EXECUTE_DISABLE);
    assert_false(tr(f, LONG_VA, MMU_EXEC, false, &r));
    assert_pf(f, &r, LONG_VA, X86_PF_P | X86_PF_ID, FAULT_EXECUTE_DISABLE);
    /* Without XD anywhere, the fetch is fine. */
    build_long_4k(f, P | RW | US, P | RW | US, P | RW | US, P | RW | US);
    tlb_flush(f->tlb, false);
    assert_true(tr(f, LONG_VA, MMU_EXEC, true, &r));
}

static void xd_without_nxe_is_reserved_in_long_mode(void **state)
{
    struct fx *f = *state;
    mode_long(f, false);
    build_long_4k(f, P | RW | XD, P | RW, P | RW, P | RW);
    struct mmu_result r;
    assert_false(tr(f, LONG_VA, MMU_EXEC, false, &r));
    /* No I/D without NXE (SDM 4.7). */
    assert_pf(f, &r, LONG_VA, X86_PF_P | X86_PF_RSVD, FAULT_RESERVED_BIT);
    assert_int_equal(r.nsteps, 1);
}

/* --- Accessed and Dirty (SDM 4.8) --- */

static void read_sets_accessed_on_every_level_and_no_dirty(void **state)
{
    struct fx *f = *state;
    mode_long(f, false);
    build_long_4k(f, P | RW, P | RW, P | RW, P | RW);
    struct mmu_result r;
    assert_true(tr(f, LONG_VA, MMU_READ, false, &r));
    assert_hex_equal(ld64(f, 0x10028), 0x11000 | P | RW | A);
    assert_hex_equal(ld64(f, 0x11030), 0x12000 | P | RW | A);
    assert_hex_equal(ld64(f, 0x12038), 0x13000 | P | RW | A);
    assert_hex_equal(ld64(f, 0x13040), 0x20000 | P | RW | A);
}

static void write_sets_dirty_on_the_leaf_only(void **state)
{
    struct fx *f = *state;
    mode_long(f, false);
    build_long_4k(f, P | RW, P | RW, P | RW, P | RW);
    struct mmu_result r;
    assert_true(tr(f, LONG_VA, MMU_WRITE, false, &r));
    assert_hex_equal(ld64(f, 0x10028), 0x11000 | P | RW | A);
    assert_hex_equal(ld64(f, 0x11030), 0x12000 | P | RW | A);
    assert_hex_equal(ld64(f, 0x12038), 0x13000 | P | RW | A);
    assert_hex_equal(ld64(f, 0x13040), 0x20000 | P | RW | A | D);
    /* 2 MiB leaf: D in the PDE. */
    st64(f, 0x12038, UINT64_C(0x600000) | PS | P | RW);
    tlb_flush(f->tlb, false);
    assert_true(tr(f, LONG_VA, MMU_WRITE, false, &r));
    assert_hex_equal(ld64(f, 0x12038), UINT64_C(0x600000) | PS | P | RW | A | D);
}

static void faulting_access_sets_no_accessed_on_the_leaf(void **state)
{
    struct fx *f = *state;
    mode_long(f, false);
    build_long_4k(f, P | RW | US, P | RW | US, P | RW | US, P | RW);
    struct mmu_result r;
    assert_false(tr(f, LONG_VA, MMU_WRITE, true, &r));
    assert_int_equal(r.fault.reason, FAULT_USER_SUPERVISOR);
    assert_hex_equal(ld64(f, 0x10028), 0x11000 | P | RW | US | A);
    assert_hex_equal(ld64(f, 0x11030), 0x12000 | P | RW | US | A);
    assert_hex_equal(ld64(f, 0x12038), 0x13000 | P | RW | US | A);
    assert_hex_equal(ld64(f, 0x13040), 0x20000 | P | RW);
    /* Not present at the PDE: the levels above got A, the PDE none. */
    build_long_4k(f, P | RW, P | RW, RW, P | RW);
    assert_false(tr(f, LONG_VA, MMU_READ, false, &r));
    assert_hex_equal(ld64(f, 0x11030), 0x12000 | P | RW | A);
    assert_hex_equal(ld64(f, 0x12038), 0x13000 | RW);
}

static void writes_32bit_entries_back_as_32_bits(void **state)
{
    struct fx *f = *state;
    mode_32(f, false);
    build_32_4k(f, P | RW, P | RW);
    st32(f, 0x2010, 0xDEADBEEF); /* the next PTE must not be touched */
    st32(f, 0x1008, 0xCAFEF00D);
    struct mmu_result r;
    assert_true(tr(f, 0x00403000, MMU_WRITE, false, &r));
    assert_hex_equal(ld32(f, 0x1004), 0x2000 | P | RW | A);
    assert_hex_equal(ld32(f, 0x200C), 0x5000 | P | RW | A | D);
    assert_hex_equal(ld32(f, 0x2010), 0xDEADBEEF);
    assert_hex_equal(ld32(f, 0x1008), 0xCAFEF00D);
}

static void walk_events_and_ad_events_in_order(void **state)
{
    struct fx *f = *state;
    mode_32(f, false);
    build_32_4k(f, P | RW | A, P | RW);
    recorder_clear(&f->rec);
    struct mmu_result r;
    assert_true(tr(f, 0x00403000, MMU_WRITE, false, &r));
    /* MISS, step PDE (A already set: no write), step PTE, A|D on PTE, FILL. */
    size_t k = 0;
    assert_true(f->rec.n >= 5);
    assert_int_equal(f->rec.ev[k++].kind, EV_TLB_MISS);
    const struct event *ev = &f->rec.ev[k++];
    assert_int_equal(ev->kind, EV_WALK_STEP);
    assert_int_equal(ev->level, LVL_PDE);
    assert_hex_equal(ev->pa, 0x1004);
    assert_hex_equal(ev->old, 0x2000 | P | RW | A);
    ev = &f->rec.ev[k++];
    assert_int_equal(ev->kind, EV_WALK_STEP);
    assert_int_equal(ev->level, LVL_PTE);
    assert_hex_equal(ev->pa, 0x200C);
    ev = &f->rec.ev[k++];
    assert_int_equal(ev->kind, EV_AD_SET);
    assert_int_equal(ev->level, LVL_PTE);
    assert_hex_equal(ev->pa, 0x200C);
    assert_hex_equal(ev->old, 0x5000 | P | RW);
    assert_hex_equal(ev->new, 0x5000 | P | RW | A | D);
    assert_int_equal(f->rec.ev[k++].kind, EV_TLB_FILL);
    assert_int_equal(f->rec.n, k);
    /* Again after a flush: the entries are already A/D, nothing is written. */
    tlb_flush(f->tlb, false);
    recorder_clear(&f->rec);
    assert_true(tr(f, 0x00403000, MMU_WRITE, false, &r));
    assert_int_equal(recorder_count(&f->rec, EV_AD_SET), 0);
    assert_int_equal(recorder_count(&f->rec, EV_WALK_STEP), 2);
}

/* --- Faults: error code and CR2 (SDM 4.7) --- */

static void not_present_fault_code_and_cr2(void **state)
{
    struct fx *f = *state;
    mode_32(f, false);
    recorder_clear(&f->rec);
    struct mmu_result r;
    assert_false(tr(f, 0xD0001010, MMU_WRITE, false, &r));
    assert_pf(f, &r, 0xD0001010, X86_PF_W, FAULT_NOT_PRESENT);
    assert_int_equal(r.nsteps, 1);
    assert_step(&r.steps[0], LVL_PDE, 832, 0x1000, 0x1D00, 0);
    assert_false(tr(f, 0xD0001010, MMU_READ, true, &r));
    assert_pf(f, &r, 0xD0001010, X86_PF_U, FAULT_NOT_PRESENT);
    assert_false(tr(f, 0xD0001010, MMU_WRITE, true, &r));
    assert_pf(f, &r, 0xD0001010, X86_PF_U | X86_PF_W, FAULT_NOT_PRESENT);
    /* The fault event carries vector, code and reason; CR2 was written. */
    const struct event *ev = recorder_find(&f->rec, EV_FAULT);
    assert_non_null(ev);
    assert_hex_equal(ev->va, 0xD0001010);
    assert_int_equal(ev->extra, 14);
    assert_hex_equal(ev->code, X86_PF_W);
    assert_int_equal(ev->reason, FAULT_NOT_PRESENT);
    assert_true(recorder_count(&f->rec, EV_CR_WRITE) >= 1);
}

static void protection_fault_code_has_p_set(void **state)
{
    struct fx *f = *state;
    mode_pae(f, true);
    f->cpu.cr0 |= X86_CR0_WP;
    build_pae_4k(f, P | US, P | US | XD);
    struct mmu_result r;
    assert_false(tr(f, 0xC0403FFF, MMU_WRITE, true, &r));
    assert_pf(f, &r, 0xC0403FFF, 0x7, FAULT_WRITE_PROTECT);
    assert_false(tr(f, 0xC0403FF0, MMU_EXEC, true, &r));
    assert_pf(f, &r, 0xC0403FF0, 0x15, FAULT_EXECUTE_DISABLE);
    assert_false(tr(f, 0xC0403FF4, MMU_WRITE, false, &r));
    assert_pf(f, &r, 0xC0403FF4, 0x3, FAULT_WRITE_PROTECT);
}

/* --- TLB (SDM 4.10) --- */

static void second_access_hits_the_tlb_without_walking(void **state)
{
    struct fx *f = *state;
    mode_pae(f, false);
    build_pae_4k(f, P | RW, P | RW);
    struct mmu_result r;
    assert_true(tr(f, 0xC0403000, MMU_WRITE, false, &r));
    assert_false(r.tlb_hit);
    struct tlb_stats s0 = tlb_stats(f->tlb);
    assert_true(tr(f, 0xC0403123, MMU_READ, false, &r));
    assert_true(r.tlb_hit);
    assert_int_equal(r.nsteps, 0);
    assert_hex_equal(r.pa, 0x9123);
    assert_hex_equal(r.page_size, 0x1000);
    assert_int_equal(r.rights, TLB_F_RW);
    struct tlb_stats s1 = tlb_stats(f->tlb);
    assert_int_equal(s1.hits, s0.hits + 1);
    assert_int_equal(s1.misses, s0.misses);
}

static void stale_tlb_entry_serves_until_invlpg(void **state)
{
    struct fx *f = *state;
    mode_32(f, false);
    build_32_4k(f, P | RW, P | RW);
    struct mmu_result r;
    assert_true(tr(f, 0x00403000, MMU_WRITE, false, &r));
    assert_hex_equal(r.pa, 0x5000);
    /* Remap the page without INVLPG: the TLB still says 0x5000. */
    st32(f, 0x200C, 0x7000 | P | RW);
    assert_true(tr(f, 0x00403008, MMU_READ, false, &r));
    assert_true(r.tlb_hit);
    assert_hex_equal(r.pa, 0x5008);
    /* The probe reads the tables: 0x7000. */
    assert_true(probe(f, 0x00403008, MMU_READ, false, &r));
    assert_hex_equal(r.pa, 0x7008);
    /* Unmap it: still served. */
    st32(f, 0x200C, 0);
    assert_true(tr(f, 0x00403008, MMU_READ, false, &r));
    assert_hex_equal(r.pa, 0x5008);
    tlb_invlpg(f->tlb, 0x00403000);
    assert_false(tr(f, 0x00403008, MMU_READ, false, &r));
    assert_pf(f, &r, 0x00403008, 0, FAULT_NOT_PRESENT);
}

static void write_through_clean_tlb_entry_walks_and_sets_dirty(void **state)
{
    struct fx *f = *state;
    mode_long(f, false);
    build_long_4k(f, P | RW, P | RW, P | RW, P | RW);
    struct mmu_result r;
    assert_true(tr(f, LONG_VA, MMU_READ, false, &r));
    assert_hex_equal(ld64(f, 0x13040) & D, 0);
    assert_hex_equal(tlb_peek(f->tlb, LONG_VA)->flags & TLB_F_D, 0);
    assert_true(tr(f, LONG_VA, MMU_WRITE, false, &r));
    assert_false(r.tlb_hit);
    assert_int_equal(r.nsteps, 4);
    assert_hex_equal(ld64(f, 0x13040), 0x20000 | P | RW | A | D);
    assert_true(tlb_peek(f->tlb, LONG_VA)->flags & TLB_F_D);
    /* Now writes hit. */
    assert_true(tr(f, LONG_VA, MMU_WRITE, false, &r));
    assert_true(r.tlb_hit);
}

static void access_the_tlb_entry_forbids_walks_again_before_faulting(void **state)
{
    struct fx *f = *state;
    mode_32(f, false);
    f->cpu.cr0 |= X86_CR0_WP;
    build_32_4k(f, P | RW, P);
    struct mmu_result r;
    assert_true(tr(f, 0x00403000, MMU_READ, false, &r));
    /* Make the page writable without INVLPG: the re-walk finds it. */
    st32(f, 0x200C, 0x5000 | P | RW | A);
    assert_true(tr(f, 0x00403000, MMU_WRITE, false, &r));
    assert_false(r.tlb_hit);
    assert_true(tlb_peek(f->tlb, 0x00403000)->flags & TLB_F_RW);
}

static void rewalk_to_smaller_page_replaces_the_large_entry(void **state)
{
    struct fx *f = *state;
    mode_long(f, false);
    f->cpu.cr0 |= X86_CR0_WP;
    st64(f, 0x10028, 0x11000 | P | RW);
    st64(f, 0x11030, 0x12000 | P | RW);
    st64(f, 0x12038, UINT64_C(0x600000) | PS | P); /* 2 MiB, read-only */
    struct mmu_result r;
    assert_true(tr(f, LONG_VA, MMU_READ, false, &r));
    assert_int_equal(tlb_peek(f->tlb, LONG_VA)->shift, 21);
    /* The PDE now points to a writable PT, without INVLPG. */
    st64(f, 0x12038, 0x13000 | P | RW);
    st64(f, 0x13040, 0x20000 | P | RW);
    assert_true(tr(f, LONG_VA, MMU_WRITE, false, &r));
    assert_false(r.tlb_hit);
    assert_hex_equal(r.pa, 0x20ABC);
    assert_int_equal(tlb_peek(f->tlb, LONG_VA)->shift, 12);
    /* The rest of the old 2 MiB range is no longer served by the stale entry. */
    assert_null(tlb_peek(f->tlb, lva(5, 6, 7, 9, 0)));
    assert_true(tr(f, LONG_VA, MMU_WRITE, false, &r));
    assert_true(r.tlb_hit);
}

static void page_fault_drops_the_tlb_entry_for_the_address(void **state)
{
    struct fx *f = *state;
    mode_32(f, false);
    build_32_4k(f, P | RW, P | RW);
    struct mmu_result r;
    assert_true(tr(f, 0x00403000, MMU_READ, false, &r));
    assert_non_null(tlb_peek(f->tlb, 0x00403000));
    st32(f, 0x200C, 0);
    /* A write through the clean entry walks, finds P=0, faults, drops the entry. */
    assert_false(tr(f, 0x00403000, MMU_WRITE, false, &r));
    assert_pf(f, &r, 0x00403000, X86_PF_W, FAULT_NOT_PRESENT);
    assert_null(tlb_peek(f->tlb, 0x00403000));
}

static void page_fault_invalidation_is_not_an_invlpg(void **state)
{
    struct fx *f = *state;
    mode_32(f, false);
    f->cpu.cr0 |= X86_CR0_WP;
    build_32_4k(f, P | RW, P); /* read-only page */
    struct mmu_result r;
    assert_true(tr(f, 0x00403000, MMU_READ, false, &r));
    assert_non_null(tlb_peek(f->tlb, 0x00403000));
    uint64_t invlpg = tlb_stats(f->tlb).invlpg;
    recorder_clear(&f->rec);
    /* SDM 4.10.4.1: the #PF drops the entry; no INVLPG instruction ran. */
    assert_false(tr(f, 0x00403000, MMU_WRITE, false, &r));
    assert_pf(f, &r, 0x00403000, X86_PF_P | X86_PF_W, FAULT_WRITE_PROTECT);
    assert_null(tlb_peek(f->tlb, 0x00403000));
    assert_int_equal(tlb_stats(f->tlb).invlpg, invlpg);
    assert_int_equal(recorder_count(&f->rec, EV_TLB_INVLPG), 0);
}

static void rewalk_to_another_page_size_is_not_an_invlpg(void **state)
{
    struct fx *f = *state;
    mode_long(f, false);
    f->cpu.cr0 |= X86_CR0_WP;
    st64(f, 0x10028, 0x11000 | P | RW);
    st64(f, 0x11030, 0x12000 | P | RW);
    st64(f, 0x12038, UINT64_C(0x600000) | PS | P); /* 2 MiB, read-only */
    struct mmu_result r;
    assert_true(tr(f, LONG_VA, MMU_READ, false, &r));
    st64(f, 0x12038, 0x13000 | P | RW);
    st64(f, 0x13040, 0x20000 | P | RW);
    uint64_t invlpg = tlb_stats(f->tlb).invlpg;
    recorder_clear(&f->rec);
    assert_true(tr(f, LONG_VA, MMU_WRITE, false, &r));
    assert_int_equal(tlb_peek(f->tlb, LONG_VA)->shift, 12);
    assert_int_equal(tlb_stats(f->tlb).invlpg, invlpg);
    assert_int_equal(recorder_count(&f->rec, EV_TLB_INVLPG), 0);
}

static void global_leaf_fills_global_entry_only_with_pge(void **state)
{
    struct fx *f = *state;
    mode_long(f, false);
    build_long_4k(f, P | RW, P | RW, P | RW, P | RW | G);
    struct mmu_result r;
    assert_true(tr(f, LONG_VA, MMU_READ, false, &r));
    assert_int_equal(r.rights & TLB_F_G, 0);
    assert_int_equal(tlb_peek(f->tlb, LONG_VA)->flags & TLB_F_G, 0);
    tlb_flush(f->tlb, false);
    f->cpu.cr4 |= X86_CR4_PGE;
    assert_true(tr(f, LONG_VA, MMU_READ, false, &r));
    assert_int_equal(r.rights & TLB_F_G, TLB_F_G);
    assert_true(tlb_peek(f->tlb, LONG_VA)->flags & TLB_F_G);
    /* A non-global flush (CR3 load) keeps it. */
    tlb_flush(f->tlb, true);
    assert_true(tr(f, LONG_VA, MMU_READ, false, &r));
    assert_true(r.tlb_hit);
}

static void large_page_fills_tlb_at_its_size(void **state)
{
    struct fx *f = *state;
    mode_32(f, true);
    st32(f, 0x100C, 0x00800000 | PS | P | RW);
    struct mmu_result r;
    assert_true(tr(f, 0x00C00000, MMU_WRITE, false, &r));
    const struct tlb_entry *e = tlb_peek(f->tlb, 0x00FFFFFF);
    assert_non_null(e);
    assert_int_equal(e->shift, 22);
    assert_hex_equal(e->va, 0x00C00000);
    assert_hex_equal(e->pa, 0x00800000);
    assert_true(tr(f, 0x00FFFFFF, MMU_READ, false, &r));
    assert_true(r.tlb_hit);
    assert_hex_equal(r.pa, 0x00BFFFFF);
    assert_hex_equal(r.page_size, 0x400000);
}

/* --- Probe and paging off --- */

static void probe_changes_nothing(void **state)
{
    struct fx *f = *state;
    mode_long(f, true);
    build_long_4k(f, P | RW | US, P | RW | US, P | RW | US, P | RW);
    const size_t n = 0x30000;
    uint8_t *before = malloc(n);
    assert_non_null(before);
    memcpy(before, phys_bytes(f->ph), n);
    f->cpu.cr2 = 0x4242;
    struct tlb_stats s0 = tlb_stats(f->tlb);
    recorder_clear(&f->rec);

    struct mmu_result r;
    assert_true(probe(f, LONG_VA, MMU_WRITE, false, &r));
    assert_hex_equal(r.pa, 0x20ABC);
    assert_int_equal(r.nsteps, 4);
    assert_false(r.tlb_hit);
    assert_false(probe(f, LONG_VA, MMU_READ, true, &r));
    assert_int_equal(r.fault.vector, 14);
    assert_hex_equal(r.fault.error_code, X86_PF_P | X86_PF_U);
    assert_false(probe(f, lva(6, 0, 0, 0, 0), MMU_READ, false, &r));
    assert_false(probe(f, UINT64_C(0x0000900000000000), MMU_READ, false, &r));
    assert_int_equal(r.fault.vector, 13);

    assert_memory_equal(before, phys_bytes(f->ph), n);
    assert_hex_equal(f->cpu.cr2, 0x4242);
    struct tlb_stats s1 = tlb_stats(f->tlb);
    assert_memory_equal(&s0, &s1, sizeof s0);
    assert_null(tlb_peek(f->tlb, LONG_VA));
    assert_int_equal(f->rec.n, 0);
    free(before);
}

static void paging_off_maps_identity(void **state)
{
    struct fx *f = *state;
    struct mmu_result r;
    assert_true(tr(f, 0x12345678, MMU_WRITE, true, &r));
    assert_hex_equal(r.pa, 0x12345678);
    assert_int_equal(r.nsteps, 0);
    assert_false(r.tlb_hit);
    assert_hex_equal(r.page_size, 0x1000);
    /* Linear addresses are 32 bits outside long mode. */
    assert_true(tr(f, UINT64_C(0x112345678), MMU_READ, false, &r));
    assert_hex_equal(r.pa, 0x12345678);
    struct tlb_stats s = tlb_stats(f->tlb);
    assert_int_equal(s.hits + s.misses + s.fills, 0);
    /* No A/D anywhere: RAM at 0 stays zero. */
    assert_hex_equal(ld64(f, 0), 0);
}

static void names_match_the_contract(void **state)
{
    (void)state;
    assert_string_equal(mmu_level_name(LVL_PML4E), "PML4E");
    assert_string_equal(mmu_level_name(LVL_PDPTE), "PDPTE");
    assert_string_equal(mmu_level_name(LVL_PDE), "PDE");
    assert_string_equal(mmu_level_name(LVL_PTE), "PTE");
    assert_string_equal(mmu_fault_reason_name(FAULT_NOT_PRESENT), "not present");
    assert_string_equal(mmu_fault_reason_name(FAULT_WRITE_PROTECT), "write to read-only page");
    assert_string_equal(mmu_fault_reason_name(FAULT_USER_SUPERVISOR),
                        "user access to supervisor page");
    assert_string_equal(mmu_fault_reason_name(FAULT_EXECUTE_DISABLE),
                        "fetch from execute-disabled page");
    assert_string_equal(mmu_fault_reason_name(FAULT_RESERVED_BIT), "reserved bit set");
    assert_string_equal(mmu_fault_reason_name(FAULT_NON_CANONICAL), "non-canonical address");
    assert_string_equal(mmu_access_name(MMU_READ), "read");
    assert_string_equal(mmu_access_name(MMU_WRITE), "write");
    assert_string_equal(mmu_access_name(MMU_EXEC), "exec");
    assert_string_equal(mmu_level_name((enum walk_level)9), "?");
}

/* --- Differential: TLB-cached translation against the probe --- */

static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    return x;
}

static bool chance(uint64_t *s, unsigned percent)
{
    return rng_next(s) % 100 < percent;
}

#define POOL_BASE   UINT64_C(0x100000)
#define POOL_FRAMES 48

/* A random entry: usually present, pointing into the pool of tables (so the
 * walk goes on) or at a 1 GiB-aligned frame (so large pages are legal). */
static uint64_t random_entry(uint64_t *s, bool wide)
{
    uint64_t e = rng_next(s) & (RW | US | A | D | G | UINT64_C(0xE00));
    if (chance(s, 88))
        e |= P;
    if (chance(s, 20))
        e |= PS;
    if (chance(s, 70))
        e |= POOL_BASE + (rng_next(s) % POOL_FRAMES) * X86_PAGE_SIZE;
    else
        e |= (rng_next(s) % 4) << 30;
    if (wide) {
        if (chance(s, 20))
            e |= XD;
        if (chance(s, 3))
            e |= UINT64_C(1) << (40 + rng_next(s) % 12); /* reserved with M = 40 */
        if (chance(s, 5))
            e |= UINT64_C(1) << (13 + rng_next(s) % 8); /* low bits of a large page */
    } else if (chance(s, 30)) {
        e |= (rng_next(s) & 0xFF) << 13; /* PSE-36 high PA bits */
        if (chance(s, 10))
            e |= UINT64_C(1) << 21;
    }
    return e;
}

static void randomize_tables(struct fx *f, uint64_t *s, enum paging_mode mode)
{
    bool wide = mode != PAGING_32;
    unsigned per = wide ? 512 : 1024;
    for (unsigned fr = 0; fr < POOL_FRAMES; fr++) {
        uint64_t base = POOL_BASE + fr * X86_PAGE_SIZE;
        for (unsigned i = 0; i < per; i++) {
            uint64_t e = random_entry(s, wide);
            if (wide)
                st64(f, base + 8 * i, e);
            else
                st32(f, base + 4 * i, e);
        }
    }
    uint64_t root = POOL_BASE + (rng_next(s) % POOL_FRAMES) * X86_PAGE_SIZE;
    f->cpu.cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_PG | (chance(s, 50) ? X86_CR0_WP : 0);
    f->cpu.cr4 = (chance(s, 50) ? X86_CR4_PGE : 0);
    f->cpu.efer = 0;
    if (mode == PAGING_32) {
        f->cpu.cr3 = root;
        if (chance(s, 70))
            f->cpu.cr4 |= X86_CR4_PSE;
    } else {
        f->cpu.cr4 |= X86_CR4_PAE;
        if (chance(s, 60))
            f->cpu.efer |= X86_EFER_NXE;
        if (mode == PAGING_LONG) {
            f->cpu.efer |= X86_EFER_LME | X86_EFER_LMA;
            f->cpu.cr3 = root;
        } else {
            f->cpu.cr3 = root + 32 * (rng_next(s) % 128);
            for (int i = 0; i < 4; i++) {
                /* What a CR3 load accepts: no reserved bits. */
                f->cpu.pdpte[i] = (POOL_BASE + (rng_next(s) % POOL_FRAMES) * X86_PAGE_SIZE) |
                                  (chance(s, 85) ? P : 0) | (rng_next(s) & 0x18);
            }
        }
    }
    tlb_flush(f->tlb, false);
}

static uint64_t random_va(uint64_t *s, enum paging_mode mode)
{
    uint64_t va = rng_next(s);
    if (mode != PAGING_LONG)
        return va & UINT64_C(0xFFFFFFFF);
    if (chance(s, 3))
        return va; /* almost always non-canonical */
    va &= UINT64_C(0xFFFFFFFFFFFF);
    return (va & (UINT64_C(1) << 47)) ? va | UINT64_C(0xFFFF000000000000) : va;
}

static void differential_mode(struct fx *f, enum paging_mode mode, uint64_t seed)
{
    uint64_t s = seed;
    f->m.sink = NULL;
    tlb_set_sink(f->tlb, NULL);
    unsigned ok = 0, hits = 0, faults = 0;
    for (int phase = 0; phase < 24; phase++) {
        randomize_tables(f, &s, mode);
        uint64_t bases[16];
        for (int i = 0; i < 16; i++)
            bases[i] = random_va(&s, mode) & ~UINT64_C(0xFFF);
        for (int k = 0; k < 400; k++) {
            uint64_t va = bases[rng_next(&s) % 16] + rng_next(&s) % 0x3000;
            if (mode != PAGING_LONG)
                va &= UINT64_C(0xFFFFFFFF);
            enum mmu_access a = (enum mmu_access)(rng_next(&s) % 3);
            bool user = chance(&s, 50);
            struct mmu_result t, p;
            bool tok = tr(f, va, a, user, &t);
            bool pok = probe(f, va, a, user, &p);
            if (tok != pok || (tok && t.pa != p.pa)) {
                fprintf(stderr,
                        "# mode %d phase %d k %d va %llx access %d user %d: "
                        "tlb %d pa %llx hit %d, probe %d pa %llx\n",
                        (int)mode, phase, k, (unsigned long long)va, (int)a, (int)user, (int)tok,
                        (unsigned long long)t.pa, (int)t.tlb_hit, (int)pok,
                        (unsigned long long)p.pa);
            }
            assert_int_equal(tok, pok);
            if (tok) {
                ok++;
                hits += t.tlb_hit;
                assert_hex_equal(t.pa, p.pa);
                assert_hex_equal(t.page_size, p.page_size);
                assert_int_equal(t.rights, p.rights);
            } else {
                faults++;
                assert_int_equal(t.fault.vector, p.fault.vector);
                assert_hex_equal(t.fault.error_code, p.fault.error_code);
                assert_int_equal(t.fault.reason, p.fault.reason);
                if (t.fault.vector == 14)
                    assert_hex_equal(f->cpu.cr2, va);
            }
        }
    }
    /* The test must exercise both outcomes and the TLB. */
    assert_true(ok > 200);
    assert_true(hits > 100);
    assert_true(faults > 200);
}

static void differential_32bit_tlb_matches_probe(void **state)
{
    differential_mode(*state, PAGING_32, UINT64_C(0x9E3779B97F4A7C15));
}

static void differential_pae_tlb_matches_probe(void **state)
{
    differential_mode(*state, PAGING_PAE, UINT64_C(0xD1B54A32D192ED03));
}

static void differential_long_tlb_matches_probe(void **state)
{
    differential_mode(*state, PAGING_LONG, UINT64_C(0x8CB92BA72F3D8DD7));
}

/* Replays one seeded sequence of translations with and without
 * listeners (the general path vs the inline TLB-hit path) and checks that
 * results, counters, RAM and TLB come out identical. */
static void listened_and_silent_translation_agree_in(enum paging_mode mode, uint64_t seed)
{
    /* Two fresh machines: f listens (as the fixture does), g does not. */
    void *sf = NULL;
    void *sg = NULL;
    assert_int_equal(setup(&sf), 0);
    assert_int_equal(setup(&sg), 0);
    struct fx *f = sf;
    struct fx *g = sg;
    g->m.sink = NULL;
    tlb_set_sink(g->tlb, NULL);
    uint64_t s = seed;
    unsigned hits = 0;
    for (int phase = 0; phase < 16; phase++) {
        uint64_t s0 = s;
        randomize_tables(f, &s, mode);
        s = s0;
        randomize_tables(g, &s, mode);
        /* A few pages visited over and over, so that hits happen. */
        uint64_t bases[6];
        for (int i = 0; i < 6; i++)
            bases[i] = random_va(&s, mode) & ~UINT64_C(0xFFF);
        for (int k = 0; k < 600; k++) {
            uint64_t va = bases[rng_next(&s) % 6] + rng_next(&s) % 0x2000;
            if (mode != PAGING_LONG)
                va &= UINT64_C(0xFFFFFFFF);
            enum mmu_access a = (enum mmu_access)(rng_next(&s) % 3);
            bool user = chance(&s, 30);
            struct mmu_result rf, rg;
            recorder_clear(&f->rec);
            bool okf = tr(f, va, a, user, &rf);
            bool okg = tr(g, va, a, user, &rg);
            assert_int_equal(okf, okg);
            assert_int_equal(rf.tlb_hit, rg.tlb_hit);
            assert_int_equal(rf.nsteps, rg.nsteps);
            if (okf) {
                hits += rf.tlb_hit;
                assert_hex_equal(rf.pa, rg.pa);
                assert_hex_equal(rf.page_size, rg.page_size);
                assert_int_equal(rf.rights, rg.rights);
                assert_int_equal(rf.fault.vector, 0);
                assert_int_equal(rg.fault.vector, 0);
            } else {
                assert_int_equal(rf.fault.vector, rg.fault.vector);
                assert_hex_equal(rf.fault.error_code, rg.fault.error_code);
            }
            assert_hex_equal(f->cpu.cr2, g->cpu.cr2);
        }
        struct tlb_stats a = tlb_stats(f->tlb);
        struct tlb_stats b = tlb_stats(g->tlb);
        assert_memory_equal(&a, &b, sizeof a);
        assert_memory_equal(tlb_tmem(f->tlb)->data, tlb_tmem(g->tlb)->data,
                            tlb_nentries(f->tlb) * sizeof(struct tlb_entry));
        assert_memory_equal(phys_bytes(f->ph), phys_bytes(g->ph), 0x200000);
    }
    assert_true(hits > 100);
    teardown(&sf);
    teardown(&sg);
}

static void listened_and_silent_translation_agree(void **state)
{
    (void)state;
    listened_and_silent_translation_agree_in(PAGING_32, UINT64_C(0x243F6A8885A308D3));
    listened_and_silent_translation_agree_in(PAGING_PAE, UINT64_C(0x13198A2E03707344));
    listened_and_silent_translation_agree_in(PAGING_LONG, UINT64_C(0xA4093822299F31D0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(walk32_4k_page_reports_pde_then_pte, setup, teardown),
        cmocka_unit_test_setup_teardown(walk32_pse_4m_page_uses_pde_only, setup, teardown),
        cmocka_unit_test_setup_teardown(walk32_pse36_4m_page_reaches_above_4g, setup, teardown),
        cmocka_unit_test_setup_teardown(walk32_pde_ps_ignored_without_cr4_pse, setup, teardown),
        cmocka_unit_test_setup_teardown(walk32_4m_pde_bit21_is_reserved, setup, teardown),
        cmocka_unit_test_setup_teardown(walk32_4m_pa_bits_at_or_above_maxphyaddr_are_reserved,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(walk32_fetch_is_checked_like_a_read, setup, teardown),
        cmocka_unit_test_setup_teardown(walk32_truncates_linear_address_to_32_bits, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(walk_pae_4k_page_uses_pdpte_register, setup, teardown),
        cmocka_unit_test_setup_teardown(walk_pae_2m_page, setup, teardown),
        cmocka_unit_test_setup_teardown(walk_pae_2m_page_low_address_bits_are_reserved, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(walk_pae_xd_is_reserved_without_nxe, setup, teardown),
        cmocka_unit_test_setup_teardown(walk_pae_not_present_pdpte_faults, setup, teardown),
        cmocka_unit_test_setup_teardown(walk_pae_bits_above_maxphyaddr_are_reserved, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(walk_long_4k_page_reports_four_steps, setup, teardown),
        cmocka_unit_test_setup_teardown(walk_long_high_half_address_translates, setup, teardown),
        cmocka_unit_test_setup_teardown(walk_long_2m_page, setup, teardown),
        cmocka_unit_test_setup_teardown(walk_long_1g_page, setup, teardown),
        cmocka_unit_test_setup_teardown(walk_long_1g_page_low_address_bits_are_reserved, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(walk_long_2m_page_low_address_bits_are_reserved, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(walk_long_ps_in_pml4e_is_reserved, setup, teardown),
        cmocka_unit_test_setup_teardown(walk_long_bits_above_maxphyaddr_are_reserved_at_every_level,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(non_canonical_address_raises_gp_without_cr2, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(user_access_needs_us_at_every_level, setup, teardown),
        cmocka_unit_test_setup_teardown(supervisor_write_to_read_only_page_allowed_when_wp_clear,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(supervisor_write_to_read_only_page_faults_when_wp_set,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(user_write_needs_rw_at_every_level_whatever_wp, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(supervisor_may_read_write_and_fetch_user_pages, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(fetch_from_xd_page_faults_with_id_when_nxe, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(xd_without_nxe_is_reserved_in_long_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(read_sets_accessed_on_every_level_and_no_dirty, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(write_sets_dirty_on_the_leaf_only, setup, teardown),
        cmocka_unit_test_setup_teardown(faulting_access_sets_no_accessed_on_the_leaf, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(writes_32bit_entries_back_as_32_bits, setup, teardown),
        cmocka_unit_test_setup_teardown(walk_events_and_ad_events_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(not_present_fault_code_and_cr2, setup, teardown),
        cmocka_unit_test_setup_teardown(protection_fault_code_has_p_set, setup, teardown),
        cmocka_unit_test_setup_teardown(second_access_hits_the_tlb_without_walking, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(stale_tlb_entry_serves_until_invlpg, setup, teardown),
        cmocka_unit_test_setup_teardown(write_through_clean_tlb_entry_walks_and_sets_dirty, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(access_the_tlb_entry_forbids_walks_again_before_faulting,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(rewalk_to_smaller_page_replaces_the_large_entry, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(page_fault_drops_the_tlb_entry_for_the_address, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(page_fault_invalidation_is_not_an_invlpg, setup, teardown),
        cmocka_unit_test_setup_teardown(rewalk_to_another_page_size_is_not_an_invlpg, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(global_leaf_fills_global_entry_only_with_pge, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(large_page_fills_tlb_at_its_size, setup, teardown),
        cmocka_unit_test_setup_teardown(probe_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(paging_off_maps_identity, setup, teardown),
        cmocka_unit_test_setup_teardown(names_match_the_contract, setup, teardown),
        cmocka_unit_test_setup_teardown(differential_32bit_tlb_matches_probe, setup, teardown),
        cmocka_unit_test_setup_teardown(differential_pae_tlb_matches_probe, setup, teardown),
        cmocka_unit_test_setup_teardown(differential_long_tlb_matches_probe, setup, teardown),
        cmocka_unit_test_setup_teardown(listened_and_silent_translation_agree, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
