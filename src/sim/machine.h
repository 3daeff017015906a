/*
 * machine.h - one simulated computer: RAM, frame allocator, CPU registers,
 * TLB, MMU, a kernel's VMM and a heap allocator, booted and ready to run a
 * program's allocations.
 *
 * machine_create() boots it the way a small kernel does (the seed's steps):
 * the memory map reserves frame 0 and 0x9F000-0x100000 plus the trace's
 * reserve ranges; the kernel image at 1 MiB is marked allocated; the VMM
 * allocates the top-level table, maps the identity ranges and the kernel in
 * the higher half, loads CR3 and sets CR0.PG. Then each operation (malloc,
 * calloc, realloc, free, read, write, fetch; and the kernel's protect, INVLPG
 * and control-register writes the lessons need) runs to its end, reporting
 * every micro-step to the event sink.
 *
 * What the simulated program does wrong (double free, unknown id, use after
 * free, an access past a block's end, a page fault, running out of memory) is
 * not a C error: it becomes an EV_DIAG / EV_FAULT / EV_ALLOC_FAIL event and a
 * counter, and the machine goes on.
 *
 * Nothing here has global state: machines can live side by side.
 */
#ifndef PAGESIM_SIM_MACHINE_H
#define PAGESIM_SIM_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "mmu.h"

struct cpu;
struct heap;
struct pfa;
struct phys;
struct tlb;
struct tmem;
struct vmm;

/* The boot layout (docs/memory-layout.md): the whole first MiB is the
 * firmware's (frame 0 with the real-mode IVT and BIOS data, low memory below
 * the EBDA, then 0x9F000-0x100000: EBDA, VGA, BIOS); the kernel image follows
 * at 1 MiB, and the seed's free_mem_start follows it. */
#define MACHINE_LOW_MEMORY_END UINT64_C(0x100000)
#define MACHINE_KERNEL_PA      UINT64_C(0x100000)
#define MACHINE_KERNEL_SIZE    UINT64_C(0x5000) /* 20 KiB: 5 frames */

struct machine_range {
    uint64_t start;    /* bytes */
    uint64_t len;      /* bytes */
    const char *label; /* may be NULL; copied by machine_create */
};

struct machine_config {
    uint64_t ram_bytes;                  /* multiple of 4 KiB (default 16 MiB) */
    enum paging_mode paging;             /* default PAGING_32 */
    unsigned tlb_entries;                /* default 64 */
    unsigned tlb_ways;                   /* default 4 */
    unsigned maxphyaddr;                 /* default 40 */
    const struct machine_range *reserve; /* extra reserved ranges */
    size_t nreserve;
    const struct machine_range *identity; /* identity-mapped ranges */
    size_t nidentity;
    uint32_t nids;            /* the program uses block ids 0..nids-1 */
    uint64_t large_threshold; /* bytes; requests >= get pages of their own (128 KiB) */
};

enum machine_status {
    MACHINE_OK = 0,
    MACHINE_ERR_CONFIG,    /* a value out of range (RAM size, TLB geometry...) */
    MACHINE_ERR_NO_MEMORY, /* the host ran out of memory */
    MACHINE_ERR_BOOT,      /* the kernel did not fit in the simulated RAM */
};

/* Why machine_create_why could not build a machine: the precise reason, so
 * that the caller can blame the value that caused it (a trace line, an
 * option). The machine knows nothing of lines: it names a range by index. */
enum machine_why {
    MACHINE_WHY_NONE,           /* built, or the host ran out of memory */
    MACHINE_WHY_RAM_SIZE,       /* RAM 0, not a multiple of 4 KiB, or above PHYS_MAX_SIZE */
    MACHINE_WHY_RAM_WIDTH,      /* RAM above 2^MAXPHYADDR (or MAXPHYADDR not 36..52) */
    MACHINE_WHY_RAM_32BIT,      /* RAM above 4 GiB with 32-bit entries (paging 32 or pse) */
    MACHINE_WHY_RAM_SMALL,      /* RAM too small for the first MiB, the kernel image and
                                   its first tables (machine_min_ram) */
    MACHINE_WHY_TLB,            /* a TLB geometry the TLB refuses */
    MACHINE_WHY_RESERVE_KERNEL, /* range: a reserved range covers the kernel image */
    MACHINE_WHY_IDENTITY_RANGE, /* range: an identity range reaches past the linear
                                   address space or the physical-address width of the
                                   mode (machine_identity_limit) */
    MACHINE_WHY_NO_FRAMES,      /* the boot found no free frame for its tables; range:
                                   the range that took the most of the RAM's frames */
    MACHINE_WHY_OTHER,          /* another value out of range (paging, nids, NULL ranges) */
};

struct machine_failure {
    enum machine_status status;
    enum machine_why why;
    size_t range; /* reserve[range], or identity[range - nreserve]; SIZE_MAX: none */
};

