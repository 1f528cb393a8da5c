/*
 * Stand-ins for the core's fork hooks, which csrc/platform/posix_reactor.c
 * calls by name: without them the platform layer cannot be linked on its
 * own (a layering break, issue 11; tests/test_layering.py rule (a)).  They
 * are weak, so a program that links the real aio.c or msg.c gets those.
 * Delete this file once each layer registers its own fork handler.
 */
#include <stdlib.h>

void nki_core_atfork_child(void) __attribute__((weak));
void nki_msg_atfork_child(void) __attribute__((weak));
void nki_aio_atfork_child(void) __attribute__((weak));

/* The unit tests never fork: reaching one of these is a bug in the test. */
void nki_core_atfork_child(void)
{
    abort();
}

void nki_msg_atfork_child(void)
{
    abort();
}

void nki_aio_atfork_child(void)
{
    abort();
}
