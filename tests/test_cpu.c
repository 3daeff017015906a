/*
 * test_cpu.c - the control registers: what a write changes, what it refuses
 * with #GP (changing nothing), and the TLB flushes and PDPTE loads it causes
 * (SDM Vol. 3A 2.5, 4.1, 4.4.1, 4.10.4.1; APM Vol. 2 3.1.7).
 */
#include "helpers.h"

#include "sim/cpu.h"
#include "sim/phys.h"
#include "sim/tlb.h"
#include "sim/x86.h"

#define PDPT_PA UINT64_C(0x3000) /* a 32-byte aligned PDPT, not page aligned */
#define PDPT_AT UINT64_C(0x3020)

struct fix {
    struct cpu cpu;
    struct tlb *tlb;
    struct phys *phys;
    struct recorder rec;
    struct event_sink sink;
};

static int setup(void **state)
{
    struct fix *f = calloc(1, sizeof *f);
    assert_non_null(f);
    cpu_reset(&f->cpu, 40);
    f->tlb = tlb_create(64, 4);
    f->phys = phys_create(UINT64_C(1) << 20);
    assert_non_null(f->tlb);
    assert_non_null(f->phys);
    f->sink = recorder_sink(&f->rec);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fix *f = *state;
    tlb_destroy(f->tlb);
    phys_destroy(f->phys);
    free(f);
    return 0;
}

static void assert_cpu_equal(const struct cpu *a, const struct cpu *b)
{
    assert_hex_equal(a->cr0, b->cr0);
    assert_hex_equal(a->cr2, b->cr2);
    assert_hex_equal(a->cr3, b->cr3);
    assert_hex_equal(a->cr4, b->cr4);
    assert_hex_equal(a->efer, b->efer);
    for (int i = 0; i < 4; i++)
        assert_hex_equal(a->pdpte[i], b->pdpte[i]);
    assert_int_equal(a->maxphyaddr, b->maxphyaddr);
}

/* One 4 KiB entry, global or not, at va. */
static void fill(struct tlb *t, uint64_t va, bool global)
{
    struct tlb_entry e = {0};
    e.va = va;
    e.pa = va + 0x100000;
    e.shift = 12;
    e.flags = (uint8_t)(TLB_F_RW | (global ? TLB_F_G : 0));
    tlb_fill(t, &e, NULL);
}

/* Fills one global and one non-global entry. */
static void fill_two(struct fix *f)
{
    fill(f->tlb, 0x1000, true);
    fill(f->tlb, 0x2000, false);
    assert_non_null(tlb_peek(f->tlb, 0x1000));
    assert_non_null(tlb_peek(f->tlb, 0x2000));
}

static enum cpu_status w0(struct fix *f, uint64_t v)
{
    return cpu_write_cr0(&f->cpu, f->tlb, f->phys, &f->sink, v);
}
static enum cpu_status w3(struct fix *f, uint64_t v)
{
    return cpu_write_cr3(&f->cpu, f->tlb, f->phys, &f->sink, v);
}
static enum cpu_status w4(struct fix *f, uint64_t v)
{
    return cpu_write_cr4(&f->cpu, f->tlb, f->phys, &f->sink, v);
}
static enum cpu_status we(struct fix *f, uint64_t v)
{
    return cpu_write_efer(&f->cpu, f->tlb, f->phys, &f->sink, v);
}

/* Writes a PDPT at pa with four present, valid PDPTEs. */
static void put_pdpt(struct fix *f, uint64_t pa)
{
    for (unsigned i = 0; i < 4; i++)
        assert_true(phys_store64(f->phys, pa + 8 * i, (0x10000 + 0x1000 * i) | X86_PTE_P));
}

static void enter_32(struct fix *f)
{
    assert_int_equal(w0(f, X86_CR0_PE), CPU_OK);
    assert_int_equal(w3(f, 0x5000), CPU_OK);
    assert_int_equal(w0(f, X86_CR0_PE | X86_CR0_PG), CPU_OK);
    assert_int_equal(cpu_paging_mode(&f->cpu), PAGING_32);
}

