/*
 * test_machine.c - the whole machine: boot in the four modes (registers,
 * memory map, kernel and identity mappings), every diagnostic, faults with
 * the hardware's error code and CR2, out of memory on a tiny RAM, the
 * counters, and step-back: scalars plus tmem chunks restored give the same
 * hash as a fresh machine run to the same point.
 */
#include "helpers.h"

#include <stdbool.h>
#include <stdint.h>

#include "sim/cpu.h"
#include "sim/heap.h"
#include "sim/machine.h"
#include "sim/mmu.h"
#include "sim/pfa.h"
#include "sim/phys.h"
#include "sim/tlb.h"
#include "sim/tmem.h"
#include "sim/vmm.h"
#include "sim/x86.h"

static struct recorder rec;

static struct machine *boot_cfg(struct machine_config *c)
{
    struct event_sink s = recorder_sink(&rec);
    enum machine_status st;
    struct machine *m = machine_create(c, &s, &st);
    assert_non_null(m);
    assert_int_equal(st, MACHINE_OK);
    return m;
}

/* Every configurable mode, in keyword order. */
static const enum paging_mode all_modes[] = {PAGING_32, PAGING_PSE, PAGING_PAE, PAGING_LONG};

static struct machine *boot(enum paging_mode mode, uint64_t ram, uint32_t nids)
{
    struct machine_config c;
    machine_config_default(&c);
    c.paging = mode;
    c.ram_bytes = ram;
    c.nids = nids;
    struct machine *m = boot_cfg(&c);
    recorder_clear(&rec);
    return m;
}

static void boot_sets_registers_in_every_mode(void **state)
{
    (void)state;
    const struct {
        enum paging_mode p;
        uint64_t cr4, efer;
    } want[] = {
        {PAGING_32, 0, 0},
        {PAGING_PSE, X86_CR4_PSE, 0},
        {PAGING_PAE, X86_CR4_PAE, X86_EFER_NXE},
        {PAGING_LONG, X86_CR4_PAE, X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE},
    };
    for (int i = 0; i < 4; i++) {
        struct machine *m = boot(want[i].p, 16 << 20, 1);
        const struct cpu *c = machine_cpu(m);
        assert_hex_equal(c->cr0, 0x80000011);
        assert_hex_equal(c->cr4, want[i].cr4);
        assert_hex_equal(c->efer, want[i].efer);
        assert_hex_equal(c->cr3 & ~UINT64_C(0xFFF), 0x105000);
        assert_hex_equal(c->cr3, vmm_top_table(machine_vmm(m)));
        machine_destroy(m);
    }
}

static void boot_emits_control_register_writes_ending_with_pg(void **state)
{
    (void)state;
    struct machine_config c;
    machine_config_default(&c);
    recorder_clear(&rec);
    struct machine *m = boot_cfg(&c);
    const struct event *last = NULL;
    for (size_t i = 0; i < rec.n; i++) {
        if (rec.ev[i].kind == EV_CR_WRITE)
            last = &rec.ev[i];
    }
    assert_non_null(last);
    assert_int_equal(last->reg, CPU_CR0);
    assert_hex_equal(last->new, 0x80000011);
    assert_true(recorder_count(&rec, EV_TABLE_ALLOC) >= 2);
    machine_destroy(m);
}

static void memory_map_reserves_low_memory_and_claims_the_kernel(void **state)
{
    (void)state;
    struct machine *m = boot(PAGING_32, 16 << 20, 1);
    const struct pfa *a = machine_pfa(m);
    assert_int_equal(pfa_state(a, 0), PFA_RESERVED);
    assert_int_equal(pfa_state(a, 0x9F), PFA_RESERVED);
    assert_int_equal(pfa_state(a, 0xB8), PFA_RESERVED);
    assert_int_equal(pfa_state(a, 0xFF), PFA_RESERVED);
    for (uint64_t f = 0x100; f < 0x105; f++) {
        assert_int_equal(pfa_state(a, f), PFA_USED);
        assert_int_equal(pfa_role(a, f), ROLE_KERNEL);
    }
    struct pfa_stats s = pfa_stats(a);
    assert_int_equal(s.total, 4096);
    assert_int_equal(s.reserved, 256);
    assert_int_equal(s.used, 5 + 2); /* kernel, page directory, kernel page table */
    machine_destroy(m);
}

static void reserve_and_identity_ranges_shape_the_memory_map(void **state)
{
    (void)state;
    struct machine_range res = {0x800000, 0x3000, "hole"};
    struct machine_range id[2] = {{0xB8000, 0x1000, "vga"}, {0x200000, 0x2000, "dev"}};
    struct machine_config c;
    machine_config_default(&c);
    c.reserve = &res;
    c.nreserve = 1;
    c.identity = id;
    c.nidentity = 2;
    struct machine *m = boot_cfg(&c);
    const struct pfa *a = machine_pfa(m);
    assert_int_equal(pfa_state(a, 0x800), PFA_RESERVED);
    assert_int_equal(pfa_state(a, 0x802), PFA_RESERVED);
    assert_int_equal(pfa_state(a, 0x803), PFA_FREE);
    assert_int_equal(pfa_role(a, 0x200), ROLE_DEVICE);
    assert_int_equal(pfa_state(a, 0x201), PFA_USED);
    assert_int_equal(pfa_state(a, 0xB8), PFA_RESERVED); /* stays reserved, mapped anyway */
    struct mmu_result r;
    assert_true(machine_probe(m, 0xB8004, MMU_WRITE, false, &r));
    assert_hex_equal(r.pa, 0xB8004);
    assert_true(machine_probe(m, 0x201FFF, MMU_READ, false, &r));
    assert_hex_equal(r.pa, 0x201FFF);
    assert_string_equal(machine_config(m)->identity[0].label, "vga");
    assert_string_equal(machine_config(m)->reserve[0].label, "hole");
    /* A raw write goes through the identity mapping to RAM. */
    machine_access_va(m, 0x200010, 4, MMU_WRITE);
    assert_int_equal(phys_load8(machine_phys(m), 0x200013), 0xAA);
    machine_destroy(m);
}

