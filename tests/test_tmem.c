/*
 * test_tmem.c - tracked memory: copy-on-first-write journaling per chunk and
 * epoch, undo by restoring the saved chunks, and a content hash that does not
 * depend on how the contents were reached.
 */
#include "helpers.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/tmem.h"

struct saved {
    struct tmem *m;
    uint64_t chunk;
    size_t len;
    uint8_t data[TMEM_CHUNK_SIZE];
};

struct log {
    struct saved v[64];
    size_t n;
};

static void log_save(void *ctx, struct tmem *m, uint64_t chunk, const uint8_t *old, size_t len)
{
    struct log *l = ctx;
    assert_true(l->n < 64);
    assert_true(len <= TMEM_CHUNK_SIZE);
    l->v[l->n].m = m;
    l->v[l->n].chunk = chunk;
    l->v[l->n].len = len;
    memcpy(l->v[l->n].data, old, len);
    l->n++;
}

static void write_byte(struct tmem *m, uint64_t off, uint8_t v)
{
    tmem_touch(m, off, 1);
    m->data[off] = v;
}

static void create_rejects_zero_and_starts_zeroed(void **state)
{
    (void)state;
    assert_null(tmem_create(0));
    tmem_destroy(NULL);
    struct tmem *m = tmem_create(3 * TMEM_CHUNK_SIZE + 10);
    assert_non_null(m);
    assert_int_equal(m->nchunks, 4);
    assert_int_equal(m->size, 3 * TMEM_CHUNK_SIZE + 10);
    for (uint64_t i = 0; i < m->size; i++)
        assert_int_equal(m->data[i], 0);
    tmem_destroy(m);
}

static void first_write_per_epoch_is_journaled_with_old_contents(void **state)
{
    (void)state;
    struct tmem *m = tmem_create(4 * TMEM_CHUNK_SIZE);
    write_byte(m, 5000, 0x11); /* before any journal: not saved */
    struct log *l = calloc(1, sizeof *l);
    struct tmem_journal j = {log_save, l};
    tmem_set_journal(m, &j);
    write_byte(m, 5000, 0x22);
    write_byte(m, 5001, 0x33);
    write_byte(m, 4096, 0x44); /* same chunk 1 */
    assert_int_equal(l->n, 1);
    assert_int_equal(l->v[0].chunk, 1);
    assert_int_equal(l->v[0].len, TMEM_CHUNK_SIZE);
    assert_int_equal(l->v[0].data[5000 - 4096], 0x11);
    assert_int_equal(l->v[0].data[5001 - 4096], 0);
    assert_true(l->v[0].m == m);
    write_byte(m, 3 * TMEM_CHUNK_SIZE, 0x55);
    assert_int_equal(l->n, 2);
    assert_int_equal(l->v[1].chunk, 3);
    assert_int_equal(m->ndirty, 2);
    /* Detached: writes cost nothing and save nothing. */
    tmem_set_journal(m, NULL);
    write_byte(m, 0, 1);
    write_byte(m, 2 * TMEM_CHUNK_SIZE, 1);
    assert_int_equal(l->n, 2);
    assert_int_equal(m->ndirty, 0);
    free(l);
    tmem_destroy(m);
}

static void epoch_makes_the_next_write_journaled_again(void **state)
{
    (void)state;
    struct tmem *m = tmem_create(2 * TMEM_CHUNK_SIZE);
    struct log *l = calloc(1, sizeof *l);
    struct tmem_journal j = {log_save, l};
    tmem_set_journal(m, &j);
    write_byte(m, 10, 1);
    write_byte(m, 11, 2);
    assert_int_equal(l->n, 1);
    tmem_epoch(m);
    assert_int_equal(m->ndirty, 0);
    write_byte(m, 12, 3);
    write_byte(m, 13, 4);
    assert_int_equal(l->n, 2);
    /* The second save holds the contents as they were at the epoch. */
    assert_int_equal(l->v[1].data[10], 1);
    assert_int_equal(l->v[1].data[11], 2);
    assert_int_equal(l->v[1].data[12], 0);
    tmem_epoch(m);
    tmem_epoch(m); /* an empty epoch is fine */
    write_byte(m, 10, 9);
    assert_int_equal(l->n, 3);
    /* Every chunk of the epoch is forgotten, not only the first. */
    write_byte(m, TMEM_CHUNK_SIZE, 1);
    assert_int_equal(l->n, 4);
    assert_int_equal(m->ndirty, 2);
    tmem_epoch(m);
    write_byte(m, TMEM_CHUNK_SIZE + 1, 1);
    write_byte(m, 1, 1);
    assert_int_equal(l->n, 6);
    assert_int_equal(l->v[4].chunk, 1);
    assert_int_equal(l->v[5].chunk, 0);
    tmem_set_journal(m, NULL);
    free(l);
    tmem_destroy(m);
}

