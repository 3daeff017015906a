/*
 * test_heap.c - the heap allocator inside a booted machine: the seed's six
 * steps of a first malloc, carving, splitting, coalescing, growing and
 * trimming at the top, large blocks with pages of their own, calloc and
 * realloc, and a reference model under seeded random operations in every
 * paging mode (no overlap, 16-byte alignment, live bytes, content kept by
 * realloc), plus misuse that overwrites metadata without crashing anything.
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
#include "sim/vmm.h"
#include "sim/x86.h"

static struct recorder rec;

static struct machine *boot(enum paging_mode mode, uint64_t ram, uint32_t nids)
{
    struct machine_config c;
    machine_config_default(&c);
    c.paging = mode;
    c.ram_bytes = ram;
    c.nids = nids;
    struct event_sink s = recorder_sink(&rec);
    enum machine_status st;
    struct machine *m = machine_create(&c, &s, &st);
    assert_non_null(m);
    assert_int_equal(st, MACHINE_OK);
    recorder_clear(&rec);
    return m;
}

static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * UINT64_C(0x2545F4914F6CDD1D);
}

static uint64_t block_va(struct machine *m, uint32_t id)
{
    struct machine_block b;
    assert_true(machine_block(m, id, &b));
    return b.va;
}

static uint8_t vbyte(struct machine *m, uint64_t va)
{
    struct mmu_result r;
    assert_true(machine_probe(m, va, MMU_READ, false, &r));
    return phys_load8(machine_phys(m), r.pa);
}

static uint64_t vpa(struct machine *m, uint64_t va)
{
    struct mmu_result r;
    assert_true(machine_probe(m, va, MMU_READ, false, &r));
    return r.pa;
}

static size_t index_of(enum event_kind k, size_t from)
{
    for (size_t i = from; i < rec.n; i++) {
        if (rec.ev[i].kind == k)
            return i;
    }
    return SIZE_MAX;
}

static void first_malloc_follows_the_seeds_six_steps(void **state)
{
    (void)state;
    struct machine *m = boot(PAGING_32, 16 << 20, 4);
    assert_true(machine_malloc(m, 0, 100));
    size_t grow = index_of(EV_HEAP_GROW, 0);
    size_t frame = index_of(EV_FRAME_ALLOC, grow);
    size_t table = index_of(EV_TABLE_ALLOC, frame);
    size_t pde = index_of(EV_ENTRY_WRITE, table);
    size_t pte = index_of(EV_ENTRY_WRITE, pde + 1);
    size_t map = index_of(EV_PAGE_MAP, pte);
    size_t carve = index_of(EV_BLOCK_ALLOC, map);
    assert_true(grow < frame && frame < table && table < pde && pde < pte && pte < map &&
                map < carve && carve != SIZE_MAX);
    assert_hex_equal(rec.ev[grow].va, 0xD0000000);
    assert_int_equal(rec.ev[frame].extra, ROLE_HEAP);
    assert_int_equal(rec.ev[pde].level, LVL_PDE);
    assert_hex_equal(rec.ev[pde].pa, 0x105000 + 832 * 4);
    assert_int_equal(rec.ev[pte].level, LVL_PTE);
    assert_hex_equal(rec.ev[pte].new &X86_PTE32_ADDR, rec.ev[frame].pa);
    /* The block translates to the heap frame, through PDE index 832. */
    uint64_t va = block_va(m, 0);
    assert_hex_equal(va, 0xD0000000 + HEAP_CONTROL + HEAP_HEADER);
    struct mmu_result r;
    assert_true(machine_probe(m, va, MMU_READ, false, &r));
    assert_hex_equal(r.pa & ~UINT64_C(0xFFF), rec.ev[frame].pa);
    assert_int_equal(r.steps[0].index, 832);
    assert_int_equal(pfa_role(machine_pfa(m), pa_to_pfn(r.pa)), ROLE_HEAP);
    machine_destroy(m);
}

