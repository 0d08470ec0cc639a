// The page side of the WebSocket host: opens one socket to the server, attaches the JS client
// to it and sets window.DotNet. Include it with
//   <script type="module" src="/_interop/connect.js"></script>
// The framing is described in docs/websocket.md.
import { DotNet } from './client.js';
import { hostStreamFunctions } from './host-streams.js';

const SEND_BYTE_ARRAY = 1; // a byte array, or its last part
const RECEIVE_BYTE_ARRAY = 2;
const SEND_BYTE_ARRAY_PART = 3; // a part of a byte array, more parts follow
const HEADER_LENGTH = 13;
// The server's largest message, filled in when it serves this file: no frame may pass it (plus
// a small envelope), so larger byte arrays go in parts and larger JSON fails here, clearly.
const MAX_MESSAGE_SIZE = /*max_message_size*/1048576;
const CLOSED_TEXT = 'The connection to the server was closed.';

const socketUrl = new URL('ws', import.meta.url);
socketUrl.protocol = socketUrl.protocol === 'https:' ? 'wss:' : 'ws:';

const socket = new WebSocket(socketUrl);
socket.binaryType = 'arraybuffer';

const waiting = []; // frames sent before the socket opened
const pendingCalls = new Set(); // call ids sent and not completed
let closed = false;

function send(frame) {
  if (socket.readyState === WebSocket.OPEN) {
    socket.send(frame);
  } else {
    waiting.push(frame);
  }
}

function binaryFrame(kind, id, part, bytes) {
  const frame = new Uint8Array(HEADER_LENGTH + bytes.byteLength);
  const view = new DataView(frame.buffer);
  view.setUint8(0, kind);
  view.setBigUint64(1, BigInt(id), true);
  view.setUint32(9, part, true);
  frame.set(bytes, HEADER_LENGTH);
  return frame;
}

// A byte array in frames of at most MAX_MESSAGE_SIZE bytes, parts numbered from 0.
function sendBytes(index, bytes) {
  let part = 0;
  for (let offset = MAX_MESSAGE_SIZE; offset < bytes.byteLength; offset += MAX_MESSAGE_SIZE) {
    send(binaryFrame(SEND_BYTE_ARRAY_PART, index, part++, bytes.subarray(offset - MAX_MESSAGE_SIZE, offset)));
  }
  const last = Math.floor(Math.max(bytes.byteLength - 1, 0) / MAX_MESSAGE_SIZE) * MAX_MESSAGE_SIZE;
  send(binaryFrame(SEND_BYTE_ARRAY, index, part, bytes.subarray(last)));
}

// The reference's text when a JSON message is over the server's limit, else null.
const encoder = new TextEncoder();
function tooLarge(json) {
  if (json.length * 3 <= MAX_MESSAGE_SIZE) return null;
  const size = encoder.encode(json).length;
  return size > MAX_MESSAGE_SIZE
    ? `The message of ${size} bytes exceeds the maximum message size of ${MAX_MESSAGE_SIZE} bytes.`
    : null;
}

// JSON written in place in the frame (no escaping: the frame stays the size of its message).
function jsonFrame(fields, json) {
  const head = JSON.stringify(fields);
  const written = typeof json === 'string' && json.startsWith('[') ? json : JSON.stringify(json);
  return `${head.slice(0, -1)},${written}]`;
}

let dispatcher;

function failCall(callId, text) {
  pendingCalls.delete(callId);
  try {
    dispatcher.endInvokeDotNetFromJS(callId, false, text);
  } catch (error) {
    console.error(error);
  }
}