static void kernel_translates_in_every_mode(void **state)
{
    (void)state;
    const enum paging_mode p[] = {PAGING_32, PAGING_PSE, PAGING_PAE, PAGING_LONG};
    for (int i = 0; i < 4; i++) {
        struct machine *m = boot(p[i], 16 << 20, 1);
        uint64_t va = vmm_kernel_base(machine_vmm(m)) + 0x102040;
        struct mmu_result r;
        assert_true(machine_probe(m, va, MMU_WRITE, false, &r));
        assert_hex_equal(r.pa, 0x102040);
        assert_int_equal(r.page_size, 4096);
        assert_false(machine_probe(m, va, MMU_READ, true, &r)); /* supervisor only */
        assert_hex_equal(r.fault.error_code, X86_PF_P | X86_PF_U);
        machine_destroy(m);
    }
}

static void bad_configuration_is_refused(void **state)
{
    (void)state;
    struct machine_config c;
    enum machine_status st;
    machine_config_default(&c);
    c.ram_bytes = 12345;
    assert_null(machine_create(&c, NULL, &st));
    assert_int_equal(st, MACHINE_ERR_CONFIG);
    machine_config_default(&c);
    c.ram_bytes = UINT64_C(8) << 30; /* 32-bit entries cannot reach it */
    assert_null(machine_create(&c, NULL, &st));
    assert_int_equal(st, MACHINE_ERR_CONFIG);
    machine_config_default(&c);
    c.tlb_entries = 63;
    assert_null(machine_create(&c, NULL, &st));
    assert_int_equal(st, MACHINE_ERR_CONFIG);
    machine_config_default(&c);
    c.ram_bytes = 1 << 20; /* no room for the kernel */
    assert_null(machine_create(&c, NULL, &st));
    assert_int_equal(st, MACHINE_ERR_BOOT);
    machine_config_default(&c);
    struct machine_range id = {UINT64_C(0xFFFFF000), 0x3000, NULL};
    c.identity = &id;
    c.nidentity = 1;
    assert_null(machine_create(&c, NULL, &st));
    assert_int_equal(st, MACHINE_ERR_CONFIG);
}

/* machine_create_why names the reason and the range, so that the caller can
 * blame the line or option that set it. */
static void a_refused_boot_says_why_and_which_range(void **state)
{
    (void)state;
    struct machine_config c;
    struct machine_failure f;
    machine_config_default(&c);
    c.ram_bytes = 1 << 20;
    assert_null(machine_create_why(&c, NULL, &f));
    assert_int_equal(f.status, MACHINE_ERR_BOOT);
    assert_int_equal(f.why, MACHINE_WHY_RAM_SMALL);
    c.ram_bytes = machine_min_ram();
    struct machine *m = machine_create_why(&c, NULL, &f);
    assert_non_null(m); /* the smallest RAM that boots does boot */
    machine_destroy(m);
    machine_config_default(&c);
    c.ram_bytes = UINT64_C(8) << 30;
    assert_null(machine_create_why(&c, NULL, &f));
    assert_int_equal(f.why, MACHINE_WHY_RAM_32BIT);
    /* Ranges: reserve[0], reserve[1], identity[0] = range 2. */
    machine_config_default(&c);
    struct machine_range rs[2] = {{0xA0000, 0x20000, NULL}, {0x0, 0x1000000, NULL}};
    c.reserve = rs;
    c.nreserve = 2;
    assert_null(machine_create_why(&c, NULL, &f));
    assert_int_equal(f.status, MACHINE_ERR_BOOT);
    assert_int_equal(f.why, MACHINE_WHY_RESERVE_KERNEL);
    assert_int_equal(f.range, 1);
    rs[1].start = 0x106000;
    rs[1].len = 0x1000000 - 0x106000;
    assert_null(machine_create_why(&c, NULL, &f));
    assert_int_equal(f.why, MACHINE_WHY_NO_FRAMES);
    assert_int_equal(f.range, 1);
    rs[1].start = 0x800000; /* half the RAM stays free: boots */
    rs[1].len = 0x100000;
    struct machine_range id = {0x0, 0x1000000, NULL};
    c.identity = &id;
    c.nidentity = 1;
    assert_null(machine_create_why(&c, NULL, &f));
    assert_int_equal(f.why, MACHINE_WHY_NO_FRAMES);
    assert_int_equal(f.range, 2);
    c.paging = PAGING_LONG;
    id.start = UINT64_C(1) << 41; /* past MAXPHYADDR 40, inside 47 bits */
    id.len = 0x1000;
    assert_null(machine_create_why(&c, NULL, &f));
    assert_int_equal(f.status, MACHINE_ERR_CONFIG);
    assert_int_equal(f.why, MACHINE_WHY_IDENTITY_RANGE);
    assert_int_equal(f.range, 2);
    assert_hex_equal(machine_identity_limit(PAGING_LONG, 0), UINT64_C(1) << 40);
    assert_hex_equal(machine_identity_limit(PAGING_PAE, 0), UINT64_C(1) << 32);
}

