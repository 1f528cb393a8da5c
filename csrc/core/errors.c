/* Error texts (same meanings as NNG's numbers) and errno translation. */
#include <errno.h>
#include <fcntl.h>

#include "errors.h"
#include "nngkit.h"

static const struct {
    int num;
    const char *text;
} errtab[] = {
    {NK_EINTR, "Interrupted"},
    {NK_ENOMEM, "Out of memory"},
    {NK_EINVAL, "Invalid argument"},
    {NK_EBUSY, "Resource busy"},
    {NK_ETIMEDOUT, "Timed out"},
    {NK_ECONNREFUSED, "Connection refused"},
    {NK_ECLOSED, "Object closed"},
    {NK_EAGAIN, "Try again"},
    {NK_ENOTSUP, "Not supported"},
    {NK_EADDRINUSE, "Address in use"},
    {NK_ESTATE, "Incorrect state"},
    {NK_ENOENT, "Entry not found"},
    {NK_EPROTO, "Protocol error"},
    {NK_EUNREACHABLE, "Destination unreachable"},
    {NK_EADDRINVAL, "Address invalid"},
    {NK_EPERM, "Permission denied"},
    {NK_EMSGSIZE, "Message too large"},
    {NK_ECONNABORTED, "Connection aborted"},
    {NK_ECONNRESET, "Connection reset"},
    {NK_ECANCELED, "Operation canceled"},
    {NK_ENOFILES, "Out of files"},
    {NK_ENOSPC, "Out of space"},
    {NK_EEXIST, "Resource already exists"},
    {NK_EREADONLY, "Read only resource"},
    {NK_EWRITEONLY, "Write only resource"},
    {NK_ECRYPTO, "Cryptographic error"},
    {NK_EPEERAUTH, "Peer could not be authenticated"},
    {NK_ENOARG, "Option requires argument"},
    {NK_EAMBIGUOUS, "Ambiguous option"},
    {NK_EBADTYPE, "Incorrect type"},
    {NK_ECONNSHUT, "Connection shutdown"},
    {NK_EINTERNAL, "Internal error detected"},
};

const char *nk_strerror(int err)
{
    size_t i;
    for (i = 0; i < sizeof(errtab) / sizeof(errtab[0]); i++) {
        if (errtab[i].num == err) {
            return errtab[i].text;
        }
    }
    return "Unknown error";
}

int nki_errno_to_nk(int err)
{
    switch (err) {
    case ECONNREFUSED:
    case ENOENT: /* ipc path absent */
        return NK_ECONNREFUSED;
    case EADDRINUSE:
        return NK_EADDRINUSE;
    case EADDRNOTAVAIL:
    case EAFNOSUPPORT:
    case EINVAL:
        return NK_EADDRINVAL;
    case ENETUNREACH:
    case EHOSTUNREACH:
        return NK_EUNREACHABLE;
    case ETIMEDOUT:
        return NK_ETIMEDOUT;
    case ECONNRESET:
    case EPIPE:
        return NK_ECONNRESET;
    case ECONNABORTED:
        return NK_ECONNABORTED;
    case EACCES:
    case EPERM:
        return NK_EPERM;
    case EMFILE:
    case ENFILE:
        return NK_ENOFILES;
    case ENOMEM:
    case ENOBUFS:
        return NK_ENOMEM;
    default:
        return NK_EINTERNAL;
    }
}

int nki_set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL, 0);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
        return nki_errno_to_nk(errno);
    }
    return 0;
}
