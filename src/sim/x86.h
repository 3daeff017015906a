/*
 * x86.h - architectural constants of x86 paging, in one place.
 *
 * Everything here is the hardware's, bit for bit, as the Intel SDM Vol. 3A
 * chapter 4 ("Paging") and the AMD APM Vol. 2 chapter 5 define it. Nothing in
 * this header is a pagesim invention; our own constants never carry the X86_
 * prefix. Masks are built from bit numbers with UINT64_C(1) << n and are used
 * on entries held as uint64_t (a 32-bit entry is zero-extended, as QEMU does),
 * never through C bit-fields (STYLE.md section 6).
 *
 * Control registers (SDM 2.5):
 *
 *   CR0   bit 0 PE  protection enable     bit 16 WP  write protect (supervisor)
 *         bit 4 ET  extension type (1)    bit 31 PG  paging
 *   CR3   32-bit: bits 31:12 page-directory base (PWT bit 3, PCD bit 4)
 *         PAE:    bits 31:5  PDPT base (32-byte aligned)
 *         long:   bits M-1:12 PML4 base
 *   CR4   bit 4 PSE  4 MiB pages in 32-bit paging
 *         bit 5 PAE  physical address extension
 *         bit 7 PGE  global pages
 *   EFER  (MSR C000_0080h) bit 0 SCE, bit 8 LME, bit 10 LMA, bit 11 NXE
 *
 * Paging-structure entries (SDM 4.3 tables 4-4..4-10, 4.4 tables 4-11..4-15,
 * 4.5 tables 4-17..4-20):
 *
 *   bit  0 P     present
 *   bit  1 R/W   0 = read-only
 *   bit  2 U/S   0 = supervisor only
 *   bit  3 PWT   page-level write-through
 *   bit  4 PCD   page-level cache disable
 *   bit  5 A     accessed
 *   bit  6 D     dirty (leaf entries only)
 *   bit  7 PS    in a PDE/PDPTE: maps a large page.  PAT in a 4 KiB PTE.
 *   bit  8 G     global (leaf entries only, with CR4.PGE)
 *   bits 11:9    ignored (available to software)
 *   bit 12 PAT   in a large-page PDE/PDPTE
 *   bit 63 XD    execute-disable (PAE and long mode, with EFER.NXE)
 *
 *   32-bit PTE / PDE(PS=0):  address bits 31:12
 *   32-bit PDE(PS=1), PSE-36: bits 31:22 are PA 31:22, bits 20:13 are PA 39:32,
 *                             bit 21 is reserved (SDM table 4-4, M = 40)
 *   PAE / long entries:       address bits M-1:12 (M = MAXPHYADDR), bits 62:M reserved
 *   PAE PDPTE (SDM 4.4.1):    only P, PWT, PCD and the address; bits 2:1, 8:5 and
 *                             63:M are reserved
 *
 * Page-fault error code (SDM 4.7, figure 4-12):
 *
 *   bit 0 P     0 = not-present page, 1 = protection violation (or RSVD)
 *   bit 1 W/R   the access was a write
 *   bit 2 U/S   the access was a user-mode access
 *   bit 3 RSVD  a reserved bit was set in some paging-structure entry
 *   bit 4 I/D   the access was an instruction fetch
 */
#ifndef PAGESIM_SIM_X86_H
#define PAGESIM_SIM_X86_H

#include <stdint.h>

/* Page sizes and shifts. */
#define X86_PAGE_SHIFT    12
#define X86_PAGE_SIZE     (UINT64_C(1) << X86_PAGE_SHIFT) /* 4 KiB */
#define X86_PAGE_SHIFT_2M 21
#define X86_PAGE_SHIFT_4M 22
#define X86_PAGE_SHIFT_1G 30

/* CR0 (SDM 2.5). */
#define X86_CR0_PE_BIT 0
#define X86_CR0_ET_BIT 4
#define X86_CR0_WP_BIT 16
#define X86_CR0_PG_BIT 31
#define X86_CR0_PE     (UINT64_C(1) << X86_CR0_PE_BIT)
#define X86_CR0_ET     (UINT64_C(1) << X86_CR0_ET_BIT)
#define X86_CR0_WP     (UINT64_C(1) << X86_CR0_WP_BIT)
#define X86_CR0_PG     (UINT64_C(1) << X86_CR0_PG_BIT)

