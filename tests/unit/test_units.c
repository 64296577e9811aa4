/* Sizes with units: GB vs GiB, rounding, and the rejected spellings. */
#include "../../common/text.h"
#include "../../common/units.h"
#include "test.h"

static uint64_t size_ok(test_ctx *t, const char *s)
{
    uint64_t b = 0;
    char why[256];
    if (fp_size_parse(s, &b, why, sizeof why) != 0) {
        fprintf(stderr, "  unexpected error for '%s': %s\n", s, why);
        t->failures++;
    }
    return b;
}

static const char *size_err(const char *s)
{
    static char why[256]; /* test-only */
    uint64_t b;
    if (fp_size_parse(s, &b, why, sizeof why) == 0)
        return "(accepted)";
    return why;
}

static void test_decimal_and_binary(test_ctx *t)
{
    CHECK_U64(t, size_ok(t, "16 GB"), 16000000000ULL);
    CHECK_U64(t, size_ok(t, "16GiB"), 17179869184ULL);
    CHECK_U64(t, size_ok(t, "14.5GiB"), 15569256448ULL); /* 14.5 * 2^30 */
    CHECK_U64(t, size_ok(t, "22888 MiB"), 22888ULL * 1048576ULL);
    CHECK_U64(t, size_ok(t, "1.3 GB"), 1300000000ULL);
    CHECK_U64(t, size_ok(t, "0.5 KiB"), 512);
    CHECK_U64(t, size_ok(t, "512 B"), 512);
    CHECK_U64(t, size_ok(t, "2 TB"), 2000000000000ULL);
    CHECK_U64(t, size_ok(t, "1 TiB"), 1099511627776ULL);
    CHECK_U64(t, size_ok(t, "0.1 B"), 0); /* rounds to the nearest byte */
    CHECK_U64(t, size_ok(t, "16 GB "), 16000000000ULL);
}

static void test_rejected(test_ctx *t)
{
    CHECK_HAS(t, size_err("16 Gb"), "bits");
    CHECK_HAS(t, size_err("16 GBs"), "plural");
    CHECK_HAS(t, size_err("16"), "no unit");
    CHECK_HAS(t, size_err("-4 GB"), "negative");
    CHECK_HAS(t, size_err("GB"), "does not start with a number");
    CHECK_HAS(t, size_err("16 G"), "GiB");
    CHECK_HAS(t, size_err("16 bananas"), "unknown unit");
    CHECK_HAS(t, size_err("99999999999999999999 GB"), "too large");
    CHECK_HAS(t, size_err("20000000000 GB"), "too large");
    CHECK_HAS(t, size_err("nan GB"), "does not start with a number");
}

/* Sizes travel as signed 64-bit integers too (JSON output, headroom): 2^63 bytes and more
 * would wrap negative, so the parser stops one byte short of 8 EiB. */
static void test_overflow(test_ctx *t)
{
    CHECK_U64(t, size_ok(t, "9223372036854775 KB"), 9223372036854775000ULL); /* just under 2^63 */
    CHECK_HAS(t, size_err("9223372036854776 KB"), "too large");             /* just over 2^63 */
    CHECK_U64(t, size_ok(t, "7 EiB"), 7ULL << 60);
    CHECK_HAS(t, size_err("8 EiB"), "too large");
    CHECK_HAS(t, size_err("16 EiB"), "too large");
    CHECK_HAS(t, size_err("9300000000 GB"), "too large"); /* 9.3e18 < 2^64 but >= 2^63 */
    CHECK_HAS(t, size_err("9.3 EB"), "too large");
    CHECK_U64(t, size_ok(t, "9.2 EB"), 9200000000000000000ULL);
    CHECK_U64(t, size_ok(t, "1 PiB"), 1ULL << 50);
    CHECK_U64(t, size_ok(t, "2 PB"), 2000000000000000ULL);
    CHECK_HAS(t, size_err("8192 PiB"), "8 EiB");
}

static void test_numbers(test_ctx *t)
{
    double d;
    uint64_t u;
    CHECK(t, fp_number_parse("6.7e9", &d) == 0 && d == 6.7e9);
    CHECK(t, fp_number_parse("nan", &d) != 0);
    CHECK(t, fp_number_parse("inf", &d) != 0);
    CHECK(t, fp_number_parse("1e999", &d) != 0);
    CHECK(t, fp_number_parse("12abc", &d) != 0);
    CHECK(t, fp_uint_parse("18446744073709551615", &u) == 0 && u == UINT64_MAX);
    CHECK(t, fp_uint_parse("18446744073709551616", &u) != 0);
    CHECK(t, fp_uint_parse("-1", &u) != 0);
    CHECK(t, fp_uint_parse("1.5", &u) != 0);
}

static void test_suggestions(test_ctx *t)
{
    const char *names[] = {"llama-2-7b", "llama-3.1-8b", "mistral-7b", "gpt2"};
    CHECK_STR(t, fp_closest("lama-2-7b", names, 4), "llama-2-7b");
    CHECK_STR(t, fp_closest("Mistral-7B", names, 4), "mistral-7b");
    CHECK(t, fp_closest("zzzzzzzzzzzz", names, 4) == NULL);
    CHECK_U64(t, fp_edit_distance("kitten", "sitting"), 3);
}

const test_case units_tests[] = {
    {"units/decimal_and_binary", test_decimal_and_binary},
    {"units/rejected", test_rejected},
    {"units/overflow", test_overflow},
    {"units/numbers", test_numbers},
    {"units/suggestions", test_suggestions},
    {NULL, NULL},
};