const host = {
  beginInvokeDotNetFromJS(callId, assemblyName, methodIdentifier, dotNetObjectId, argsJson) {
    if (closed) {
      // Completing inside this callback is legal; do it after it returns, as a server would.
      queueMicrotask(() => failCall(callId, CLOSED_TEXT));
      return;
    }
    const refusal = typeof argsJson === 'string' ? tooLarge(argsJson) : null;
    if (refusal !== null) {
      queueMicrotask(() => failCall(callId, refusal));
      return;
    }
    pendingCalls.add(callId);
    send(jsonFrame(['BeginInvokeDotNetFromJS', callId, assemblyName, methodIdentifier, dotNetObjectId], argsJson));
  },
  invokeDotNetFromJS(assemblyName, methodIdentifier) {
    throw new Error(`The call to '${methodIdentifier}' is synchronous, which a network connection cannot serve. Use invokeMethodAsync instead.`);
  },
  endInvokeJSFromDotNet(asyncHandle, succeeded, tripleJson) {
    if (closed) return;
    const refusal = typeof tripleJson === 'string' ? tooLarge(tripleJson) : null;
    const triple = refusal === null ? tripleJson : JSON.stringify([asyncHandle, false, refusal]);
    send(jsonFrame(['EndInvokeJSFromDotNet', asyncHandle, refusal === null && succeeded], triple));
  },
  sendByteArray(index, bytes) {
    if (!closed) sendBytes(index, bytes);
  },
  // The page aborted a call (invokeMethodWithSignalAsync): Rust answers it as cancelled, or
  // its completion was already on its way; either way one completion still comes.
  cancelInvokeDotNetFromJS(callId) {
    if (!closed) send(JSON.stringify(['CancelInvokeDotNetFromJS', callId]));
  },
};

dispatcher = DotNet.attachDispatcher(host);
window.DotNet = DotNet;

// Merged into a window.jsinvokable the page already has (functions of its own win); created
// and frozen otherwise, as in the QuickJS host. See docs/websocket.md.
try {
  const functions = hostStreamFunctions(DotNet, dispatcher);
  const existing = window.jsinvokable;
  if (existing === undefined || existing === null || (typeof existing !== 'object' && typeof existing !== 'function')) {
    window.jsinvokable = Object.freeze(functions);
  } else {
    const missing = Object.entries(functions).filter(([name]) => typeof existing[name] !== 'function');
    if (Object.isExtensible(existing)) {
      for (const [name, fn] of missing) existing[name] = fn;
    } else if (missing.length > 0) {
      window.jsinvokable = Object.freeze({ ...existing, ...Object.fromEntries(missing) });
    }
  }
} catch (error) {
  console.error('connect.js could not install window.jsinvokable: streams on this page will fail.', error);
}

function apply(message) {
  switch (message[0]) {
    case 'EndInvokeDotNet': {
      const [, callId, success, resultOrError] = message;
      pendingCalls.delete(callId);
      dispatcher.endInvokeDotNetFromJS(callId, success, resultOrError);
      break;
    }
    case 'BeginInvokeJS': {
      const [, handle, identifier, argsJson, resultType, targetInstanceId, callType] = message;
      dispatcher.beginInvokeJSFromDotNet(handle, identifier, argsJson, resultType, targetInstanceId, callType);
      break;
    }
    case 'Pong':
      break; // the answer to the heartbeat
    case 'Error':
      console.error(`The interop server refused a message: ${message[1]}`);
      break;
    default:
      console.error(`Unknown message from the interop server: ${message[0]}`);
  }
}

// A ping while the page is otherwise quiet, so that proxies and load balancers, which close
// idle connections (nginx after 60 s by default), keep the socket open.
const HEARTBEAT_MS = 30000;
let heartbeat = 0;

socket.addEventListener('open', () => {
  for (const frame of waiting.splice(0)) socket.send(frame);
  const timer = setInterval(() => {
    if (socket.readyState === WebSocket.OPEN) socket.send(`["Ping",${++heartbeat}]`);
  }, HEARTBEAT_MS);
  socket.addEventListener('close', () => clearInterval(timer));
});

socket.addEventListener('message', (event) => {
  try {
    if (typeof event.data === 'string') {
      apply(JSON.parse(event.data));
      return;
    }
    const frame = new Uint8Array(event.data);
    const view = new DataView(event.data);
    if (frame.length >= HEADER_LENGTH && view.getUint8(0) === RECEIVE_BYTE_ARRAY) {
      dispatcher.receiveByteArray(Number(view.getBigUint64(1, true)), frame.slice(HEADER_LENGTH));
    }
  } catch (error) {
    console.error(error);
  }
});

socket.addEventListener('close', () => {
  closed = true;
  waiting.length = 0;
  for (const callId of [...pendingCalls]) failCall(callId, CLOSED_TEXT);
});
