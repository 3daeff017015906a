/*
 * eventfmt.c - micro-events into words (see eventfmt.h). The wording names
 * the hardware structures as the SDM Vol. 3A chapter 4 does (PDE, PTE, CR3,
 * #PF with its error code of section 4.7) so that the log reads like the
 * manual a student has open beside it.
 */
#include "replay/eventfmt.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "replay/strbuf.h"
#include "replay/timeline.h"
#include "sim/cpu.h"
#include "sim/machine.h"
#include "sim/mmu.h"
#include "sim/pfa.h"
#include "sim/x86.h"
#include "trace/trace.h"

static unsigned long long ull(uint64_t v)
{
    return (unsigned long long)v;
}

/* "4 KiB", "2 MiB", "4 MiB", "1 GiB", else bytes. */
static void put_size(struct strbuf *o, uint64_t bytes)
{
    if (bytes >= (UINT64_C(1) << 30) && bytes % (UINT64_C(1) << 30) == 0)
        strbuf_printf(o, "%llu GiB", ull(bytes >> 30));
    else if (bytes >= (UINT64_C(1) << 20) && bytes % (UINT64_C(1) << 20) == 0)
        strbuf_printf(o, "%llu MiB", ull(bytes >> 20));
    else if (bytes >= 1024 && bytes % 1024 == 0)
        strbuf_printf(o, "%llu KiB", ull(bytes >> 10));
    else
        strbuf_printf(o, "%llu bytes", ull(bytes));
}

static enum machine_paging paging_of(const struct timeline *tl)
{
    return machine_config(timeline_machine(tl))->paging;
}

/* Bytes per paging-structure entry: 4 in 32-bit paging, 8 otherwise. */
static unsigned entry_bytes(const struct timeline *tl)
{
    enum machine_paging p = paging_of(tl);
    return p == MACHINE_PAGING_32 || p == MACHINE_PAGING_PSE ? 4 : 8;
}

/* An entry value: 8 hex digits for 32-bit entries, 16 for 64-bit ones. */
static void put_entry(struct strbuf *o, const struct timeline *tl, uint64_t e)
{
    if (entry_bytes(tl) == 4 && e <= UINT32_MAX)
        strbuf_printf(o, "0x%08llx", ull(e));
    else
        strbuf_printf(o, "0x%016llx", ull(e));
}

static const char *level_name(unsigned lvl)
{
    return lvl <= LVL_PTE ? mmu_level_name((enum walk_level)lvl) : "entry";
}

/* "PDE 832 at 0x00105d00" */
static void put_entry_at(struct strbuf *o, const struct timeline *tl, unsigned lvl, uint64_t pa)
{
    unsigned idx = (unsigned)((pa & (X86_PAGE_SIZE - 1)) / entry_bytes(tl));
    /* The PAE PDPT is 32 bytes inside its page: its index is pa / 8 mod 4. */
    if (paging_of(tl) == MACHINE_PAGING_PAE && lvl == LVL_PDPTE)
        idx %= X86_PAE_PDPTE_COUNT;
    strbuf_printf(o, "%s %u at 0x%08llx", level_name(lvl), idx, ull(pa));
}

static const char *id_name(const struct timeline *tl, uint32_t id)
{
    if (id == TRACE_NO_ID)
        return "-";
    return trace_id_name(timeline_trace(tl), id);
}

static void put_fault(struct strbuf *o, const struct event *ev)
{
    const char *reason = ev->reason <= FAULT_NON_CANONICAL
                             ? mmu_fault_reason_name((enum fault_reason)ev->reason)
                             : "?";
    if (ev->extra == 13 && ev->reason == FAULT_NONE) {
        strbuf_printf(o, "#GP(0) control-register write refused");
        return;
    }
    if (ev->extra == 13) {
        strbuf_printf(o, "#GP(0) %s 0x%08llx", reason, ull(ev->va));
        return;
    }
    uint32_t c = ev->code;
    strbuf_printf(o, "#PF err=0x%x (%s", (unsigned)c,
                  (c & X86_PF_ID)  ? "fetch"
                  : (c & X86_PF_W) ? "write"
                                   : "read");
    if (c & X86_PF_U)
        strbuf_printf(o, ", user");
    strbuf_printf(o, ", %s) CR2=0x%08llx", reason, ull(ev->va));
}

