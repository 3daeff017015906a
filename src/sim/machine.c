/*
 * machine.c - one simulated computer (see machine.h): it owns phys, pfa,
 * cpu, tlb, mmu, vmm and heap, boots them the way a small kernel does, and
 * runs the program's operations, turning what the program does wrong into
 * diagnostics. The checks of a configuration before the boot are
 * machine_check.c's.
 *
 * Everything mutable after boot lives in tracked memory (RAM, the pfa's
 * arrays, the TLB, the VMM's arrays and the id table below) or in the scalar
 * blocks that machine_scalars_save() gathers, so that replay/ can step back.
 * No host allocation happens after machine_create().
 */
#include "machine.h"

#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "heap.h"
#include "machine_check.h"
#include "pfa.h"
#include "phys.h"
#include "tlb.h"
#include "tmem.h"
#include "vmm.h"
#include "x86.h"

enum id_state {
    ID_NEVER = 0,
    ID_LIVE = 1,
    ID_FREED = 2,
};

/* One record of the id table, as stored in its tmem (no implicit padding). */
struct idrec {
    uint64_t va;
    uint64_t size;
    uint8_t state; /* enum id_state */
    uint8_t large;
    uint8_t pad[6];
};

_Static_assert(sizeof(struct idrec) == 24, "id records are packed");

struct machine {
    struct machine_config cfg;
    struct machine_range *ranges; /* reserve then identity, copied */
    char *labels;
    struct event_sink sink;
    struct phys *phys;
    struct pfa *pfa;
    struct cpu cpu;
    struct tlb *tlb;
    struct mmu mmu;
    struct vmm *vmm;
    struct heap *heap;
    struct tmem *ids;
    struct machine_stats st;
    uint8_t *scratch; /* machine_scalars_size() bytes, for hashing */
};

/* --- events and diagnostics ----------------------------------------------------- */

static void emit(const struct machine *m, enum event_kind k, uint32_t id, uint64_t va, uint64_t pa,
                 uint64_t size, uint64_t extra)
{
    if (!event_listening(&m->sink))
        return;
    struct event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = k;
    ev.id = id;
    ev.va = va;
    ev.pa = pa;
    ev.size = size;
    ev.extra = extra;
    event_emit(&m->sink, &ev);
}

static void diag(struct machine *m, enum diag_kind d, uint32_t id, uint64_t va)
{
    m->st.diagnostics++;
    m->st.diag[d]++;
    emit(m, EV_DIAG, id, va, 0, 0, (uint64_t)d);
}

/* --- the id table ---------------------------------------------------------------- */

bool machine_reserve_ids(struct machine *m, uint32_t nids)
{
    if (nids <= m->cfg.nids)
        return true;
    if (nids > (UINT32_C(1) << 28) || m->ids->journal.save != NULL)
        return false;
    uint64_t have = m->ids->size / sizeof(struct idrec);
    if (nids > have) {
        /* Doubling: a trace read while it runs asks for a few more each batch. */
        uint64_t want = have * 2 > nids ? have * 2 : nids;
        if (want > (UINT32_C(1) << 28))
            want = UINT32_C(1) << 28;
        if (!tmem_grow(m->ids, want * sizeof(struct idrec)))
            return false;
    }
    m->cfg.nids = nids;
    return true;
}

static struct idrec rec_get(const struct machine *m, uint32_t id)
{
    struct idrec r;
    memcpy(&r, m->ids->data + (uint64_t)id * sizeof r, sizeof r);
    return r;
}

static void rec_put(struct machine *m, uint32_t id, uint64_t va, uint64_t size, enum id_state state,
                    bool large)
{
    struct idrec r;
    memset(&r, 0, sizeof r);
    r.va = va;
    r.size = size;
    r.state = (uint8_t)state;
    r.large = large;
    uint64_t off = (uint64_t)id * sizeof r;
    tmem_touch(m->ids, off, sizeof r);
    memcpy(m->ids->data + off, &r, sizeof r);
}

