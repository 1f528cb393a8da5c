#define _GNU_SOURCE /* struct ucred */
/*
 * Pipe options read from a connected stream fd: what the kernel says, not
 * what was asked for, so "tcp-nodelay" on a pipe shows the real setting.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

#include "tran.h"

int nki_fd_getopt_int(int fd, const char *name, int64_t *v)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    int on = 0;
    socklen_t ol = sizeof(on);
    if (getsockname(fd, (struct sockaddr *) &ss, &sl) != 0) {
        return NK_ECLOSED;
    }
    if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6) {
        if (strcmp(name, "tcp-nodelay") == 0) {
            if (getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &ol) != 0) {
                return NK_ECLOSED;
            }
        } else if (strcmp(name, "tcp-keepalive") == 0) {
            if (getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, &ol) != 0) {
                return NK_ECLOSED;
            }
        } else {
            return NK_ENOTSUP;
        }
        *v = on != 0;
        return 0;
    }
    if (ss.ss_family == AF_UNIX && strncmp(name, "ipc:peer-", 9) == 0) {
        struct ucred uc;
        socklen_t ul = sizeof(uc);
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &ul) != 0) {
            return NK_ECLOSED;
        }
        if (strcmp(name + 9, "pid") == 0) {
            *v = uc.pid;
        } else if (strcmp(name + 9, "uid") == 0) {
            *v = uc.uid;
        } else if (strcmp(name + 9, "gid") == 0) {
            *v = uc.gid;
        } else {
            return NK_ENOTSUP;
        }
        return 0;
    }
    return NK_ENOTSUP;
}