static void enter_pae(struct fix *f)
{
    put_pdpt(f, PDPT_AT);
    assert_int_equal(w0(f, X86_CR0_PE), CPU_OK);
    assert_int_equal(w4(f, X86_CR4_PAE), CPU_OK);
    assert_int_equal(w3(f, PDPT_AT), CPU_OK);
    assert_int_equal(w0(f, X86_CR0_PE | X86_CR0_PG), CPU_OK);
    assert_int_equal(cpu_paging_mode(&f->cpu), PAGING_PAE);
}

static void enter_long(struct fix *f)
{
    assert_int_equal(w0(f, X86_CR0_PE), CPU_OK);
    assert_int_equal(w4(f, X86_CR4_PAE), CPU_OK);
    assert_int_equal(we(f, X86_EFER_LME), CPU_OK);
    assert_int_equal(w3(f, 0x6000), CPU_OK);
    assert_int_equal(w0(f, X86_CR0_PE | X86_CR0_PG), CPU_OK);
    assert_int_equal(cpu_paging_mode(&f->cpu), PAGING_LONG);
}

static void reset_sets_cr0_et_and_clears_the_rest(void **state)
{
    struct fix *f = *state;
    f->cpu.cr3 = 0x1234;
    f->cpu.pdpte[2] = 7;
    cpu_reset(&f->cpu, 40);
    assert_hex_equal(f->cpu.cr0, 0x10);
    assert_hex_equal(f->cpu.cr2, 0);
    assert_hex_equal(f->cpu.cr3, 0);
    assert_hex_equal(f->cpu.cr4, 0);
    assert_hex_equal(f->cpu.efer, 0);
    assert_hex_equal(f->cpu.pdpte[2], 0);
    assert_int_equal(cpu_paging_mode(&f->cpu), PAGING_OFF);
    cpu_reset(&f->cpu, 20);
    assert_int_equal(f->cpu.maxphyaddr, 36);
    cpu_reset(&f->cpu, 64);
    assert_int_equal(f->cpu.maxphyaddr, 52);
}

static void cr0_refusals_change_nothing(void **state)
{
    struct fix *f = *state;
    assert_int_equal(w0(f, X86_CR0_PE), CPU_OK);
    struct cpu before = f->cpu;
    recorder_clear(&f->rec);

    /* Bits 63:32 are reserved. */
    assert_int_equal(w0(f, X86_CR0_PE | (UINT64_C(1) << 32)), CPU_GP);
    assert_int_equal(w0(f, X86_CR0_PE | (UINT64_C(1) << 63)), CPU_GP);
    /* PG without PE. */
    assert_int_equal(w0(f, X86_CR0_PG), CPU_GP);
    assert_cpu_equal(&f->cpu, &before);
    assert_int_equal(f->rec.n, 0);
    /* PG with LME=1 and PAE=0. */
    assert_int_equal(we(f, X86_EFER_LME), CPU_OK);
    before = f->cpu;
    recorder_clear(&f->rec);
    assert_int_equal(w0(f, X86_CR0_PE | X86_CR0_PG), CPU_GP);
    assert_cpu_equal(&f->cpu, &before);
    assert_int_equal(f->rec.n, 0);
}

static void cr0_keeps_et_hardwired(void **state)
{
    struct fix *f = *state;
    assert_int_equal(w0(f, X86_CR0_PE | X86_CR0_PG), CPU_OK);
    assert_hex_equal(f->cpu.cr0, 0x80000011);
    assert_int_equal(w0(f, 0), CPU_OK);
    assert_hex_equal(f->cpu.cr0, X86_CR0_ET);
}

