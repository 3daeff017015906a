/*
 * test_vmm.c - the kernel's VMM on its own, over real phys, pfa, cpu and
 * tlb: the boot in each mode (control registers, top-level tables, kernel and
 * identity mappings, large pages), mapping with tables on demand, unmapping
 * with INVLPG and tables given back, rollback when frames run out, and the
 * large-block region's first-fit reservations.
 */
#include "helpers.h"

#include <stdbool.h>
#include <stdint.h>

#include "sim/cpu.h"
#include "sim/mmu.h"
#include "sim/pfa.h"
#include "sim/phys.h"
#include "sim/tlb.h"
#include "sim/vmm.h"
#include "sim/x86.h"

struct rig {
    struct phys *phys;
    struct pfa *pfa;
    struct cpu cpu;
    struct tlb *tlb;
    struct vmm *vmm;
    struct mmu mmu;
    struct event_sink sink;
    struct recorder rec;
};

static struct rig *rig_new(enum paging_mode mode, uint64_t ram, const struct vmm_range *id,
                           size_t nid)
{
    struct rig *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->sink = recorder_sink(&r->rec);
    r->phys = phys_create(ram);
    r->pfa = pfa_create(ram >> 12);
    r->tlb = tlb_create(64, 4);
    assert_non_null(r->phys);
    assert_non_null(r->pfa);
    assert_non_null(r->tlb);
    tlb_set_sink(r->tlb, &r->sink);
    pfa_reserve(r->pfa, 0, 0x100000, ROLE_FIRMWARE);
    for (uint64_t f = 0x100; f < 0x105; f++)
        assert_int_equal(pfa_claim(r->pfa, f, ROLE_KERNEL), PFA_OK);
    cpu_reset(&r->cpu, 40);
    struct vmm_parts p = {r->phys, r->pfa, &r->cpu, r->tlb, &r->sink};
    r->vmm = vmm_create(&p, mode, ram >> 12);
    assert_non_null(r->vmm);
    r->mmu.phys = r->phys;
    r->mmu.cpu = &r->cpu;
    r->mmu.tlb = r->tlb;
    r->mmu.sink = &r->sink;
    assert_int_equal(vmm_boot(r->vmm, id, nid, 0x100000, 0x5000), VMM_OK);
    return r;
}

static void rig_free(struct rig *r)
{
    vmm_destroy(r->vmm);
    tlb_destroy(r->tlb);
    pfa_destroy(r->pfa);
    phys_destroy(r->phys);
    free(r);
}

static bool probe(struct rig *r, uint64_t va, struct mmu_result *res)
{
    struct mmu_request rq = {va, MMU_READ, false, true};
    return mmu_translate(&r->mmu, &rq, res);
}

static void boot_32_loads_cr3_and_sets_pg(void **state)
{
    (void)state;
    struct rig *r = rig_new(PAGING_32, 16 << 20, NULL, 0);
    assert_hex_equal(r->cpu.cr0, 0x80000011);
    assert_hex_equal(r->cpu.cr4, 0);
    assert_hex_equal(r->cpu.efer, 0);
    assert_hex_equal(r->cpu.cr3, 0x105000); /* the seed's free_mem_start follows the kernel */
    assert_hex_equal(vmm_top_table(r->vmm), 0x105000);
    assert_int_equal(pfa_role(r->pfa, 0x105), ROLE_PD);
    assert_int_equal(cpu_paging_mode(&r->cpu), PAGING_32);
    rig_free(r);
}

static void boot_pse_sets_cr4_pse(void **state)
{
    (void)state;
    struct rig *r = rig_new(PAGING_PSE, 16 << 20, NULL, 0);
    assert_hex_equal(r->cpu.cr4, X86_CR4_PSE);
    assert_hex_equal(r->cpu.cr0, 0x80000011);
    rig_free(r);
}

