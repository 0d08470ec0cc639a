// A hand-written stand-in for a JS client: it keeps the raw host object so tests can send
// malformed calls, and records the completions Rust sends back.
globalThis.replies = [];
const dispatcher = {
  beginInvokeJSFromDotNet() {},
  invokeJSFromDotNet() { return null; },
  endInvokeDotNetFromJS(callId, success, text) { globalThis.replies.push([callId, success, text]); },
  receiveByteArray() {},
  supplyDotNetStream() {},
};
export const DotNet = {
  attachDispatcher(host) {
    globalThis.rawHost = host;
    return dispatcher;
  },
};
