/*
 * fuzz_machine.c - libFuzzer target for the machine behind the parsers: any
 * input that parses (native or mtrace, detected from the content as
 * trace_parse does) is replayed to its end through the timeline
 * (replay/timeline.h) in each of the four paging modes, overriding the
 * trace's `paging` as --paging does, with a TLB geometry and a checkpoint
 * spacing that change from mode to mode, RAM capped at 64 MiB and at most
 * 4096 operations so that runs stay fast.
 *
 * No input may break the machine. Besides "no crash, no leak, no bad
 * access", the machine's own invariants are checked at the boot, every few
 * operations and at the end, and any violation aborts:
 *
 *   - the frame counts add up (used + free + reserved = total) and match
 *     the allocator's bytemap byte for byte;
 *   - CR3 points at the VMM's top-level table, and the page tables, walked
 *     from CR3 in simulated RAM at every level (large pages included):
 *     every table frame lies in RAM, is allocated and has a table role, no
 *     table is reached twice, the VMM's counts of tables, of heap pages and
 *     of present entries per table agree with the walk, a frame has a table
 *     role only if the walk reached it, and every frame a present leaf maps
 *     inside RAM is allocated or reserved;
 *   - the heap's live bytes and live blocks are the sums over the live
 *     blocks: those the program's ids name, plus those it orphaned by
 *     allocating into an id whose block was still live (DIAG_ID_REUSED: the
 *     old block stays allocated, as a leak does; the fuzzer counts these
 *     itself from the operations, see step_counting_orphans());
 *   - going back to operation 0 and forward again to the end (and back one
 *     operation, and to the middle) gives the hashes the forward run gave.
 *
 * Only public, read-only accessors of sim/ and replay/ are used.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "replay/options.h"
#include "replay/timeline.h"
#include "sim/cpu.h"
#include "sim/heap.h"
#include "sim/machine.h"
#include "sim/pfa.h"
#include "sim/phys.h"
#include "sim/vmm.h"
#include "sim/x86.h"
#include "trace/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RAM  (UINT64_C(64) << 20)
#define MAX_OPS  4096u
#define N_CHECKS 24u /* full checks spread over the run, besides boot and end */

/* A violated invariant: libFuzzer reports the abort with the input. */
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            __builtin_trap();                                                                      \
    } while (0)

/* What the walk of the page tables found. */
struct walk {
    const struct phys *phys;
    const uint8_t *bytemap;
    const uint8_t *roles;
    const struct vmm *vmm;
    uint64_t nframes;
    uint8_t *seen; /* per frame: reached as a table */
    uint64_t tables;
    uint64_t heap_pages; /* 4 KiB leaves in the heap and large regions */
    uint64_t heap_base, heap_end, large_base, large_end;
    unsigned maxphyaddr;
};

static bool is_table_role(uint8_t r)
{
    return r == ROLE_PML4 || r == ROLE_PDPT || r == ROLE_PD || r == ROLE_PT;
}

/* A table frame: in RAM, allocated, a table role, reached once. */
static void note_table(struct walk *w, uint64_t pa)
{
    uint64_t pfn = pa_to_pfn(pa);
    CHECK(pfn < w->nframes);
    CHECK(w->bytemap[pfn] == PFA_USED);
    CHECK(is_table_role(w->roles[pfn]));
    CHECK(!w->seen[pfn]);
    w->seen[pfn] = 1;
    w->tables++;
}

/* A leaf mapping [pa, pa + len) at va: every frame of it inside RAM is
 * allocated or reserved. */
static void note_leaf(struct walk *w, uint64_t va, uint64_t pa, uint64_t len)
{
    for (uint64_t off = 0; off < len; off += X86_PAGE_SIZE) {
        uint64_t pfn = pa_to_pfn(pa + off);
        if (pfn >= w->nframes)
            break;
        CHECK(w->bytemap[pfn] != PFA_FREE);
    }
    if (len == X86_PAGE_SIZE &&
        ((va >= w->heap_base && va < w->heap_end) || (va >= w->large_base && va < w->large_end)))
        w->heap_pages++;
}

/* The present entries of the table at pa must be what the VMM counted. */
static void check_count(struct walk *w, uint64_t pa, unsigned present)
{
    CHECK(vmm_table_entries(w->vmm, pa_to_pfn(pa)) == present);
}

static void walk_pt(struct walk *w, uint64_t pa, uint64_t va, bool wide)
{
    note_table(w, pa);
    unsigned n = wide ? 512 : 1024, present = 0;
    for (unsigned i = 0; i < n; i++) {
        uint64_t e = wide ? phys_load64(w->phys, pa + 8 * i) : phys_load32(w->phys, pa + 4 * i);
        if (!(e & X86_PTE_P))
            continue;
        present++;
        uint64_t addr = e & (wide ? x86_addr_mask(w->maxphyaddr) : X86_PTE32_ADDR);
        note_leaf(w, va + ((uint64_t)i << X86_PAGE_SHIFT), addr, X86_PAGE_SIZE);
    }
    check_count(w, pa, present);
}