static void blocks_are_16_byte_aligned_and_disjoint(void **state)
{
    (void)state;
    struct machine *m = boot(PAGING_PAE, 16 << 20, 16);
    const uint64_t sizes[] = {0, 1, 15, 16, 17, 31, 100, 1000, 4095, 4096, 5000, 12, 7, 64, 3, 9};
    for (uint32_t i = 0; i < 16; i++) {
        assert_true(machine_malloc(m, i, sizes[i]));
        assert_int_equal(block_va(m, i) % 16, 0);
    }
    for (uint32_t i = 0; i < 16; i++) {
        for (uint32_t j = i + 1; j < 16; j++) {
            uint64_t a = block_va(m, i), b = block_va(m, j);
            uint64_t ea = a + (sizes[i] ? sizes[i] : 1), eb = b + (sizes[j] ? sizes[j] : 1);
            assert_true(ea <= b || eb <= a);
        }
    }
    machine_destroy(m);
}

static void adjacent_frees_coalesce_into_one_chunk(void **state)
{
    (void)state;
    struct machine *m = boot(PAGING_32, 16 << 20, 4);
    for (uint32_t i = 0; i < 4; i++)
        assert_true(machine_malloc(m, i, 100));
    recorder_clear(&rec);
    machine_free(m, 1);
    assert_int_equal(recorder_count(&rec, EV_BLOCK_COALESCE), 0);
    machine_free(m, 2); /* merges with 1 behind it */
    assert_int_equal(recorder_count(&rec, EV_BLOCK_COALESCE), 1);
    const struct event *co = recorder_find(&rec, EV_BLOCK_COALESCE);
    assert_hex_equal(co->va, block_va(m, 1) - HEAP_HEADER);
    assert_int_equal(co->size, 2 * 128);
    /* Walk the chunks: alloc, free(256), alloc, free remainder. */
    const struct heap *h = machine_heap(m);
    struct heap_chunk c;
    assert_true(heap_chunk_next(h, 0, &c));
    assert_true(c.alloc);
    assert_true(heap_chunk_next(h, c.addr, &c));
    assert_false(c.alloc);
    assert_int_equal(c.size, 256);
    assert_true(heap_chunk_next(h, c.addr, &c));
    assert_true(c.alloc);
    /* The freed hole is reused first fit. */
    assert_true(machine_malloc(m, 1, 200));
    assert_hex_equal(co->va + HEAP_HEADER, block_va(m, 1));
    /* Shrinking block 0 in place frees its tail as a chunk of its own. */
    recorder_clear(&rec);
    assert_true(machine_realloc(m, 0, 0, 1));
    assert_int_equal(recorder_count(&rec, EV_BLOCK_SPLIT), 1);
    assert_int_equal(recorder_count(&rec, EV_BLOCK_MOVE), 0);
    assert_true(heap_chunk_next(h, 0, &c));
    assert_int_equal(c.size, 32);
    assert_true(heap_chunk_next(h, c.addr, &c));
    assert_false(c.alloc);
    assert_int_equal(c.size, 96);
    machine_destroy(m);
}

static void freeing_everything_returns_every_frame_and_table(void **state)
{
    (void)state;
    const enum paging_mode modes[] = {PAGING_32, PAGING_PSE, PAGING_PAE, PAGING_LONG};
    for (int k = 0; k < 4; k++) {
        struct machine *m = boot(modes[k], 32 << 20, 40);
        struct pfa_stats before = pfa_stats(machine_pfa(m));
        uint64_t tables = vmm_stats(machine_vmm(m)).tables;
        uint64_t seed = 99 + (uint64_t)k;
        for (uint32_t i = 0; i < 40; i++) {
            uint64_t sz = rng_next(&seed) % 6000;
            if (i % 7 == 0)
                sz = 200000 + rng_next(&seed) % 100000;
            assert_true(machine_malloc(m, i, sz));
        }
        for (uint32_t i = 0; i < 40; i++)
            machine_free(m, (i * 17) % 40);
        struct pfa_stats after = pfa_stats(machine_pfa(m));
        assert_int_equal(after.used, before.used);
        assert_int_equal(after.free, before.free);
        assert_int_equal(vmm_stats(machine_vmm(m)).tables, tables);
        assert_int_equal(heap_stats(machine_heap(m)).heap_pages, 0);
        assert_int_equal(machine_stats(m).live_bytes, 0);
        assert_int_equal(heap_stats(machine_heap(m)).corruptions, 0);
        assert_int_equal(heap_stats(machine_heap(m)).meta_faults, 0);
        assert_int_equal(machine_cpu(m)->cr2, 0); /* the allocator never faulted */
        machine_destroy(m);
    }
}

