#define _GNU_SOURCE
#include <string.h>
#include "fastsearch.h"
#if defined(__x86_64__)
#include <immintrin.h>
#endif

const void *ns_memmem(const void *haystack, size_t haystack_len, const void *needle, size_t needle_len) {
    return memmem(haystack, haystack_len, needle, needle_len);
}

/* Verifies candidate positions of one block; `mask[j]` has bit b set when needle j's first and
   last bytes match at block + b. Merges into one ascending run of offsets. */
static inline size_t verify(const uint8_t *hay, size_t block, uint32_t any,
                            const uint32_t *mask, const uint8_t *const *nd, const size_t *len, size_t count,
                            size_t *out, size_t k) {
    while (any) {
        unsigned b = (unsigned)__builtin_ctz(any);
        any &= any - 1;
        for (size_t j = 0; j < count; j++) {
            if ((mask[j] >> b) & 1u) {
                if (len[j] <= 3 || memcmp(hay + block + b + 2, nd[j] + 2, len[j] - 3) == 0) { out[k++] = block + b; break; }
            }
        }
    }
    return k;
}

static size_t scalar_hits(const uint8_t *hay, size_t n, size_t i, const uint8_t *const *nd, const size_t *len, size_t count,
                          size_t *out, size_t k, size_t cap, size_t *next) {
    for (; i < n; i++) {
        if (k == cap) { *next = i; return k; }
        for (size_t j = 0; j < count; j++) {
            if (n - i >= len[j] && hay[i] == nd[j][0] && memcmp(hay + i, nd[j], len[j]) == 0) { out[k++] = i; break; }
        }
    }
    *next = n;
    return k;
}

#if defined(__x86_64__)
/* Teddy (after Hyperscan's literal matcher): needles go into 8 buckets; for each of their first
   three bytes, two 16-entry tables say which buckets have that low / high nibble there. One
   pshufb per nibble per byte position marks, for 32 positions at once, the buckets whose first
   three bytes may match; candidates are verified with memcmp. The cost no longer grows with the
   number of needles. */
__attribute__((target("avx2")))
static size_t teddy_avx2(const uint8_t *hay, size_t n, size_t i, const uint8_t *const *nd, const size_t *len, size_t count,
                         size_t *out, size_t cap, size_t *next) {
    uint8_t lo[3][16], hi[3][16];
    memset(lo, 0, sizeof lo); memset(hi, 0, sizeof hi);
    for (size_t j = 0; j < count; j++) {
        uint8_t b = (uint8_t)(1u << (j & 7));
        for (int k = 0; k < 3; k++) { uint8_t c = nd[j][k]; lo[k][c & 15] |= b; hi[k][c >> 4] |= b; }
    }
    __m256i LO[3], HI[3];
    for (int k = 0; k < 3; k++) {
        LO[k] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)lo[k]));
        HI[k] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)hi[k]));
    }
    const __m256i nib = _mm256_set1_epi8(0x0f);
    size_t k = 0;
    uint8_t buckets[32];
    for (; i + 32 + 2 <= n; i += 32) {
        if (cap - k < 32) { *next = i; return k; }
        __m256i acc = _mm256_set1_epi8(-1);
        for (int kk = 0; kk < 3; kk++) {
            __m256i v = _mm256_loadu_si256((const __m256i *)(hay + i + kk));
            __m256i l = _mm256_shuffle_epi8(LO[kk], _mm256_and_si256(v, nib));
            __m256i h = _mm256_shuffle_epi8(HI[kk], _mm256_and_si256(_mm256_srli_epi16(v, 4), nib));
            acc = _mm256_and_si256(acc, _mm256_and_si256(l, h));
        }
        uint32_t any = ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(acc, _mm256_setzero_si256()));
        if (!any) continue;
        _mm256_storeu_si256((__m256i *)buckets, acc);
        while (any) {
            unsigned b = (unsigned)__builtin_ctz(any);
            any &= any - 1;
            uint8_t bk = buckets[b];
            size_t at = i + b;
            for (size_t j = 0; j < count; j++) {
                if (((bk >> (j & 7)) & 1u) && n - at >= len[j] && memcmp(hay + at, nd[j], len[j]) == 0) { out[k++] = at; break; }
            }
        }
    }
    return scalar_hits(hay, n, i, nd, len, count, out, k, cap, next);
}

