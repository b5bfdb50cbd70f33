/*
 * Counting malloc: the check that no send, receive, semop, read or write
 * of libsysv touches the heap.
 *
 * An executable that defines malloc, calloc, realloc and free takes them
 * over for the whole process: the dynamic linker resolves libsysv.so's
 * (and libc's own) calls to the first definition in search order, which is
 * the executable's. Each one here counts the call while counting is armed
 * and forwards to glibc's implementation (__libc_malloc and friends, which
 * glibc exports for exactly this kind of wrapper). Nothing is allocated
 * here, so the count cannot disturb what it counts.
 *
 * A sanitizer build brings its own malloc: two definitions would fight, so
 * there (BENCH_NO_ALLOC_HOOK) nothing is replaced and the counts read "not
 * counted".
 */
#include <errno.h>
#include <stdlib.h>

#include "bench.h"

static unsigned long counted;
static int armed;

void alloc_arm(int on)
{
    __atomic_store_n(&armed, on, __ATOMIC_SEQ_CST);
}

void alloc_reset(void)
{
    __atomic_store_n(&counted, 0, __ATOMIC_SEQ_CST);
}

void alloc_add(unsigned long n)
{
    __atomic_add_fetch(&counted, n, __ATOMIC_SEQ_CST);
}

unsigned long alloc_count(void)
{
    return __atomic_load_n(&counted, __ATOMIC_SEQ_CST);
}

#ifdef BENCH_NO_ALLOC_HOOK

int alloc_counting(void)
{
    return 0;
}

#else

int alloc_counting(void)
{
    return 1;
}

/* glibc's own allocator, under the names it exports for wrappers. */
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void *__libc_memalign(size_t align, size_t size);
extern void __libc_free(void *p);

static void note(void)
{
    if (__atomic_load_n(&armed, __ATOMIC_RELAXED))
        __atomic_add_fetch(&counted, 1, __ATOMIC_RELAXED);
}

void *malloc(size_t size)
{
    note();
    return __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
    note();
    return __libc_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
    note();
    return __libc_realloc(p, size);
}

/* The aligned allocators too: glibc's versions would not go through the
   malloc above, so an allocation made with them would not be seen. */
int posix_memalign(void **out, size_t align, size_t size)
{
    if (align < sizeof(void *) || (align & (align - 1)) != 0)
        return EINVAL;
    note();
    void *p = __libc_memalign(align, size);
    if (p == NULL)
        return ENOMEM;
    *out = p;
    return 0;
}

void *aligned_alloc(size_t align, size_t size)
{
    note();
    return __libc_memalign(align, size);
}

/* Frees are not counted: an allocation is what costs, and every free
   matches one of the calls above. */
void free(void *p)
{
    __libc_free(p);
}

#endif