/* A PAE or 4-level page directory. */
static void walk_pd64(struct walk *w, uint64_t pa, uint64_t va)
{
    note_table(w, pa);
    unsigned present = 0;
    for (unsigned i = 0; i < 512; i++) {
        uint64_t e = phys_load64(w->phys, pa + 8 * i);
        if (!(e & X86_PTE_P))
            continue;
        present++;
        uint64_t addr = e & x86_addr_mask(w->maxphyaddr);
        uint64_t sub = va + ((uint64_t)i << X86_PD_SHIFT);
        if (e & X86_PDE_PS)
            note_leaf(w, sub, addr & ~((UINT64_C(1) << X86_PAGE_SHIFT_2M) - 1),
                      UINT64_C(1) << X86_PAGE_SHIFT_2M);
        else
            walk_pt(w, addr, sub, true);
    }
    check_count(w, pa, present);
}

static uint64_t sign_extend48(uint64_t va)
{
    return (va & (UINT64_C(1) << 47)) ? va | UINT64_C(0xFFFF000000000000) : va;
}

static void walk_tables(struct walk *w, const struct cpu *cpu)
{
    enum paging_mode mode = cpu_paging_mode(cpu);
    CHECK(mode != PAGING_OFF);
    if (mode == PAGING_32) {
        uint64_t pd = cpu->cr3 & X86_CR3_ADDR_32;
        note_table(w, pd);
        unsigned present = 0;
        for (unsigned i = 0; i < 1024; i++) {
            uint64_t e = phys_load32(w->phys, pd + 4 * i);
            if (!(e & X86_PTE_P))
                continue;
            present++;
            uint64_t va = (uint64_t)i << X86_PDE32_SHIFT;
            if ((e & X86_PDE_PS) && (cpu->cr4 & X86_CR4_PSE)) {
                uint64_t addr = (e & X86_PDE32_4M_ADDR_LO) |
                                ((e & X86_PDE32_4M_ADDR_HI) << (32 - X86_PDE32_4M_ADDR_HI_SHIFT));
                note_leaf(w, va, addr, UINT64_C(1) << X86_PAGE_SHIFT_4M);
            } else {
                walk_pt(w, e & X86_PTE32_ADDR, va, false);
            }
        }
        check_count(w, pd, present);
    } else if (mode == PAGING_PAE) {
        /* The PDPT is 32 bytes at CR3 bits 31:5; its frame is the table's. */
        uint64_t pdpt = cpu->cr3 & X86_CR3_ADDR_PAE;
        note_table(w, pdpt & ~(X86_PAGE_SIZE - 1));
        unsigned present = 0;
        for (unsigned i = 0; i < X86_PAE_PDPTE_COUNT; i++) {
            uint64_t e = phys_load64(w->phys, pdpt + 8 * i);
            if (!(e & X86_PTE_P))
                continue;
            present++;
            walk_pd64(w, e & x86_addr_mask(w->maxphyaddr), (uint64_t)i << X86_PDPTE_PAE_SHIFT);
        }
        check_count(w, pdpt & ~(X86_PAGE_SIZE - 1), present);
    } else {
        uint64_t pml4 = cpu->cr3 & x86_addr_mask(w->maxphyaddr);
        note_table(w, pml4);
        unsigned present4 = 0;
        for (unsigned i = 0; i < 512; i++) {
            uint64_t e4 = phys_load64(w->phys, pml4 + 8 * i);
            if (!(e4 & X86_PTE_P))
                continue;
            present4++;
            uint64_t pdpt = e4 & x86_addr_mask(w->maxphyaddr);
            note_table(w, pdpt);
            unsigned present3 = 0;
            for (unsigned j = 0; j < 512; j++) {
                uint64_t e3 = phys_load64(w->phys, pdpt + 8 * j);
                if (!(e3 & X86_PTE_P))
                    continue;
                present3++;
                uint64_t va =
                    sign_extend48((uint64_t)i << X86_PML4_SHIFT | (uint64_t)j << X86_PDPT_SHIFT);
                uint64_t addr = e3 & x86_addr_mask(w->maxphyaddr);
                if (e3 & X86_PDE_PS)
                    note_leaf(w, va, addr & ~((UINT64_C(1) << X86_PAGE_SHIFT_1G) - 1),
                              UINT64_C(1) << X86_PAGE_SHIFT_1G);
                else
                    walk_pd64(w, addr, va);
            }
            check_count(w, pdpt, present3);
        }
        check_count(w, pml4, present4);
    }
}

