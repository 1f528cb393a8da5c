/* The pipe and statistics double of fake_pipe.h. */
#include <string.h>

#include "fake_pipe.h"

fake_stats fake;

void fake_pipe_init(nki_pipe *p, uint32_t id)
{
    memset(p, 0, sizeof(*p));
    p->id = id;
    nki_msgq_init(&p->sendq);
}

nk_msg *fake_pipe_take(nki_pipe *p)
{
    return nki_msgq_get(&p->sendq);
}

void fake_pipe_drain(nki_pipe *p)
{
    nki_msgq_flush(&p->sendq);
}

void nki_pipe_send(nki_pipe *p, nk_msg *m)
{
    if (p->closed) {
        nk_msg_free(m);
        return;
    }
    nki_msgq_put(&p->sendq, m);
}

/* Never corks: a fake pipe keeps no send in flight but the queue. */
void nki_pipe_send_soon(nki_pipe *p, nk_msg *m)
{
    nki_pipe_send(p, m);
}

void nki_pipe_send_later(nki_pipe *p, nk_msg *m)
{
    fake.later++;
    nki_pipe_send(p, m);
}

/* As if the connection took everything queued at once. */
void nki_pipe_flush(nki_pipe *p)
{
    fake.flushed += (int) p->sendq.len;
    nki_msgq_flush(&p->sendq);
}

void nki_pipe_pause(nki_pipe *p)
{
    p->paused = true;
}

void nki_pipe_resume(nki_pipe *p)
{
    if (p->paused && !p->closed) {
        p->paused = false;
        fake.resumes++;
    }
}

void nki_stat_drop_pipe(uint32_t pid, int why)
{
    fake.drops[why]++;
    fake.last_drop_pid = pid;
}

void nki_stat_unsend(nki_pipe *p, const nk_msg *m)
{
    (void) p;
    (void) m;
    fake.unsends++;
}