/* --- boot -------------------------------------------------------------------------- */

/* Copies the ranges and their labels so the caller's may go away. */
static bool copy_ranges(struct machine *m, const struct machine_config *c)
{
    size_t n = c->nreserve + c->nidentity;
    size_t textlen = 0;
    for (size_t i = 0; i < n; i++) {
        const struct machine_range *r =
            i < c->nreserve ? &c->reserve[i] : &c->identity[i - c->nreserve];
        if (r->label != NULL)
            textlen += strlen(r->label) + 1;
    }
    m->ranges = calloc(n + 1, sizeof *m->ranges);
    m->labels = calloc(textlen + 1, 1);
    if (m->ranges == NULL || m->labels == NULL)
        return false;
    char *t = m->labels;
    for (size_t i = 0; i < n; i++) {
        const struct machine_range *r =
            i < c->nreserve ? &c->reserve[i] : &c->identity[i - c->nreserve];
        m->ranges[i] = *r;
        if (r->label != NULL) {
            size_t l = strlen(r->label) + 1;
            memcpy(t, r->label, l);
            m->ranges[i].label = t;
            t += l;
        }
    }
    m->cfg.reserve = c->nreserve != 0 ? m->ranges : NULL;
    m->cfg.identity = c->nidentity != 0 ? m->ranges + c->nreserve : NULL;
    return true;
}

/* The memory map, as the firmware reports it, then the kernel image and the
 * device frames of the identity ranges. */
static bool memory_map(struct machine *m)
{
    pfa_reserve(m->pfa, 0, MACHINE_LOW_MEMORY_END, ROLE_FIRMWARE);
    for (size_t i = 0; i < m->cfg.nreserve; i++)
        pfa_reserve(m->pfa, m->cfg.reserve[i].start, machine_range_end(&m->cfg.reserve[i]),
                    ROLE_FIRMWARE);
    for (uint64_t pa = MACHINE_KERNEL_PA; pa < MACHINE_KERNEL_PA + MACHINE_KERNEL_SIZE;
         pa += X86_PAGE_SIZE) {
        if (pfa_claim(m->pfa, pa_to_pfn(pa), ROLE_KERNEL) != PFA_OK)
            return false;
        emit(m, EV_FRAME_CLAIM, 0, 0, pa, X86_PAGE_SIZE, ROLE_KERNEL);
    }
    uint64_t nframes = m->cfg.ram_bytes >> X86_PAGE_SHIFT;
    for (size_t i = 0; i < m->cfg.nidentity; i++) {
        const struct machine_range *r = &m->cfg.identity[i];
        if (r->len == 0)
            continue;
        uint64_t first = pa_to_pfn(r->start);
        uint64_t last = pa_to_pfn(machine_range_end(r) - 1);
        for (uint64_t f = first; f <= last && f < nframes; f++) {
            if (pfa_state(m->pfa, f) != PFA_FREE)
                continue; /* reserved (0xB8000) or the kernel's: mapped anyway */
            if (pfa_claim(m->pfa, f, ROLE_DEVICE) == PFA_OK)
                emit(m, EV_FRAME_CLAIM, 0, 0, pfn_to_pa(f), X86_PAGE_SIZE, ROLE_DEVICE);
        }
    }
    return true;
}

struct machine *machine_create(const struct machine_config *cfg, const struct event_sink *sink,
                               enum machine_status *status)
{
    struct machine_failure f;
    struct machine *m = machine_create_why(cfg, sink, &f);
    if (status != NULL)
        *status = f.status;
    return m;
}