static void lma_follows_lme_and_pg(void **state)
{
    struct fix *f = *state;
    enter_long(f);
    assert_hex_equal(f->cpu.efer, X86_EFER_LME | X86_EFER_LMA);
    /* The implied EFER change is reported after the CR0 write. */
    size_t i = f->rec.n;
    while (i > 0 && f->rec.ev[i - 1].kind != EV_CR_WRITE)
        i--;
    assert_true(i >= 2);
    assert_int_equal(f->rec.ev[i - 2].reg, CPU_CR0);
    const struct event *last = &f->rec.ev[i - 1];
    assert_int_equal(last->reg, CPU_EFER);
    assert_hex_equal(last->old, X86_EFER_LME);
    assert_hex_equal(last->new, X86_EFER_LME | X86_EFER_LMA);

    assert_int_equal(w0(f, X86_CR0_PE), CPU_OK);
    assert_hex_equal(f->cpu.efer, X86_EFER_LME);
    assert_int_equal(cpu_paging_mode(&f->cpu), PAGING_OFF);
    /* Without LME, PG does not set LMA. */
    assert_int_equal(we(f, 0), CPU_OK);
    assert_int_equal(w0(f, X86_CR0_PE | X86_CR0_PG), CPU_OK);
    assert_hex_equal(f->cpu.efer & X86_EFER_LMA, 0);
}

static void cr0_pg_toggle_flushes_global_entries(void **state)
{
    struct fix *f = *state;
    enter_32(f);
    fill_two(f);
    tlb_set_sink(f->tlb, &f->sink);
    recorder_clear(&f->rec);
    assert_int_equal(w0(f, X86_CR0_PE), CPU_OK);
    assert_null(tlb_peek(f->tlb, 0x1000));
    assert_null(tlb_peek(f->tlb, 0x2000));
    const struct event *fl = recorder_find(&f->rec, EV_TLB_FLUSH);
    assert_non_null(fl);
    assert_int_equal(fl->extra, 0);
    assert_int_equal(fl->count, 2);

    fill_two(f);
    assert_int_equal(w0(f, X86_CR0_PE | X86_CR0_PG), CPU_OK);
    assert_null(tlb_peek(f->tlb, 0x1000));
    assert_null(tlb_peek(f->tlb, 0x2000));
}

static void cr0_write_without_pg_change_keeps_tlb(void **state)
{
    struct fix *f = *state;
    enter_32(f);
    fill_two(f);
    uint64_t flushes = tlb_stats(f->tlb).flushes;
    assert_int_equal(w0(f, X86_CR0_PE | X86_CR0_PG | X86_CR0_WP), CPU_OK);
    assert_hex_equal(f->cpu.cr0 & X86_CR0_WP, X86_CR0_WP);
    assert_int_equal(tlb_stats(f->tlb).flushes, flushes);
    assert_non_null(tlb_peek(f->tlb, 0x2000));
}

static void cr3_load_keeps_global_entries(void **state)
{
    struct fix *f = *state;
    enter_32(f);
    fill_two(f);
    tlb_set_sink(f->tlb, &f->sink);
    recorder_clear(&f->rec);
    assert_int_equal(w3(f, 0x7000), CPU_OK);
    assert_hex_equal(f->cpu.cr3, 0x7000);
    assert_non_null(tlb_peek(f->tlb, 0x1000));
    assert_null(tlb_peek(f->tlb, 0x2000));
    const struct event *fl = recorder_find(&f->rec, EV_TLB_FLUSH);
    assert_non_null(fl);
    assert_int_equal(fl->extra, 1);
    assert_int_equal(fl->count, 1);
    /* Reloading the same value flushes again (the classic idiom). */
    fill(f->tlb, 0x2000, false);
    assert_int_equal(w3(f, 0x7000), CPU_OK);
    assert_null(tlb_peek(f->tlb, 0x2000));
}

static void cr3_reserved_bits_refused(void **state)
{
    struct fix *f = *state;
    enter_32(f);
    struct cpu before = f->cpu;
    assert_int_equal(w3(f, UINT64_C(1) << 32), CPU_GP);
    assert_cpu_equal(&f->cpu, &before);

    cpu_reset(&f->cpu, 40);
    enter_long(f);
    fill_two(f);
    before = f->cpu;
    assert_int_equal(w3(f, UINT64_C(1) << 40), CPU_GP);
    assert_int_equal(w3(f, UINT64_C(1) << 63), CPU_GP);
    assert_cpu_equal(&f->cpu, &before);
    assert_non_null(tlb_peek(f->tlb, 0x2000)); /* a refused load flushes nothing */
    /* Bit M-1 is an address bit. */
    assert_int_equal(w3(f, UINT64_C(1) << 39), CPU_OK);
    assert_hex_equal(f->cpu.cr3, UINT64_C(1) << 39);
}