static size_t sse2_hits(const uint8_t *hay, size_t n, size_t i, const uint8_t *const *nd, const size_t *len, size_t count,
                        size_t maxlen, size_t *out, size_t cap, size_t *next) {
    __m128i first[32], second[32], last[32];
    for (size_t j = 0; j < count; j++) {
        first[j] = _mm_set1_epi8((char)nd[j][0]); second[j] = _mm_set1_epi8((char)nd[j][1]); last[j] = _mm_set1_epi8((char)nd[j][len[j] - 1]);
    }
    size_t k = 0;
    uint32_t mask[32];
    for (; i + 16 + maxlen <= n; i += 16) {
        if (cap - k < 16) { *next = i; return k; }
        __m128i a = _mm_loadu_si128((const __m128i *)(hay + i));
        __m128i a1 = _mm_loadu_si128((const __m128i *)(hay + i + 1));
        uint32_t any = 0;
        for (size_t j = 0; j < count; j++) {
            __m128i b = _mm_loadu_si128((const __m128i *)(hay + i + len[j] - 1));
            uint32_t m = (uint32_t)_mm_movemask_epi8(_mm_and_si128(_mm_and_si128(_mm_cmpeq_epi8(a, first[j]), _mm_cmpeq_epi8(a1, second[j])), _mm_cmpeq_epi8(b, last[j])));
            mask[j] = m;
            any |= m;
        }
        if (any) k = verify(hay, i, any, mask, nd, len, count, out, k);
    }
    return scalar_hits(hay, n, i, nd, len, count, out, k, cap, next);
}
#endif

size_t ns_multi_hits(const uint8_t *hay, size_t n, size_t from,
                     const uint8_t *const *needles, const size_t *lengths, size_t count,
                     size_t *out, size_t cap, size_t *next) {
    if (count == 0 || count > 32 || cap == 0) { *next = n; return 0; }
    size_t maxlen = 0;
    for (size_t j = 0; j < count; j++) { if (lengths[j] < 2) { return scalar_hits(hay, n, from, needles, lengths, count, out, 0, cap, next); } if (lengths[j] > maxlen) maxlen = lengths[j]; }
#if defined(__x86_64__)
    static int have_avx2 = -1;
    if (have_avx2 < 0) { __builtin_cpu_init(); have_avx2 = __builtin_cpu_supports("avx2") ? 1 : 0; }
    size_t minlen = (size_t)-1;
    for (size_t j = 0; j < count; j++) if (lengths[j] < minlen) minlen = lengths[j];
    if (have_avx2 && minlen >= 3) return teddy_avx2(hay, n, from, needles, lengths, count, out, cap, next);
    return sse2_hits(hay, n, from, needles, lengths, count, maxlen, out, cap, next);
#else
    return scalar_hits(hay, n, from, needles, lengths, count, out, 0, cap, next);
#endif
}

#if defined(__x86_64__)
__attribute__((target("avx2,popcnt")))
static size_t count_avx2(const uint8_t *buf, size_t n, uint8_t byte) {
    size_t c = 0, i = 0;
    const __m256i b = _mm256_set1_epi8((char)byte);
    for (; i + 32 <= n; i += 32) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(buf + i));
        c += (size_t)__builtin_popcount((unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, b)));
    }
    for (; i < n; i++) c += buf[i] == byte;
    return c;
}
#endif

size_t ns_count_byte(const uint8_t *buf, size_t n, uint8_t byte) {
#if defined(__x86_64__)
    static int have_avx2 = -1;
    if (have_avx2 < 0) { __builtin_cpu_init(); have_avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt") ? 1 : 0; }
    if (have_avx2) return count_avx2(buf, n, byte);
#endif
    size_t c = 0;
    const uint8_t *p = buf, *end = buf + n;
    while (p < end && (p = memchr(p, byte, (size_t)(end - p))) != NULL) { c++; p++; }
    return c;
}