struct machine *machine_create_why(const struct machine_config *cfg, const struct event_sink *sink,
                                   struct machine_failure *f)
{
    struct machine_failure dummyf;
    if (f == NULL)
        f = &dummyf;
    f->why = MACHINE_WHY_OTHER;
    f->range = SIZE_MAX;
    enum machine_status *status = &f->status;
    if (cfg == NULL || !machine_config_check(cfg, f)) {
        *status = f->why == MACHINE_WHY_RAM_SMALL || f->why == MACHINE_WHY_RESERVE_KERNEL
                      ? MACHINE_ERR_BOOT
                      : MACHINE_ERR_CONFIG;
        return NULL;
    }
    struct machine *m = calloc(1, sizeof *m);
    if (m == NULL) {
        *status = MACHINE_ERR_NO_MEMORY;
        return NULL;
    }
    m->cfg = *cfg;
    if (m->cfg.maxphyaddr == 0)
        m->cfg.maxphyaddr = X86_MAXPHYADDR_DEFAULT;
    if (m->cfg.large_threshold == 0)
        m->cfg.large_threshold = UINT64_C(128) << 10;
    if (m->cfg.tlb_entries == 0)
        m->cfg.tlb_entries = 64;
    if (m->cfg.tlb_ways == 0)
        m->cfg.tlb_ways = 4;
    if (sink != NULL)
        m->sink = *sink;
    *status = MACHINE_ERR_NO_MEMORY;
    if (!copy_ranges(m, cfg))
        goto fail;
    m->phys = phys_create(m->cfg.ram_bytes);
    m->pfa = pfa_create(m->cfg.ram_bytes >> X86_PAGE_SHIFT);
    m->tlb = tlb_create(m->cfg.tlb_entries, m->cfg.tlb_ways);
    m->ids = tmem_create((uint64_t)(m->cfg.nids != 0 ? m->cfg.nids : 1) * sizeof(struct idrec));
    m->scratch = calloc(1, machine_scalars_size(m));
    if (m->tlb == NULL && m->phys != NULL && m->pfa != NULL) {
        *status = MACHINE_ERR_CONFIG; /* a TLB geometry tlb_create refuses */
        f->why = MACHINE_WHY_TLB;
        goto fail;
    }
    if (m->phys == NULL || m->pfa == NULL || m->ids == NULL || m->scratch == NULL)
        goto fail;
    tlb_set_sink(m->tlb, &m->sink);
    cpu_reset(&m->cpu, m->cfg.maxphyaddr);
    m->mmu.phys = m->phys;
    m->mmu.cpu = &m->cpu;
    m->mmu.tlb = m->tlb;
    m->mmu.sink = &m->sink;
    struct vmm_parts vp = {m->phys, m->pfa, &m->cpu, m->tlb, &m->sink};
    m->vmm = vmm_create(&vp, m->cfg.paging, m->cfg.ram_bytes >> X86_PAGE_SHIFT);
    if (m->vmm == NULL)
        goto fail;
    struct heap_parts hp = {&m->mmu, m->vmm, m->phys};
    m->heap = heap_create(&hp, m->cfg.large_threshold);
    if (m->heap == NULL)
        goto fail;
    if (!memory_map(m)) {
        /* machine_config_check ruled out a reserve over the kernel: this is a frame
         * the RAM does not have. */
        *status = MACHINE_ERR_BOOT;
        f->why = MACHINE_WHY_RAM_SMALL;
        goto fail;
    }
    size_t nid = m->cfg.nidentity;
    struct vmm_range *idr = calloc(nid + 1, sizeof *idr);
    if (idr == NULL) {
        *status = MACHINE_ERR_NO_MEMORY;
        goto fail;
    }
    for (size_t i = 0; i < nid; i++) {
        idr[i].start = m->cfg.identity[i].start;
        idr[i].len = m->cfg.identity[i].len;
    }
    enum vmm_status vs = vmm_boot(m->vmm, idr, nid, MACHINE_KERNEL_PA, MACHINE_KERNEL_SIZE);
    free(idr);
    if (vs != VMM_OK) {
        *status = vs == VMM_ERR_RANGE ? MACHINE_ERR_CONFIG : MACHINE_ERR_BOOT;
        f->why = vs == VMM_ERR_RANGE ? MACHINE_WHY_IDENTITY_RANGE : MACHINE_WHY_NO_FRAMES;
        if (vs != VMM_ERR_RANGE)
            f->range = machine_greediest_range(cfg);
        if (f->why == MACHINE_WHY_NO_FRAMES && f->range == SIZE_MAX)
            f->why = MACHINE_WHY_RAM_SMALL;
        goto fail;
    }
    *status = MACHINE_OK;
    return m;
fail:
    machine_destroy(m);
    return NULL;
}