static void cr3_width_follows_maxphyaddr(void **state)
{
    struct fix *f = *state;
    cpu_reset(&f->cpu, 52);
    enter_long(f);
    assert_int_equal(w3(f, UINT64_C(1) << 51), CPU_OK);
    assert_int_equal(w3(f, UINT64_C(1) << 52), CPU_GP);
    cpu_reset(&f->cpu, 36);
    enter_long(f);
    assert_int_equal(w3(f, UINT64_C(1) << 36), CPU_GP);
    assert_int_equal(w3(f, UINT64_C(1) << 35), CPU_OK);
}

static void pae_cr3_load_reads_the_four_pdptes(void **state)
{
    struct fix *f = *state;
    enter_pae(f);
    for (unsigned i = 0; i < 4; i++)
        assert_hex_equal(f->cpu.pdpte[i], (0x10000 + 0x1000 * i) | X86_PTE_P);

    /* A second table, 32-byte aligned: CR3 bits 4:0 are not part of the address. */
    for (unsigned i = 0; i < 4; i++)
        phys_store64(f->phys, 0x8040 + 8 * i, i == 2 ? 0 : (0x20000 + 0x1000 * i) | 0x19);
    assert_int_equal(w3(f, 0x8040 | X86_CR3_PWT), CPU_OK);
    assert_hex_equal(f->cpu.cr3, 0x8048);
    assert_hex_equal(f->cpu.pdpte[0], 0x20019);
    assert_hex_equal(f->cpu.pdpte[1], 0x21019);
    assert_hex_equal(f->cpu.pdpte[2], 0);
    assert_hex_equal(f->cpu.pdpte[3], 0x23019);
}

static void pae_cr3_load_refuses_reserved_pdpte_bits(void **state)
{
    struct fix *f = *state;
    enter_pae(f);
    fill_two(f);
    const uint64_t bad[] = {
        UINT64_C(1) << 1,  UINT64_C(1) << 2,  UINT64_C(1) << 5,  UINT64_C(1) << 6,
        UINT64_C(1) << 7,  UINT64_C(1) << 8,  UINT64_C(1) << 40, UINT64_C(1) << 51,
        UINT64_C(1) << 62, UINT64_C(1) << 63,
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        put_pdpt(f, 0x9000);
        phys_store64(f->phys, 0x9000 + 8 * (k % 4), 0x40000 | X86_PTE_P | bad[k]);
        struct cpu before = f->cpu;
        recorder_clear(&f->rec);
        assert_int_equal(w3(f, 0x9000), CPU_GP);
        assert_cpu_equal(&f->cpu, &before);
        assert_int_equal(f->rec.n, 0);
        assert_non_null(tlb_peek(f->tlb, 0x2000));
    }
    /* Not present: its other bits are ignored. Bits 11:9, PWT, PCD are allowed. */
    put_pdpt(f, 0x9000);
    phys_store64(f->phys, 0x9000, UINT64_C(0xFFFFFFFFFFFFFFFE));
    phys_store64(f->phys, 0x9008, 0x40000 | 0xE19);
    assert_int_equal(w3(f, 0x9000), CPU_OK);
    assert_hex_equal(f->cpu.pdpte[0], UINT64_C(0xFFFFFFFFFFFFFFFE));
    assert_hex_equal(f->cpu.pdpte[1], 0x40E19);
}

static void pae_pdpte_outside_ram_is_refused(void **state)
{
    struct fix *f = *state;
    enter_pae(f);
    struct cpu before = f->cpu;
    /* Nothing behind the bus: the PDPTEs read as all ones, present with reserved bits. */
    assert_int_equal(w3(f, 0xFFFFF000), CPU_GP);
    assert_cpu_equal(&f->cpu, &before);
}