static void boot_pae_preallocates_four_directories(void **state)
{
    (void)state;
    struct rig *r = rig_new(PAGING_PAE, 16 << 20, NULL, 0);
    assert_hex_equal(r->cpu.cr4, X86_CR4_PAE);
    assert_hex_equal(r->cpu.efer, X86_EFER_NXE);
    assert_int_equal(cpu_paging_mode(&r->cpu), PAGING_PAE);
    assert_int_equal(pfa_role(r->pfa, pa_to_pfn(r->cpu.cr3)), ROLE_PDPT);
    for (int i = 0; i < 4; i++) {
        uint64_t e = phys_load64(r->phys, r->cpu.cr3 + 8 * (uint64_t)i);
        assert_hex_equal(e & 0xFFF, X86_PTE_P); /* PDPTE: P and address only */
        assert_int_equal(pfa_role(r->pfa, pa_to_pfn(e)), ROLE_PD);
        assert_hex_equal(r->cpu.pdpte[i], e); /* loaded by the CPU */
    }
    /* PDPT, 4 PDs and the kernel's page table. */
    assert_int_equal(vmm_stats(r->vmm).tables, 6);
    rig_free(r);
}

static void boot_long_activates_ia32e(void **state)
{
    (void)state;
    struct rig *r = rig_new(PAGING_LONG, 16 << 20, NULL, 0);
    assert_hex_equal(r->cpu.efer, X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE);
    assert_hex_equal(r->cpu.cr4, X86_CR4_PAE);
    assert_int_equal(cpu_paging_mode(&r->cpu), PAGING_LONG);
    assert_int_equal(pfa_role(r->pfa, pa_to_pfn(r->cpu.cr3)), ROLE_PML4);
    rig_free(r);
}

static void kernel_is_mapped_in_higher_half_with_global_entries(void **state)
{
    (void)state;
    const enum paging_mode modes[] = {PAGING_32, PAGING_PSE, PAGING_PAE, PAGING_LONG};
    for (int i = 0; i < 4; i++) {
        struct rig *r = rig_new(modes[i], 16 << 20, NULL, 0);
        uint64_t base = vmm_kernel_base(r->vmm);
        for (uint64_t off = 0; off < 0x5000; off += 0x1000) {
            struct mmu_result res;
            assert_true(probe(r, base + 0x100000 + off + 0x123, &res));
            assert_hex_equal(res.pa, 0x100000 + off + 0x123);
            assert_int_equal(res.page_size, 4096);
            assert_true(res.steps[res.nsteps - 1].entry & X86_PTE_G);
            assert_false(res.steps[res.nsteps - 1].entry & X86_PTE_XD);
        }
        struct mmu_result res;
        assert_false(probe(r, base + 0x105000, &res));
        rig_free(r);
    }
}

static void identity_range_maps_virtual_equal_physical(void **state)
{
    (void)state;
    struct vmm_range id = {0xB8000, 0x1000};
    struct rig *r = rig_new(PAGING_32, 16 << 20, &id, 1);
    struct mmu_result res;
    assert_true(probe(r, 0xB8010, &res));
    assert_hex_equal(res.pa, 0xB8010);
    assert_false(probe(r, 0xB9000, &res));
    rig_free(r);
}

static void identity_uses_4m_page_in_pse_mode(void **state)
{
    (void)state;
    struct vmm_range id = {0x400000, 0x800000};
    struct rig *r = rig_new(PAGING_PSE, 16 << 20, &id, 1);
    struct mmu_result res;
    assert_true(probe(r, 0x5ABCDE, &res));
    assert_hex_equal(res.pa, 0x5ABCDE);
    assert_int_equal(res.page_size, 4 << 20);
    assert_int_equal(res.nsteps, 1);
    assert_true(res.steps[0].entry & X86_PDE_PS);
    assert_true(probe(r, 0xBFFFFF, &res));
    assert_int_equal(res.page_size, 4 << 20);
    rig_free(r);
}

static void identity_uses_4k_pages_in_32_bit_mode(void **state)
{
    (void)state;
    struct vmm_range id = {0x400000, 0x400000};
    struct rig *r = rig_new(PAGING_32, 16 << 20, &id, 1);
    struct mmu_result res;
    assert_true(probe(r, 0x5ABCDE, &res));
    assert_hex_equal(res.pa, 0x5ABCDE);
    assert_int_equal(res.page_size, 4096);
    rig_free(r);
}