static void double_free_is_diagnosed_and_changes_nothing(void **state)
{
    (void)state;
    struct machine *m = boot(PAGING_32, 16 << 20, 2);
    assert_true(machine_malloc(m, 0, 10));
    machine_free(m, 0);
    uint64_t h = machine_hash(m);
    recorder_clear(&rec);
    machine_free(m, 0);
    const struct event *d = recorder_find(&rec, EV_DIAG);
    assert_non_null(d);
    assert_int_equal(d->extra, DIAG_DOUBLE_FREE);
    assert_int_equal(machine_stats(m).diag[DIAG_DOUBLE_FREE], 1);
    assert_int_equal(machine_stats(m).diagnostics, 1);
    assert_int_equal(recorder_count(&rec, EV_BLOCK_FREE), 0);
    assert_true(h != machine_hash(m)); /* only the counters moved */
    machine_destroy(m);
}

static void free_of_unknown_id_is_diagnosed(void **state)
{
    (void)state;
    struct machine *m = boot(PAGING_32, 16 << 20, 2);
    machine_free(m, 1);
    machine_free(m, 7); /* past nids */
    machine_access(m, 1, 0, 1, MMU_READ);
    assert_int_equal(machine_stats(m).diag[DIAG_UNKNOWN_ID], 3);
    assert_int_equal(machine_stats(m).accesses, 0);
    assert_false(machine_malloc(m, 9, 10));
    assert_int_equal(machine_stats(m).failed_allocs, 0);
    machine_destroy(m);
}

static void id_reused_while_live_leaks_the_old_block(void **state)
{
    (void)state;
    struct machine *m = boot(PAGING_32, 16 << 20, 1);
    assert_true(machine_malloc(m, 0, 10));
    struct machine_block first;
    assert_true(machine_block(m, 0, &first));
    assert_true(machine_malloc(m, 0, 20));
    assert_int_equal(machine_stats(m).diag[DIAG_ID_REUSED], 1);
    assert_int_equal(machine_stats(m).live_blocks, 2);
    assert_int_equal(machine_stats(m).live_bytes, 30);
    struct machine_block b;
    assert_true(machine_block(m, 0, &b));
    assert_true(b.va != first.va);
    assert_int_equal(b.size, 20);
    machine_free(m, 0);
    assert_int_equal(machine_stats(m).live_blocks, 1);
    machine_destroy(m);
}

static void use_after_free_of_small_block_still_accesses(void **state)
{
    (void)state;
    struct machine *m = boot(PAGING_32, 16 << 20, 2);
    assert_true(machine_malloc(m, 0, 100));
    assert_true(machine_malloc(m, 1, 100));
    machine_free(m, 0);
    recorder_clear(&rec);
    machine_access(m, 0, 50, 4, MMU_READ);
    assert_int_equal(machine_stats(m).diag[DIAG_USE_AFTER_FREE], 1);
    assert_int_equal(recorder_count(&rec, EV_ACCESS), 1); /* the page is still mapped */
    assert_int_equal(machine_stats(m).page_faults, 0);
    machine_destroy(m);
}

static void use_after_free_of_large_block_page_faults(void **state)
{
    (void)state;
    const enum paging_mode p[] = {PAGING_32, PAGING_PAE, PAGING_LONG};
    for (int i = 0; i < 3; i++) {
        struct machine *m = boot(p[i], 16 << 20, 1);
        assert_true(machine_malloc(m, 0, 200000));
        struct machine_block b;
        assert_true(machine_block(m, 0, &b));
        machine_access(m, 0, 0, 16, MMU_WRITE);
        machine_free(m, 0);
        recorder_clear(&rec);
        machine_access(m, 0, 5000, 8, MMU_WRITE);
        const struct event *f = recorder_find(&rec, EV_FAULT);
        assert_non_null(f);
        assert_int_equal(f->extra, X86_VEC_PF);
        assert_hex_equal(f->code, X86_PF_W); /* write, not present, supervisor */
        assert_hex_equal(machine_cpu(m)->cr2, b.va + 5000);
        struct machine_stats st = machine_stats(m);
        assert_int_equal(st.page_faults, 1);
        assert_int_equal(st.diag[DIAG_USE_AFTER_FREE], 1);
        assert_int_equal(st.diag[DIAG_PAGE_FAULT], 1);
        assert_int_equal(recorder_count(&rec, EV_ACCESS), 0);
        machine_destroy(m);
    }
}

static void access_past_the_end_is_diagnosed_then_done(void **state)
{
    (void)state;
    struct machine *m = boot(PAGING_32, 16 << 20, 1);
    assert_true(machine_malloc(m, 0, 100));
    machine_access(m, 0, 96, 8, MMU_READ);
    assert_int_equal(machine_stats(m).diag[DIAG_OUT_OF_BOUNDS], 1);
    machine_access(m, 0, 0, 100, MMU_WRITE);
    assert_int_equal(machine_stats(m).diag[DIAG_OUT_OF_BOUNDS], 1);
    assert_int_equal(machine_stats(m).accesses, 2);
    machine_destroy(m);
}

