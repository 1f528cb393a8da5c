"use strict";
// SP over WebSocket by hand, with no library: each SP message is one binary
// WebSocket message, and the subprotocol names the protocol of the socket at
// the other end (a SUB dials "pub.sp.nanomsg.org", a REQ "rep.sp.nanomsg.org").
// The page learns the two ws:// URLs from config.json (serve.py writes it).

const RETRY_MS = 1000;
const decoder = new TextDecoder();
const encoder = new TextEncoder();

function setStatus(id, state, text) {
  const el = document.getElementById(id);
  el.dataset.state = state; // "open" once the upgrade is done
  el.textContent = text;
}

function addItem(listId, text, id) {
  const li = document.createElement("li");
  li.textContent = text;
  if (id !== undefined) {
    li.dataset.id = id.toString(16);
  }
  document.getElementById(listId).append(li);
}

// One WebSocket to an SP listener, opened again a second after it closes;
// on.message(bytes), on.open() and on.closed() are called as things happen.
function spConnection(url, peerProtocol, statusId, on) {
  const conn = { ws: null };
  function open() {
    const ws = new WebSocket(url, peerProtocol);
    ws.binaryType = "arraybuffer"; // SP messages are bytes
    ws.onopen = () => {
      setStatus(statusId, "open", "connected to " + url + " as " + ws.protocol);
      on.open();
    };
    ws.onmessage = (ev) => on.message(new Uint8Array(ev.data));
    ws.onclose = (ev) => {
      setStatus(statusId, "closed", "closed (code " + ev.code + "), trying again");
      on.closed();
      setTimeout(open, RETRY_MS);
    };
    conn.ws = ws;
  }
  open();
  return conn;
}

// SUB: a Pub0 sends the message body alone (a SUB filters by topic itself;
// this one keeps everything).
function subscribe(url) {
  spConnection(url, "pub.sp.nanomsg.org", "sub-status", {
    message: (msg) => addItem("news", decoder.decode(msg)),
    open: () => {},
    closed: () => {},
  });
}

// REQ: a request is a 4-byte request id, big-endian with the high bit set
// (it ends the backtrace), then the body; the reply starts with the same id.
function requester(url) {
  let nextId = (crypto.getRandomValues(new Uint32Array(1))[0] | 0x80000000) >>> 0;
  const pending = new Map(); // request id -> question
  const button = document.getElementById("ask");

  function onReply(msg) {
    if (msg.length < 4) {
      return; // no request id: not a reply
    }
    const id = new DataView(msg.buffer, msg.byteOffset).getUint32(0);
    const question = pending.get(id);
    if (question !== undefined) { // else a reply to a request already given up
      pending.delete(id);
      addItem("replies", question + " -> " + decoder.decode(msg.subarray(4)), id);
    }
  }

  function onClosed() {
    button.disabled = true;
    for (const [id, question] of pending) { // a REQ would resend; this page gives up
      addItem("replies", question + " -> (lost: connection closed)", id);
    }
    pending.clear();
  }

  const conn = spConnection(url, "rep.sp.nanomsg.org", "req-status", {
    message: onReply,
    open: () => { button.disabled = false; },
    closed: onClosed,
  });

  return function ask(question) {
    const id = nextId;
    nextId = ((nextId + 1) | 0x80000000) >>> 0; // stays in the high half
    const body = encoder.encode(question);
    const msg = new Uint8Array(4 + body.length);
    new DataView(msg.buffer).setUint32(0, id); // DataView writes big-endian
    msg.set(body, 4);
    pending.set(id, question);
    conn.ws.send(msg);
  };
}

async function main() {
  const config = await (await fetch("config.json")).json();
  subscribe(config.pub);
  const ask = requester(config.rep);
  document.getElementById("ask-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    ask(document.getElementById("question").value);
  });
}

main();