static void identity_uses_2m_pages_in_pae_and_long(void **state)
{
    (void)state;
    struct vmm_range id = {0x200000, 0x300000}; /* one 2 MiB page, then 1 MiB of 4 KiB */
    const enum paging_mode modes[] = {PAGING_PAE, PAGING_LONG};
    for (int i = 0; i < 2; i++) {
        struct rig *r = rig_new(modes[i], 16 << 20, &id, 1);
        struct mmu_result res;
        assert_true(probe(r, 0x234567, &res));
        assert_hex_equal(res.pa, 0x234567);
        assert_int_equal(res.page_size, 2 << 20);
        assert_true(probe(r, 0x412345, &res));
        assert_int_equal(res.page_size, 4096);
        assert_false(probe(r, 0x500000, &res));
        rig_free(r);
    }
}

static void identity_out_of_range_for_32_bit_is_refused(void **state)
{
    (void)state;
    struct rig *r = calloc(1, sizeof *r);
    r->phys = phys_create(16 << 20);
    r->pfa = pfa_create(4096);
    r->tlb = tlb_create(64, 4);
    cpu_reset(&r->cpu, 40);
    struct vmm_parts p = {r->phys, r->pfa, &r->cpu, r->tlb, NULL};
    r->vmm = vmm_create(&p, PAGING_32, 4096);
    struct vmm_range id = {UINT64_C(0xFFFFF000), 0x2000};
    assert_int_equal(vmm_boot(r->vmm, &id, 1, 0x100000, 0x5000), VMM_ERR_RANGE);
    rig_free(r);
}

static void map_allocates_page_table_on_demand(void **state)
{
    (void)state;
    struct rig *r = rig_new(PAGING_32, 16 << 20, NULL, 0);
    uint64_t tables = vmm_stats(r->vmm).tables;
    recorder_clear(&r->rec);
    assert_int_equal(vmm_map(r->vmm, 0xD0000000, 0x300000, VMM_F_RW), VMM_OK);
    assert_int_equal(vmm_stats(r->vmm).tables, tables + 1);
    const struct event *ta = recorder_find(&r->rec, EV_TABLE_ALLOC);
    assert_non_null(ta);
    assert_int_equal(ta->level, LVL_PTE);
    assert_int_equal(pfa_role(r->pfa, pa_to_pfn(ta->pa)), ROLE_PT);
    /* PDE 832 then the PTE. */
    assert_int_equal(recorder_count(&r->rec, EV_ENTRY_WRITE), 2);
    const struct event *pde = recorder_find(&r->rec, EV_ENTRY_WRITE);
    assert_int_equal(pde->level, LVL_PDE);
    assert_hex_equal(pde->pa, 0x105000 + 832 * 4);
    assert_hex_equal(pde->new, ta->pa | X86_PTE_P | X86_PTE_RW);
    assert_hex_equal(pde->old, 0);
    struct mmu_result res;
    assert_true(probe(r, 0xD0000ABC, &res));
    assert_hex_equal(res.pa, 0x300ABC);
    /* A second page in the same table allocates nothing. */
    assert_int_equal(vmm_map(r->vmm, 0xD0001000, 0x200000, VMM_F_RW), VMM_OK);
    assert_int_equal(vmm_stats(r->vmm).tables, tables + 1);
    assert_int_equal(vmm_table_entries(r->vmm, pa_to_pfn(ta->pa)), 2);
    rig_free(r);
}

static void map_of_mapped_page_is_refused(void **state)
{
    (void)state;
    struct rig *r = rig_new(PAGING_LONG, 16 << 20, NULL, 0);
    assert_int_equal(vmm_map(r->vmm, VMM_HEAP_BASE_LONG, 0x300000, VMM_F_RW), VMM_OK);
    assert_int_equal(vmm_map(r->vmm, VMM_HEAP_BASE_LONG, 0x301000, VMM_F_RW), VMM_ERR_MAPPED);
    struct mmu_result res;
    assert_true(probe(r, VMM_HEAP_BASE_LONG, &res));
    assert_hex_equal(res.pa, 0x300000);
    assert_int_equal(vmm_map(r->vmm, UINT64_C(0x0000900000000000), 0x1000, 0), VMM_ERR_RANGE);
    rig_free(r);
}