static void write_stores_the_id_pattern_through_the_mmu(void **state)
{
    (void)state;
    struct machine *m = boot(PAGING_PAE, 16 << 20, 8);
    assert_true(machine_malloc(m, 7, 6000));
    machine_access(m, 7, 0, 6000, MMU_WRITE);
    struct machine_block b;
    assert_true(machine_block(m, 7, &b));
    struct mmu_result r;
    assert_true(machine_probe(m, b.va + 5999, MMU_READ, false, &r));
    assert_int_equal(phys_load8(machine_phys(m), r.pa), 7);
    /* The write set the Dirty bit of the PTE. */
    assert_true(r.steps[r.nsteps - 1].entry & X86_PTE_D);
    machine_destroy(m);
}

static void raw_access_to_unmapped_address_page_faults(void **state)
{
    (void)state;
    struct machine *m = boot(PAGING_32, 16 << 20, 1);
    machine_access_va(m, 0x40000000, 4, MMU_READ);
    struct machine_stats st = machine_stats(m);
    assert_int_equal(st.page_faults, 1);
    assert_int_equal(st.diag[DIAG_PAGE_FAULT], 1);
    assert_hex_equal(machine_cpu(m)->cr2, 0x40000000);
    machine_destroy(m);
}

static void non_canonical_access_in_long_mode_is_gp(void **state)
{
    (void)state;
    struct machine *m = boot(PAGING_LONG, 16 << 20, 1);
    machine_access_va(m, UINT64_C(0x0000800000000000), 1, MMU_READ);
    struct machine_stats st = machine_stats(m);
    assert_int_equal(st.gp_faults, 1);
    assert_int_equal(st.page_faults, 0);
    assert_int_equal(st.diag[DIAG_PAGE_FAULT], 1);
    machine_destroy(m);
}

static void out_of_memory_is_a_failed_allocation_and_the_machine_goes_on(void **state)
{
    (void)state;
    const enum paging_mode p[] = {PAGING_32, PAGING_LONG};
    for (int i = 0; i < 2; i++) {
        struct machine *m = boot(p[i], 0x110000, 4); /* 1 MiB + 64 KiB */
        struct pfa_stats before = pfa_stats(machine_pfa(m));
        recorder_clear(&rec);
        assert_false(machine_malloc(m, 0, 100000));
        assert_non_null(recorder_find(&rec, EV_ALLOC_FAIL));
        assert_int_equal(machine_stats(m).failed_allocs, 1);
        assert_int_equal(machine_stats(m).diag[DIAG_OUT_OF_MEMORY], 1);
        assert_int_equal(pfa_stats(machine_pfa(m)).used, before.used);
        assert_false(machine_malloc(m, 1, 300000)); /* large: no frames either */
        assert_int_equal(machine_stats(m).failed_allocs, 2);
        assert_true(machine_malloc(m, 2, 1000));
        machine_access(m, 2, 0, 1000, MMU_WRITE);
        assert_int_equal(machine_stats(m).page_faults, 0);
        /* A realloc that cannot grow fails and keeps the block. */
        assert_false(machine_realloc(m, 2, 2, 1000000));
        struct machine_block b;
        assert_true(machine_block(m, 2, &b));
        assert_true(b.live);
        assert_int_equal(b.size, 1000);
        machine_free(m, 2);
        assert_int_equal(pfa_stats(machine_pfa(m)).used, before.used);
        assert_false(machine_calloc(m, 3, UINT64_MAX, 4)); /* overflow */
        assert_int_equal(machine_stats(m).failed_allocs, 4);
        machine_destroy(m);
    }
}

static void virtual_room_runs_out_before_frames(void **state)
{
    (void)state;
    struct machine *m = boot(PAGING_32, 16 << 20, 2);
    assert_false(machine_malloc(m, 0, UINT64_C(600) << 20)); /* larger than the region */
    assert_int_equal(machine_stats(m).failed_allocs, 1);
    assert_true(machine_malloc(m, 1, 10));
    machine_destroy(m);
}

static void realloc_of_unknown_id_behaves_as_malloc_and_size_zero_frees(void **state)
{
    (void)state;
    struct machine *m = boot(PAGING_32, 16 << 20, 3);
    assert_true(machine_realloc(m, 0, 1, 50));
    assert_int_equal(machine_stats(m).diag[DIAG_UNKNOWN_ID], 1);
    struct machine_block b;
    assert_true(machine_block(m, 1, &b));
    assert_true(b.live);
    assert_true(machine_realloc(m, 1, 1, 0));
    assert_true(machine_block(m, 1, &b));
    assert_false(b.live);
    assert_int_equal(machine_stats(m).live_blocks, 0);
    assert_true(machine_realloc(m, 1, 2, 10)); /* realloc of a freed block */
    assert_int_equal(machine_stats(m).diag[DIAG_DOUBLE_FREE], 1);
    assert_int_equal(machine_stats(m).live_blocks, 1);
    machine_destroy(m);
}

static void live_and_peak_bytes_follow_the_requests(void **state)
{
    (void)state;
    struct machine *m = boot(PAGING_32, 16 << 20, 3);
    assert_true(machine_malloc(m, 0, 100));
    assert_true(machine_calloc(m, 1, 10, 20));
    assert_true(machine_realloc(m, 0, 0, 500));
    struct machine_stats st = machine_stats(m);
    assert_int_equal(st.live_blocks, 2);
    assert_int_equal(st.live_bytes, 700);
    assert_int_equal(st.peak_live_bytes, 700); /* the realloc counts once */
    machine_free(m, 0);
    machine_failed_alloc(m, UINT32_MAX, 64);
    st = machine_stats(m);
    assert_int_equal(st.live_bytes, 200);
    assert_int_equal(st.peak_live_bytes, 700);
    assert_int_equal(st.failed_allocs, 1);
    assert_int_equal(st.diagnostics, 0);
    machine_destroy(m);
}