static void enabling_pae_paging_loads_pdptes_or_refuses(void **state)
{
    struct fix *f = *state;
    put_pdpt(f, PDPT_AT);
    phys_store64(f->phys, PDPT_AT + 24, 0x50000 | X86_PTE_P | X86_PTE_RW); /* reserved bit 1 */
    assert_int_equal(w0(f, X86_CR0_PE), CPU_OK);
    assert_int_equal(w4(f, X86_CR4_PAE), CPU_OK);
    assert_int_equal(w3(f, PDPT_AT), CPU_OK); /* paging off: nothing loaded */
    assert_hex_equal(f->cpu.pdpte[0], 0);
    struct cpu before = f->cpu;
    assert_int_equal(w0(f, X86_CR0_PE | X86_CR0_PG), CPU_GP);
    assert_cpu_equal(&f->cpu, &before);

    phys_store64(f->phys, PDPT_AT + 24, 0x50000 | X86_PTE_P);
    assert_int_equal(w0(f, X86_CR0_PE | X86_CR0_PG), CPU_OK);
    assert_hex_equal(f->cpu.pdpte[0], 0x10001);
    assert_hex_equal(f->cpu.pdpte[3], 0x50001);

    /* Setting PAE while PG=1 (32-bit -> PAE) loads them too. */
    cpu_reset(&f->cpu, 40);
    assert_int_equal(w0(f, X86_CR0_PE), CPU_OK);
    assert_int_equal(w3(f, PDPT_AT), CPU_OK);
    assert_int_equal(w0(f, X86_CR0_PE | X86_CR0_PG), CPU_OK);
    assert_hex_equal(f->cpu.pdpte[0], 0);
    assert_int_equal(w4(f, X86_CR4_PAE), CPU_OK);
    assert_hex_equal(f->cpu.pdpte[1], 0x11001);
}

static void cr4_refusals_change_nothing(void **state)
{
    struct fix *f = *state;
    struct cpu before = f->cpu;
    /* Bits the simulator does not know (VME, PCIDE, SMEP, LA57, 63:32). */
    assert_int_equal(w4(f, 0x1), CPU_GP);
    assert_int_equal(w4(f, UINT64_C(1) << 17), CPU_GP);
    assert_int_equal(w4(f, UINT64_C(1) << 20), CPU_GP);
    assert_int_equal(w4(f, UINT64_C(1) << 12), CPU_GP);
    assert_int_equal(w4(f, X86_CR4_PAE | (UINT64_C(1) << 32)), CPU_GP);
    assert_cpu_equal(&f->cpu, &before);

    /* PAE cannot be cleared in IA-32e mode (SDM 4.1.2). */
    enter_long(f);
    before = f->cpu;
    assert_int_equal(w4(f, 0), CPU_GP);
    assert_int_equal(w4(f, X86_CR4_PSE), CPU_GP);
    assert_cpu_equal(&f->cpu, &before);
    assert_int_equal(w4(f, X86_CR4_PAE | X86_CR4_PGE), CPU_OK);
}

static void cr4_pge_pae_pse_changes_flush_global_entries(void **state)
{
    struct fix *f = *state;
    enter_32(f);
    const uint64_t vals[] = {X86_CR4_PGE, 0, X86_CR4_PSE, X86_CR4_PSE | X86_CR4_PGE};
    for (size_t k = 0; k < 4; k++) {
        fill_two(f);
        assert_int_equal(w4(f, vals[k]), CPU_OK);
        assert_null(tlb_peek(f->tlb, 0x1000));
        assert_null(tlb_peek(f->tlb, 0x2000));
    }
    /* Writing the same value again changes nothing and flushes nothing. */
    fill_two(f);
    assert_int_equal(w4(f, X86_CR4_PSE | X86_CR4_PGE), CPU_OK);
    assert_non_null(tlb_peek(f->tlb, 0x1000));
    assert_non_null(tlb_peek(f->tlb, 0x2000));
    /* PAE: 32-bit -> PAE paging flushes too. */
    put_pdpt(f, 0x5000);
    assert_int_equal(w4(f, X86_CR4_PAE | X86_CR4_PGE), CPU_OK);
    assert_null(tlb_peek(f->tlb, 0x1000));
}

