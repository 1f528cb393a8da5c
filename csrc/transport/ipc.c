#define _GNU_SOURCE /* struct ucred */
/*
 * ipc:// (and unix://, abstract://): AF_UNIX stream sockets.  Frames carry a
 * type byte of 1 before the length (NNG sends 1; the old RFC said 0).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "pipe.h"
#include "tran.h"

typedef struct {
    struct sockaddr_un sun;
    socklen_t sl;
    bool abstract;
    int perms; /* ipc:permissions; -1: leave the file alone */
    /* "abstract://" with no name: a listener lets the kernel choose one
     * (autobind) and reports it here, as NNG does; a dialer cannot connect
     * to it (the kernel's EINVAL, as NNG's). */
    char bound[NKI_URL_MAX];
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
    a->perms = -1;
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
        /* no name at all: the family alone asks the kernel to autobind */
        a->sl = (socklen_t) (o == 1 ? sizeof(sa_family_t) : offsetof(struct sockaddr_un, sun_path) + o);
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

/* ipc:permissions: the socket file's mode, set once it exists. */
static int ipc_apply_perms(const ipc_addr *a)
{
    if (chmod(a->sun.sun_path, (mode_t) a->perms) != 0) {
        return errno == ENOENT ? NK_ENOENT : nki_errno_to_nk(errno); /* file removed */
    }
    return 0;
}

/* After an autobind: "abstract://" and the name the kernel chose,
 * percent-encoded where it is not a plain URL character. */
static void abstract_note_bound(ipc_addr *a, int fd)
{
    static const char hex[] = "0123456789ABCDEF";
    socklen_t sl = sizeof(a->sun), i, o = 11;
    if (a->sl != sizeof(sa_family_t) || getsockname(fd, (struct sockaddr *) &a->sun, &sl) != 0) {
        return;
    }
    memcpy(a->bound, "abstract://", 11);
    for (i = offsetof(struct sockaddr_un, sun_path) + 1; i < sl && o + 4 < sizeof(a->bound); i++) {
        unsigned char c = (unsigned char) ((const char *) &a->sun)[i];
        if (c < 128 && (c == '-' || c == '.' || c == '_' || c == '~' || isalnum(c))) {
            a->bound[o++] = (char) c;
        } else {
            a->bound[o++] = '%';
            a->bound[o++] = hex[c >> 4];
            a->bound[o++] = hex[c & 15];
        }
    }
    a->bound[o] = '\0';
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
    abstract_note_bound(a, fd);
    rv = listen(fd, SOMAXCONN) != 0 ? nki_errno_to_nk(errno) : 0;
    if (rv == 0 && a->perms >= 0) {
        rv = ipc_apply_perms(a);
    }
    if (rv != 0) {
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
    int fd, rv;
    if (a->sl == sizeof(sa_family_t)) {
        return NK_EINVAL; /* "abstract://": no name to connect to (NNG: NNG_EINVAL) */
    }
    if ((fd = ipc_socket()) < 0) {
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

/* ---- options ---- */

static int ipc_set_perms(void *obj, const nki_option *o, const nki_optval *v)
{
    nki_ep *ep = obj;
    ipc_addr *a = ep->tdata;
    (void) o;
    a->perms = (int) v->i;
    /* Listeners start at once in nk_listen: apply now too. */
    return ep->fd >= 0 ? ipc_apply_perms(a) : 0;
}

/* ipc:peer-pid, -uid, -gid (arg 0, 1, 2): the peer process, per the kernel. */
static int ipc_pipe_peer(void *obj, const nki_option *o, nki_optval *v)
{
    struct ucred uc;
    socklen_t ul = sizeof(uc);
    if (getsockopt(nki_stream_pipe_fd(obj), SOL_SOCKET, SO_PEERCRED, &uc, &ul) != 0) {
        return NK_ECLOSED;
    }
    v->i = o->arg == 0 ? uc.pid : o->arg == 1 ? (int64_t) uc.uid : (int64_t) uc.gid;
    return 0;
}

/* An AF_UNIX connection's dialing end is unnamed, so, as NNG does, both
 * ends of an ipc pipe report the listener's address: the path for ipc://
 * and unix://, the whole URL for abstract://. */
static int ipc_pipe_addr(void *obj, const nki_option *o, nki_optval *v)
{
    nki_pipe *p = obj;
    const ipc_addr *a;
    const char *url;
    (void) o;
    if (p->ep == NULL) {
        return NK_ECLOSED;
    }
    url = p->ep->url;
    a = p->ep->tdata;
    return nki_optval_str(v, !a->abstract ? strstr(url, "://") + 3 : a->bound[0] ? a->bound : url);
}

/* An abstract listener's address is its URL, as on its pipes (the kernel's
 * name starts with a NUL, which the core's generic reading cannot show). */
static int abstract_ep_addr(void *obj, const nki_option *o, nki_optval *v)
{
    const nki_ep *ep = obj;
    const ipc_addr *a = ep->tdata;
    (void) o;
    return nki_optval_str(v, a->bound[0] ? a->bound : ep->url);
}

/* name, type, range, get/set on endpoints | where | socket's default | get on pipes */
#define IPC_PEER_OPTIONS                                                                        \
    {{"ipc:peer-pid", NKI_OPT_INT, 0, 0, NULL, NULL, 0}, 0, 0, ipc_pipe_peer},                 \
        {{"ipc:peer-uid", NKI_OPT_INT, 0, 0, NULL, NULL, 1}, 0, 0, ipc_pipe_peer},             \
        {{"ipc:peer-gid", NKI_OPT_INT, 0, 0, NULL, NULL, 2}, 0, 0, ipc_pipe_peer},             \
        {{"remote-address", NKI_OPT_STR, 0, 0, NULL, NULL, 0}, 0, 0, ipc_pipe_addr}

static const nki_tran_option ipc_options[] = {
    {{"ipc:permissions", NKI_OPT_INT, 0, 07777, NULL, ipc_set_perms, 0},
     NKI_TOPT_LISTENER, 0, NULL},
    {{"local-address", NKI_OPT_STR, 0, 0, NULL, NULL, 0}, 0, 0, ipc_pipe_addr},
    IPC_PEER_OPTIONS,
    NKI_TOPT_END,
};

/* Abstract sockets have no file, so no permissions. */
static const nki_tran_option abstract_options[] = {
    {{"local-address", NKI_OPT_STR, 0, 0, abstract_ep_addr, NULL, 0}, NKI_TOPT_LISTENER, 0, ipc_pipe_addr},
    IPC_PEER_OPTIONS,
    NKI_TOPT_END,
};

#define IPC_TRAN(name, options)                                                                 \
    {                                                                                           \
        .scheme = name, .type_byte = 1, .stream = true, .opts = options,                       \
        .ep_init = ipc_ep_init, .ep_fini = ipc_ep_fini, .ep_bind = ipc_ep_bind,                \
        .ep_unbind = ipc_ep_unbind, .ep_connect = ipc_ep_connect,                               \
    }

static const nki_tran nki_ipc_tran = IPC_TRAN("ipc", ipc_options);
static const nki_tran nki_unix_tran = IPC_TRAN("unix", ipc_options);
static const nki_tran nki_abstract_tran = IPC_TRAN("abstract", abstract_options);

NKI_TRAN_REGISTER(nki_ipc_tran)
NKI_TRAN_REGISTER(nki_unix_tran)
NKI_TRAN_REGISTER(nki_abstract_tran)