static void restoring_saved_chunks_in_reverse_undoes_every_epoch(void **state)
{
    (void)state;
    const uint64_t size = 3 * TMEM_CHUNK_SIZE + 100; /* last chunk partial */
    struct tmem *m = tmem_create(size);
    for (uint64_t i = 0; i < size; i += 7)
        write_byte(m, i, (uint8_t)i);
    uint8_t *orig = malloc((size_t)size);
    memcpy(orig, m->data, (size_t)size);
    uint64_t h0 = tmem_hash(m, 0);

    struct log *l = calloc(1, sizeof *l);
    struct tmem_journal j = {log_save, l};
    tmem_set_journal(m, &j);
    uint64_t rng = 12345;
    for (int e = 0; e < 5; e++) {
        for (int k = 0; k < 50; k++) {
            rng = rng * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
            uint64_t off = (rng >> 20) % size;
            write_byte(m, off, (uint8_t)(rng >> 56));
        }
        tmem_epoch(m);
    }
    /* The last chunk's save is only as long as the buffer. */
    for (size_t i = 0; i < l->n; i++) {
        if (l->v[i].chunk == 3)
            assert_int_equal(l->v[i].len, 100);
    }
    assert_true(memcmp(orig, m->data, (size_t)size) != 0);
    while (l->n > 0) {
        struct saved *s = &l->v[--l->n];
        tmem_restore_chunk(s->m, s->chunk, s->data, s->len);
    }
    assert_memory_equal(orig, m->data, (size_t)size);
    assert_int_equal(tmem_hash(m, 0), h0);
    /* Out-of-range chunks are ignored. */
    tmem_restore_chunk(m, 99, orig, 10);
    assert_memory_equal(orig, m->data, (size_t)size);
    tmem_set_journal(m, NULL);
    free(orig);
    free(l);
    tmem_destroy(m);
}

static void hash_is_equal_for_equal_contents_reached_differently(void **state)
{
    (void)state;
    const uint64_t size = 8 * TMEM_CHUNK_SIZE;
    struct tmem *a = tmem_create(size);
    struct tmem *b = tmem_create(size);
    struct tmem *c = tmem_create(size);
    /* a: writes in one order; b: another order with overwrites and a chunk
     * written then zeroed again; c: never written. */
    write_byte(a, 100, 1);
    write_byte(a, 5 * TMEM_CHUNK_SIZE + 3, 2);
    write_byte(b, 5 * TMEM_CHUNK_SIZE + 3, 7);
    write_byte(b, 100, 1);
    write_byte(b, 5 * TMEM_CHUNK_SIZE + 3, 2);
    write_byte(b, 2 * TMEM_CHUNK_SIZE + 9, 0xAB);
    write_byte(b, 2 * TMEM_CHUNK_SIZE + 9, 0);
    assert_int_equal(tmem_hash(a, 0), tmem_hash(b, 0));
    assert_int_equal(tmem_hash(a, 77), tmem_hash(b, 77));
    /* The zeroed chunk counts as never written: c written then zeroed. */
    uint64_t empty = tmem_hash(c, 0);
    write_byte(c, 7 * TMEM_CHUNK_SIZE, 5);
    assert_true(tmem_hash(c, 0) != empty);
    write_byte(c, 7 * TMEM_CHUNK_SIZE, 0);
    assert_int_equal(tmem_hash(c, 0), empty);
    /* Different contents differ: the same byte in another chunk, another
     * value in the same place. */
    write_byte(c, 100, 1);
    write_byte(c, 4 * TMEM_CHUNK_SIZE + 3, 2);
    assert_true(tmem_hash(c, 0) != tmem_hash(a, 0));
    write_byte(b, 100, 3);
    assert_true(tmem_hash(a, 0) != tmem_hash(b, 0));
    tmem_destroy(a);
    tmem_destroy(b);
    tmem_destroy(c);
}

static void touch_across_a_chunk_boundary_journals_both_chunks(void **state)
{
    (void)state;
    struct tmem *m = tmem_create(4 * TMEM_CHUNK_SIZE);
    struct log *l = calloc(1, sizeof *l);
    struct tmem_journal j = {log_save, l};
    tmem_set_journal(m, &j);
    /* Eight bytes straddling chunks 1 and 2. */
    tmem_touch(m, 2 * TMEM_CHUNK_SIZE - 4, 8);
    memset(m->data + 2 * TMEM_CHUNK_SIZE - 4, 0xEE, 8);
    assert_int_equal(l->n, 2);
    assert_int_equal(l->v[0].chunk, 1);
    assert_int_equal(l->v[1].chunk, 2);
    assert_int_equal(l->v[0].data[TMEM_CHUNK_SIZE - 1], 0);
    /* A wide touch over all chunks saves only those not yet saved. */
    tmem_touch(m, 0, 4 * TMEM_CHUNK_SIZE);
    assert_int_equal(l->n, 4);
    assert_int_equal(l->v[2].chunk, 0);
    assert_int_equal(l->v[3].chunk, 3);
    /* Zero-length touches do nothing. */
    tmem_epoch(m);
    tmem_touch(m, 100, 0);
    assert_int_equal(l->n, 4);
    /* Both halves end up in the hash's written set: zeroing them again makes
     * the hash equal to an untouched buffer's. */
    struct tmem *fresh = tmem_create(4 * TMEM_CHUNK_SIZE);
    assert_true(tmem_hash(m, 0) != tmem_hash(fresh, 0));
    tmem_touch(m, 2 * TMEM_CHUNK_SIZE - 4, 8);
    memset(m->data + 2 * TMEM_CHUNK_SIZE - 4, 0, 8);
    assert_int_equal(tmem_hash(m, 0), tmem_hash(fresh, 0));
    tmem_set_journal(m, NULL);
    free(l);
    tmem_destroy(fresh);
    tmem_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(create_rejects_zero_and_starts_zeroed),
        cmocka_unit_test(first_write_per_epoch_is_journaled_with_old_contents),
        cmocka_unit_test(epoch_makes_the_next_write_journaled_again),
        cmocka_unit_test(restoring_saved_chunks_in_reverse_undoes_every_epoch),
        cmocka_unit_test(hash_is_equal_for_equal_contents_reached_differently),
        cmocka_unit_test(touch_across_a_chunk_boundary_journals_both_chunks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