static void cr4_change_under_pae_paging_reloads_pdptes(void **state)
{
    struct fix *f = *state;
    enter_pae(f);
    phys_store64(f->phys, PDPT_AT, 0x77001);
    assert_int_equal(w4(f, X86_CR4_PAE | X86_CR4_PGE), CPU_OK);
    assert_hex_equal(f->cpu.pdpte[0], 0x77001);
    /* A reserved bit in memory makes the same kind of write fault. */
    phys_store64(f->phys, PDPT_AT, 0x77001 | (UINT64_C(1) << 8));
    struct cpu before = f->cpu;
    assert_int_equal(w4(f, X86_CR4_PAE), CPU_GP);
    assert_cpu_equal(&f->cpu, &before);
    /* An unchanged CR4 loads nothing. */
    assert_int_equal(w4(f, X86_CR4_PAE | X86_CR4_PGE), CPU_OK);
    assert_hex_equal(f->cpu.pdpte[0], 0x77001);
}

static void efer_refusals_change_nothing(void **state)
{
    struct fix *f = *state;
    struct cpu before = f->cpu;
    assert_int_equal(we(f, UINT64_C(1) << 1), CPU_GP);
    assert_int_equal(we(f, UINT64_C(1) << 9), CPU_GP);
    assert_int_equal(we(f, UINT64_C(1) << 12), CPU_GP);
    assert_int_equal(we(f, UINT64_C(1) << 40), CPU_GP);
    assert_cpu_equal(&f->cpu, &before);

    /* LME cannot change while paging is on, in either direction. */
    enter_32(f);
    before = f->cpu;
    assert_int_equal(we(f, X86_EFER_LME), CPU_GP);
    assert_cpu_equal(&f->cpu, &before);
    cpu_reset(&f->cpu, 40);
    enter_long(f);
    before = f->cpu;
    assert_int_equal(we(f, X86_EFER_LMA), CPU_GP);
    assert_cpu_equal(&f->cpu, &before);
}

static void efer_lma_is_read_only(void **state)
{
    struct fix *f = *state;
    assert_int_equal(we(f, X86_EFER_LMA | X86_EFER_SCE), CPU_OK);
    assert_hex_equal(f->cpu.efer, X86_EFER_SCE);
    enter_long(f);
    /* Writing LMA=0 while in long mode leaves it set. */
    assert_int_equal(we(f, X86_EFER_LME | X86_EFER_NXE), CPU_OK);
    assert_hex_equal(f->cpu.efer, X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE);
}

static void efer_nxe_toggles_with_paging_on(void **state)
{
    struct fix *f = *state;
    enter_pae(f);
    fill_two(f);
    assert_int_equal(we(f, X86_EFER_NXE), CPU_OK);
    assert_hex_equal(f->cpu.efer, X86_EFER_NXE);
    assert_int_equal(we(f, 0), CPU_OK);
    assert_hex_equal(f->cpu.efer, 0);
    assert_non_null(tlb_peek(f->tlb, 0x2000)); /* no flush */
    assert_int_equal(cpu_paging_mode(&f->cpu), PAGING_PAE);
}

