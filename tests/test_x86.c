/*
 * test_x86.c - pins every constant of sim/x86.h to the value the Intel SDM
 * Vol. 3A gives it (and, for EFER, the AMD APM Vol. 2). The expected values
 * are written out as literals read from the manuals' tables, never computed
 * from the header's own definitions, so a wrong mask in x86.h cannot agree
 * with itself here.
 */
#include "helpers.h"

#include "sim/x86.h"

/* Page sizes (SDM 4.1.1 and 4.3-4.5: 4 KiB, 2 MiB, 4 MiB, 1 GiB pages). */
static void page_sizes_are_4k_2m_4m_1g(void **state)
{
    (void)state;
    assert_int_equal(X86_PAGE_SHIFT, 12);
    assert_hex_equal(X86_PAGE_SIZE, 0x1000);
    assert_int_equal(X86_PAGE_SHIFT_2M, 21);
    assert_int_equal(X86_PAGE_SHIFT_4M, 22);
    assert_int_equal(X86_PAGE_SHIFT_1G, 30);
    assert_hex_equal(UINT64_C(1) << X86_PAGE_SHIFT_2M, 0x200000);
    assert_hex_equal(UINT64_C(1) << X86_PAGE_SHIFT_4M, 0x400000);
    assert_hex_equal(UINT64_C(1) << X86_PAGE_SHIFT_1G, 0x40000000);
}

/* SDM 2.5, figure 2-7 "Control Registers": CR0.PE bit 0, ET bit 4, WP bit 16,
 * PG bit 31. */
static void cr0_bits_match_sdm_figure_2_7(void **state)
{
    (void)state;
    assert_int_equal(X86_CR0_PE_BIT, 0);
    assert_int_equal(X86_CR0_ET_BIT, 4);
    assert_int_equal(X86_CR0_WP_BIT, 16);
    assert_int_equal(X86_CR0_PG_BIT, 31);
    assert_hex_equal(X86_CR0_PE, 0x1);
    assert_hex_equal(X86_CR0_ET, 0x10);
    assert_hex_equal(X86_CR0_WP, 0x10000);
    assert_hex_equal(X86_CR0_PG, 0x80000000);
    /* Built without sign extension: a 64-bit register value, bit 31 only. */
    assert_hex_equal(X86_CR0_PG >> 31, 1);
    assert_true(sizeof(X86_CR0_PG) == 8);
}

/* SDM table 4-3 (CR3 with 32-bit paging: PWT bit 3, PCD bit 4, page-directory
 * address bits 31:12) and table 4-7 (CR3 with PAE paging: PDPT address bits
 * 31:5). */
static void cr3_fields_match_sdm_tables_4_3_and_4_7(void **state)
{
    (void)state;
    assert_int_equal(X86_CR3_PWT_BIT, 3);
    assert_int_equal(X86_CR3_PCD_BIT, 4);
    assert_hex_equal(X86_CR3_PWT, 0x8);
    assert_hex_equal(X86_CR3_PCD, 0x10);
    assert_hex_equal(X86_CR3_ADDR_32, 0xFFFFF000);
    assert_hex_equal(X86_CR3_ADDR_PAE, 0xFFFFFFE0);
}

/* SDM 2.5, figure 2-7: CR4.PSE bit 4, PAE bit 5, PGE bit 7. */
static void cr4_bits_match_sdm_figure_2_7(void **state)
{
    (void)state;
    assert_int_equal(X86_CR4_PSE_BIT, 4);
    assert_int_equal(X86_CR4_PAE_BIT, 5);
    assert_int_equal(X86_CR4_PGE_BIT, 7);
    assert_hex_equal(X86_CR4_PSE, 0x10);
    assert_hex_equal(X86_CR4_PAE, 0x20);
    assert_hex_equal(X86_CR4_PGE, 0x80);
}

/* SDM 2.2.1 table 2-1 / APM Vol. 2 3.1.7 figure 3-8: IA32_EFER is MSR
 * C000_0080h with SCE bit 0, LME bit 8, LMA bit 10, NXE bit 11. */
