/*
 * eventfmt.c - micro-events into words (see eventfmt.h). The wording names
 * the hardware structures as the SDM Vol. 3A chapter 4 does (PDE, PTE, CR3,
 * #PF with its error code of section 4.7) so that the log reads like the
 * manual a student has open beside it.
 */
#include "replay/eventfmt.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "replay/strbuf.h"
#include "replay/timeline.h"
#include "sim/cpu.h"
#include "sim/machine.h"
#include "sim/mmu.h"
#include "sim/paging.h"
#include "sim/pfa.h"
#include "sim/x86.h"
#include "trace/trace.h"

/* The words go through the one string builder (replay/strbuf.h). */
struct out {
    struct strbuf sb;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    strbuf_vprintf(&o->sb, fmt, ap);
    va_end(ap);
}

/* Text from the trace (a caption), escaped for the terminal. */
static void put_escaped(struct out *o, const char *s)
{
    strbuf_escaped(&o->sb, s);
}

static unsigned long long ull(uint64_t v)
{
    return (unsigned long long)v;
}

#define KIB UINT64_C(1024)
#define MIB (KIB * KIB)
#define GIB (KIB * MIB)

/* "4 KiB", "2 MiB", "4 MiB", "1 GiB", else bytes. */
static void put_size(struct out *o, uint64_t bytes)
{
    if (bytes >= GIB && bytes % GIB == 0)
        put(o, "%llu GiB", ull(bytes / GIB));
    else if (bytes >= MIB && bytes % MIB == 0)
        put(o, "%llu MiB", ull(bytes / MIB));
    else if (bytes >= KIB && bytes % KIB == 0)
        put(o, "%llu KiB", ull(bytes / KIB));
    else
        put(o, "%llu bytes", ull(bytes));
}

/* The row of sim/paging.h of the machine's mode. */
static const struct paging_geom *geom_of(const struct timeline *tl)
{
    return paging_geom(machine_config(timeline_machine(tl))->paging);
}

/* Bytes per paging-structure entry: 4 in 32-bit paging, 8 otherwise. */
static unsigned entry_bytes(const struct timeline *tl)
{
    return geom_of(tl)->entry_bytes;
}

/* An entry value: 8 hex digits for 32-bit entries, 16 for 64-bit ones. */
static void put_entry(struct out *o, const struct timeline *tl, uint64_t e)
{
    if (entry_bytes(tl) == 4 && e <= UINT32_MAX)
        put(o, "0x%08llx", ull(e));
    else
        put(o, "0x%016llx", ull(e));
}

static const char *level_name(unsigned lvl)
{
    return lvl <= LVL_PTE ? mmu_level_name((enum walk_level)lvl) : "entry";
}

/* "PDE 832 at 0x00105d00" */
static void put_entry_at(struct out *o, const struct timeline *tl, unsigned lvl, uint64_t pa)
{
    const struct paging_geom *g = geom_of(tl);
    unsigned idx = (unsigned)((pa & (X86_PAGE_SIZE - 1)) / g->entry_bytes);
    /* The PAE PDPT is 32 bytes inside its page: its index is pa / 8 mod 4. */
    if (g->pdpte_regs && lvl == g->lv[0].level)
        idx %= paging_nentries(g, 0);
    put(o, "%s %u at 0x%08llx", level_name(lvl), idx, ull(pa));
}

static const char *id_name(const struct timeline *tl, uint32_t id)
{
    if (id == TRACE_NO_ID)
        return "-";
    return trace_id_name(timeline_trace(tl), id);
}

static void put_fault(struct out *o, const struct event *ev)
{
    const char *reason = ev->reason <= FAULT_NON_CANONICAL
                             ? mmu_fault_reason_name((enum fault_reason)ev->reason)
                             : "?";
    if (ev->extra == 13 && ev->reason == FAULT_NONE) {
        put(o, "#GP(0) control-register write refused");
        return;
    }
    if (ev->extra == 13) {
        put(o, "#GP(0) %s 0x%08llx", reason, ull(ev->va));
        return;
    }
    uint32_t c = ev->code;
    put(o, "#PF err=0x%x (%s", (unsigned)c,
        (c & X86_PF_ID)  ? "fetch"
        : (c & X86_PF_W) ? "write"
                         : "read");
    if (c & X86_PF_U)
        put(o, ", user");
    put(o, ", %s) CR2=0x%08llx", reason, ull(ev->va));
}

