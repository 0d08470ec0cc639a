// A stand-in JS client for the conformance suite (tests/conformance.rs). It keeps the raw host
// object, so the test can call Rust with exact strings, and records every dispatcher call Rust
// makes, in arrival order, with all its arguments:
//   wireLog: [method, ...args] for endInvokeDotNetFromJS, beginInvokeJSFromDotNet,
//            receiveByteArray and supplyDotNetStream; a Uint8Array argument is recorded as
//            {"$bytes": [...]}, anything else passed where bytes belong as {"$notBytes": text}.
//   syncLog: the arguments of each invokeJSFromDotNet, which `syncResponder` answers (it throws
//            when no responder is set).
globalThis.wireLog = [];
globalThis.syncLog = [];
globalThis.syncResponder = null;

const bytesArgument = (value) =>
  value instanceof Uint8Array ? { $bytes: Array.from(value) } : { $notBytes: String(value) };

const record = (method, args) => {
  globalThis.wireLog.push([method, ...args]);
};

const dispatcher = {
  endInvokeDotNetFromJS(...args) {
    record('endInvokeDotNetFromJS', args);
  },
  beginInvokeJSFromDotNet(...args) {
    record('beginInvokeJSFromDotNet', args);
  },
  receiveByteArray(id, bytes, ...rest) {
    record('receiveByteArray', [id, bytesArgument(bytes), ...rest]);
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

export const DotNet = {
  attachDispatcher(host) {
    globalThis.rawHost = host;
    return dispatcher;
  },
};