enum diag_kind {
    DIAG_DOUBLE_FREE,     /* free (or realloc) of a block already freed */
    DIAG_UNKNOWN_ID,      /* free, realloc or access of an id never allocated */
    DIAG_ID_REUSED,       /* allocation into an id whose block is still live */
    DIAG_USE_AFTER_FREE,  /* access to a freed block */
    DIAG_OUT_OF_BOUNDS,   /* access past the end of a block */
    DIAG_OUT_OF_MEMORY,   /* an allocation failed: no frame or no virtual room */
    DIAG_PAGE_FAULT,      /* an access faulted (#PF or #GP) */
    DIAG_HEAP_CORRUPTION, /* the allocator found its metadata overwritten (after a write
                               past a block's end or after free), as glibc's "corrupted
                               size" checks do; it went on without trusting it */
    DIAG_NOT_MAPPED,      /* a protect of a page that is not mapped (nothing to change) */
    DIAG_COUNT
};

struct machine_stats {
    uint64_t page_faults;      /* #PF raised */
    uint64_t gp_faults;        /* #GP raised (non-canonical) */
    uint64_t diagnostics;      /* all diagnostics */
    uint64_t diag[DIAG_COUNT]; /* per kind */
    uint64_t failed_allocs;    /* allocations and reallocs that returned null */
    uint64_t live_blocks;
    uint64_t live_bytes; /* sum of requested sizes of live blocks */
    uint64_t peak_live_bytes;
    uint64_t accesses; /* reads and writes done through the MMU */
};

/* A block of the program, for the views. */
struct machine_block {
    uint32_t id;
    uint64_t va;   /* address the program sees (after the header) */
    uint64_t size; /* requested bytes */
    bool live;     /* false: freed (va is where it was) */
    bool large;    /* has pages of its own */
};

/* Fills c with the defaults above. */
void machine_config_default(struct machine_config *c);

/* Creates and boots a machine. sink (may be NULL) receives the boot's events
 * and later ones; it is copied. Returns NULL with *status set on failure. */
struct machine *machine_create(const struct machine_config *cfg, const struct event_sink *sink,
                               enum machine_status *status);

/* machine_create, saying on failure why in *f (may be NULL): status as
 * machine_create's, and the reason (enum machine_why). */
struct machine *machine_create_why(const struct machine_config *cfg, const struct event_sink *sink,
                                   struct machine_failure *f);

/* The smallest RAM that boots: the first MiB, the kernel image, two frames. */
uint64_t machine_min_ram(void);

/* The first physical address an identity range of paging mode p may not
 * reach, with the given MAXPHYADDR (0: the default): the end of the linear
 * address space (4 GiB; 2^47 in 4-level paging) or of what the entries can
 * address (4 GiB with 32-bit entries; 2^MAXPHYADDR), whichever is lower. */
uint64_t machine_identity_limit(enum paging_mode p, unsigned maxphyaddr);

/* Frees everything. NULL is allowed. */
void machine_destroy(struct machine *m);

/* Lets the program use ids 0..nids-1 (a trace read while it runs meets new
 * ids as it goes). Never shrinks. False, changing nothing, when nids is past
 * the limit of machine_create (2^28), memory runs out, or a journal is
 * attached to the machine's arrays (checkpoints need a fixed id table). */
bool machine_reserve_ids(struct machine *m, uint32_t nids);

/* Replaces the event sink (NULL: nobody listens). */
void machine_set_sink(struct machine *m, const struct event_sink *sink);

/* The program's operations. Each runs to its end; misbehaviour becomes
 * diagnostics (above). The allocation calls return false when the allocation
 * returned null (counted in failed_allocs). An id >= nids is DIAG_UNKNOWN_ID. */
bool machine_malloc(struct machine *m, uint32_t id, uint64_t size);
bool machine_calloc(struct machine *m, uint32_t id, uint64_t count, uint64_t size);
/* Resizes block id to size bytes; afterwards the block is known as new_id
 * (mtrace: the address realloc returned; native: new_id == id). */
bool machine_realloc(struct machine *m, uint32_t id, uint32_t new_id, uint64_t size);
void machine_free(struct machine *m, uint32_t id);
/* Records an allocation the traced program saw fail (mtrace "(nil)", "!"):
 * counts it and emits EV_ALLOC_FAIL with id, the block a failed realloc was
 * asked to resize, or UINT32_MAX when no block was involved (a malloc that
 * returned null has none). Changes nothing else. */
void machine_failed_alloc(struct machine *m, uint32_t id, uint64_t size);
/* Loads or stores len bytes at offset off of block id, through the MMU. */
void machine_access(struct machine *m, uint32_t id, uint64_t off, uint64_t len,
                    enum mmu_access acc);