static void large_request_gets_pages_of_its_own(void **state)
{
    (void)state;
    struct machine *m = boot(PAGING_32, 16 << 20, 2);
    struct pfa_stats before = pfa_stats(machine_pfa(m));
    assert_true(machine_malloc(m, 0, 128 << 10));
    struct machine_block b;
    assert_true(machine_block(m, 0, &b));
    assert_true(b.large);
    assert_hex_equal(b.va, VMM_LARGE_BASE_32 + HEAP_HEADER);
    /* 128 KiB + the header: 33 pages and one new page table. */
    struct pfa_stats mid = pfa_stats(machine_pfa(m));
    assert_int_equal(mid.used, before.used + 33 + 1);
    assert_int_equal(heap_stats(machine_heap(m)).heap_pages, 0);
    assert_true(machine_malloc(m, 1, (128 << 10) - 1)); /* just below: small heap */
    assert_true(machine_block(m, 1, &b));
    assert_false(b.large);
    machine_free(m, 0);
    machine_free(m, 1);
    struct pfa_stats after = pfa_stats(machine_pfa(m));
    assert_int_equal(after.used, before.used);
    machine_destroy(m);
}

static void crossing_4mib_allocates_a_new_page_table_in_32_bit_mode(void **state)
{
    (void)state;
    struct machine *m = boot(PAGING_32, 32 << 20, 64);
    uint64_t tables = vmm_stats(machine_vmm(m)).tables;
    uint32_t i = 0;
    while (heap_stats(machine_heap(m)).brk <= 0xD0400000) {
        assert_true(machine_malloc(m, i, 100000));
        i++;
    }
    assert_int_equal(vmm_stats(machine_vmm(m)).tables, tables + 2);
    struct mmu_result a, b;
    assert_true(machine_probe(m, 0xD03FF000, MMU_READ, false, &a));
    assert_true(machine_probe(m, 0xD0400000, MMU_READ, false, &b));
    assert_int_equal(a.steps[0].index, 832);
    assert_int_equal(b.steps[0].index, 833);
    assert_true(a.steps[1].table != b.steps[1].table);
    machine_destroy(m);
}

static void virtually_contiguous_pages_are_physically_scattered(void **state)
{
    (void)state;
    struct machine *m = boot(PAGING_32, 16 << 20, 4);
    assert_true(machine_malloc(m, 0, 200000));
    assert_true(machine_malloc(m, 1, 200000));
    machine_free(m, 0);
    assert_true(machine_malloc(m, 2, 400000));
    uint64_t va = block_va(m, 2) - HEAP_HEADER;
    int jumps = 0;
    for (uint64_t p = 1; p < 98; p++) {
        if (vpa(m, va + p * 4096) != vpa(m, va + (p - 1) * 4096) + 4096)
            jumps++;
    }
    assert_true(jumps >= 1);
    machine_destroy(m);
}