/* The words for one of the machine's events. One case per kind, each a few
 * lines of wording. long: the switch is the table of the log's words, over
 * 100 lines because there are that many kinds, and reads best whole. */
static void format_machine(const struct timeline *tl, const struct event *ev, struct out *o)
{
    switch (ev->kind) {
    case EV_FRAME_ALLOC:
        put(o, "PFA gave frame 0x%08llx (%s)", ull(ev->pa),
            pfa_role_name((enum frame_role)(ev->extra < ROLE_COUNT ? ev->extra : 0)));
        break;
    case EV_FRAME_FREE:
        put(o, "PFA took back frame 0x%08llx", ull(ev->pa));
        break;
    case EV_FRAME_CLAIM:
        put(o, "PFA claimed frame 0x%08llx (%s)", ull(ev->pa),
            pfa_role_name((enum frame_role)(ev->extra < ROLE_COUNT ? ev->extra : 0)));
        break;
    case EV_TABLE_ALLOC:
        put(o, "new %s at 0x%08llx", mmu_table_name((enum walk_level)ev->level), ull(ev->pa));
        break;
    case EV_TABLE_FREE:
        put(o, "empty %s at 0x%08llx given back", mmu_table_name((enum walk_level)ev->level),
            ull(ev->pa));
        break;
    case EV_ENTRY_WRITE:
        put_entry_at(o, tl, ev->level, ev->pa);
        put(o, ": ");
        put_entry(o, tl, ev->old);
        put(o, " -> ");
        put_entry(o, tl, ev->new);
        put(o, " (va 0x%08llx)", ull(ev->va));
        break;
    case EV_CR_WRITE:
        put(o, "%s 0x%08llx -> 0x%08llx",
            ev->reg <= CPU_EFER ? cpu_reg_name((enum cpu_reg)ev->reg) : "CR?", ull(ev->old),
            ull(ev->new));
        break;
    case EV_TLB_HIT:
        put(o, "TLB hit 0x%08llx -> 0x%08llx (", ull(ev->va), ull(ev->pa));
        put_size(o, ev->size);
        put(o, " page)");
        break;
    case EV_TLB_MISS:
        put(o, "TLB miss 0x%08llx", ull(ev->va));
        break;
    case EV_TLB_FILL:
        put(o, "TLB fill 0x%08llx -> 0x%08llx (", ull(ev->va), ull(ev->pa));
        put_size(o, ev->size);
        put(o, " page)");
        break;
    case EV_TLB_EVICT:
        put(o, "TLB evict 0x%08llx -> 0x%08llx", ull(ev->va), ull(ev->pa));
        break;
    case EV_TLB_FLUSH:
        put(o, "TLB flush%s: %llu entr%s dropped", ev->extra ? " (global entries kept)" : "",
            ull(ev->count), ev->count == 1 ? "y" : "ies");
        break;
    case EV_TLB_INVLPG:
        put(o, "INVLPG 0x%08llx: %llu entr%s dropped", ull(ev->va), ull(ev->count),
            ev->count == 1 ? "y" : "ies");
        break;
    case EV_WALK_STEP:
        put(o, "walk ");
        put_entry_at(o, tl, ev->level, ev->pa);
        put(o, " = ");
        put_entry(o, tl, ev->old);
        break;
    case EV_AD_SET: {
        uint64_t set = ev->new & ~ev->old;
        put_entry_at(o, tl, ev->level, ev->pa);
        put(o, ": set %s: ",
            (set & X86_PTE_A) && (set & X86_PTE_D) ? "A+D"
            : (set & X86_PTE_D)                    ? "D"
                                                   : "A");
        put_entry(o, tl, ev->old);
        put(o, " -> ");
        put_entry(o, tl, ev->new);
        break;
    }
    case EV_FAULT:
        put_fault(o, ev);
        break;
    case EV_ACCESS:
        put(o, "%s%s %llu byte%s at 0x%08llx -> 0x%08llx", ev->code == 3 ? "user " : "",
            ev->extra <= MMU_EXEC ? mmu_access_name((enum mmu_access)ev->extra) : "access",
            ull(ev->size), ev->size == 1 ? "" : "s", ull(ev->va), ull(ev->pa));
        break;
    case EV_PAGE_MAP:
        put(o, "map 0x%08llx -> 0x%08llx (", ull(ev->va), ull(ev->pa));
        put_size(o, ev->size);
        put(o, " page, entry ");
        put_entry(o, tl, ev->new);
        put(o, ")");
        break;
    case EV_PAGE_UNMAP:
        put(o, "unmap 0x%08llx (was 0x%08llx)", ull(ev->va), ull(ev->pa));
        break;
    case EV_BLOCK_ALLOC:
        put(o, "block %s: %llu bytes at 0x%08llx", id_name(tl, ev->id), ull(ev->size), ull(ev->va));
        break;
    case EV_BLOCK_SPLIT:
        put(o, "split: %llu bytes left free at 0x%08llx", ull(ev->size), ull(ev->va));
        break;
    case EV_BLOCK_COALESCE:
        put(o, "coalesce: free block of %llu bytes at 0x%08llx", ull(ev->size), ull(ev->va));
        break;
    case EV_BLOCK_FREE:
        put(o, "free block %s: %llu bytes at 0x%08llx", id_name(tl, ev->id), ull(ev->size),
            ull(ev->va));
        break;
    case EV_BLOCK_MOVE:
        put(o, "realloc moved %s: 0x%08llx -> 0x%08llx (%llu bytes)", id_name(tl, ev->id),
            ull(ev->old), ull(ev->new), ull(ev->size));
        break;
    /* Both are emitted before the VMM acts (sim/event.h): they announce a
     * request, and the words say so, not that it is done. */
    case EV_HEAP_GROW:
        put(o, "heap asks the VMM for ");
        put_size(o, ev->size);
        put(o, " at 0x%08llx", ull(ev->va));
        break;
    case EV_HEAP_SHRINK:
        put(o, "heap gives ");
        put_size(o, ev->size);
        put(o, " at 0x%08llx back to the VMM", ull(ev->va));
        break;
    case EV_DIAG:
        put(o, "diagnostic: %s",
            ev->extra < DIAG_COUNT ? machine_diag_name((enum diag_kind)ev->extra) : "?");
        if (ev->id != TRACE_NO_ID)
            put(o, " (block %s)", id_name(tl, ev->id));
        if (ev->va != 0)
            put(o, " at 0x%08llx", ull(ev->va));
        break;
    case EV_ALLOC_FAIL:
        put(o, "allocation of %llu bytes failed", ull(ev->size));
        /* A failed realloc names its block; a malloc that returned null
         * had none. */
        if (ev->id != TRACE_NO_ID)
            put(o, " (block %s)", id_name(tl, ev->id));
        else
            put(o, " (returned (nil))");
        break;
    case EV_KIND_COUNT:
    default:
        put(o, "event %u", (unsigned)ev->kind);
        break;
    }
}

/* The words for an event of the timeline: a caption of the replay's own,
 * or one of the machine's. */
static void format(const struct timeline *tl, const struct event *ev, struct out *o)
{
    if (timeline_is_caption(ev)) {
        put(o, "say: ");
        put_escaped(o, timeline_caption_text(tl, ev));
        return;
    }
    format_machine(tl, ev, o);
}

size_t eventfmt_format(const struct timeline *tl, const struct event *ev, char *buf, size_t len)
{
    struct out o = {strbuf_make(buf, len)};
    format(tl, ev, &o);
    return o.sb.pos;
}

size_t eventfmt_line(const struct timeline *tl, uint64_t op, uint32_t line, const struct event *ev,
                     char *buf, size_t len)
{
    struct out o = {strbuf_make(buf, len)};
    if (op == 0)
        put(&o, "boot: ");
    else
        put(&o, "op %llu line %u: ", ull(op), (unsigned)line);
    format(tl, ev, &o);
    return o.sb.pos;
}
