/*
 * test_phys.c - the simulated physical RAM: little-endian loads and stores,
 * bounds (all ones outside RAM, refused stores change nothing), the size
 * rules of phys_create, and a lazily reserved 4 GiB machine.
 */
#include "helpers.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "sim/phys.h"
#include "sim/tmem.h"

static void stores_are_little_endian_byte_by_byte(void **state)
{
    (void)state;
    struct phys *p = phys_create(2 * 4096);
    assert_non_null(p);
    assert_true(phys_store32(p, 0x100, UINT32_C(0x11223344)));
    const uint8_t *b = phys_bytes(p);
    assert_int_equal(b[0x100], 0x44);
    assert_int_equal(b[0x101], 0x33);
    assert_int_equal(b[0x102], 0x22);
    assert_int_equal(b[0x103], 0x11);
    assert_true(phys_store64(p, 0x200, UINT64_C(0x0102030405060708)));
    for (int i = 0; i < 8; i++)
        assert_int_equal(b[0x200 + i], 8 - i);
    assert_true(phys_store8(p, 0x300, 0xAB));
    assert_int_equal(b[0x300], 0xAB);
    phys_destroy(p);
}

static void loads_assemble_little_endian_values(void **state)
{
    (void)state;
    struct phys *p = phys_create(4096);
    const uint8_t bytes[8] = {0xEF, 0xCD, 0xAB, 0x89, 0x67, 0x45, 0x23, 0x81};
    assert_true(phys_write(p, 0x10, bytes, sizeof bytes));
    assert_hex_equal(phys_load32(p, 0x10), UINT32_C(0x89ABCDEF));
    assert_hex_equal(phys_load64(p, 0x10), UINT64_C(0x8123456789ABCDEF));
    assert_hex_equal(phys_load32(p, 0x14), UINT32_C(0x81234567));
    assert_int_equal(phys_load8(p, 0x17), 0x81);
    /* A store then a load round-trips, high bit set included. */
    assert_true(phys_store64(p, 4096 - 8, UINT64_C(0xFEDCBA9876543210)));
    assert_hex_equal(phys_load64(p, 4096 - 8), UINT64_C(0xFEDCBA9876543210));
    assert_true(phys_store32(p, 4096 - 4, UINT32_C(0x80000001)));
    assert_hex_equal(phys_load32(p, 4096 - 4), UINT32_C(0x80000001));
    uint8_t out[8];
    assert_true(phys_read(p, 0x10, out, sizeof out));
    assert_memory_equal(out, bytes, sizeof bytes);
    phys_destroy(p);
}

static void loads_outside_ram_give_all_ones(void **state)
{
    (void)state;
    struct phys *p = phys_create(4096);
    assert_true(phys_fill(p, 0, 0x5A, 4096));
    assert_int_equal(phys_load8(p, 4095), 0x5A);
    assert_int_equal(phys_load8(p, 4096), 0xFF);
    /* Straddling the end is outside too. */
    assert_hex_equal(phys_load32(p, 4093), UINT32_C(0xFFFFFFFF));
    assert_hex_equal(phys_load32(p, 4092), UINT32_C(0x5A5A5A5A));
    assert_hex_equal(phys_load64(p, 4089), UINT64_C(0xFFFFFFFFFFFFFFFF));
    assert_hex_equal(phys_load64(p, 4088), UINT64_C(0x5A5A5A5A5A5A5A5A));
    /* Addresses that would wrap around. */
    assert_hex_equal(phys_load32(p, UINT64_MAX - 1), UINT32_C(0xFFFFFFFF));
    assert_hex_equal(phys_load64(p, UINT64_MAX), UINT64_C(0xFFFFFFFFFFFFFFFF));
    assert_int_equal(phys_load8(p, UINT64_MAX), 0xFF);
    uint8_t buf[4] = {1, 2, 3, 4};
    assert_false(phys_read(p, 4094, buf, 4));
    assert_int_equal(buf[0], 1);
    assert_false(phys_read(p, UINT64_MAX - 1, buf, 4));
    assert_true(phys_read(p, 4096, buf, 0));
    phys_destroy(p);
}