/* A journal that keeps every saved chunk, for undo. */
#define JMAX 4096
struct saved {
    struct tmem *m;
    uint64_t chunk;
    size_t len;
    uint8_t data[TMEM_CHUNK_SIZE];
};
struct journal {
    struct saved *e;
    size_t n;
};

static void journal_save(void *ctx, struct tmem *m, uint64_t chunk, const uint8_t *old, size_t len)
{
    struct journal *j = ctx;
    assert_true(j->n < JMAX);
    j->e[j->n].m = m;
    j->e[j->n].chunk = chunk;
    j->e[j->n].len = len;
    memcpy(j->e[j->n].data, old, len);
    j->n++;
}

static void script(struct machine *m, int part)
{
    if (part == 0) {
        machine_malloc(m, 0, 100);
        machine_malloc(m, 1, 300000);
        machine_access(m, 0, 0, 100, MMU_WRITE);
        machine_malloc(m, 2, 5000);
    } else if (part == 1) {
        machine_free(m, 0);
        machine_realloc(m, 2, 3, 9000);
        machine_access(m, 1, 0, 300000, MMU_WRITE);
        machine_free(m, 1);
        machine_access(m, 1, 10, 1, MMU_READ); /* #PF */
        machine_malloc(m, 0, 70000);
        machine_free(m, 9);
    } else {
        /* The lesson operations change registers, entries and the TLB too. */
        machine_set_cr4_pge(m, true);
        machine_set_cr0_wp(m, true);
        machine_protect(m, 0, false, false);
        machine_access(m, 0, 0, 1, MMU_WRITE);
        machine_invlpg(m, 0, 0);
        machine_access(m, 0, 0, 1, MMU_WRITE); /* #PF */
        machine_cr3_reload(m);
        machine_protect_va(m, 0, UINT64_MAX, true, true);
        machine_access_priv(m, 3, 0, 1, MMU_READ, true);
        machine_access(m, 3, 0, 1, MMU_EXEC);
    }
}

static void step_back_restores_the_same_hash(void **state)
{
    (void)state;
    const enum paging_mode p[] = {PAGING_32, PAGING_PSE, PAGING_PAE, PAGING_LONG};
    for (int k = 0; k < 4; k++) {
        struct machine *a = boot(p[k], 16 << 20, 10);
        struct machine *b = boot(p[k], 16 << 20, 10);
        machine_set_sink(a, NULL);
        machine_set_sink(b, NULL);
        script(a, 0);
        script(b, 0);
        uint64_t h0 = machine_hash(b);
        assert_hex_equal(machine_hash(a), h0);
        struct journal j = {calloc(JMAX, sizeof(struct saved)), 0};
        assert_non_null(j.e);
        struct tmem_journal tj = {journal_save, &j};
        struct tmem *tm[16];
        size_t nt = machine_tmems(a, tm, 16);
        assert_int_equal(nt, 7);
        for (size_t i = 0; i < nt; i++)
            tmem_set_journal(tm[i], &tj);
        uint8_t *sc = malloc(machine_scalars_size(a));
        machine_scalars_save(a, sc);
        script(a, 1);
        script(a, 2);
        assert_true(machine_hash(a) != h0);
        assert_true(j.n > 0);
        for (size_t i = j.n; i-- > 0;)
            tmem_restore_chunk(j.e[i].m, j.e[i].chunk, j.e[i].data, j.e[i].len);
        machine_scalars_load(a, sc);
        for (size_t i = 0; i < nt; i++)
            tmem_set_journal(tm[i], NULL);
        assert_hex_equal(machine_hash(a), h0);
        /* And forward again reaches the same state as the other machine. */
        script(a, 1);
        script(a, 2);
        script(b, 1);
        script(b, 2);
        assert_hex_equal(machine_hash(a), machine_hash(b));
        free(sc);
        free(j.e);
        machine_destroy(a);
        machine_destroy(b);
    }
}

static void two_machines_side_by_side_do_not_interfere(void **state)
{
    (void)state;
    struct machine *a = boot(PAGING_32, 16 << 20, 10);
    struct machine *b = boot(PAGING_LONG, 16 << 20, 10);
    struct machine *c = boot(PAGING_32, 16 << 20, 10);
    script(a, 0);
    script(b, 0);
    script(b, 1);
    script(a, 1);
    script(c, 0);
    script(c, 1);
    assert_hex_equal(machine_hash(a), machine_hash(c));
    assert_true(machine_hash(a) != machine_hash(b));
    struct machine_stats sa = machine_stats(a), sc = machine_stats(c);
    assert_int_equal(sa.live_bytes, sc.live_bytes);
    assert_int_equal(sa.page_faults, 1);
    machine_destroy(a);
    machine_destroy(b);
    machine_destroy(c);
}

/* --- the lesson operations: protect, INVLPG, CR3 reload, CR0.WP, CR4.PGE, user, exec --- */

/* The #PF error code of the last fault recorded since the last clear; -1 for none. */
static long last_pf_code(void)
{
    long code = -1;
    for (size_t i = 0; i < rec.n; i++) {
        if (rec.ev[i].kind == EV_FAULT)
            code = (long)rec.ev[i].code;
    }
    return code;
}