/* The same at a raw linear address. */
void machine_access_va(struct machine *m, uint64_t va, uint64_t len, enum mmu_access acc);
/* machine_access and machine_access_va for a user-mode (CPL 3, user true) or
 * supervisor access: the U/S bit of the walk then decides, and a fault's
 * error code carries U (SDM 4.6, 4.7). An instruction fetch is MMU_EXEC (XD
 * faults where EFER.NXE is on). EV_ACCESS carries code = 3 for a user access,
 * 0 otherwise. */
void machine_access_priv(struct machine *m, uint32_t id, uint64_t off, uint64_t len,
                         enum mmu_access acc, bool user);
void machine_access_va_priv(struct machine *m, uint64_t va, uint64_t len, enum mmu_access acc,
                            bool user);

/*
 * The kernel's and the CPU's side of the lessons: what a kernel does to its
 * page tables and control registers, as plain calls.
 */

/* mprotect: the kernel sets (writable) or clears R/W in the leaf entry of
 * every page [va, va+len) touches (the large-page entry for a large page),
 * each change an EV_ENTRY_WRITE, each followed by INVLPG unless do_invlpg is
 * false (then the TLB keeps the old rights: a stale entry, on purpose).
 * Pages not mapped are skipped with one DIAG_NOT_MAPPED (at the first of
 * them); len 0 changes nothing. Can't fail otherwise. */
void machine_protect_va(struct machine *m, uint64_t va, uint64_t len, bool writable,
                        bool do_invlpg);
/* The same for the pages of block id, [address, address + max(size, 1)):
 * whole pages, so what shares them (other blocks, the heap's metadata) is
 * protected too, as with mprotect. An unknown id is DIAG_UNKNOWN_ID; a freed
 * block is DIAG_USE_AFTER_FREE and its old pages are protected anyway. */
void machine_protect(struct machine *m, uint32_t id, bool writable, bool do_invlpg);

/* INVLPG for the page holding va: drops its TLB entries, global or not
 * (EV_TLB_INVLPG). Whether va is mapped does not matter. Can't fail. */
void machine_invlpg_va(struct machine *m, uint64_t va);
/* INVLPG for the page holding offset off of block id (DIAG_UNKNOWN_ID for an
 * id never allocated; a freed block's old address is used). */
void machine_invlpg(struct machine *m, uint32_t id, uint64_t off);

/* MOV CR3, CR3: the non-global TLB entries are flushed, global ones kept
 * (SDM 4.10.4.1); in PAE paging the PDPTEs are reloaded. Returns false when
 * the CPU refused the write with #GP (counted in gp_faults, DIAG_PAGE_FAULT,
 * nothing changed). */
bool machine_cr3_reload(struct machine *m);
/* Sets or clears CR0.WP through the CPU (a supervisor write to a read-only
 * page then faults or succeeds, SDM 4.6). Fails as machine_cr3_reload. */
bool machine_set_cr0_wp(struct machine *m, bool on);
/* Sets or clears CR4.PGE through the CPU: toggling it flushes the whole TLB,
 * global entries too; with it on, G=1 leaves are cached as global. Fails as
 * machine_cr3_reload. */
bool machine_set_cr4_pge(struct machine *m, bool on);

/* A side-effect-free translation (translate): the walk in RAM as the MMU would
 * do it, for a supervisor or user access; nothing changes. */
bool machine_probe(const struct machine *m, uint64_t va, enum mmu_access acc, bool user,
                   struct mmu_result *res);

struct machine_stats machine_stats(const struct machine *m);
const struct machine_config *machine_config(const struct machine *m);

/* Read-only views of the parts. */
const struct phys *machine_phys(const struct machine *m);
const struct pfa *machine_pfa(const struct machine *m);
const struct cpu *machine_cpu(const struct machine *m);
const struct tlb *machine_tlb(const struct machine *m);
const struct vmm *machine_vmm(const struct machine *m);
const struct heap *machine_heap(const struct machine *m);

/* Block id's record, false when the id was never allocated. */
bool machine_block(const struct machine *m, uint32_t id, struct machine_block *out);

/* For replay/ (checkpoints): every tracked array of the machine, and its
 * scalar state as an opaque buffer of machine_scalars_size() bytes. Restoring
 * the arrays' chunks and the scalars gives back the machine bit for bit. */
size_t machine_tmems(struct machine *m, struct tmem **out, size_t max);
size_t machine_scalars_size(const struct machine *m);
void machine_scalars_save(const struct machine *m, void *dst);
void machine_scalars_load(struct machine *m, const void *src);

/* A hash of the whole machine state (RAM, frames, roles, TLB, registers,
 * heap, counters): equal states give equal hashes. */
uint64_t machine_hash(const struct machine *m);

const char *machine_diag_name(enum diag_kind d);
const char *machine_paging_name(enum paging_mode p); /* "32", "pse", "pae", "long" */

#endif