static void efer_bits_match_sdm_table_2_1(void **state)
{
    (void)state;
    assert_hex_equal(X86_MSR_EFER, 0xC0000080);
    assert_int_equal(X86_EFER_SCE_BIT, 0);
    assert_int_equal(X86_EFER_LME_BIT, 8);
    assert_int_equal(X86_EFER_LMA_BIT, 10);
    assert_int_equal(X86_EFER_NXE_BIT, 11);
    assert_hex_equal(X86_EFER_SCE, 0x1);
    assert_hex_equal(X86_EFER_LME, 0x100);
    assert_hex_equal(X86_EFER_LMA, 0x400);
    assert_hex_equal(X86_EFER_NXE, 0x800);
}

/* SDM tables 4-4..4-6 (32-bit PDEs, PTE), 4-9..4-11 (PAE PDEs, PTE),
 * 4-14..4-19 (4-level): P 0, R/W 1, U/S 2, PWT 3, PCD 4, A 5, D 6, PS 7 (PDE/PDPTE) or
 * PAT 7 (4 KiB PTE), G 8, ignored 11:9, PAT 12 (large page), XD 63. */
static void entry_bits_match_sdm_tables_4_4_to_4_19(void **state)
{
    (void)state;
    assert_int_equal(X86_PTE_P_BIT, 0);
    assert_int_equal(X86_PTE_RW_BIT, 1);
    assert_int_equal(X86_PTE_US_BIT, 2);
    assert_int_equal(X86_PTE_PWT_BIT, 3);
    assert_int_equal(X86_PTE_PCD_BIT, 4);
    assert_int_equal(X86_PTE_A_BIT, 5);
    assert_int_equal(X86_PTE_D_BIT, 6);
    assert_int_equal(X86_PDE_PS_BIT, 7);
    assert_int_equal(X86_PTE_PAT_BIT, 7);
    assert_int_equal(X86_PTE_G_BIT, 8);
    assert_int_equal(X86_PDE_PAT_LARGE_BIT, 12);
    assert_int_equal(X86_PTE_XD_BIT, 63);

    assert_hex_equal(X86_PTE_P, 0x1);
    assert_hex_equal(X86_PTE_RW, 0x2);
    assert_hex_equal(X86_PTE_US, 0x4);
    assert_hex_equal(X86_PTE_PWT, 0x8);
    assert_hex_equal(X86_PTE_PCD, 0x10);
    assert_hex_equal(X86_PTE_A, 0x20);
    assert_hex_equal(X86_PTE_D, 0x40);
    assert_hex_equal(X86_PDE_PS, 0x80);
    assert_hex_equal(X86_PTE_PAT, 0x80);
    assert_hex_equal(X86_PTE_G, 0x100);
    assert_hex_equal(X86_PDE_PAT_LARGE, 0x1000);
    assert_hex_equal(X86_PTE_XD, 0x8000000000000000);
    assert_hex_equal(X86_PTE_AVL, 0xE00);
}

/* SDM table 4-6 (32-bit PTE: address bits 31:12) and table 4-4 (32-bit PDE
 * mapping a 4 MiB page: bits 31:22 are PA 31:22, bits (M-20):13 are PA
 * (M-1):32, bit 21 reserved; with M = 40: bits 20:13 hold PA 39:32). */
static void pse36_fields_match_sdm_table_4_4(void **state)
{
    (void)state;
    assert_hex_equal(X86_PTE32_ADDR, 0xFFFFF000);
    assert_hex_equal(X86_PDE32_4M_ADDR_LO, 0xFFC00000);
    assert_hex_equal(X86_PDE32_4M_ADDR_HI, 0x001FE000);
    assert_int_equal(X86_PDE32_4M_ADDR_HI_SHIFT, 13);
    assert_hex_equal(X86_PDE32_4M_RSVD, 0x00200000);

    /* A PDE with PA 0xAB_1240_0000 round-trips through the two fields. */
    uint64_t pa = UINT64_C(0xAB12400000);
    uint64_t e = (pa & X86_PDE32_4M_ADDR_LO) | ((pa >> 32) << X86_PDE32_4M_ADDR_HI_SHIFT);
    assert_hex_equal(e, 0x12400000 | (UINT64_C(0xAB) << 13));
    assert_hex_equal(e & X86_PDE32_4M_RSVD, 0);
    uint64_t back = (e & X86_PDE32_4M_ADDR_LO) |
                    ((e & X86_PDE32_4M_ADDR_HI) >> X86_PDE32_4M_ADDR_HI_SHIFT) << 32;
    assert_hex_equal(back, pa);
}

/* SDM 4.1.4: MAXPHYADDR is at most 52; 36 is the PSE-36/PAE minimum and 40
 * our default (CONTRACT 3). SDM 4.4.1: PAE uses four PDPTEs. */
