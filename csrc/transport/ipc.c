/*
 * ipc:// (and unix://, abstract://): AF_UNIX stream sockets.  Frames carry a
 * type byte of 1 before the length (NNG sends 1; the old RFC said 0).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "tran.h"

typedef struct {
    struct sockaddr_un sun;
    socklen_t sl;
    bool abstract;
} ipc_addr;

static int hexval(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

static int ipc_ep_init(nki_ep *ep)
{
    const char *path = strstr(ep->url, "://") + 3;
    ipc_addr *a;
    size_t n;
    if ((a = calloc(1, sizeof(*a))) == NULL) {
        return NK_ENOMEM;
    }
    a->sun.sun_family = AF_UNIX;
    if (strncmp(ep->url, "abstract://", 11) == 0) {
        /* sun_path = NUL + URL-decoded name; the length counts no padding. */
        size_t o = 1;
        const char *p;
        a->abstract = true;
        for (p = path; *p; p++) {
            int c = (unsigned char) *p;
            if (c == '%' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
                c = hexval(p[1]) * 16 + hexval(p[2]);
                p += 2;
            }
            if (o >= sizeof(a->sun.sun_path)) {
                free(a);
                return NK_EADDRINVAL;
            }
            a->sun.sun_path[o++] = (char) c;
        }
        a->sl = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + o);
    } else {
        n = strlen(path);
        if (n == 0 || n >= sizeof(a->sun.sun_path)) {
            free(a);
            return NK_EADDRINVAL;
        }
        memcpy(a->sun.sun_path, path, n + 1);
        a->sl = sizeof(a->sun);
    }
    ep->tdata = a;
    return 0;
}

static void ipc_ep_fini(nki_ep *ep)
{
    free(ep->tdata);
    ep->tdata = NULL;
}

static int ipc_socket(void)
{
    return socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

/* A path left by a dead process answers "refused": remove it and retry. */
static bool ipc_path_stale(const ipc_addr *a)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), rv;
    if (fd < 0) {
        return false;
    }
    rv = connect(fd, (const struct sockaddr *) &a->sun, a->sl);
    close(fd);
    return rv != 0 && errno == ECONNREFUSED;
}

static int ipc_ep_bind(nki_ep *ep, int *fdp)
{
    ipc_addr *a = ep->tdata;
    int fd = ipc_socket(), rv;
    if (fd < 0) {
        return nki_errno_to_nk(errno);
    }
    if (bind(fd, (struct sockaddr *) &a->sun, a->sl) != 0) {
        if (errno == EADDRINUSE && !a->abstract && ipc_path_stale(a)) {
            unlink(a->sun.sun_path);
            if (bind(fd, (struct sockaddr *) &a->sun, a->sl) == 0) {
                goto bound;
            }
        }
        rv = errno == ENOENT ? NK_ENOENT : nki_errno_to_nk(errno); /* no such dir */
        close(fd);
        return rv;
    }
bound:
    if (listen(fd, SOMAXCONN) != 0) {
        rv = nki_errno_to_nk(errno);
        close(fd);
        if (!a->abstract) {
            unlink(a->sun.sun_path);
        }
        return rv;
    }
    *fdp = fd;
    return 0;
}

static void ipc_ep_unbind(nki_ep *ep)
{
    ipc_addr *a = ep->tdata;
    if (a && !a->abstract) {
        unlink(a->sun.sun_path);
    }
}

static int ipc_ep_connect(nki_ep *ep, int *fdp)
{
    ipc_addr *a = ep->tdata;
    int fd = ipc_socket(), rv;
    if (fd < 0) {
        return nki_errno_to_nk(errno);
    }
    if (connect(fd, (struct sockaddr *) &a->sun, a->sl) != 0 && errno != EINPROGRESS &&
        errno != EAGAIN) {
        rv = nki_errno_to_nk(errno);
        close(fd);
        return rv;
    }
    *fdp = fd;
    return 0;
}

/* ipc:permissions: the socket file's mode, set once it exists. */
int nki_ipc_apply_perms(nki_ep *ep)
{
    ipc_addr *a = ep->tdata;
    if (a == NULL || a->abstract || ep->fd < 0) {
        return 0;
    }
    if (chmod(a->sun.sun_path, (mode_t) ep->ipc_perms) != 0) {
        return errno == ENOENT ? NK_ENOENT : nki_errno_to_nk(errno); /* file removed */
    }
    return 0;
}

#define IPC_TRAN(name)                                                                          \
    {                                                                                           \
        .scheme = name, .type_byte = 1, .stream = true, .ep_init = ipc_ep_init,                \
        .ep_fini = ipc_ep_fini, .ep_bind = ipc_ep_bind, .ep_unbind = ipc_ep_unbind,            \
        .ep_connect = ipc_ep_connect,                                                           \
    }

const nki_tran nki_ipc_tran = IPC_TRAN("ipc");
const nki_tran nki_unix_tran = IPC_TRAN("unix");
const nki_tran nki_abstract_tran = IPC_TRAN("abstract");
