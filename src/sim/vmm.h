/*
 * vmm.h - a small kernel's virtual memory manager: one address space, built
 * at boot the way a kernel builds it, then changed page by page for the heap.
 *
 * Boot (vmm_boot): the top-level table comes from the pfa (page directory in
 * 32-bit paging, PDPT plus its four page directories in PAE paging, PML4 in
 * 4-level paging), the identity ranges are mapped virtual = physical, the
 * kernel image is mapped in the higher half (0xC0000000 + pa, or
 * 0xFFFFFFFF80000000 + pa in long mode) with G=1, then CR4, EFER, CR3 and
 * CR0.PG are written through cpu.h so that their side effects and events are
 * the hardware's (SDM Vol. 3A 4.1, 4.4.1, 4.5; the seed: "load the directory
 * into CR3, set bit 31 of CR0").
 *
 * Afterwards the heap asks for pages: each is backed by whatever frame the
 * pfa hands out (virtually contiguous, physically scattered: the lesson),
 * page tables are allocated zeroed on demand and given back when emptied, and
 * every change to a present mapping is followed by INVLPG (SDM 4.10.4.1): the
 * TLB caches what hardware caches, so forgetting it would leave a stale entry.
 *
 * Every entry write emits EV_ENTRY_WRITE; frames and tables emit
 * EV_FRAME_ALLOC/FREE and EV_TABLE_ALLOC/FREE (the pfa has no sink of its
 * own); mappings emit EV_PAGE_MAP/UNMAP. Mutable state lives in two tracked
 * arrays (a per-frame count of present entries, for table frames, and the
 * page bitmap of the large-block region) and in a scalar block, for step-back.
 */
#ifndef PAGESIM_SIM_VMM_H
#define PAGESIM_SIM_VMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/paging_mode.h"
#include "event.h"

struct cpu;
struct pfa;
struct phys;
struct tlb;
struct tmem;

enum vmm_status {
    VMM_OK = 0,
    VMM_ERR_NO_FRAME,   /* the pfa had no free frame (for a page or a table) */
    VMM_ERR_NO_ROOM,    /* no virtual room left in the region */
    VMM_ERR_MAPPED,     /* the page is already mapped */
    VMM_ERR_NOT_MAPPED, /* the page is not mapped */
    VMM_ERR_RANGE,      /* an address out of range for the mode */
    VMM_ERR_CPU,        /* the cpu refused a control-register write (#GP) */
};

/* The hardware the VMM drives. sink points at the owner's sink, which may
 * change later (it is read at each event); it may be NULL. */
struct vmm_parts {
    struct phys *phys;
    struct pfa *pfa;
    struct cpu *cpu;
    struct tlb *tlb;
    const struct event_sink *sink;
};

/* An identity range: [start, start+len) mapped at virtual = physical. */
struct vmm_range {
    uint64_t start; /* bytes */
    uint64_t len;   /* bytes */
};

/* Virtual layout (docs/memory-layout.md). */
#define VMM_KERNEL_BASE_32   UINT64_C(0xC0000000)
#define VMM_KERNEL_BASE_LONG UINT64_C(0xFFFFFFFF80000000)
#define VMM_HEAP_BASE_32     UINT64_C(0xD0000000)
#define VMM_HEAP_END_32      UINT64_C(0xE0000000)
#define VMM_LARGE_BASE_32    UINT64_C(0xE0000000)
#define VMM_LARGE_END_32     UINT64_C(0xFF000000)
#define VMM_HEAP_BASE_LONG   UINT64_C(0xFFFFC90000000000)
#define VMM_HEAP_END_LONG    UINT64_C(0xFFFFC91000000000) /* 64 GiB */
#define VMM_LARGE_BASE_LONG  UINT64_C(0xFFFFC98000000000)
#define VMM_LARGE_END_LONG   UINT64_C(0xFFFFC99000000000) /* 64 GiB */

/* Leaf flags a caller may ask for. */
#define VMM_F_RW     (1u << 0) /* writable */
#define VMM_F_USER   (1u << 1) /* user-accessible */
#define VMM_F_GLOBAL (1u << 2) /* G=1 (kernel image) */
#define VMM_F_NX     (1u << 3) /* XD=1, where EFER.NXE is on (ignored otherwise) */

struct vmm_stats {
    uint64_t tables;      /* paging structures allocated now, top level included */
    uint64_t pages;       /* 4 KiB heap pages mapped now (large-region ones included) */
    uint64_t large_pages; /* pages of the large-block region in use */
    uint64_t tables_allocated, tables_freed; /* totals since boot */
    uint64_t invlpg;                         /* INVLPGs issued */
};

struct vmm;

/* Creates a VMM for a machine of nframes frames, nothing mapped yet. The parts
 * must outlive it. Returns NULL when memory runs out. */
struct vmm *vmm_create(const struct vmm_parts *parts, enum paging_mode mode, uint64_t nframes);

/* Frees v. NULL is allowed. */
void vmm_destroy(struct vmm *v);

/* Builds the address space and turns paging on (see the file comment): the
 * top-level table, the identity ranges (frames are not claimed here: the
 * caller's memory map does that), the kernel image [kernel_pa, kernel_pa +
 * kernel_len) in the higher half, then CR4, EFER, CR3 and CR0 = PE|ET|PG.
 * Tables built here are the kernel's: never freed. Returns VMM_OK, or
 * VMM_ERR_NO_FRAME / VMM_ERR_RANGE (an identity range the mode cannot
 * address) / VMM_ERR_CPU; the machine is then unusable. Call once. */