void machine_destroy(struct machine *m)
{
    if (m == NULL)
        return;
    heap_destroy(m->heap);
    vmm_destroy(m->vmm);
    tlb_destroy(m->tlb);
    pfa_destroy(m->pfa);
    phys_destroy(m->phys);
    tmem_destroy(m->ids);
    free(m->scratch);
    free(m->ranges);
    free(m->labels);
    free(m);
}

void machine_set_sink(struct machine *m, const struct event_sink *sink)
{
    if (sink != NULL) {
        m->sink = *sink;
    } else {
        m->sink.emit = NULL;
        m->sink.ctx = NULL;
    }
    tlb_set_sink(m->tlb, &m->sink);
}

/* --- operations -------------------------------------------------------------------- */

static void update_peak(struct machine *m)
{
    if (m->st.live_bytes > m->st.peak_live_bytes)
        m->st.peak_live_bytes = m->st.live_bytes;
}

/* The allocator's corruption count: compared around an operation to report
 * what it found overwritten meanwhile. */
static uint64_t corruptions(const struct machine *m)
{
    return heap_corruptions(m->heap);
}

static void check_corruption(struct machine *m, uint64_t before, uint32_t id, uint64_t va)
{
    if (corruptions(m) != before)
        diag(m, DIAG_HEAP_CORRUPTION, id, va);
}

static void alloc_failed(struct machine *m, uint32_t id, uint64_t size)
{
    m->st.failed_allocs++;
    emit(m, EV_ALLOC_FAIL, id, 0, 0, size, 0);
    diag(m, DIAG_OUT_OF_MEMORY, id, 0);
}

static bool do_malloc(struct machine *m, uint32_t id, uint64_t size, bool zero)
{
    struct idrec r = rec_get(m, id);
    if (r.state == ID_LIVE)
        diag(m, DIAG_ID_REUSED, id, r.va); /* the old block leaks: it stays allocated */
    uint64_t before = corruptions(m);
    uint64_t va;
    bool large;
    if (!heap_malloc(m->heap, id, size, &va, &large)) {
        check_corruption(m, before, id, 0);
        alloc_failed(m, id, size);
        return false;
    }
    if (zero)
        heap_zero(m->heap, va, size);
    check_corruption(m, before, id, va);
    rec_put(m, id, va, size, ID_LIVE, large);
    m->st.live_blocks++;
    m->st.live_bytes += size;
    update_peak(m);
    return true;
}

bool machine_malloc(struct machine *m, uint32_t id, uint64_t size)
{
    if (id >= m->cfg.nids) {
        diag(m, DIAG_UNKNOWN_ID, id, 0);
        return false;
    }
    return do_malloc(m, id, size, false);
}

bool machine_calloc(struct machine *m, uint32_t id, uint64_t count, uint64_t size)
{
    if (id >= m->cfg.nids) {
        diag(m, DIAG_UNKNOWN_ID, id, 0);
        return false;
    }
    if (size != 0 && count > UINT64_MAX / size) {
        alloc_failed(m, id, UINT64_MAX); /* glibc: ENOMEM on overflow */
        return false;
    }
    return do_malloc(m, id, count * size, true);
}

static void do_free(struct machine *m, uint32_t id, struct idrec r)
{
    uint64_t before = corruptions(m);
    heap_free(m->heap, id, r.va, r.size, r.large != 0);
    check_corruption(m, before, id, r.va);
    rec_put(m, id, r.va, r.size, ID_FREED, r.large != 0);
    if (m->st.live_blocks > 0)
        m->st.live_blocks--;
    m->st.live_bytes = m->st.live_bytes >= r.size ? m->st.live_bytes - r.size : 0;
}

