// The page side of the WebSocket host: opens one socket to the server, attaches the JS client
// to it and sets window.DotNet. Include it with
//   <script type="module" src="/_interop/connect.js"></script>
// The framing is described in docs/websocket.md.
import { DotNet } from './client.js';

const SEND_BYTE_ARRAY = 1;
const RECEIVE_BYTE_ARRAY = 2;
const HEADER_LENGTH = 13;
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

function binaryFrame(kind, id, bytes) {
  const frame = new Uint8Array(HEADER_LENGTH + bytes.byteLength);
  const view = new DataView(frame.buffer);
  view.setUint8(0, kind);
  view.setBigUint64(1, BigInt(id), true);
  view.setUint32(9, 0, true);
  frame.set(bytes, HEADER_LENGTH);
  return frame;
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
    pendingCalls.add(callId);
    send(JSON.stringify(['BeginInvokeDotNetFromJS', callId, assemblyName, methodIdentifier, dotNetObjectId, argsJson]));
  },
  invokeDotNetFromJS(assemblyName, methodIdentifier) {
    throw new Error(`The call to '${methodIdentifier}' is synchronous, which a network connection cannot serve. Use invokeMethodAsync instead.`);
  },
  endInvokeJSFromDotNet(asyncHandle, succeeded, tripleJson) {
    if (!closed) send(JSON.stringify(['EndInvokeJSFromDotNet', asyncHandle, succeeded, tripleJson]));
  },
  sendByteArray(index, bytes) {
    if (!closed) send(binaryFrame(SEND_BYTE_ARRAY, index, bytes));
  },
};

dispatcher = DotNet.attachDispatcher(host);
window.DotNet = DotNet;

// Reads `count` bytes at `offset` of data offered with DotNet.createJSStreamReference (a Blob,
// a File, or a typed array) as an array of Uint8Arrays of `chunkSize` bytes (the last may be
// shorter): the chunk function Rust's stream readers call (RuntimeOptions::stream_chunk_function).
// It uses nothing of the client, so it serves whichever client the page loads.
async function readStreamChunks(data, offset, count, chunkSize) {
  const whole =
    data instanceof Blob
      ? new Uint8Array(await data.slice(offset, offset + count).arrayBuffer())
      : new Uint8Array(data.buffer, data.byteOffset + offset, count);
  const chunks = [];
  for (let at = 0; at < count; at += chunkSize) chunks.push(whole.subarray(at, Math.min(at + chunkSize, count)).slice());
  return chunks;
}

// Sets up a stream Rust sends ({"__dotNetStream": id}; RuntimeOptions::stream_supply_function):
// a pull-based ReadableStream whose pulls call the runtime's built-in ReadDotNetStream (a batch
// of chunks, null at the end), handed to the client. Nothing is read until the page reads.
function supplyDotNetStream(id) {
  const call = (identifier, ...args) => DotNet.invokeMethodAsync('jsinvokable', identifier, id, ...args);
  // Two reads are kept asked for (reads are numbered, so Rust serves them in order): the next
  // batch is on its way while one is consumed. The read asked for after the end fails, unseen.
  let reads = 0;
  let ended = false;
  const asked = [];
  const fill = () => {
    while (!ended && asked.length < 2) {
      const read = call('ReadDotNetStream', reads++);
      read.catch(() => {});
      asked.push(read);
    }
  };
  const stream = new ReadableStream(
    {
      async pull(controller) {
        fill();
        const chunks = await asked.shift();
        if (chunks === null) {
          ended = true;
          controller.close();
          return;
        }
        fill();
        for (const chunk of chunks) controller.enqueue(chunk);
      },
      cancel() {
        return call('CancelDotNetStream').then(() => {}, () => {});
      },
    },
    { highWaterMark: 0 },
  );
  dispatcher.supplyDotNetStream(id, stream);
}

// Merged into a window.jsinvokable the page already has (functions of its own win); created
// and frozen otherwise, as in the QuickJS prelude. See docs/websocket.md.
try {
  const functions = { readStreamChunks, supplyDotNetStream };
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
    case 'Error':
      console.error(`The interop server refused a message: ${message[1]}`);
      break;
    default:
      console.error(`Unknown message from the interop server: ${message[0]}`);
  }
}

socket.addEventListener('open', () => {
  for (const frame of waiting.splice(0)) socket.send(frame);
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