static void maxphyaddr_default_and_pdpte_count(void **state)
{
    (void)state;
    assert_int_equal(X86_MAXPHYADDR_DEFAULT, 40);
    assert_int_equal(X86_PAE_PDPTE_COUNT, 4);
}

/* SDM tables 4-8..4-11 and 4-14..4-19: the address of a structure or 4 KiB page is bits
 * (M-1):12 of an entry. */
static void address_mask_for_m_36_40_52(void **state)
{
    (void)state;
    assert_hex_equal(x86_addr_mask(36), 0x0000000FFFFFF000);
    assert_hex_equal(x86_addr_mask(40), 0x000000FFFFFFF000);
    assert_hex_equal(x86_addr_mask(52), 0x000FFFFFFFFFF000);
}

/* SDM tables 4-9..4-11 and 4-14..4-19: bits 62:M (51:M of the address field plus 62:52,
 * which are reserved unless protection keys are on) must be 0; bit 63 is XD
 * and not part of this mask. */
static void reserved_high_mask_for_m_36_40_52(void **state)
{
    (void)state;
    assert_hex_equal(x86_rsvd_high_mask(36), 0x7FFFFFF000000000);
    assert_hex_equal(x86_rsvd_high_mask(40), 0x7FFFFF0000000000);
    assert_hex_equal(x86_rsvd_high_mask(52), 0x7FF0000000000000);
    assert_hex_equal(x86_rsvd_high_mask(40) & X86_PTE_XD, 0);
    assert_hex_equal(x86_rsvd_high_mask(40) & x86_addr_mask(40), 0);
    /* Together with the low 12 flag bits and XD they cover every bit. */
    assert_hex_equal(x86_rsvd_high_mask(40) | x86_addr_mask(40) | 0xFFF | X86_PTE_XD,
                     0xFFFFFFFFFFFFFFFF);
}

/* SDM table 4-8 (PAE PDPTE): bit 0 P, bits 2:1 reserved, 3 PWT, 4 PCD, bits
 * 8:5 reserved, 11:9 ignored, (M-1):12 address, 63:M reserved. */
static void pdpte_reserved_low_bits_match_sdm_table_4_8(void **state)
{
    (void)state;
    assert_hex_equal(X86_PDPTE_PAE_RSVD_LOW, 0x1E6);
    assert_hex_equal(X86_PDPTE_PAE_RSVD_LOW, (0x3 << 1) | (0xF << 5));
    assert_hex_equal(X86_PDPTE_PAE_RSVD_LOW & (X86_PTE_P | X86_PTE_PWT | X86_PTE_PCD), 0);
    assert_hex_equal(X86_PDPTE_PAE_RSVD_LOW & X86_PTE_AVL, 0);
}

/* SDM tables 4-9 (PAE) and 4-17 (4-level): a PDE mapping a 2 MiB page has
 * bits 20:13 reserved; table 4-15: a PDPTE mapping a 1 GiB page has bits
 * 29:13 reserved; bit 12 is PAT in both. */
static void large_page_reserved_bits_match_sdm_tables_4_9_4_15_4_17(void **state)
{
    (void)state;
    assert_hex_equal(X86_LARGE_2M_RSVD, 0x001FE000);
    assert_hex_equal(X86_LARGE_1G_RSVD, 0x3FFFE000);
    assert_hex_equal(X86_LARGE_2M_RSVD & X86_PDE_PAT_LARGE, 0);
    assert_hex_equal(X86_LARGE_1G_RSVD & X86_PDE_PAT_LARGE, 0);
    /* Bits 12 up to the page size: PAT plus the reserved run. */
    assert_hex_equal(X86_LARGE_2M_RSVD | X86_PDE_PAT_LARGE,
                     (UINT64_C(1) << X86_PAGE_SHIFT_2M) - X86_PAGE_SIZE);
    assert_hex_equal(X86_LARGE_1G_RSVD | X86_PDE_PAT_LARGE,
                     (UINT64_C(1) << X86_PAGE_SHIFT_1G) - X86_PAGE_SIZE);
}

/* SDM 4.7, figure 4-12 "Page-Fault Error Code": P bit 0, W/R bit 1, U/S bit
 * 2, RSVD bit 3, I/D bit 4. (I/D is set only for fetches when NX is in use,
 * i.e. PAE or 4-level paging with EFER.NXE=1, or with CR4.SMEP=1.) */
