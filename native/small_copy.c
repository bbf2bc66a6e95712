/*
 * memcpy for the static x86_64 musl build: every call of the binary (Rust's, the standard
 * library's, musl's own) reaches this through the linker's `--wrap=memcpy` (build.rs).
 *
 * Why: musl's x86_64 memcpy copies every block with `rep movsq`, which takes tens of cycles to
 * start, and the bytes around it one `movsb` at a time. That is right for big blocks and slow
 * for the small ones a report is made of: at 20,000 metrics the whole CI step makes ~2.5
 * million copies, nearly all under 64 bytes (JSON keys and values, pieces of reason text), and
 * musl's memcpy was a quarter of the step's time (0.22 s against 0.15 s for the same code on
 * glibc). Here a copy of up to 16 bytes is two possibly overlapping loads and stores of 2, 4
 * or 8 bytes; up to COPY_LOOP_MAX bytes, 16-byte blocks; bigger copies go to musl's memcpy.
 *
 * memmove too (`--wrap=memmove`): musl's x86_64 memmove sends every forward move, overlapping
 * or not, to the same `rep movsq` copy, and Rust's `ptr::copy` is memmove: at 20,000 metrics
 * the JSON report's number formatting alone made a million moves of a few bytes, 4 % of the
 * step's CPU. A move of up to 16 bytes loads everything before it stores (so overlap is
 * harmless); a longer one whose ends do not overlap is a copy; the rest go to musl's memmove.
 *
 * __builtin_memcpy with a constant size compiles to one load or store, never a call; build.rs
 * compiles this file freestanding, so that the compiler does not turn the loop back into a
 * call of memcpy.
 */
#include <stddef.h>
#include <stdint.h>

void *__real_memcpy(void *restrict dst, const void *restrict src, size_t n);
void *__real_memmove(void *dst, const void *src, size_t n);

/* Beyond this, `rep movsq` is as fast as the loop below and faster for large blocks. */
#define COPY_LOOP_MAX 512

static inline uint64_t load8(const unsigned char *p) { uint64_t v; __builtin_memcpy(&v, p, 8); return v; }
static inline uint32_t load4(const unsigned char *p) { uint32_t v; __builtin_memcpy(&v, p, 4); return v; }
static inline uint16_t load2(const unsigned char *p) { uint16_t v; __builtin_memcpy(&v, p, 2); return v; }
static inline void store8(unsigned char *p, uint64_t v) { __builtin_memcpy(p, &v, 8); }
static inline void store4(unsigned char *p, uint32_t v) { __builtin_memcpy(p, &v, 4); }
static inline void store2(unsigned char *p, uint16_t v) { __builtin_memcpy(p, &v, 2); }

/* Up to 16 bytes: every byte is loaded before any is stored, so `dst` and `src` may overlap. */
static inline void copy_upto16(unsigned char *d, const unsigned char *s, size_t n)
{
	/* The first and the last 8 (4, 2) bytes: together they cover n, overlapping. */
	if (n >= 8) {
		uint64_t head = load8(s), tail = load8(s + n - 8);
		store8(d, head);
		store8(d + n - 8, tail);
	} else if (n >= 4) {
		uint32_t head = load4(s), tail = load4(s + n - 4);
		store4(d, head);
		store4(d + n - 4, tail);
	} else if (n >= 2) {
		uint16_t head = load2(s), tail = load2(s + n - 2);
		store2(d, head);
		store2(d + n - 2, tail);
	} else if (n == 1) {
		d[0] = s[0];
	}
}

void *__wrap_memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	if (n <= 16) {
		copy_upto16(d, s, n);
		return dst;
	}
	if (n <= COPY_LOOP_MAX) {
		/* Whole 16-byte blocks, then the last 16 bytes (overlapping the last block). */
		uint64_t tail_a = load8(s + n - 16), tail_b = load8(s + n - 8);
		for (size_t i = 0; i + 16 <= n; i += 16) {
			uint64_t a = load8(s + i), b = load8(s + i + 8);
			store8(d + i, a);
			store8(d + i + 8, b);
		}
		store8(d + n - 16, tail_a);
		store8(d + n - 8, tail_b);
		return dst;
	}
	return __real_memcpy(dst, src, n);
}

void *__wrap_memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	if (n <= 16) {
		copy_upto16(d, s, n);
		return dst;
	}
	/* Apart by at least n either way (unsigned differences): no byte is both read and written. */
	if ((uintptr_t)d - (uintptr_t)s >= n && (uintptr_t)s - (uintptr_t)d >= n)
		return __wrap_memcpy(dst, src, n);
	return __real_memmove(dst, src, n);
}
