"""``nngtrace dissector``: a Lua dissector for SP over TCP, for Wireshark and tshark.

    nngtrace dissector > sp.lua
    tshark -X lua_script:sp.lua -r capture.pcap -Y sp

It finds SP connections by their 8-byte header (a heuristic on TCP, so no
port is needed; ``decode as SP`` works too), reassembles frames across
segments (dissect_tcp_pdus), and shows the header's protocol, each frame's
length, and per the sending side's protocol the request or survey id, the
backtrace hops, or the PAIR1 hop count.  Display filter: ``sp``; fields:
sp.proto, sp.len, sp.id, sp.hop, sp.hops, sp.body, sp.kind.
"""
from __future__ import annotations

from . import protocols


def _proto_table() -> str:
    rows = ", ".join('[%d] = "%s"' % (num, info[1]) for num, info in sorted(protocols.PROTOCOLS.items()))
    kinds = ", ".join('[%d] = "%s"' % (num, kind) for num, kind in sorted(protocols.HEADER.items()))
    return "local PROTO_NAMES = { %s }\nlocal HEADER_KIND = { %s }\n" % (rows, kinds)


LUA_BODY = r'''
local sp = Proto("sp", "Scalability Protocols (nanomsg/NNG)")
local f = sp.fields
f.proto = ProtoField.uint16("sp.proto", "Protocol", base.HEX, PROTO_NAMES)
f.header = ProtoField.bytes("sp.header", "Connection header")
f.len = ProtoField.uint64("sp.len", "Length", base.DEC)
f.kind = ProtoField.string("sp.kind", "Header kind")
f.id = ProtoField.uint32("sp.id", "Request/survey id", base.HEX)
f.hops = ProtoField.uint32("sp.hops", "Backtrace hop", base.HEX)
f.hop = ProtoField.uint32("sp.hop", "PAIR1 hop count", base.DEC)
f.body = ProtoField.bytes("sp.body", "Body")
local e_bad = ProtoExpert.new("sp.bad", "Malformed SP", expert.group.MALFORMED, expert.severity.ERROR)
sp.experts = { e_bad }

-- the protocol each side announced, keyed by "src:port>dst:port"
local sender_proto = {}
local function key(pinfo) return tostring(pinfo.src) .. ":" .. pinfo.src_port .. ">" ..
    tostring(pinfo.dst) .. ":" .. pinfo.dst_port end

local function is_header(tvb, off)
    return tvb:len() - off >= 8 and tvb(off, 4):uint() == 0x00535000 and tvb(off + 6, 2):uint() == 0
end

local function pdu_len(tvb, pinfo, off)
    if is_header(tvb, off) then return 8 end
    local n = tvb(off, 8):uint64():tonumber()
    return 8 + n
end

local function backtrace(tvb, tree, off, stop, info)
    local hops = 0
    while off + 4 <= stop and hops < 16 do
        local w = tvb(off, 4):uint()
        if w >= 0x80000000 then
            tree:add(f.id, tvb(off, 4))
            return off + 4, string.format(" id=0x%08x", w) .. (hops > 0 and (" hops=" .. hops) or "")
        end
        tree:add(f.hops, tvb(off, 4))
        hops = hops + 1
        off = off + 4
    end
    tree:add_proto_expert_info(e_bad, "backtrace without an end word")
    return off, " (bad backtrace)"
end

local function message(tvb, pinfo, tree)
    local n = tvb(0, 8):uint64():tonumber()
    tree:add(f.len, tvb(0, 8))
    local proto = sender_proto[key(pinfo)]
    local kind = proto and HEADER_KIND[proto] or "none"
    tree:add(f.kind, kind)
    local off, extra = 8, ""
    if kind == "pair1" then
        if n >= 4 then tree:add(f.hop, tvb(8, 4)); extra = " hop=" .. tvb(8, 4):uint(); off = 12
        else tree:add_proto_expert_info(e_bad, "PAIR1 message shorter than its hop count") end
    elseif kind ~= "none" then
        off, extra = backtrace(tvb, tree, 8, 8 + n, "")
    end
    if 8 + n > off then tree:add(f.body, tvb(off, 8 + n - off)) end
    local name = proto and PROTO_NAMES[proto] or "?"
    return string.format("%s %s len=%d%s", name, kind, n, extra)
end

local function dissect_pdu(tvb, pinfo, root)
    pinfo.cols.protocol = "SP"
    local tree = root:add(sp, tvb())
    local text
    if is_header(tvb, 0) then
        local proto = tvb(4, 2):uint()
        sender_proto[key(pinfo)] = proto
        tree:add(f.header, tvb(0, 8))
        tree:add(f.proto, tvb(4, 2))
        text = "header " .. (PROTO_NAMES[proto] or string.format("0x%04x", proto))
    else
        text = message(tvb, pinfo, tree)
    end
    tree:append_text(": " .. text)
    local prev = tostring(pinfo.cols.info)
    if prev:sub(1, 3) == "SP " then pinfo.cols.info:append("; " .. text)
    else pinfo.cols.info = "SP " .. text end
    return tvb:len()
end

function sp.dissector(tvb, pinfo, tree)
    dissect_tcp_pdus(tvb, tree, 8, pdu_len, dissect_pdu)
    return tvb:len()
end

local function heuristic(tvb, pinfo, tree)
    if not is_header(tvb, 0) then return false end
    pinfo.conversation = sp
    sp.dissector(tvb, pinfo, tree)
    return true
end

sp:register_heuristic("tcp", heuristic)
'''

LUA = "-- SP (nanomsg/NNG) dissector, written by nngtrace\n" + _proto_table() + LUA_BODY
