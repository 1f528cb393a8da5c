/*
 * REP0 (0x31): answers REQ0 requests.  The behaviour (backtrace handling,
 * fair queueing, raw routing) is shared with RESPONDENT0; see responder.h.
 */
#include "responder.h"

static const nki_proto nki_rep0_proto = {
    .self = NK_PROTO_REP0, .peer = NK_PROTO_REQ0, .self_name = "rep", .peer_name = "req",
    NKI_RESPONDER_OPS(false),
};

static const nki_proto nki_rep0_raw_proto = {
    .self = NK_PROTO_REP0, .peer = NK_PROTO_REQ0, .self_name = "rep", .peer_name = "req",
    NKI_RESPONDER_OPS(true),
};

NKI_PROTO_REGISTER(nki_rep0_proto)
NKI_PROTO_REGISTER(nki_rep0_raw_proto)