static void page_fault_error_code_matches_sdm_figure_4_12(void **state)
{
    (void)state;
    assert_int_equal(X86_PF_P_BIT, 0);
    assert_int_equal(X86_PF_W_BIT, 1);
    assert_int_equal(X86_PF_U_BIT, 2);
    assert_int_equal(X86_PF_RSVD_BIT, 3);
    assert_int_equal(X86_PF_ID_BIT, 4);
    assert_hex_equal(X86_PF_P, 0x1);
    assert_hex_equal(X86_PF_W, 0x2);
    assert_hex_equal(X86_PF_U, 0x4);
    assert_hex_equal(X86_PF_RSVD, 0x8);
    assert_hex_equal(X86_PF_ID, 0x10);
}

/* SDM Vol. 3A table 6-1: #GP is vector 13, #PF vector 14. */
static void exception_vectors_match_sdm_table_6_1(void **state)
{
    (void)state;
    assert_int_equal(X86_VEC_GP, 13);
    assert_int_equal(X86_VEC_PF, 14);
}

/* SDM figures 4-2 (32-bit: directory bits 31:22, table 21:12), 4-5 (PAE:
 * PDPTE bits 31:30), 4-8 (4-level: PML4 47:39, PDPT 38:30, PD 29:21, PT
 * 20:12); 1024 4-byte entries per 32-bit table, 512 8-byte entries else. */
static void linear_address_fields_match_sdm_figures_4_2_4_5_4_8(void **state)
{
    (void)state;
    assert_int_equal(X86_INDEX_BITS_32, 10);
    assert_int_equal(X86_INDEX_BITS_64, 9);
    assert_int_equal(X86_PDE32_SHIFT, 22);
    assert_int_equal(X86_PTE32_SHIFT, 12);
    assert_int_equal(X86_PDPTE_PAE_SHIFT, 30);
    assert_int_equal(X86_PML4_SHIFT, 39);
    assert_int_equal(X86_PDPT_SHIFT, 30);
    assert_int_equal(X86_PD_SHIFT, 21);
    assert_int_equal(X86_PT_SHIFT, 12);
    /* A table is one 4 KiB page in every format. */
    assert_int_equal((1 << X86_INDEX_BITS_32) * 4, 4096);
    assert_int_equal((1 << X86_INDEX_BITS_64) * 8, 4096);
    /* 4-level covers 48 bits; 32-bit covers 32. */
    assert_int_equal(X86_PML4_SHIFT + X86_INDEX_BITS_64, 48);
    assert_int_equal(X86_PDE32_SHIFT + X86_INDEX_BITS_32, 32);
}

/* An entry is one 64-bit value, no padding (STYLE 6). */
static void entry_wrapper_is_one_uint64(void **state)
{
    (void)state;
    assert_int_equal(sizeof(struct x86_entry), 8);
    struct x86_entry e = {X86_PTE_P | X86_PTE_RW};
    assert_hex_equal(e.v, 0x3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(page_sizes_are_4k_2m_4m_1g),
        cmocka_unit_test(cr0_bits_match_sdm_figure_2_7),
        cmocka_unit_test(cr3_fields_match_sdm_tables_4_3_and_4_7),
        cmocka_unit_test(cr4_bits_match_sdm_figure_2_7),
        cmocka_unit_test(efer_bits_match_sdm_table_2_1),
        cmocka_unit_test(entry_bits_match_sdm_tables_4_4_to_4_19),
        cmocka_unit_test(pse36_fields_match_sdm_table_4_4),
        cmocka_unit_test(maxphyaddr_default_and_pdpte_count),
        cmocka_unit_test(address_mask_for_m_36_40_52),
        cmocka_unit_test(reserved_high_mask_for_m_36_40_52),
        cmocka_unit_test(pdpte_reserved_low_bits_match_sdm_table_4_8),
        cmocka_unit_test(large_page_reserved_bits_match_sdm_tables_4_9_4_15_4_17),
        cmocka_unit_test(page_fault_error_code_matches_sdm_figure_4_12),
        cmocka_unit_test(exception_vectors_match_sdm_table_6_1),
        cmocka_unit_test(linear_address_fields_match_sdm_figures_4_2_4_5_4_8),
        cmocka_unit_test(entry_wrapper_is_one_uint64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