static void unmap_issues_invlpg_and_gives_back_emptied_tables(void **state)
{
    (void)state;
    const enum paging_mode modes[] = {PAGING_32, PAGING_PSE, PAGING_PAE, PAGING_LONG};
    for (int i = 0; i < 4; i++) {
        struct rig *r = rig_new(modes[i], 16 << 20, NULL, 0);
        uint64_t base, end;
        vmm_heap_region(r->vmm, &base, &end);
        struct pfa_stats before = pfa_stats(r->pfa);
        uint64_t tables = vmm_stats(r->vmm).tables;
        assert_int_equal(vmm_map(r->vmm, base, 0x300000, VMM_F_RW), VMM_OK);
        /* A real translation fills the TLB. */
        struct mmu_request rq = {base, MMU_READ, false, false};
        struct mmu_result res;
        assert_true(mmu_translate(&r->mmu, &rq, &res));
        assert_non_null(tlb_peek(r->tlb, base));
        recorder_clear(&r->rec);
        uint64_t pa = 0;
        assert_int_equal(vmm_unmap(r->vmm, base, &pa), VMM_OK);
        assert_hex_equal(pa, 0x300000);
        assert_null(tlb_peek(r->tlb, base));
        assert_true(recorder_count(&r->rec, EV_TLB_INVLPG) >= 1);
        assert_int_equal(recorder_count(&r->rec, EV_PAGE_UNMAP), 1);
        assert_int_equal(vmm_stats(r->vmm).tables, tables);
        struct pfa_stats after = pfa_stats(r->pfa);
        assert_int_equal(after.used, before.used);
        assert_false(probe(r, base, &res));
        assert_int_equal(vmm_unmap(r->vmm, base, NULL), VMM_ERR_NOT_MAPPED);
        rig_free(r);
    }
}

static void pae_directories_and_boot_tables_are_never_freed(void **state)
{
    (void)state;
    struct vmm_range id = {0xD0400000, 0x1000}; /* shares no PT with the heap's first page */
    struct rig *r = rig_new(PAGING_PAE, 16 << 20, &id, 1);
    uint64_t tables = vmm_stats(r->vmm).tables;
    assert_int_equal(vmm_map(r->vmm, 0xD0401000, 0x300000, VMM_F_RW), VMM_OK);
    assert_int_equal(vmm_unmap(r->vmm, 0xD0401000, NULL), VMM_OK);
    assert_int_equal(vmm_unmap(r->vmm, 0xD0400000, NULL), VMM_OK);
    /* The boot-time table stays, although empty now. */
    assert_int_equal(vmm_stats(r->vmm).tables, tables);
    rig_free(r);
}

static void alloc_pages_maps_scattered_frames_contiguously(void **state)
{
    (void)state;
    struct rig *r = rig_new(PAGING_32, 16 << 20, NULL, 0);
    /* Punch holes in physical memory: take 6 frames, free every other one. */
    uint64_t f[6];
    for (int i = 0; i < 6; i++)
        assert_int_equal(pfa_alloc(r->pfa, ROLE_NONE, &f[i]), PFA_OK);
    for (int i = 0; i < 6; i += 2)
        assert_int_equal(pfa_free(r->pfa, f[i]), PFA_OK);
    assert_int_equal(vmm_alloc_pages(r->vmm, 0xD0000000, 4), VMM_OK);
    uint64_t prev = 0;
    int jumps = 0;
    for (uint64_t p = 0; p < 4; p++) {
        struct mmu_result res;
        assert_true(probe(r, 0xD0000000 + p * 4096, &res));
        assert_int_equal(pfa_role(r->pfa, pa_to_pfn(res.pa)), ROLE_HEAP);
        assert_true(res.steps[res.nsteps - 1].entry & X86_PTE_RW);
        if (p > 0 && res.pa != prev + 4096)
            jumps++;
        prev = res.pa;
    }
    assert_true(jumps >= 2);
    assert_int_equal(vmm_stats(r->vmm).pages, 4);
    vmm_free_pages(r->vmm, 0xD0000000, 4);
    assert_int_equal(vmm_stats(r->vmm).pages, 0);
    rig_free(r);
}

