// The recording half of the conformance suite's JS clients (wire-client.js and
// microsoft-wire-client.js): every dispatcher call Rust makes is recorded, in arrival order, with
// all its arguments:
//   wireLog: [method, ...args] for endInvokeDotNetFromJS, beginInvokeJSFromDotNet,
//            receiveByteArray and supplyDotNetStream; a Uint8Array argument is recorded as
//            {"$bytes": [...]}, anything else passed where bytes belong as {"$notBytes": text}.
//   syncLog: the arguments of each invokeJSFromDotNet, which `syncResponder` answers (it throws
//            when no responder is set).
// Rust→JS calls are recorded and left to the suite to answer, as a page's functions would.
globalThis.wireLog = [];
globalThis.syncLog = [];
globalThis.syncResponder = null;

const bytesArgument = (value) =>
  value instanceof Uint8Array ? { $bytes: Array.from(value) } : { $notBytes: String(value) };

const record = (method, args) => {
  globalThis.wireLog.push([method, ...args]);
};

/**
 * The dispatcher a wire client hands the host. `onEnd` and `onBytes`, when given, also receive
 * the completions and byte arrays Rust sends, after they are recorded.
 */
export function recordingDispatcher({ onEnd, onBytes } = {}) {
  return {
    endInvokeDotNetFromJS(...args) {
      record('endInvokeDotNetFromJS', args);
      if (onEnd) onEnd(...args);
    },
    beginInvokeJSFromDotNet(...args) {
      record('beginInvokeJSFromDotNet', args);
    },
    receiveByteArray(id, bytes, ...rest) {
      record('receiveByteArray', [id, bytesArgument(bytes), ...rest]);
      if (onBytes) onBytes(id, bytes);
    },
    supplyDotNetStream(...args) {
      record('supplyDotNetStream', args.map(String));
    },
    invokeJSFromDotNet(...args) {
      globalThis.syncLog.push(args);
      const respond = globalThis.syncResponder;
      if (typeof respond !== 'function') {
        throw new Error('the wire client has no synchronous responder');
      }
      return respond(...args);
    },
  };
}