/* The leaf entry mapping va, through a side-effect-free probe. */
static uint64_t leaf_of(const struct machine *m, uint64_t va)
{
    struct mmu_result r;
    machine_probe(m, va, MMU_READ, false, &r);
    assert_true(r.nsteps > 0);
    return r.steps[r.nsteps - 1].entry;
}

static void protect_ro_then_write_faults_with_wp_on(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof all_modes / sizeof all_modes[0]; i++) {
        enum paging_mode mode = all_modes[i];
        struct machine *m = boot(mode, 16 << 20, 1);
        assert_true(machine_malloc(m, 0, 100));
        struct machine_block b;
        assert_true(machine_block(m, 0, &b));
        machine_access(m, 0, 0, 1, MMU_WRITE);
        assert_true(machine_set_cr0_wp(m, true));
        assert_true(machine_cpu(m)->cr0 & X86_CR0_WP);
        recorder_clear(&rec);
        machine_protect(m, 0, false, true);
        assert_int_equal(recorder_count(&rec, EV_ENTRY_WRITE), 1);
        assert_int_equal(recorder_count(&rec, EV_TLB_INVLPG), 1);
        assert_false(leaf_of(m, b.va) & X86_PTE_RW);
        recorder_clear(&rec);
        machine_access(m, 0, 0, 1, MMU_WRITE);
        assert_int_equal(machine_stats(m).page_faults, 1);
        assert_int_equal(last_pf_code(), X86_PF_P | X86_PF_W);
        assert_hex_equal(machine_cpu(m)->cr2, b.va);
        /* Reads still work; rw gives the write back. */
        machine_access(m, 0, 0, 1, MMU_READ);
        machine_protect(m, 0, true, true);
        machine_access(m, 0, 0, 1, MMU_WRITE);
        assert_int_equal(machine_stats(m).page_faults, 1);
        machine_destroy(m);
    }
}

static void protect_without_invlpg_leaves_a_stale_writable_entry(void **state)
{
    (void)state;
    struct machine *m = boot(PAGING_32, 16 << 20, 1);
    assert_true(machine_malloc(m, 0, 100));
    struct machine_block b;
    assert_true(machine_block(m, 0, &b));
    assert_true(machine_set_cr0_wp(m, true));
    machine_access(m, 0, 0, 1, MMU_WRITE); /* the TLB caches a writable, dirty entry */
    recorder_clear(&rec);
    machine_protect(m, 0, false, false);
    assert_int_equal(recorder_count(&rec, EV_ENTRY_WRITE), 1);
    assert_int_equal(recorder_count(&rec, EV_TLB_INVLPG), 0);
    assert_false(leaf_of(m, b.va) & X86_PTE_RW);
    recorder_clear(&rec);
    machine_access(m, 0, 0, 1, MMU_WRITE);
    assert_int_equal(machine_stats(m).page_faults, 0); /* served by the stale entry */
    assert_int_equal(recorder_count(&rec, EV_TLB_HIT), 1);
    recorder_clear(&rec);
    machine_invlpg(m, 0, 0);
    assert_int_equal(recorder_count(&rec, EV_TLB_INVLPG), 1);
    assert_int_equal(recorder_find(&rec, EV_TLB_INVLPG)->count, 1);
    machine_access(m, 0, 0, 1, MMU_WRITE);
    assert_int_equal(machine_stats(m).page_faults, 1);
    assert_int_equal(last_pf_code(), X86_PF_P | X86_PF_W);
    machine_destroy(m);
}

static void wp_off_lets_the_supervisor_write_a_read_only_page(void **state)
{
    (void)state;
    struct machine *m = boot(PAGING_PAE, 16 << 20, 1);
    assert_true(machine_malloc(m, 0, 100));
    struct machine_block b;
    assert_true(machine_block(m, 0, &b));
    machine_protect(m, 0, false, true);
    assert_false(machine_cpu(m)->cr0 & X86_CR0_WP);
    machine_access(m, 0, 0, 1, MMU_WRITE);
    assert_int_equal(machine_stats(m).page_faults, 0);
    /* A user write is refused whatever WP says (and the page is supervisor). */
    recorder_clear(&rec);
    machine_access_priv(m, 0, 0, 1, MMU_WRITE, true);
    assert_int_equal(last_pf_code(), X86_PF_P | X86_PF_W | X86_PF_U);
    assert_true(machine_set_cr0_wp(m, true));
    recorder_clear(&rec);
    machine_access(m, 0, 0, 1, MMU_WRITE);
    assert_int_equal(last_pf_code(), X86_PF_P | X86_PF_W);
    assert_hex_equal(machine_cpu(m)->cr2, b.va);
    assert_true(machine_set_cr0_wp(m, false));
    assert_false(machine_cpu(m)->cr0 & X86_CR0_WP);
    machine_destroy(m);
}