enum vmm_status vmm_boot(struct vmm *v, const struct vmm_range *identity, size_t nidentity,
                         uint64_t kernel_pa, uint64_t kernel_len);

/* Maps the 4 KiB page va to frame pa with flags (VMM_F_*), allocating the
 * missing tables zeroed. VMM_ERR_MAPPED when va is mapped already,
 * VMM_ERR_NO_FRAME when a table could not be allocated (the tables this
 * call allocated before the failure are given back: nothing changes),
 * VMM_ERR_RANGE for a non-canonical va. */
enum vmm_status vmm_map(struct vmm *v, uint64_t va, uint64_t pa, unsigned flags);

/* Unmaps the page va (4 KiB, or the large page holding it), issues INVLPG,
 * stores the frame it mapped in *pa (may be NULL) and gives back the tables
 * it emptied (never the top level, the PAE directories or boot tables). The
 * frame itself is not freed. VMM_ERR_NOT_MAPPED changes nothing. */
enum vmm_status vmm_unmap(struct vmm *v, uint64_t va, uint64_t *pa);

/* mprotect of one page (SDM Vol. 3A 4.6, 4.10.4.1): sets (writable) or clears
 * R/W in the leaf entry that maps va -- the PTE of a 4 KiB page, or the PDE
 * of the large page holding va -- emitting EV_ENTRY_WRITE, then issues INVLPG
 * for va unless do_invlpg is false: the TLB then keeps the old rights, a stale
 * entry, on purpose (the lesson of the forgotten INVLPG). Only R/W changes;
 * entries above the leaf are left as they are (the effective right is the AND
 * over all levels). An entry that has the asked R/W already is not written
 * and no INVLPG is issued. *end receives the first linear address after the
 * page that holds va; when va is not mapped, after the whole region the
 * missing entry would have mapped (the caller skips it); it saturates at
 * UINT64_MAX. Returns VMM_OK (changed or not), VMM_ERR_NOT_MAPPED, or
 * VMM_ERR_RANGE for an address the mode cannot map (non-canonical in long
 * mode, above 4 GiB otherwise: *end is then the next address that can be
 * mapped, or UINT64_MAX); nothing changes on failure. */
enum vmm_status vmm_protect(struct vmm *v, uint64_t va, bool writable, bool do_invlpg,
                            uint64_t *end);

/* The heap's pages: maps npages pages from va, each on a frame from the pfa
 * (ROLE_HEAP), supervisor, RW, XD where NXE is on. On failure everything this
 * call did is undone and VMM_ERR_NO_FRAME (or another status) is returned. */
enum vmm_status vmm_alloc_pages(struct vmm *v, uint64_t va, uint64_t npages);

/* Unmaps npages pages from va and frees their frames (and emptied tables).
 * Pages not mapped are skipped. Can't fail. */
void vmm_free_pages(struct vmm *v, uint64_t va, uint64_t npages);

/* Virtual room for a large block: finds npages free pages in the large
 * region (first fit), marks them used, stores the first address in *va.
 * False when there is no room; nothing changes then. */
bool vmm_large_reserve(struct vmm *v, uint64_t npages, uint64_t *va);

/* Marks [va, va + npages pages) of the large region as free again. */
void vmm_large_release(struct vmm *v, uint64_t va, uint64_t npages);

/* Grows a large reservation in place from oldn to newn pages when the pages
 * after it are free; true and marked on success, false changing nothing. */
bool vmm_large_extend(struct vmm *v, uint64_t va, uint64_t oldn, uint64_t newn);

/* The first run of reserved pages of the large region at or after va (a
 * large-region address): true with its first address in *start and its
 * length in *npages, or false when no page at or after va is reserved.
 * Reads the bitmap only (chunks never written are skipped whole); changes
 * nothing. For the heap's walker (heap_walk). */
bool vmm_large_next(const struct vmm *v, uint64_t va, uint64_t *start, uint64_t *npages);

/* The regions of this mode: [*base, *end). */
void vmm_heap_region(const struct vmm *v, uint64_t *base, uint64_t *end);
void vmm_large_region(const struct vmm *v, uint64_t *base, uint64_t *end);
uint64_t vmm_kernel_base(const struct vmm *v);

/* Physical address of the top-level table (what CR3 points at). */
uint64_t vmm_top_table(const struct vmm *v);
enum paging_mode vmm_mode(const struct vmm *v);
struct vmm_stats vmm_stats(const struct vmm *v);

/* Present entries counted in the table at frame pfn (0 for other frames). */
unsigned vmm_table_entries(const struct vmm *v, uint64_t pfn);

/* For replay/: the tracked arrays (entry counts, large-region bitmap) and the
 * scalar state as an opaque buffer of vmm_scalars_size() bytes. */
size_t vmm_tmems(struct vmm *v, struct tmem **out, size_t max);
size_t vmm_scalars_size(void);
void vmm_scalars_save(const struct vmm *v, void *dst);
void vmm_scalars_load(struct vmm *v, const void *src);
uint64_t vmm_hash(const struct vmm *v, uint64_t h);

#endif
