/*
 * RESPONDENT0 (0x63): answers SURVEYOR0 surveys.  On the wire and in its
 * state machine it is REP0 with other protocol numbers; see responder.h.
 */
#include "responder.h"

static const nki_proto nki_respondent0_proto = {
    .self = NK_PROTO_RESPONDENT0, .peer = NK_PROTO_SURVEYOR0, .self_name = "respondent",
    .peer_name = "surveyor", NKI_RESPONDER_OPS(false),
};

static const nki_proto nki_respondent0_raw_proto = {
    .self = NK_PROTO_RESPONDENT0, .peer = NK_PROTO_SURVEYOR0, .self_name = "respondent",
    .peer_name = "surveyor", NKI_RESPONDER_OPS(true),
};

NKI_PROTO_REGISTER(nki_respondent0_proto)
NKI_PROTO_REGISTER(nki_respondent0_raw_proto)