static void top_pages_go_back_when_freed(void **state)
{
    (void)state;
    struct machine *m = boot(PAGING_LONG, 16 << 20, 3);
    assert_true(machine_malloc(m, 0, 100));
    assert_true(machine_malloc(m, 1, 50000));
    uint64_t pages = heap_stats(machine_heap(m)).heap_pages;
    assert_int_equal(pages, 13);
    recorder_clear(&rec);
    machine_free(m, 1);
    assert_int_equal(heap_stats(machine_heap(m)).heap_pages, 1);
    assert_int_equal(recorder_count(&rec, EV_HEAP_SHRINK), 1);
    assert_int_equal(recorder_count(&rec, EV_FRAME_FREE), 12);
    machine_free(m, 0);
    assert_int_equal(heap_stats(machine_heap(m)).heap_pages, 0);
    machine_destroy(m);
}

static void calloc_zeroes_reused_dirty_memory(void **state)
{
    (void)state;
    struct machine *m = boot(PAGING_32, 16 << 20, 4);
    assert_true(machine_malloc(m, 0, 300));
    assert_true(machine_malloc(m, 3, 16)); /* keeps the chunk off the top */
    machine_access(m, 0, 0, 300, MMU_WRITE);
    uint64_t old = block_va(m, 0);
    assert_int_equal(vbyte(m, old + 100), 0); /* id 0 writes zeros: use id 1 below */
    machine_free(m, 0);
    assert_true(machine_malloc(m, 1, 300));
    machine_access(m, 1, 0, 300, MMU_WRITE);
    assert_int_equal(vbyte(m, old + 299), 1);
    machine_free(m, 1);
    assert_true(machine_calloc(m, 2, 30, 10));
    assert_hex_equal(block_va(m, 2), old);
    for (uint64_t i = 0; i < 300; i++)
        assert_int_equal(vbyte(m, old + i), 0);
    machine_destroy(m);
}

static void realloc_grows_in_place_at_the_top(void **state)
{
    (void)state;
    struct machine *m = boot(PAGING_32, 16 << 20, 2);
    assert_true(machine_malloc(m, 0, 100));
    uint64_t va = block_va(m, 0);
    recorder_clear(&rec);
    assert_true(machine_realloc(m, 0, 0, 20000));
    assert_hex_equal(block_va(m, 0), va);
    assert_int_equal(recorder_count(&rec, EV_BLOCK_MOVE), 0);
    assert_int_equal(recorder_count(&rec, EV_HEAP_GROW), 1);
    machine_destroy(m);
}

static void realloc_grows_in_place_into_a_free_neighbour(void **state)
{
    (void)state;
    struct machine *m = boot(PAGING_PSE, 16 << 20, 3);
    assert_true(machine_malloc(m, 0, 100));
    assert_true(machine_malloc(m, 1, 500));
    assert_true(machine_malloc(m, 2, 100));
    machine_free(m, 1);
    uint64_t va = block_va(m, 0);
    assert_true(machine_realloc(m, 0, 0, 400));
    assert_hex_equal(block_va(m, 0), va);
    /* Shrinking stays in place too and frees the tail. */
    recorder_clear(&rec);
    assert_true(machine_realloc(m, 0, 0, 10));
    assert_hex_equal(block_va(m, 0), va);
    assert_int_equal(recorder_count(&rec, EV_BLOCK_SPLIT), 1);
    machine_destroy(m);
}

static void realloc_that_moves_keeps_the_content(void **state)
{
    (void)state;
    struct machine *m = boot(PAGING_PAE, 16 << 20, 8);
    assert_true(machine_malloc(m, 5, 100));
    assert_true(machine_malloc(m, 1, 100));
    machine_access(m, 5, 0, 100, MMU_WRITE);
    uint64_t va = block_va(m, 5);
    recorder_clear(&rec);
    assert_true(machine_realloc(m, 5, 6, 3000));
    assert_int_equal(recorder_count(&rec, EV_BLOCK_MOVE), 1);
    uint64_t nva = block_va(m, 6);
    assert_true(nva != va);
    for (uint64_t i = 0; i < 100; i++)
        assert_int_equal(vbyte(m, nva + i), 5);
    struct machine_block b;
    assert_true(machine_block(m, 5, &b));
    assert_false(b.live);
    /* Small to large and back keep it too. */
    assert_true(machine_realloc(m, 6, 6, 300000));
    assert_true(machine_block(m, 6, &b));
    assert_true(b.large);
    for (uint64_t i = 0; i < 100; i += 9)
        assert_int_equal(vbyte(m, b.va + i), 5);
    assert_true(machine_realloc(m, 6, 6, 400000)); /* grows in place: room after it */
    assert_hex_equal(block_va(m, 6), b.va);
    assert_true(machine_realloc(m, 6, 6, 50));
    assert_true(machine_block(m, 6, &b));
    assert_false(b.large);
    assert_int_equal(vbyte(m, b.va + 49), 5);
    machine_destroy(m);
}