void machine_free(struct machine *m, uint32_t id)
{
    if (id >= m->cfg.nids) {
        diag(m, DIAG_UNKNOWN_ID, id, 0);
        return;
    }
    struct idrec r = rec_get(m, id);
    if (r.state == ID_NEVER) {
        diag(m, DIAG_UNKNOWN_ID, id, 0);
        return;
    }
    if (r.state == ID_FREED) {
        diag(m, DIAG_DOUBLE_FREE, id, r.va);
        return;
    }
    do_free(m, id, r);
}

bool machine_realloc(struct machine *m, uint32_t id, uint32_t new_id, uint64_t size)
{
    if (id >= m->cfg.nids || new_id >= m->cfg.nids) {
        diag(m, DIAG_UNKNOWN_ID, id >= m->cfg.nids ? id : new_id, 0);
        return false;
    }
    struct idrec r = rec_get(m, id);
    if (r.state != ID_LIVE) {
        /* A block allocated before tracing began (mtrace), or freed: the
         * program's realloc then behaves as malloc. */
        diag(m, r.state == ID_NEVER ? DIAG_UNKNOWN_ID : DIAG_DOUBLE_FREE, id, r.va);
        return do_malloc(m, new_id, size, false);
    }
    if (size == 0) {
        do_free(m, id, r); /* glibc: realloc(p, 0) frees p and returns NULL */
        return true;
    }
    if (new_id != id) {
        struct idrec n = rec_get(m, new_id);
        if (n.state == ID_LIVE)
            diag(m, DIAG_ID_REUSED, new_id, n.va);
    }
    uint64_t before = corruptions(m);
    uint64_t nva;
    bool nl;
    if (!heap_realloc(m->heap, id, new_id, r.va, r.size, r.large != 0, size, &nva, &nl)) {
        check_corruption(m, before, id, r.va);
        alloc_failed(m, id, size);
        return false;
    }
    check_corruption(m, before, id, nva);
    if (new_id != id)
        rec_put(m, id, r.va, r.size, ID_FREED, r.large != 0);
    rec_put(m, new_id, nva, size, ID_LIVE, nl);
    m->st.live_bytes = m->st.live_bytes - r.size + size;
    update_peak(m);
    return true;
}

void machine_failed_alloc(struct machine *m, uint32_t id, uint64_t size)
{
    m->st.failed_allocs++;
    emit(m, EV_ALLOC_FAIL, id, 0, 0, size, 0);
}

/* Loads or stores [va, va+len) one page piece at a time through the MMU;
 * the first fault stops it. */
static void access_range(struct machine *m, uint32_t id, uint64_t va, uint64_t len,
                         enum mmu_access acc, bool user, uint8_t pattern)
{
    m->st.accesses++;
    while (len > 0) {
        uint64_t pa, ps;
        unsigned flags;
        if (!user && mmu_translate_quick(&m->mmu, va, acc, &pa, &flags)) {
            ps = X86_PAGE_SIZE; /* a quick hit: only 4 KiB pages are cached */
        } else {
            struct mmu_request rq = {va, acc, user, false};
            struct mmu_result res;
            if (!mmu_translate(&m->mmu, &rq, &res)) {
                if (res.fault.vector == X86_VEC_GP)
                    m->st.gp_faults++;
                else
                    m->st.page_faults++;
                diag(m, DIAG_PAGE_FAULT, id, va);
                return;
            }
            pa = res.pa;
            ps = res.page_size != 0 ? res.page_size : X86_PAGE_SIZE;
        }
        uint64_t n = ps - (va & (ps - 1));
        if (n > len)
            n = len;
        if (acc == MMU_WRITE) {
            if (n == 1)
                phys_store8(m->phys, pa, pattern); /* the replay's one-byte touch */
            else
                phys_fill(m->phys, pa, pattern, n);
        }
        if (event_listening(&m->sink)) {
            struct event ev;
            memset(&ev, 0, sizeof ev);
            ev.kind = EV_ACCESS;
            ev.id = id;
            ev.va = va;
            ev.pa = pa;
            ev.size = n;
            ev.extra = (uint64_t)acc;
            ev.code = user ? 3 : 0; /* the CPL */
            event_emit(&m->sink, &ev);
        }
        va += n;
        len -= n;
    }
}