static void heap_pages_are_execute_disabled_where_nxe_is_on(void **state)
{
    (void)state;
    struct rig *r = rig_new(PAGING_LONG, 16 << 20, NULL, 0);
    assert_int_equal(vmm_alloc_pages(r->vmm, VMM_HEAP_BASE_LONG, 1), VMM_OK);
    struct mmu_request rq = {VMM_HEAP_BASE_LONG, MMU_EXEC, false, true};
    struct mmu_result res;
    assert_false(mmu_translate(&r->mmu, &rq, &res));
    assert_int_equal(res.fault.vector, X86_VEC_PF);
    assert_hex_equal(res.fault.error_code, X86_PF_P | X86_PF_ID);
    rig_free(r);
}

static void alloc_pages_rolls_back_when_frames_run_out(void **state)
{
    (void)state;
    struct rig *r = rig_new(PAGING_32, 0x10C000, NULL, 0); /* 1 MiB + 48 KiB */
    struct pfa_stats before = pfa_stats(r->pfa);
    uint64_t tables = vmm_stats(r->vmm).tables;
    assert_int_equal(vmm_alloc_pages(r->vmm, 0xD0000000, 32), VMM_ERR_NO_FRAME);
    struct pfa_stats after = pfa_stats(r->pfa);
    assert_int_equal(after.used, before.used);
    assert_int_equal(vmm_stats(r->vmm).tables, tables);
    struct mmu_result res;
    assert_false(probe(r, 0xD0000000, &res));
    /* Still working: a small request fits. */
    assert_int_equal(vmm_alloc_pages(r->vmm, 0xD0000000, 2), VMM_OK);
    rig_free(r);
}

static void large_region_reserves_first_fit_and_reuses_released_room(void **state)
{
    (void)state;
    struct rig *r = rig_new(PAGING_32, 16 << 20, NULL, 0);
    uint64_t a, b, c, d;
    assert_true(vmm_large_reserve(r->vmm, 3, &a));
    assert_hex_equal(a, VMM_LARGE_BASE_32);
    assert_true(vmm_large_reserve(r->vmm, 2, &b));
    assert_hex_equal(b, a + 3 * 4096);
    vmm_large_release(r->vmm, a, 3);
    assert_true(vmm_large_reserve(r->vmm, 4, &c)); /* does not fit the hole */
    assert_hex_equal(c, b + 2 * 4096);
    assert_true(vmm_large_reserve(r->vmm, 2, &d)); /* fits the hole */
    assert_hex_equal(d, a);
    assert_false(vmm_large_extend(r->vmm, d, 2, 4)); /* b is in the way */
    assert_true(vmm_large_extend(r->vmm, d, 2, 3));
    assert_int_equal(vmm_stats(r->vmm).large_pages, 2 + 4 + 3);
    uint64_t huge;
    assert_false(vmm_large_reserve(r->vmm, UINT64_C(1) << 40, &huge));
    rig_free(r);
}

static void protect_flips_only_the_leaf_rw_bit_and_invalidates(void **state)
{
    (void)state;
    struct rig *r = rig_new(PAGING_PAE, 16 << 20, NULL, 0);
    assert_int_equal(vmm_alloc_pages(r->vmm, VMM_HEAP_BASE_32, 2), VMM_OK);
    struct mmu_result res;
    assert_true(probe(r, VMM_HEAP_BASE_32, &res));
    uint64_t before = res.steps[res.nsteps - 1].entry;
    uint64_t inv = vmm_stats(r->vmm).invlpg;
    recorder_clear(&r->rec);
    uint64_t end = 0;
    assert_int_equal(vmm_protect(r->vmm, VMM_HEAP_BASE_32 + 5, false, true, &end), VMM_OK);
    assert_hex_equal(end, VMM_HEAP_BASE_32 + 0x1000);
    assert_true(probe(r, VMM_HEAP_BASE_32, &res));
    assert_hex_equal(res.steps[res.nsteps - 1].entry, before & ~X86_PTE_RW);
    assert_true(res.steps[res.nsteps - 1].entry & X86_PTE_XD); /* the rest is kept */
    assert_int_equal(recorder_count(&r->rec, EV_ENTRY_WRITE), 1);
    assert_int_equal(recorder_count(&r->rec, EV_TLB_INVLPG), 1);
    assert_int_equal(vmm_stats(r->vmm).invlpg, inv + 1);
    /* Already read-only: nothing written, no INVLPG. */
    recorder_clear(&r->rec);
    assert_int_equal(vmm_protect(r->vmm, VMM_HEAP_BASE_32, false, true, &end), VMM_OK);
    assert_int_equal(r->rec.n, 0);
    /* Without INVLPG: the entry changes, the TLB is not told. */
    assert_int_equal(vmm_protect(r->vmm, VMM_HEAP_BASE_32, true, false, &end), VMM_OK);
    assert_int_equal(recorder_count(&r->rec, EV_ENTRY_WRITE), 1);
    assert_int_equal(recorder_count(&r->rec, EV_TLB_INVLPG), 0);
    assert_true(probe(r, VMM_HEAP_BASE_32, &res));
    assert_hex_equal(res.steps[res.nsteps - 1].entry, before);
    rig_free(r);
}