/* CR3 (SDM 4.3 table 4-3, 4.4.1 table 4-7, 4.5 table 4-12). */
#define X86_CR3_PWT_BIT  3
#define X86_CR3_PCD_BIT  4
#define X86_CR3_PWT      (UINT64_C(1) << X86_CR3_PWT_BIT)
#define X86_CR3_PCD      (UINT64_C(1) << X86_CR3_PCD_BIT)
#define X86_CR3_ADDR_32  UINT64_C(0xFFFFF000) /* page-directory base, 32-bit */
#define X86_CR3_ADDR_PAE UINT64_C(0xFFFFFFE0) /* PDPT base, 32-byte aligned */

/* CR4 (SDM 2.5). */
#define X86_CR4_PSE_BIT 4
#define X86_CR4_PAE_BIT 5
#define X86_CR4_PGE_BIT 7
#define X86_CR4_PSE     (UINT64_C(1) << X86_CR4_PSE_BIT)
#define X86_CR4_PAE     (UINT64_C(1) << X86_CR4_PAE_BIT)
#define X86_CR4_PGE     (UINT64_C(1) << X86_CR4_PGE_BIT)

/* IA32_EFER, MSR 0xC0000080 (SDM 2.2.1, APM 3.1.7). */
#define X86_MSR_EFER     UINT32_C(0xC0000080)
#define X86_EFER_SCE_BIT 0 /* SYSCALL enable: no effect on paging */
#define X86_EFER_LME_BIT 8
#define X86_EFER_LMA_BIT 10
#define X86_EFER_NXE_BIT 11
#define X86_EFER_SCE     (UINT64_C(1) << X86_EFER_SCE_BIT)
#define X86_EFER_LME     (UINT64_C(1) << X86_EFER_LME_BIT)
#define X86_EFER_LMA     (UINT64_C(1) << X86_EFER_LMA_BIT)
#define X86_EFER_NXE     (UINT64_C(1) << X86_EFER_NXE_BIT)

/* Paging-structure entry bits, shared by all formats. */
#define X86_PTE_P_BIT         0
#define X86_PTE_RW_BIT        1
#define X86_PTE_US_BIT        2
#define X86_PTE_PWT_BIT       3
#define X86_PTE_PCD_BIT       4
#define X86_PTE_A_BIT         5
#define X86_PTE_D_BIT         6
#define X86_PDE_PS_BIT        7 /* page size, in a PDE or PDPTE */
#define X86_PTE_PAT_BIT       7 /* PAT, in a 4 KiB PTE: the same bit, another meaning */
#define X86_PTE_G_BIT         8
#define X86_PDE_PAT_LARGE_BIT 12 /* PAT, in a large-page PDE or PDPTE */
#define X86_PTE_XD_BIT        63

#define X86_PTE_P         (UINT64_C(1) << X86_PTE_P_BIT)
#define X86_PTE_RW        (UINT64_C(1) << X86_PTE_RW_BIT)
#define X86_PTE_US        (UINT64_C(1) << X86_PTE_US_BIT)
#define X86_PTE_PWT       (UINT64_C(1) << X86_PTE_PWT_BIT)
#define X86_PTE_PCD       (UINT64_C(1) << X86_PTE_PCD_BIT)
#define X86_PTE_A         (UINT64_C(1) << X86_PTE_A_BIT)
#define X86_PTE_D         (UINT64_C(1) << X86_PTE_D_BIT)
#define X86_PDE_PS        (UINT64_C(1) << X86_PDE_PS_BIT)
#define X86_PTE_PAT       (UINT64_C(1) << X86_PTE_PAT_BIT)
#define X86_PTE_G         (UINT64_C(1) << X86_PTE_G_BIT)
#define X86_PDE_PAT_LARGE (UINT64_C(1) << X86_PDE_PAT_LARGE_BIT)
#define X86_PTE_XD        (UINT64_C(1) << X86_PTE_XD_BIT)
#define X86_PTE_AVL       UINT64_C(0x0E00) /* bits 11:9, ignored by hardware */

