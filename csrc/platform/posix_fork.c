/*
 * fork(): only the forking thread lives on in the child.  The platform holds
 * the one lock across fork() so that the child's copy of the core is not
 * caught mid-update.  In the child it gives itself a fresh lock, forgets the
 * parent's reactor (the first use of the library there starts its own), and
 * then runs the hooks the layers above registered, in the order they
 * registered, so that each forgets its own objects.
 */
#include <pthread.h>
#include <stdlib.h>

#include "platform.h"
#include "posix.h"

#define CHILD_HOOKS_MAX 4

static void (*child_hooks[CHILD_HOOKS_MAX])(void);
static int nchild_hooks;

void nki_platform_atfork_register(void (*child)(void))
{
    if (nchild_hooks == CHILD_HOOKS_MAX) {
        abort(); /* a build mistake: a layer's objects would outlive fork() */
    }
    child_hooks[nchild_hooks++] = child;
}

static void atfork_child(void)
{
    int i;
    nki_plat_lock_reset();
    nki_plat_reactor_reset();
    for (i = 0; i < nchild_hooks; i++) {
        child_hooks[i]();
    }
}

void nki_plat_atfork_install(void)
{
    static int installed; /* stays set in a child: the handlers are inherited */
    if (!installed) {
        pthread_atfork(nki_lock, nki_unlock, atfork_child);
        installed = 1;
    }
}