static void writes_emit_cr_write_events(void **state)
{
    struct fix *f = *state;
    recorder_clear(&f->rec);
    assert_int_equal(w4(f, X86_CR4_PSE), CPU_OK);
    assert_int_equal(w3(f, 0x4000), CPU_OK);
    cpu_set_cr2(&f->cpu, &f->sink, 0xdead000);
    assert_int_equal(we(f, X86_EFER_NXE), CPU_OK);
    assert_int_equal(w0(f, X86_CR0_PE), CPU_OK);
    assert_int_equal(w0(f, X86_CR0_PG), CPU_GP);
    assert_int_equal(f->rec.n, 5);
    const uint8_t regs[] = {CPU_CR4, CPU_CR3, CPU_CR2, CPU_EFER, CPU_CR0};
    const uint64_t news[] = {X86_CR4_PSE, 0x4000, 0xdead000, X86_EFER_NXE, 0x11};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(f->rec.ev[i].kind, EV_CR_WRITE);
        assert_int_equal(f->rec.ev[i].reg, regs[i]);
        assert_hex_equal(f->rec.ev[i].new, news[i]);
    }
    assert_hex_equal(f->rec.ev[4].old, 0x10);
    assert_hex_equal(f->cpu.cr2, 0xdead000);
    /* A NULL sink and a NULL tlb are fine. */
    assert_int_equal(cpu_write_cr3(&f->cpu, NULL, f->phys, NULL, 0x8000), CPU_OK);
    cpu_set_cr2(&f->cpu, NULL, 1);
    assert_hex_equal(f->cpu.cr2, 1);
}

static void paging_mode_follows_sdm_table_4_1(void **state)
{
    struct fix *f = *state;
    struct cpu c;
    cpu_reset(&c, 40);
    const struct {
        uint64_t cr0, cr4, efer;
        enum paging_mode mode;
    } rows[] = {
        {X86_CR0_PE, X86_CR4_PAE, X86_EFER_LME, PAGING_OFF},
        {X86_CR0_PE | X86_CR0_PG, 0, 0, PAGING_32},
        {X86_CR0_PE | X86_CR0_PG, X86_CR4_PSE, 0, PAGING_32},
        {X86_CR0_PE | X86_CR0_PG, X86_CR4_PAE, 0, PAGING_PAE},
        {X86_CR0_PE | X86_CR0_PG, X86_CR4_PAE, X86_EFER_LME | X86_EFER_LMA, PAGING_LONG},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        c.cr0 = rows[i].cr0;
        c.cr4 = rows[i].cr4;
        c.efer = rows[i].efer;
        assert_int_equal(cpu_paging_mode(&c), rows[i].mode);
    }
    assert_string_equal(cpu_mode_name(PAGING_OFF), "off");
    assert_string_equal(cpu_mode_name(PAGING_32), "32-bit");
    assert_string_equal(cpu_mode_name(PAGING_PAE), "PAE");
    assert_string_equal(cpu_mode_name(PAGING_LONG), "4-level");
    assert_string_equal(cpu_reg_name(CPU_CR0), "CR0");
    assert_string_equal(cpu_reg_name(CPU_CR2), "CR2");
    assert_string_equal(cpu_reg_name(CPU_CR3), "CR3");
    assert_string_equal(cpu_reg_name(CPU_CR4), "CR4");
    assert_string_equal(cpu_reg_name(CPU_EFER), "EFER");
    assert_string_equal(cpu_reg_name((enum cpu_reg)99), "?");
    assert_string_equal(cpu_mode_name((enum paging_mode)99), "?");
    (void)f;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(reset_sets_cr0_et_and_clears_the_rest),
        T(cr0_refusals_change_nothing),
        T(cr0_keeps_et_hardwired),
        T(lma_follows_lme_and_pg),
        T(cr0_pg_toggle_flushes_global_entries),
        T(cr0_write_without_pg_change_keeps_tlb),
        T(cr3_load_keeps_global_entries),
        T(cr3_reserved_bits_refused),
        T(cr3_width_follows_maxphyaddr),
        T(pae_cr3_load_reads_the_four_pdptes),
        T(pae_cr3_load_refuses_reserved_pdpte_bits),
        T(pae_pdpte_outside_ram_is_refused),
        T(enabling_pae_paging_loads_pdptes_or_refuses),
        T(cr4_refusals_change_nothing),
        T(cr4_pge_pae_pse_changes_flush_global_entries),
        T(cr4_change_under_pae_paging_reloads_pdptes),
        T(efer_refusals_change_nothing),
        T(efer_lma_is_read_only),
        T(efer_nxe_toggles_with_paging_on),
        T(writes_emit_cr_write_events),
        T(paging_mode_follows_sdm_table_4_1),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