/* Blocks the program can no longer name (see the file comment). */
struct orphans {
    uint64_t blocks, bytes;
};

/* Every invariant of the list above except the hashes. */
static void check_machine(const struct machine *m, uint8_t *seen, struct orphans orph)
{
    const struct pfa *pfa = machine_pfa(m);
    struct pfa_stats ps = pfa_stats(pfa);
    CHECK(ps.used + ps.free + ps.reserved == ps.total);
    CHECK(ps.total == machine_config(m)->ram_bytes >> X86_PAGE_SHIFT);
    const uint8_t *bytemap = pfa_bytemap(pfa);
    const uint8_t *roles = pfa_roles(pfa);
    uint64_t count[3] = {0, 0, 0};
    for (uint64_t f = 0; f < ps.total; f++) {
        CHECK(bytemap[f] <= PFA_RESERVED);
        CHECK(roles[f] < ROLE_COUNT);
        count[bytemap[f]]++;
    }
    CHECK(count[PFA_FREE] == ps.free && count[PFA_USED] == ps.used &&
          count[PFA_RESERVED] == ps.reserved);

    struct walk w;
    memset(&w, 0, sizeof w);
    w.phys = machine_phys(m);
    w.bytemap = bytemap;
    w.roles = roles;
    w.vmm = machine_vmm(m);
    w.nframes = ps.total;
    w.seen = seen;
    w.maxphyaddr = machine_cpu(m)->maxphyaddr;
    vmm_heap_region(w.vmm, &w.heap_base, &w.heap_end);
    vmm_large_region(w.vmm, &w.large_base, &w.large_end);
    memset(seen, 0, ps.total);
    /* CR3 still points at the table the VMM built (no operation reloads
     * another one). */
    const struct cpu *cpu = machine_cpu(m);
    uint64_t cr3_mask = cpu_paging_mode(cpu) == PAGING_PAE  ? X86_CR3_ADDR_PAE
                        : cpu_paging_mode(cpu) == PAGING_32 ? X86_CR3_ADDR_32
                                                            : x86_addr_mask(w.maxphyaddr);
    CHECK((cpu->cr3 & cr3_mask) == vmm_top_table(w.vmm));
    walk_tables(&w, cpu);
    struct vmm_stats vs = vmm_stats(w.vmm);
    CHECK(w.tables == vs.tables);
    CHECK(w.heap_pages == vs.pages);
    for (uint64_t f = 0; f < ps.total; f++)
        CHECK(is_table_role(roles[f]) == (seen[f] != 0));

    struct machine_stats st = machine_stats(m);
    uint64_t live_bytes = 0, live_blocks = 0;
    uint32_t nids = machine_config(m)->nids;
    for (uint32_t id = 0; id < nids; id++) {
        struct machine_block b;
        if (machine_block(m, id, &b) && b.live) {
            live_bytes += b.size;
            live_blocks++;
        }
    }
    CHECK(live_bytes + orph.bytes == st.live_bytes);
    CHECK(live_blocks + orph.blocks == st.live_blocks);
    CHECK(st.live_bytes <= st.peak_live_bytes);
}

/* The id an allocating operation puts its block in, or TRACE_NO_ID. */
static uint32_t target_id(const struct op *op)
{
    if (op->kind == OP_MALLOC || op->kind == OP_CALLOC)
        return op->id;
    if (op->kind == OP_REALLOC)
        return op->id2;
    return TRACE_NO_ID;
}

/* Runs the next operation (op k) and adds to *orph the block it orphaned:
 * the target id held a live block before, the operation reported
 * DIAG_ID_REUSED, and the id now names another live block. */
static void step_counting_orphans(struct timeline *tl, uint64_t k, struct orphans *orph)
{
    const struct op *op = timeline_op(tl, k);
    CHECK(op != NULL);
    const struct machine *m = timeline_machine(tl);
    uint32_t id = target_id(op);
    struct machine_block before, after;
    bool was_live = id != TRACE_NO_ID && machine_block(m, id, &before) && before.live;
    uint64_t reused = machine_stats(m).diag[DIAG_ID_REUSED];
    CHECK(timeline_step(tl));
    CHECK(timeline_pos(tl) == k);
    m = timeline_machine(tl);
    if (was_live && machine_stats(m).diag[DIAG_ID_REUSED] > reused &&
        machine_block(m, id, &after) && after.live && after.va != before.va) {
        orph->blocks++;
        orph->bytes += before.size;
    }
}