static void cr3_reload_keeps_the_global_kernel_entry_only_with_pge(void **state)
{
    (void)state;
    for (int pge = 0; pge <= 1; pge++) {
        struct machine *m = boot(PAGING_32, 16 << 20, 1);
        assert_true(machine_malloc(m, 0, 100));
        struct machine_block b;
        assert_true(machine_block(m, 0, &b));
        if (pge) {
            recorder_clear(&rec);
            assert_true(machine_set_cr4_pge(m, true));
            assert_true(machine_cpu(m)->cr4 & X86_CR4_PGE);
            const struct event *f = recorder_find(&rec, EV_TLB_FLUSH);
            assert_non_null(f);
            assert_int_equal(f->extra, 0); /* toggling PGE drops global entries too */
        }
        uint64_t kva = VMM_KERNEL_BASE_32 + MACHINE_KERNEL_PA;
        machine_access_va(m, kva, 1, MMU_READ);
        machine_access(m, 0, 0, 1, MMU_READ);
        uint64_t cr3 = machine_cpu(m)->cr3;
        recorder_clear(&rec);
        assert_true(machine_cr3_reload(m));
        assert_hex_equal(machine_cpu(m)->cr3, cr3);
        const struct event *f = recorder_find(&rec, EV_TLB_FLUSH);
        assert_non_null(f);
        assert_int_equal(f->extra, 1);
        recorder_clear(&rec);
        machine_access_va(m, kva, 1, MMU_READ);
        assert_int_equal(recorder_count(&rec, EV_TLB_HIT), pge ? 1 : 0);
        assert_int_equal(recorder_count(&rec, EV_TLB_MISS), pge ? 0 : 1);
        recorder_clear(&rec);
        machine_access(m, 0, 0, 1, MMU_READ);
        assert_int_equal(recorder_count(&rec, EV_TLB_MISS), 1);
        machine_destroy(m);
    }
}

static void user_access_to_the_supervisor_heap_faults_with_u(void **state)
{
    (void)state;
    struct machine *m = boot(PAGING_LONG, 16 << 20, 1);
    assert_true(machine_malloc(m, 0, 100));
    recorder_clear(&rec);
    machine_access_priv(m, 0, 0, 1, MMU_READ, true);
    assert_int_equal(last_pf_code(), X86_PF_P | X86_PF_U);
    recorder_clear(&rec);
    machine_access_va_priv(m, 0x40000000, 1, MMU_READ, true);
    assert_int_equal(last_pf_code(), X86_PF_U);
    recorder_clear(&rec);
    machine_access_priv(m, 0, 0, 1, MMU_READ, false);
    const struct event *a = recorder_find(&rec, EV_ACCESS);
    assert_non_null(a);
    assert_int_equal(a->code, 0);
    assert_int_equal(machine_stats(m).page_faults, 2);
    machine_destroy(m);
}

static void exec_of_a_heap_page_faults_where_nxe_is_on(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof all_modes / sizeof all_modes[0]; i++) {
        enum paging_mode mode = all_modes[i];
        struct machine *m = boot(mode, 16 << 20, 1);
        assert_true(machine_malloc(m, 0, 100));
        recorder_clear(&rec);
        machine_access(m, 0, 0, 1, MMU_EXEC);
        bool nx = mode == PAGING_PAE || mode == PAGING_LONG;
        assert_int_equal(machine_stats(m).page_faults, nx ? 1 : 0);
        if (nx)
            assert_int_equal(last_pf_code(), X86_PF_P | X86_PF_ID);
        /* The kernel's text is not XD. */
        uint64_t kbase = mode == PAGING_LONG ? VMM_KERNEL_BASE_LONG : VMM_KERNEL_BASE_32;
        machine_access_va(m, kbase + MACHINE_KERNEL_PA, 1, MMU_EXEC);
        assert_int_equal(machine_stats(m).page_faults, nx ? 1 : 0);
        machine_destroy(m);
    }
}

static void protect_of_a_large_page_changes_its_pde(void **state)
{
    (void)state;
    struct machine_range id = {0x400000, 0x400000, "big"};
    struct machine_config c;
    machine_config_default(&c);
    c.paging = PAGING_PSE;
    c.identity = &id;
    c.nidentity = 1;
    c.nids = 1;
    struct machine *m = boot_cfg(&c);
    recorder_clear(&rec);
    machine_protect_va(m, 0x400000, 0x400000, false, true);
    assert_int_equal(recorder_count(&rec, EV_ENTRY_WRITE), 1);
    const struct event *w = recorder_find(&rec, EV_ENTRY_WRITE);
    assert_int_equal(w->level, LVL_PDE);
    uint64_t after = w->new;
    assert_true(after & X86_PDE_PS);
    assert_int_equal(w->old & ~after, X86_PTE_RW);
    struct mmu_result r;
    assert_false(machine_probe(m, 0x500000, MMU_WRITE, true, &r));
    assert_true(machine_probe(m, 0x500000, MMU_WRITE, false, &r)); /* WP=0 */
    assert_int_equal(r.page_size, 4 << 20);
    assert_false(r.rights & TLB_F_RW);
    assert_int_equal(machine_stats(m).diagnostics, 0);
    machine_destroy(m);
}

static void protect_of_unmapped_pages_is_one_diagnostic_and_cheap(void **state)
{
    (void)state;
    struct machine *m = boot(PAGING_32, 16 << 20, 2);
    machine_protect_va(m, 0x40000000, UINT64_C(1) << 30, false, true);
    assert_int_equal(machine_stats(m).diag[DIAG_NOT_MAPPED], 1);
    machine_protect_va(m, 0, UINT64_MAX, true, true); /* the whole space: wraps nothing */
    assert_int_equal(machine_stats(m).diag[DIAG_NOT_MAPPED], 2);
    machine_protect_va(m, 0, 0, true, true);
    assert_int_equal(machine_stats(m).diag[DIAG_NOT_MAPPED], 2);
    machine_protect(m, 1, false, true);
    assert_int_equal(machine_stats(m).diag[DIAG_UNKNOWN_ID], 1);
    machine_invlpg(m, 1, 0);
    assert_int_equal(machine_stats(m).diag[DIAG_UNKNOWN_ID], 2);
    machine_destroy(m);
    m = boot(PAGING_LONG, 16 << 20, 1);
    machine_protect_va(m, 0, UINT64_MAX, false, false);
    assert_int_equal(machine_stats(m).diag[DIAG_NOT_MAPPED], 1);
    /* The kernel image was in that range: read-only now. */
    assert_false(leaf_of(m, VMM_KERNEL_BASE_LONG + MACHINE_KERNEL_PA) & X86_PTE_RW);
    machine_destroy(m);
}