void machine_access(struct machine *m, uint32_t id, uint64_t off, uint64_t len, enum mmu_access acc)
{
    machine_access_priv(m, id, off, len, acc, false);
}

void machine_access_priv(struct machine *m, uint32_t id, uint64_t off, uint64_t len,
                         enum mmu_access acc, bool user)
{
    if (id >= m->cfg.nids) {
        diag(m, DIAG_UNKNOWN_ID, id, 0);
        return;
    }
    struct idrec r = rec_get(m, id);
    if (r.state == ID_NEVER) {
        diag(m, DIAG_UNKNOWN_ID, id, 0);
        return;
    }
    uint64_t va = r.va + off;
    if (r.state == ID_FREED)
        diag(m, DIAG_USE_AFTER_FREE, id, va);
    else if (off > r.size || len > r.size - off)
        diag(m, DIAG_OUT_OF_BOUNDS, id, va);
    access_range(m, id, va, len, acc, user, (uint8_t)(id & 0xFF));
}

void machine_access_va(struct machine *m, uint64_t va, uint64_t len, enum mmu_access acc)
{
    machine_access_va_priv(m, va, len, acc, false);
}

void machine_access_va_priv(struct machine *m, uint64_t va, uint64_t len, enum mmu_access acc,
                            bool user)
{
    access_range(m, UINT32_MAX, va, len, acc, user, 0xAA);
}

/* --- the kernel's page-table and control-register operations ----------------------- */

/* Protects [va, va+len) page by page; unmapped stretches are skipped whole
 * (vmm_protect says where they end), so a huge range costs what is mapped. */
static void protect_range(struct machine *m, uint32_t id, uint64_t va, uint64_t len, bool writable,
                          bool do_invlpg)
{
    if (len == 0)
        return;
    uint64_t last = len - 1 > UINT64_MAX - va ? UINT64_MAX : va + (len - 1);
    bool missing = false;
    uint64_t a = va;
    for (;;) {
        uint64_t end = UINT64_MAX;
        enum vmm_status st = vmm_protect(m->vmm, a, writable, do_invlpg, &end);
        if (st != VMM_OK && !missing) {
            missing = true;
            diag(m, DIAG_NOT_MAPPED, id, a);
        }
        if (end == 0 || end - 1 >= last || end <= a)
            break;
        a = end;
    }
}

void machine_protect_va(struct machine *m, uint64_t va, uint64_t len, bool writable, bool do_invlpg)
{
    protect_range(m, UINT32_MAX, va, len, writable, do_invlpg);
}

/* The id's record for an operation that needs an address: false (with
 * DIAG_UNKNOWN_ID) when there is none; a freed block is DIAG_USE_AFTER_FREE. */
static bool block_for_op(struct machine *m, uint32_t id, struct idrec *r)
{
    if (id >= m->cfg.nids || (*r = rec_get(m, id)).state == ID_NEVER) {
        diag(m, DIAG_UNKNOWN_ID, id, 0);
        return false;
    }
    if (r->state == ID_FREED)
        diag(m, DIAG_USE_AFTER_FREE, id, r->va);
    return true;
}

void machine_protect(struct machine *m, uint32_t id, bool writable, bool do_invlpg)
{
    struct idrec r;
    if (!block_for_op(m, id, &r))
        return;
    protect_range(m, id, r.va, r.size != 0 ? r.size : 1, writable, do_invlpg);
}

void machine_invlpg_va(struct machine *m, uint64_t va)
{
    tlb_invlpg(m->tlb, va);
}

void machine_invlpg(struct machine *m, uint32_t id, uint64_t off)
{
    if (id >= m->cfg.nids || rec_get(m, id).state == ID_NEVER) {
        diag(m, DIAG_UNKNOWN_ID, id, 0);
        return;
    }
    tlb_invlpg(m->tlb, rec_get(m, id).va + off);
}