/* The reference model: what the program believes it has. */
struct model {
    bool live[64];
    uint64_t size[64];
};

static void check_model(struct machine *m, const struct model *md)
{
    uint64_t live = 0;
    uint64_t va[64], end[64];
    int n = 0;
    for (uint32_t i = 0; i < 64; i++) {
        struct machine_block b;
        if (!md->live[i])
            continue;
        assert_true(machine_block(m, i, &b));
        assert_true(b.live);
        assert_int_equal(b.size, md->size[i]);
        assert_int_equal(b.va % 16, 0);
        live += md->size[i];
        va[n] = b.va;
        end[n] = b.va + (b.size ? b.size : 1);
        n++;
    }
    for (int i = 0; i < n; i++) {
        for (int j = i + 1; j < n; j++)
            assert_true(end[i] <= va[j] || end[j] <= va[i]);
    }
    assert_int_equal(machine_stats(m).live_bytes, live);
    assert_int_equal(heap_stats(machine_heap(m)).corruptions, 0);
    assert_int_equal(heap_stats(machine_heap(m)).meta_faults, 0);
}

static uint64_t random_size(uint64_t *seed)
{
    uint64_t r = rng_next(seed) % 100;
    if (r < 60)
        return rng_next(seed) % 200;
    if (r < 92)
        return rng_next(seed) % 9000;
    return 100000 + rng_next(seed) % 300000;
}

static void random_run(enum paging_mode mode, uint64_t seed)
{
    struct machine *m = boot(mode, 64 << 20, 64);
    machine_set_sink(m, NULL);
    struct pfa_stats boot_stats = pfa_stats(machine_pfa(m));
    struct model md;
    memset(&md, 0, sizeof md);
    for (int step = 0; step < 1500; step++) {
        uint32_t id = (uint32_t)(rng_next(&seed) % 64);
        uint64_t op = rng_next(&seed) % 10;
        if (!md.live[id]) {
            uint64_t sz = random_size(&seed);
            if (op < 3) {
                assert_true(machine_calloc(m, id, 1, sz));
                uint64_t va = block_va(m, id);
                for (uint64_t k = 0; k < sz; k += 1 + sz / 7)
                    assert_int_equal(vbyte(m, va + k), 0);
            } else {
                assert_true(machine_malloc(m, id, sz));
            }
            md.live[id] = true;
            md.size[id] = sz;
            machine_access(m, id, 0, sz, MMU_WRITE); /* fills with byte id */
        } else if (op < 5) {
            machine_free(m, id);
            md.live[id] = false;
        } else {
            /* realloc into a free id, so the content (byte id) is told apart */
            uint32_t nid = id;
            for (uint32_t k = 0; k < 64; k++) {
                uint32_t c = (id + 1 + k) % 64;
                if (!md.live[c]) {
                    nid = c;
                    break;
                }
            }
            uint64_t sz = random_size(&seed) + 1;
            assert_true(machine_realloc(m, id, nid, sz));
            uint64_t keep = md.size[id] < sz ? md.size[id] : sz;
            uint64_t va = block_va(m, nid);
            for (uint64_t k = 0; k < keep; k += 1 + keep / 11)
                assert_int_equal(vbyte(m, va + k), id);
            if (keep > 0)
                assert_int_equal(vbyte(m, va + keep - 1), id);
            md.live[id] = false;
            md.live[nid] = true;
            md.size[nid] = sz;
            machine_access(m, nid, 0, sz, MMU_WRITE);
        }
        check_model(m, &md);
    }
    for (uint32_t i = 0; i < 64; i++) {
        if (md.live[i])
            machine_free(m, i);
    }
    struct pfa_stats end = pfa_stats(machine_pfa(m));
    assert_int_equal(end.used, boot_stats.used);
    assert_int_equal(machine_stats(m).diagnostics, 0);
    assert_int_equal(machine_stats(m).failed_allocs, 0);
    machine_destroy(m);
}