static void heap_on_a_read_only_page_with_wp_does_not_crash(void **state)
{
    (void)state;
    struct machine *m = boot(PAGING_32, 16 << 20, 2);
    assert_true(machine_malloc(m, 0, 100));
    assert_true(machine_set_cr0_wp(m, true));
    machine_protect(m, 0, false, true);
    machine_malloc(m, 1, 50); /* the allocator's metadata writes fault */
    machine_free(m, 0);
    machine_free(m, 1);
    assert_true(machine_stats(m).diagnostics > 0);
    machine_destroy(m);
}

static void a_refused_cr3_reload_is_gp_and_changes_nothing(void **state)
{
    (void)state;
    struct machine *m = boot(PAGING_PAE, 16 << 20, 1);
    /* Corrupt PDPTE 0 behind the machine's back (nothing in a trace can: the
     * PDPT is never mapped): bit 63 is reserved in a PAE PDPTE. */
    struct phys *ph = (struct phys *)machine_phys(m);
    uint64_t pdpt = machine_cpu(m)->cr3;
    phys_store64(ph, pdpt, phys_load64(ph, pdpt) | (UINT64_C(1) << 63));
    uint64_t pd0 = machine_cpu(m)->pdpte[0];
    recorder_clear(&rec);
    assert_false(machine_cr3_reload(m));
    assert_int_equal(machine_stats(m).gp_faults, 1);
    assert_int_equal(machine_stats(m).diag[DIAG_PAGE_FAULT], 1);
    assert_hex_equal(machine_cpu(m)->pdpte[0], pd0);
    const struct event *f = recorder_find(&rec, EV_FAULT);
    assert_non_null(f);
    assert_int_equal(f->extra, X86_VEC_GP);
    assert_int_equal(recorder_count(&rec, EV_CR_WRITE), 0);
    machine_destroy(m);
}

static void names_cover_every_kind(void **state)
{
    (void)state;
    for (int d = 0; d < DIAG_COUNT; d++)
        assert_string_not_equal(machine_diag_name((enum diag_kind)d), "?");
    assert_string_equal(machine_paging_name(PAGING_PSE), "pse");
    assert_string_equal(machine_paging_name(PAGING_LONG), "long");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(boot_sets_registers_in_every_mode),
        cmocka_unit_test(boot_emits_control_register_writes_ending_with_pg),
        cmocka_unit_test(memory_map_reserves_low_memory_and_claims_the_kernel),
        cmocka_unit_test(reserve_and_identity_ranges_shape_the_memory_map),
        cmocka_unit_test(kernel_translates_in_every_mode),
        cmocka_unit_test(bad_configuration_is_refused),
        cmocka_unit_test(double_free_is_diagnosed_and_changes_nothing),
        cmocka_unit_test(free_of_unknown_id_is_diagnosed),
        cmocka_unit_test(id_reused_while_live_leaks_the_old_block),
        cmocka_unit_test(use_after_free_of_small_block_still_accesses),
        cmocka_unit_test(use_after_free_of_large_block_page_faults),
        cmocka_unit_test(access_past_the_end_is_diagnosed_then_done),
        cmocka_unit_test(write_stores_the_id_pattern_through_the_mmu),
        cmocka_unit_test(raw_access_to_unmapped_address_page_faults),
        cmocka_unit_test(non_canonical_access_in_long_mode_is_gp),
        cmocka_unit_test(out_of_memory_is_a_failed_allocation_and_the_machine_goes_on),
        cmocka_unit_test(virtual_room_runs_out_before_frames),
        cmocka_unit_test(realloc_of_unknown_id_behaves_as_malloc_and_size_zero_frees),
        cmocka_unit_test(live_and_peak_bytes_follow_the_requests),
        cmocka_unit_test(step_back_restores_the_same_hash),
        cmocka_unit_test(two_machines_side_by_side_do_not_interfere),
        cmocka_unit_test(names_cover_every_kind),
        cmocka_unit_test(protect_ro_then_write_faults_with_wp_on),
        cmocka_unit_test(protect_without_invlpg_leaves_a_stale_writable_entry),
        cmocka_unit_test(wp_off_lets_the_supervisor_write_a_read_only_page),
        cmocka_unit_test(cr3_reload_keeps_the_global_kernel_entry_only_with_pge),
        cmocka_unit_test(user_access_to_the_supervisor_heap_faults_with_u),
        cmocka_unit_test(exec_of_a_heap_page_faults_where_nxe_is_on),
        cmocka_unit_test(protect_of_a_large_page_changes_its_pde),
        cmocka_unit_test(protect_of_unmapped_pages_is_one_diagnostic_and_cheap),
        cmocka_unit_test(heap_on_a_read_only_page_with_wp_does_not_crash),
        cmocka_unit_test(a_refused_cr3_reload_is_gp_and_changes_nothing),
        cmocka_unit_test(a_refused_boot_says_why_and_which_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