/* A control-register write the CPU refused: #GP(0), as the hardware raises. */
static bool cr_refused(struct machine *m)
{
    m->st.gp_faults++;
    if (event_listening(&m->sink)) {
        struct event ev;
        memset(&ev, 0, sizeof ev);
        ev.kind = EV_FAULT;
        ev.extra = X86_VEC_GP;
        event_emit(&m->sink, &ev);
    }
    diag(m, DIAG_PAGE_FAULT, UINT32_MAX, 0);
    return false;
}

bool machine_cr3_reload(struct machine *m)
{
    if (cpu_write_cr3(&m->cpu, m->tlb, m->phys, &m->sink, m->cpu.cr3) != CPU_OK)
        return cr_refused(m);
    return true;
}

bool machine_set_cr0_wp(struct machine *m, bool on)
{
    uint64_t v = on ? m->cpu.cr0 | X86_CR0_WP : m->cpu.cr0 & ~X86_CR0_WP;
    if (cpu_write_cr0(&m->cpu, m->tlb, m->phys, &m->sink, v) != CPU_OK)
        return cr_refused(m);
    return true;
}

bool machine_set_cr4_pge(struct machine *m, bool on)
{
    uint64_t v = on ? m->cpu.cr4 | X86_CR4_PGE : m->cpu.cr4 & ~X86_CR4_PGE;
    if (cpu_write_cr4(&m->cpu, m->tlb, m->phys, &m->sink, v) != CPU_OK)
        return cr_refused(m);
    return true;
}

bool machine_probe(const struct machine *m, uint64_t va, enum mmu_access acc, bool user,
                   struct mmu_result *res)
{
    struct mmu_request rq = {va, acc, user, true};
    return mmu_translate(&m->mmu, &rq, res);
}

/* --- accessors ------------------------------------------------------------------------ */

struct machine_stats machine_stats(const struct machine *m)
{
    return m->st;
}

const struct machine_config *machine_config(const struct machine *m)
{
    return &m->cfg;
}

const struct phys *machine_phys(const struct machine *m)
{
    return m->phys;
}

const struct pfa *machine_pfa(const struct machine *m)
{
    return m->pfa;
}

const struct cpu *machine_cpu(const struct machine *m)
{
    return &m->cpu;
}

const struct tlb *machine_tlb(const struct machine *m)
{
    return m->tlb;
}

const struct vmm *machine_vmm(const struct machine *m)
{
    return m->vmm;
}

const struct heap *machine_heap(const struct machine *m)
{
    return m->heap;
}

bool machine_block(const struct machine *m, uint32_t id, struct machine_block *out)
{
    if (id >= m->cfg.nids)
        return false;
    struct idrec r = rec_get(m, id);
    if (r.state == ID_NEVER)
        return false;
    out->id = id;
    out->va = r.va;
    out->size = r.size;
    out->live = r.state == ID_LIVE;
    out->large = r.large != 0;
    return true;
}

/* --- step-back and hashing ---------------------------------------------------------------- */

size_t machine_tmems(struct machine *m, struct tmem **out, size_t max)
{
    struct tmem *all[8];
    size_t n = 0;
    all[n++] = m->phys->mem;
    all[n++] = pfa_tmem_bytemap(m->pfa);
    all[n++] = pfa_tmem_roles(m->pfa);
    all[n++] = tlb_tmem(m->tlb);
    n += vmm_tmems(m->vmm, all + n, 2);
    all[n++] = m->ids;
    for (size_t i = 0; i < n && i < max; i++)
        out[i] = all[i];
    return n;
}

size_t machine_scalars_size(const struct machine *m)
{
    (void)m;
    return sizeof(struct cpu) + pfa_scalars_size() + tlb_scalars_size() + vmm_scalars_size() +
           heap_scalars_size() + sizeof(struct machine_stats);
}