/* 32-bit paging address fields (SDM 4.3). */
#define X86_PTE32_ADDR             UINT64_C(0xFFFFF000) /* 4 KiB frame, PTE or PDE(PS=0) */
#define X86_PDE32_4M_ADDR_LO       UINT64_C(0xFFC00000) /* PA 31:22 of a 4 MiB page */
#define X86_PDE32_4M_ADDR_HI       UINT64_C(0x001FE000) /* bits 20:13 hold PA 39:32 (PSE-36) */
#define X86_PDE32_4M_ADDR_HI_SHIFT 13                   /* bit 13 of the entry is PA bit 32 */
#define X86_PDE32_4M_RSVD          (UINT64_C(1) << 21)  /* reserved with MAXPHYADDR 40 */

/* PAE and 4-level address fields, for MAXPHYADDR = M (SDM 4.4, 4.5). */
#define X86_MAXPHYADDR_DEFAULT 40
#define X86_PAE_PDPTE_COUNT    4

/* Bits M-1:12, the address of a 4 KiB-aligned structure or page. */
static inline uint64_t x86_addr_mask(unsigned maxphyaddr)
{
    return ((UINT64_C(1) << maxphyaddr) - 1) & ~(X86_PAGE_SIZE - 1);
}

/* Bits 62:M of a 64-bit entry, reserved in every PAE and 4-level entry. */
static inline uint64_t x86_rsvd_high_mask(unsigned maxphyaddr)
{
    return ~((UINT64_C(1) << maxphyaddr) - 1) & ~X86_PTE_XD;
}

/* Reserved bits of a PAE PDPTE other than 62:M (SDM table 4-8): 2:1 and 8:5. */
#define X86_PDPTE_PAE_RSVD_LOW UINT64_C(0x1E6)

/* In a large-page entry, the address bits below the page size (except PAT, bit 12)
 * are reserved: bits 20:13 for 2 MiB, 29:13 for 1 GiB. */
#define X86_LARGE_2M_RSVD UINT64_C(0x001FE000)
#define X86_LARGE_1G_RSVD UINT64_C(0x3FFFE000)

/* Page-fault error code (SDM 4.7). */
#define X86_PF_P_BIT    0
#define X86_PF_W_BIT    1
#define X86_PF_U_BIT    2
#define X86_PF_RSVD_BIT 3
#define X86_PF_ID_BIT   4
#define X86_PF_P        (UINT32_C(1) << X86_PF_P_BIT)
#define X86_PF_W        (UINT32_C(1) << X86_PF_W_BIT)
#define X86_PF_U        (UINT32_C(1) << X86_PF_U_BIT)
#define X86_PF_RSVD     (UINT32_C(1) << X86_PF_RSVD_BIT)
#define X86_PF_ID       (UINT32_C(1) << X86_PF_ID_BIT)

/* Exception vectors. */
#define X86_VEC_GP 13
#define X86_VEC_PF 14

/* Linear-address index fields (SDM figures 4-2..4-10). Only sim/paging.h's
 * table of modes reads them: everything else asks that table. */
#define X86_INDEX_BITS_32   10 /* 1024 entries of 4 bytes */
#define X86_INDEX_BITS_64   9  /* 512 entries of 8 bytes */
#define X86_PDE32_SHIFT     22
#define X86_PTE32_SHIFT     12
#define X86_PDPTE_PAE_SHIFT 30
#define X86_PML4_SHIFT      39
#define X86_PDPT_SHIFT      30
#define X86_PD_SHIFT        21
#define X86_PT_SHIFT        12

/* An entry as it sits in a paging structure, kept apart from addresses by the
 * compiler (Linux's pte_t). A 32-bit entry is zero-extended. */
struct x86_entry {
    uint64_t v;
};

_Static_assert((X86_PTE32_ADDR & 0xFFF) == 0, "32-bit address mask and flags are disjoint");
_Static_assert((X86_PDE32_4M_ADDR_LO & X86_PDE32_4M_ADDR_HI) == 0, "PSE-36 fields disjoint");
_Static_assert((X86_PDPTE_PAE_RSVD_LOW & (X86_PTE_P | X86_PTE_PWT | X86_PTE_PCD)) == 0,
               "PDPTE reserved bits leave P, PWT and PCD");
_Static_assert((X86_LARGE_2M_RSVD & X86_PDE_PAT_LARGE) == 0, "large-page PAT is not reserved");

#endif
