// The recording half of the conformance suite's JS clients (the wire clients of the QuickJS host,
// hosts/quickjs/tests/conformance.rs, and of the wasm host, hosts/wasm/tests/conformance.rs):
// every dispatcher call Rust makes is recorded, in arrival order, with all its arguments, on a
// state object (`globalThis` in QuickJS, where one engine has one client; one object per client
// in Node.js, where a case may attach several):
//   wireLog: [method, ...args] for endInvokeDotNetFromJS, beginInvokeJSFromDotNet,
//            receiveByteArray and supplyDotNetStream; a Uint8Array argument is recorded as
//            {"$bytes": [...]}, anything else passed where bytes belong as {"$notBytes": text}.
//   syncLog: the arguments of each invokeJSFromDotNet, which `syncResponder` answers (it throws
//            when no responder is set).
// Rust→JS calls are recorded and left to the suite to answer, as a page's functions would.

const bytesArgument = (value) =>
  value instanceof Uint8Array ? { $bytes: Array.from(value) } : { $notBytes: String(value) };

/**
 * The dispatcher a wire client hands the host, recording on `state` (its wireLog, syncLog and
 * syncResponder are set here). `onEnd` and `onBytes`, when given, also receive the completions
 * and byte arrays Rust sends, after they are recorded.
 */
export function recordingDispatcher(state, { onEnd, onBytes } = {}) {
  state.wireLog = [];
  state.syncLog = [];
  state.syncResponder = null;
  const record = (method, args) => {
    state.wireLog.push([method, ...args]);
  };
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
      state.syncLog.push(args);
      const respond = state.syncResponder;
      if (typeof respond !== 'function') {
        throw new Error('the wire client has no synchronous responder');
      }
      return respond(...args);
    },
  };
}