static void random_operations_match_reference_model_32(void **state)
{
    (void)state;
    random_run(PAGING_32, 1);
}

static void random_operations_match_reference_model_pse(void **state)
{
    (void)state;
    random_run(PAGING_PSE, 2);
}

static void random_operations_match_reference_model_pae(void **state)
{
    (void)state;
    random_run(PAGING_PAE, 3);
}

static void random_operations_match_reference_model_long(void **state)
{
    (void)state;
    random_run(PAGING_LONG, 4);
}

static void overwritten_metadata_is_detected_without_crashing(void **state)
{
    (void)state;
    const enum paging_mode modes[] = {PAGING_32, PAGING_LONG};
    for (int k = 0; k < 2; k++) {
        struct machine *m = boot(modes[k], 16 << 20, 16);
        machine_set_sink(m, NULL);
        uint64_t seed = 7 + (uint64_t)k;
        for (int step = 0; step < 3000; step++) {
            uint32_t id = (uint32_t)(rng_next(&seed) % 16);
            uint64_t op = rng_next(&seed) % 6;
            uint64_t sz = rng_next(&seed) % 300;
            switch (op) {
            case 0:
                machine_malloc(m, id, sz);
                break;
            case 1:
                machine_free(m, id);
                break;
            case 2:
                machine_realloc(m, id, id, sz);
                break;
            default:
                /* out of bounds and after free, on purpose */
                machine_access(m, id, rng_next(&seed) % 400, sz, MMU_WRITE);
                break;
            }
        }
        struct machine_stats st = machine_stats(m);
        assert_true(st.diag[DIAG_OUT_OF_BOUNDS] > 0);
        assert_true(st.diag[DIAG_USE_AFTER_FREE] > 0);
        assert_true(st.diag[DIAG_HEAP_CORRUPTION] > 0);
        assert_true(heap_stats(machine_heap(m)).corruptions > 0);
        /* The machine still works. */
        machine_free(m, 0);
        assert_true(machine_malloc(m, 0, 64));
        machine_destroy(m);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(first_malloc_follows_the_seeds_six_steps),
        cmocka_unit_test(blocks_are_16_byte_aligned_and_disjoint),
        cmocka_unit_test(adjacent_frees_coalesce_into_one_chunk),
        cmocka_unit_test(freeing_everything_returns_every_frame_and_table),
        cmocka_unit_test(large_request_gets_pages_of_its_own),
        cmocka_unit_test(crossing_4mib_allocates_a_new_page_table_in_32_bit_mode),
        cmocka_unit_test(virtually_contiguous_pages_are_physically_scattered),
        cmocka_unit_test(top_pages_go_back_when_freed),
        cmocka_unit_test(calloc_zeroes_reused_dirty_memory),
        cmocka_unit_test(realloc_grows_in_place_at_the_top),
        cmocka_unit_test(realloc_grows_in_place_into_a_free_neighbour),
        cmocka_unit_test(realloc_that_moves_keeps_the_content),
        cmocka_unit_test(random_operations_match_reference_model_32),
        cmocka_unit_test(random_operations_match_reference_model_pse),
        cmocka_unit_test(random_operations_match_reference_model_pae),
        cmocka_unit_test(random_operations_match_reference_model_long),
        cmocka_unit_test(overwritten_metadata_is_detected_without_crashing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
