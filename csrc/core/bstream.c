/* The byte stream's slow path: a failed system call as a result (bstream.h). */
#include "bstream.h"
#include "errors.h"

ssize_t nki_bs_errno(int err)
{
    switch (err) {
    case EAGAIN:
#if EWOULDBLOCK != EAGAIN
    case EWOULDBLOCK:
#endif
        return -NK_EAGAIN;
    case EINTR:
        return -NK_EINTR;
    default:
        return -nki_errno_to_nk(err);
    }
}
