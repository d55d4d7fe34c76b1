#ifndef NODESLEUTH_FASTSEARCH_H
#define NODESLEUTH_FASTSEARCH_H
#include <stddef.h>
#include <stdint.h>
/// glibc's memmem (a GNU extension Swift's Glibc module does not export).
const void *ns_memmem(const void *haystack, size_t haystack_len, const void *needle, size_t needle_len);

/// Start offsets, ascending, of every place where one of `count` needles (each at least 2
/// bytes, at most 32 needles) occurs in `hay[from..<n]`. Writes at most `cap` offsets to `out`
/// and returns how many; `*next` is where to resume (n when done). One pass over the bytes:
/// with AVX2 and needles of 3+ bytes, Teddy (nibble shuffles, all needles at once, 32 positions
/// a step); else 16 positions a step comparing each needle's first, second and last byte (SSE2);
/// candidates are verified with memcmp.
size_t ns_multi_hits(const uint8_t *hay, size_t n, size_t from,
                     const uint8_t *const *needles, const size_t *lengths, size_t count,
                     size_t *out, size_t cap, size_t *next);
/// How many times `byte` occurs in `buf[0..<n]` (AVX2 where the CPU has it).
size_t ns_count_byte(const uint8_t *buf, size_t n, uint8_t byte);
#endif