static void protect_of_unmapped_or_unmappable_addresses_says_where_to_go_on(void **state)
{
    (void)state;
    struct rig *r = rig_new(PAGING_32, 16 << 20, NULL, 0);
    uint64_t end = 0;
    /* No page table at all for 0x40000000: the whole 4 MiB of its PDE is skipped. */
    assert_int_equal(vmm_protect(r->vmm, 0x40001000, false, true, &end), VMM_ERR_NOT_MAPPED);
    assert_hex_equal(end, 0x40400000);
    /* The kernel's page table exists; the PTE after the image is empty. */
    assert_int_equal(vmm_protect(r->vmm, 0xC0105000, false, true, &end), VMM_ERR_NOT_MAPPED);
    assert_hex_equal(end, 0xC0106000);
    assert_int_equal(vmm_protect(r->vmm, UINT64_C(0x100000000), false, true, &end), VMM_ERR_RANGE);
    assert_hex_equal(end, UINT64_MAX);
    rig_free(r);
    r = rig_new(PAGING_LONG, 16 << 20, NULL, 0);
    assert_int_equal(vmm_protect(r->vmm, UINT64_C(0x0000900000000000), true, true, &end),
                     VMM_ERR_RANGE);
    assert_hex_equal(end, UINT64_C(0xFFFF800000000000));
    assert_int_equal(vmm_protect(r->vmm, UINT64_C(0xFFFFFFFFFFFFF000), true, true, &end),
                     VMM_ERR_NOT_MAPPED);
    assert_hex_equal(end, UINT64_MAX); /* saturated at the top of the space */
    rig_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(boot_32_loads_cr3_and_sets_pg),
        cmocka_unit_test(boot_pse_sets_cr4_pse),
        cmocka_unit_test(boot_pae_preallocates_four_directories),
        cmocka_unit_test(boot_long_activates_ia32e),
        cmocka_unit_test(kernel_is_mapped_in_higher_half_with_global_entries),
        cmocka_unit_test(identity_range_maps_virtual_equal_physical),
        cmocka_unit_test(identity_uses_4m_page_in_pse_mode),
        cmocka_unit_test(identity_uses_4k_pages_in_32_bit_mode),
        cmocka_unit_test(identity_uses_2m_pages_in_pae_and_long),
        cmocka_unit_test(identity_out_of_range_for_32_bit_is_refused),
        cmocka_unit_test(map_allocates_page_table_on_demand),
        cmocka_unit_test(map_of_mapped_page_is_refused),
        cmocka_unit_test(unmap_issues_invlpg_and_gives_back_emptied_tables),
        cmocka_unit_test(pae_directories_and_boot_tables_are_never_freed),
        cmocka_unit_test(alloc_pages_maps_scattered_frames_contiguously),
        cmocka_unit_test(heap_pages_are_execute_disabled_where_nxe_is_on),
        cmocka_unit_test(alloc_pages_rolls_back_when_frames_run_out),
        cmocka_unit_test(large_region_reserves_first_fit_and_reuses_released_room),
        cmocka_unit_test(protect_flips_only_the_leaf_rw_bit_and_invalidates),
        cmocka_unit_test(protect_of_unmapped_or_unmappable_addresses_says_where_to_go_on),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