void machine_scalars_save(const struct machine *m, void *dst)
{
    uint8_t *p = dst;
    memcpy(p, &m->cpu, sizeof m->cpu);
    p += sizeof m->cpu;
    pfa_scalars_save(m->pfa, p);
    p += pfa_scalars_size();
    tlb_scalars_save(m->tlb, p);
    p += tlb_scalars_size();
    vmm_scalars_save(m->vmm, p);
    p += vmm_scalars_size();
    heap_scalars_save(m->heap, p);
    p += heap_scalars_size();
    memcpy(p, &m->st, sizeof m->st);
}

void machine_scalars_load(struct machine *m, const void *src)
{
    const uint8_t *p = src;
    memcpy(&m->cpu, p, sizeof m->cpu);
    p += sizeof m->cpu;
    pfa_scalars_load(m->pfa, p);
    p += pfa_scalars_size();
    tlb_scalars_load(m->tlb, p);
    p += tlb_scalars_size();
    vmm_scalars_load(m->vmm, p);
    p += vmm_scalars_size();
    heap_scalars_load(m->heap, p);
    p += heap_scalars_size();
    memcpy(&m->st, p, sizeof m->st);
}

static uint64_t fold(uint64_t h, uint64_t x)
{
    for (int i = 0; i < 8; i++) {
        h ^= (x >> (8 * i)) & 0xFF;
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

static uint64_t fold_bytes(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

uint64_t machine_hash(const struct machine *m)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    h = tmem_hash(m->phys->mem, h);
    h = tmem_hash(pfa_tmem_bytemap(m->pfa), h);
    h = tmem_hash(pfa_tmem_roles(m->pfa), h);
    h = tmem_hash(tlb_tmem(m->tlb), h);
    h = vmm_hash(m->vmm, h);
    h = tmem_hash(m->ids, h);
    const struct cpu *c = &m->cpu;
    const uint64_t regs[] = {c->cr0,      c->cr2,      c->cr3,      c->cr4,      c->efer,
                             c->pdpte[0], c->pdpte[1], c->pdpte[2], c->pdpte[3], c->maxphyaddr};
    for (size_t i = 0; i < sizeof regs / sizeof regs[0]; i++)
        h = fold(h, regs[i]);
    /* The pfa's and TLB's scalar blocks are opaque: hash their saved bytes. */
    uint8_t *s = m->scratch;
    pfa_scalars_save(m->pfa, s);
    h = fold_bytes(h, s, pfa_scalars_size());
    tlb_scalars_save(m->tlb, s);
    h = fold_bytes(h, s, tlb_scalars_size());
    h = heap_hash(m->heap, h);
    const struct machine_stats *ms = &m->st;
    const uint64_t f[] = {ms->page_faults, ms->gp_faults,  ms->diagnostics,     ms->failed_allocs,
                          ms->live_blocks, ms->live_bytes, ms->peak_live_bytes, ms->accesses};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        h = fold(h, f[i]);
    for (size_t i = 0; i < DIAG_COUNT; i++)
        h = fold(h, ms->diag[i]);
    return h;
}

const char *machine_diag_name(enum diag_kind d)
{
    switch (d) {
    case DIAG_DOUBLE_FREE:
        return "double free";
    case DIAG_UNKNOWN_ID:
        return "unknown id";
    case DIAG_ID_REUSED:
        return "id reused while live";
    case DIAG_USE_AFTER_FREE:
        return "use after free";
    case DIAG_OUT_OF_BOUNDS:
        return "out of bounds";
    case DIAG_OUT_OF_MEMORY:
        return "out of memory";
    case DIAG_PAGE_FAULT:
        return "page fault";
    case DIAG_HEAP_CORRUPTION:
        return "heap corruption";
    case DIAG_NOT_MAPPED:
        return "not mapped";
    case DIAG_COUNT:
        break;
    }
    return "?";
}

const char *machine_paging_name(enum paging_mode p)
{
    return p == PAGING_OFF ? "?" : paging_mode_keyword(p);
}
