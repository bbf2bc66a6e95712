/*
 * memcmp for the static x86_64 musl build: every call of the binary reaches this through the
 * linker's `--wrap=memcmp` (build.rs), as memcpy reaches native/small_copy.c.
 *
 * Why: musl's memcmp compares one byte at a time. Rust compares strings with memcmp, and a
 * big run compares names over and over: sorting a result file's names, aligning them with the
 * stored catalogs, finding stored metrics missing now, counting the report's metrics. At
 * 20,000 metrics with 50 stored runs musl's memcmp was 62 million of the CI step's 1,270
 * million instructions, for names that share their first 10 to 20 bytes. Here 8 bytes are
 * compared at a time; the first word that differs decides, read as a big-endian number, since
 * its lowest-addressed differing byte then weighs most.
 *
 * Compiled freestanding, like small_copy.c, so that the loops stay loops.
 */
#include <stddef.h>
#include <stdint.h>

static inline uint64_t load8(const unsigned char *p) { uint64_t v; __builtin_memcpy(&v, p, 8); return v; }

int __wrap_memcmp(const void *left, const void *right, size_t n)
{
	const unsigned char *l = left, *r = right;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t a = load8(l + i), b = load8(r + i);
		if (a != b) {
			a = __builtin_bswap64(a);
			b = __builtin_bswap64(b);
			return a < b ? -1 : 1;
		}
	}
	for (; i < n; i++) {
		if (l[i] != r[i])
			return l[i] < r[i] ? -1 : 1;
	}
	return 0;
}