static void stores_outside_ram_are_refused_and_change_nothing(void **state)
{
    (void)state;
    struct phys *p = phys_create(2 * 4096);
    assert_true(phys_store32(p, 0x10, 0x12345678));
    uint8_t before[2 * 4096];
    memcpy(before, phys_bytes(p), sizeof before);
    uint64_t h = tmem_hash(p->mem, 0);
    const uint8_t data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    assert_false(phys_store8(p, 8192, 1));
    assert_false(phys_store32(p, 8190, 1));
    assert_false(phys_store64(p, 8185, 1));
    assert_false(phys_store64(p, UINT64_MAX - 3, 1));
    assert_false(phys_write(p, 8188, data, 8));
    assert_false(phys_write(p, UINT64_MAX - 2, data, 8));
    assert_false(phys_fill(p, 4096, 0xCC, 4097));
    assert_false(phys_fill(p, 1, 0xCC, UINT64_MAX));
    assert_memory_equal(before, phys_bytes(p), sizeof before);
    assert_int_equal(tmem_hash(p->mem, 0), h);
    /* The last bytes in range are accepted. */
    assert_true(phys_store64(p, 8184, 1));
    assert_true(phys_write(p, 8192, data, 0));
    assert_true(phys_fill(p, 4096, 0xCC, 4096));
    assert_int_equal(phys_load8(p, 8191), 0xCC);
    phys_destroy(p);
}

static void create_rejects_zero_unaligned_and_too_large_sizes(void **state)
{
    (void)state;
    assert_null(phys_create(0));
    assert_null(phys_create(4095));
    assert_null(phys_create(4096 + 1));
    assert_null(phys_create(16 * 1024 * 1024 + 512));
    assert_null(phys_create(PHYS_MAX_SIZE + 4096));
    assert_null(phys_create(UINT64_MAX & ~UINT64_C(4095)));
    phys_destroy(NULL);
    struct phys *p = phys_create(4096);
    assert_non_null(p);
    assert_int_equal(phys_size(p), 4096);
    assert_true(phys_contains(p, 0, 4096));
    assert_false(phys_contains(p, 1, 4096));
    assert_true(phys_contains(p, 4096, 0));
    assert_false(phys_contains(p, 4097, 0));
    phys_destroy(p);
}

static void four_gib_ram_is_created_lazily_and_usable_at_both_ends(void **state)
{
    (void)state;
    const uint64_t size = UINT64_C(4) << 30;
    struct phys *p = phys_create(size);
    assert_non_null(p);
    assert_int_equal(phys_size(p), size);
    /* Untouched RAM reads as zero. */
    assert_int_equal(phys_load32(p, size / 2), 0);
    assert_true(phys_store32(p, size - 4, UINT32_C(0xCAFEBABE)));
    assert_hex_equal(phys_load32(p, size - 4), UINT32_C(0xCAFEBABE));
    assert_hex_equal(phys_load32(p, size - 2), UINT32_C(0xFFFFFFFF));
    assert_false(phys_store32(p, size, 1));
    assert_true(phys_store64(p, 0, UINT64_C(0x1122334455667788)));
    assert_hex_equal(phys_load64(p, 0), UINT64_C(0x1122334455667788));
    phys_destroy(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stores_are_little_endian_byte_by_byte),
        cmocka_unit_test(loads_assemble_little_endian_values),
        cmocka_unit_test(loads_outside_ram_give_all_ones),
        cmocka_unit_test(stores_outside_ram_are_refused_and_change_nothing),
        cmocka_unit_test(create_rejects_zero_unaligned_and_too_large_sizes),
        cmocka_unit_test(four_gib_ram_is_created_lazily_and_usable_at_both_ends),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
