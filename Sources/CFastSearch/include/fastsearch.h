#ifndef NODESLEUTH_FASTSEARCH_H
#define NODESLEUTH_FASTSEARCH_H
#include <stddef.h>
/// glibc's memmem (a GNU extension Swift's Glibc module does not export).
const void *ns_memmem(const void *haystack, size_t haystack_len, const void *needle, size_t needle_len);
#endif
