/*
 * nkt.h - the harness of the C unit tests (tests/c): a table of cases, checks
 * that print where and what failed, and a main that runs one case or all.
 *
 *   ./unit_x          runs every case, stops at the first failure
 *   ./unit_x NAME     runs the case NAME
 *   ./unit_x --list   prints the case names
 *
 * A failed check prints "file:line: what" to stderr and ends the process at
 * once (_exit: a case that failed halfway may hold the lock or leak, and the
 * leak checker must not bury the real message).  tests/c/test_c_units.py
 * builds each program and runs each case in its own process.
 */
#ifndef NKT_H
#define NKT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    const char *name;
    void (*fn)(void);
} nkt_case;

#define NKT_CASE(fn) {#fn, fn}

#define NKT_FAIL(...)                                       \
    do {                                                    \
        fflush(stdout);                                     \
        fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);     \
        fprintf(stderr, __VA_ARGS__);                       \
        fputc('\n', stderr);                                \
        fflush(stderr);                                     \
        _exit(1);                                           \
    } while (0)

#define NKT_CHECK(cond)                                     \
    do {                                                    \
        if (!(cond)) {                                      \
            NKT_FAIL("check failed: %s", #cond);            \
        }                                                   \
    } while (0)

/* Signed integers (and error codes). */
#define NKT_EQ(a, b)                                                          \
    do {                                                                      \
        long long a_ = (long long) (a), b_ = (long long) (b);                 \
        if (a_ != b_) {                                                       \
            NKT_FAIL("%s == %s: %lld != %lld", #a, #b, a_, b_);              \
        }                                                                     \
    } while (0)

/* Unsigned integers, printed in hex too. */
#define NKT_EQ_U(a, b)                                                              \
    do {                                                                            \
        unsigned long long a_ = (unsigned long long) (a), b_ = (unsigned long long) (b); \
        if (a_ != b_) {                                                             \
            NKT_FAIL("%s == %s: %llu (0x%llx) != %llu (0x%llx)", #a, #b, a_, a_, b_, b_); \
        }                                                                           \
    } while (0)

#define NKT_EQ_PTR(a, b)                                                      \
    do {                                                                      \
        const void *a_ = (const void *) (a), *b_ = (const void *) (b);        \
        if (a_ != b_) {                                                       \
            NKT_FAIL("%s == %s: %p != %p", #a, #b, a_, b_);                  \
        }                                                                     \
    } while (0)

#define NKT_EQ_MEM(a, b, n)                                                   \
    do {                                                                      \
        const uint8_t *a_ = (const uint8_t *) (a), *b_ = (const uint8_t *) (b); \
        size_t n_ = (n), i_;                                                  \
        for (i_ = 0; i_ < n_; i_++) {                                         \
            if (a_[i_] != b_[i_]) {                                           \
                NKT_FAIL("%s == %s (%zu bytes): byte %zu is 0x%02x, not 0x%02x", \
                         #a, #b, n_, i_, a_[i_], b_[i_]);                     \
            }                                                                 \
        }                                                                     \
    } while (0)

static inline int nkt_main(int argc, char **argv, const nkt_case *cases)
{
    const nkt_case *c;
    int ran = 0;
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (c = cases; c->name; c++) {
            printf("%s\n", c->name);
        }
        return 0;
    }
    for (c = cases; c->name; c++) {
        if (argc > 1 && strcmp(argv[1], c->name) != 0) {
            continue;
        }
        c->fn();
        printf("ok %s\n", c->name);
        ran++;
    }
    if (ran == 0) {
        fprintf(stderr, "no case named %s\n", argc > 1 ? argv[1] : "(none)");
        return 2;
    }
    return 0;
}

#endif