/* TLB geometries (entries, ways), all accepted by replay_check_tlb. */
static const unsigned tlb_geometry[][2] = {{64, 4}, {1, 1}, {16, 2}, {8, 8}, {32, 1}, {128, 8}};

static void replay_in_mode(const struct trace *t, enum paging_mode mode, uint64_t salt)
{
    struct replay_options o;
    memset(&o, 0, sizeof o);
    o.has_paging = true;
    o.paging = mode;
    o.has_tlb = true;
    size_t g = (size_t)((salt + mode) % (sizeof tlb_geometry / sizeof tlb_geometry[0]));
    o.tlb_entries = tlb_geometry[g][0];
    o.tlb_ways = tlb_geometry[g][1];
    if (t->cfg.has_ram && t->cfg.ram > MAX_RAM) {
        o.has_ram = true;
        o.ram = MAX_RAM;
    }
    /* Each mode moves through time differently: dense checkpoints, a budget
     * so small that checkpoints merge, no journal at all (going back
     * re-boots), the defaults. */
    struct timeline_params p;
    memset(&p, 0, sizeof p);
    switch (mode) {
    case 0:
        p.checkpoint_every = 3;
        break;
    case 1:
        p.checkpoint_every = 16;
        p.budget_bytes = 64 * 1024;
        break;
    case 2:
        p.flags = TIMELINE_NO_CHECKPOINTS | TIMELINE_NO_EVENTS;
        break;
    default:
        break;
    }
    struct trace_error err;
    struct timeline *tl = timeline_create(t, &o, &p, &err);
    if (tl == NULL) {
        CHECK(err.msg[0] != '\0');
        return; /* a configuration this mode cannot run (an identity range above 4 GiB...) */
    }
    /* timeline_machine() is asked again after every move: going back without
     * checkpoints boots a new machine. */
    const struct machine *m = timeline_machine(tl);
    uint64_t n = timeline_len(tl);
    CHECK(n == t->nops);
    if (n > MAX_OPS)
        n = MAX_OPS;
    uint8_t *seen = malloc((size_t)(machine_config(m)->ram_bytes >> X86_PAGE_SHIFT));
    struct orphans *orph = calloc((size_t)n + 1, sizeof *orph);
    CHECK(seen != NULL && orph != NULL);

    /* The hash covers all of RAM: taken only where it is compared later. */
    uint64_t h0 = 0, hmid = 0, hlast = 0, hend = 0;
    check_machine(m, seen, orph[0]);
    h0 = timeline_hash(tl);
    uint64_t every = n / N_CHECKS + 1;
    for (uint64_t k = 1; k <= n; k++) {
        orph[k] = orph[k - 1];
        step_counting_orphans(tl, k, &orph[k]);
        if (k == n / 2)
            hmid = timeline_hash(tl);
        if (k + 1 == n)
            hlast = timeline_hash(tl);
        if (k % every == 0 || k == n)
            check_machine(timeline_machine(tl), seen, orph[k]);
    }
    hend = timeline_hash(tl);
    if (n == timeline_len(tl))
        CHECK(!timeline_step(tl));

    /* Back to the start, forward to the end, back one, to the middle. */
    timeline_goto(tl, 0);
    CHECK(timeline_pos(tl) == 0 && timeline_hash(tl) == h0);
    check_machine(timeline_machine(tl), seen, orph[0]);
    timeline_goto(tl, n);
    CHECK(timeline_pos(tl) == n && timeline_hash(tl) == hend);
    if (n > 0) {
        CHECK(timeline_back(tl));
        CHECK(timeline_pos(tl) == n - 1 && timeline_hash(tl) == (n == 1 ? h0 : hlast));
        check_machine(timeline_machine(tl), seen, orph[n - 1]);
        timeline_goto(tl, n / 2);
        CHECK(timeline_hash(tl) == (n / 2 == 0 ? h0 : hmid));
        check_machine(timeline_machine(tl), seen, orph[n / 2]);
        timeline_goto(tl, n);
        CHECK(timeline_hash(tl) == hend);
    }
    check_machine(timeline_machine(tl), seen, orph[n]);
    free(orph);
    free(seen);
    timeline_destroy(tl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct trace_error err;
    struct trace *t = trace_parse((const char *)data, size, "fuzz", &err);
    if (t == NULL)
        return 0;
    uint64_t salt = 0;
    for (size_t i = 0; i < size; i++)
        salt = salt * 31 + data[i];
    static const enum paging_mode modes[] = {PAGING_32, PAGING_PSE, PAGING_PAE, PAGING_LONG};
    for (unsigned i = 0; i < sizeof modes / sizeof modes[0]; i++)
        replay_in_mode(t, modes[i], salt);
    trace_free(t);
    return 0;
}