static void format(const struct timeline *tl, const struct event *ev, struct strbuf *o)
{
    switch (ev->kind) {
    case EV_FRAME_ALLOC:
        strbuf_printf(o, "PFA gave frame 0x%08llx (%s)", ull(ev->pa),
                      pfa_role_name((enum frame_role)(ev->extra < ROLE_COUNT ? ev->extra : 0)));
        break;
    case EV_FRAME_FREE:
        strbuf_printf(o, "PFA took back frame 0x%08llx", ull(ev->pa));
        break;
    case EV_FRAME_CLAIM:
        strbuf_printf(o, "PFA claimed frame 0x%08llx (%s)", ull(ev->pa),
                      pfa_role_name((enum frame_role)(ev->extra < ROLE_COUNT ? ev->extra : 0)));
        break;
    case EV_TABLE_ALLOC:
        strbuf_printf(o, "new %s at 0x%08llx", mmu_table_name((enum walk_level)ev->level),
                      ull(ev->pa));
        break;
    case EV_TABLE_FREE:
        strbuf_printf(o, "empty %s at 0x%08llx given back",
                      mmu_table_name((enum walk_level)ev->level), ull(ev->pa));
        break;
    case EV_ENTRY_WRITE:
        put_entry_at(o, tl, ev->level, ev->pa);
        strbuf_printf(o, ": ");
        put_entry(o, tl, ev->old);
        strbuf_printf(o, " -> ");
        put_entry(o, tl, ev->new);
        strbuf_printf(o, " (va 0x%08llx)", ull(ev->va));
        break;
    case EV_CR_WRITE:
        strbuf_printf(o, "%s 0x%08llx -> 0x%08llx",
                      ev->reg <= CPU_EFER ? cpu_reg_name((enum cpu_reg)ev->reg) : "CR?",
                      ull(ev->old), ull(ev->new));
        break;
    case EV_TLB_HIT:
        strbuf_printf(o, "TLB hit 0x%08llx -> 0x%08llx (", ull(ev->va), ull(ev->pa));
        put_size(o, ev->size);
        strbuf_printf(o, " page)");
        break;
    case EV_TLB_MISS:
        strbuf_printf(o, "TLB miss 0x%08llx", ull(ev->va));
        break;
    case EV_TLB_FILL:
        strbuf_printf(o, "TLB fill 0x%08llx -> 0x%08llx (", ull(ev->va), ull(ev->pa));
        put_size(o, ev->size);
        strbuf_printf(o, " page)");
        break;
    case EV_TLB_EVICT:
        strbuf_printf(o, "TLB evict 0x%08llx -> 0x%08llx", ull(ev->va), ull(ev->pa));
        break;
    case EV_TLB_FLUSH:
        strbuf_printf(o, "TLB flush%s: %llu entr%s dropped",
                      ev->extra ? " (global entries kept)" : "", ull(ev->count),
                      ev->count == 1 ? "y" : "ies");
        break;
    case EV_TLB_INVLPG:
        strbuf_printf(o, "INVLPG 0x%08llx: %llu entr%s dropped", ull(ev->va), ull(ev->count),
                      ev->count == 1 ? "y" : "ies");
        break;
    case EV_WALK_STEP:
        strbuf_printf(o, "walk ");
        put_entry_at(o, tl, ev->level, ev->pa);
        strbuf_printf(o, " = ");
        put_entry(o, tl, ev->old);
        break;
    case EV_AD_SET: {
        uint64_t set = ev->new & ~ev->old;
        put_entry_at(o, tl, ev->level, ev->pa);
        strbuf_printf(o, ": set %s: ",
                      (set & X86_PTE_A) && (set & X86_PTE_D) ? "A+D"
                      : (set & X86_PTE_D)                    ? "D"
                                                             : "A");
        put_entry(o, tl, ev->old);
        strbuf_printf(o, " -> ");
        put_entry(o, tl, ev->new);
        break;
    }
    case EV_FAULT:
        put_fault(o, ev);
        break;
    case EV_ACCESS:
        strbuf_printf(o, "%s%s %llu byte%s at 0x%08llx -> 0x%08llx", ev->code == 3 ? "user " : "",
                      ev->extra <= MMU_EXEC ? mmu_access_name((enum mmu_access)ev->extra)
                                            : "access",
                      ull(ev->size), ev->size == 1 ? "" : "s", ull(ev->va), ull(ev->pa));
        break;
    case EV_PAGE_MAP:
        strbuf_printf(o, "map 0x%08llx -> 0x%08llx (", ull(ev->va), ull(ev->pa));
        put_size(o, ev->size);
        strbuf_printf(o, " page, entry ");
        put_entry(o, tl, ev->new);
        strbuf_printf(o, ")");
        break;
    case EV_PAGE_UNMAP:
        strbuf_printf(o, "unmap 0x%08llx (was 0x%08llx)", ull(ev->va), ull(ev->pa));
        break;
    case EV_BLOCK_ALLOC:
        strbuf_printf(o, "block %s: %llu bytes at 0x%08llx", id_name(tl, ev->id), ull(ev->size),
                      ull(ev->va));
        break;
    case EV_BLOCK_SPLIT:
        strbuf_printf(o, "split: %llu bytes left free at 0x%08llx", ull(ev->size), ull(ev->va));
        break;
    case EV_BLOCK_COALESCE:
        strbuf_printf(o, "coalesce: free block of %llu bytes at 0x%08llx", ull(ev->size),
                      ull(ev->va));
        break;
    case EV_BLOCK_FREE:
        strbuf_printf(o, "free block %s: %llu bytes at 0x%08llx", id_name(tl, ev->id),
                      ull(ev->size), ull(ev->va));
        break;
    case EV_BLOCK_MOVE:
        strbuf_printf(o, "realloc moved %s: 0x%08llx -> 0x%08llx (%llu bytes)", id_name(tl, ev->id),
                      ull(ev->old), ull(ev->new), ull(ev->size));
        break;
    case EV_HEAP_GROW:
        strbuf_printf(o, "heap grew: ");
        put_size(o, ev->size);
        strbuf_printf(o, " at 0x%08llx", ull(ev->va));
        break;
    case EV_HEAP_SHRINK:
        strbuf_printf(o, "heap shrank: ");
        put_size(o, ev->size);
        strbuf_printf(o, " at 0x%08llx given back", ull(ev->va));
        break;
    case EV_DIAG:
        strbuf_printf(o, "diagnostic: %s",
                      ev->extra < DIAG_COUNT ? machine_diag_name((enum diag_kind)ev->extra) : "?");
        if (ev->id != TRACE_NO_ID)
            strbuf_printf(o, " (block %s)", id_name(tl, ev->id));
        if (ev->va != 0)
            strbuf_printf(o, " at 0x%08llx", ull(ev->va));
        break;
    case EV_ALLOC_FAIL:
        strbuf_printf(o, "allocation of %llu bytes failed", ull(ev->size));
        /* A failed realloc names its block; a malloc that returned null
         * had none. */
        if (ev->id != TRACE_NO_ID)
            strbuf_printf(o, " (block %s)", id_name(tl, ev->id));
        else
            strbuf_printf(o, " (returned (nil))");
        break;
    case EV_CAPTION:
        strbuf_printf(o, "say: ");
        strbuf_escaped(o, timeline_caption_text(tl, ev));
        break;
    case EV_KIND_COUNT:
    default:
        strbuf_printf(o, "event %u", (unsigned)ev->kind);
        break;
    }
}

size_t eventfmt_format(const struct timeline *tl, const struct event *ev, char *buf, size_t len)
{
    struct strbuf o = strbuf_make(buf, len);
    format(tl, ev, &o);
    return o.pos;
}

size_t eventfmt_line(const struct timeline *tl, uint64_t op, uint32_t line, const struct event *ev,
                     char *buf, size_t len)
{
    struct strbuf o = strbuf_make(buf, len);
    if (op == 0)
        strbuf_printf(&o, "boot: ");
    else
        strbuf_printf(&o, "op %llu line %u: ", ull(op), (unsigned)line);
    format(tl, ev, &o);
    return o.pos;
}
