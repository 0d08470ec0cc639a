// The conformance suite's JS client with Microsoft's npm client in it (tests/conformance.rs
// writes this file next to an installed copy, with MICROSOFT_CLIENT replaced by its path).
//
// Microsoft's client is attached to the real host: calls the suite can express through it go
// through `invokeDotNetMethodAsync` / `invokeDotNetMethod` of its call dispatcher (its call ids,
// its argument serialization), and the completions and byte arrays Rust sends reach it (its
// parsing and revivers settle its promises). Everything Rust sends is also recorded, as the
// recording stub (wire-client.js) does, so the suite sees the exact messages:
//   wireLog: [method, ...args] for endInvokeDotNetFromJS, beginInvokeJSFromDotNet,
//            receiveByteArray and supplyDotNetStream (a Uint8Array as {"$bytes": [...]}).
//   syncLog: the arguments of each invokeJSFromDotNet, answered by `syncResponder`.
//   clientErrors: what Microsoft's client threw or rejected with while parsing a completion.
// Rust→JS calls are recorded and left to the suite to answer, as a page's functions would.
import { DotNet as Microsoft } from 'MICROSOFT_CLIENT';

globalThis.wireLog = [];
globalThis.syncLog = [];
globalThis.syncResponder = null;
globalThis.clientErrors = [];
globalThis.clientCalls = 0; // calls Microsoft's client made
globalThis.clientResults = []; // what its promises settled with: [callId, ok, value]

const bytesArgument = (value) =>
  value instanceof Uint8Array ? { $bytes: Array.from(value) } : { $notBytes: String(value) };
const record = (method, args) => {
  globalThis.wireLog.push([method, ...args]);
};

export const DotNet = {
  ...Microsoft,
  attachDispatcher(host) {
    globalThis.rawHost = host;
    const ownCalls = new Set(); // call ids Microsoft's client started
    let lastCallId = null;
    let lastSync = null;
    const seen = {
      beginInvokeDotNetFromJS(callId, ...rest) {
        ownCalls.add(callId);
        lastCallId = callId;
        return host.beginInvokeDotNetFromJS(callId, ...rest);
      },
      invokeDotNetFromJS(...args) {
        try {
          const json = host.invokeDotNetFromJS(...args);
          lastSync = { ok: json };
          return json;
        } catch (error) {
          lastSync = { error: error instanceof Error ? error.message : String(error) };
          throw error;
        }
      },
      endInvokeJSFromDotNet: (...args) => host.endInvokeJSFromDotNet(...args),
      sendByteArray: (...args) => host.sendByteArray(...args),
    };
    const microsoft = Microsoft.attachDispatcher(seen);

    // A call through Microsoft's client when it can express it: the arguments must be a JSON
    // array it serializes back to the very same text. `undefined` when it cannot.
    const expressible = (assembly, objectId, argsJson) => {
      if (assembly && objectId) return undefined;
      try {
        const args = JSON.parse(argsJson);
        return Array.isArray(args) && JSON.stringify(args) === argsJson ? args : undefined;
      } catch {
        return undefined;
      }
    };
    globalThis.microsoftBegin = (assembly, identifier, objectId, argsJson) => {
      const args = expressible(assembly, objectId, argsJson);
      if (args === undefined) return null;
      lastCallId = null;
      const promise = microsoft.invokeDotNetMethodAsync(assembly, identifier, objectId, args);
      const callId = lastCallId;
      if (callId !== null) globalThis.clientCalls += 1;
      promise.then(
        (value) => globalThis.clientResults.push([callId, true, value]),
        (error) => {
          if (!(error instanceof Error)) globalThis.clientErrors.push(`rejected with ${String(error)}`);
          globalThis.clientResults.push([callId, false, error.message]);
        },
      );
      return callId;
    };
    globalThis.microsoftInvoke = (assembly, identifier, objectId, argsJson) => {
      const args = expressible(assembly, objectId, argsJson);
      if (args === undefined) return null;
      lastSync = null;
      try {
        microsoft.invokeDotNetMethod(assembly, identifier, objectId, args);
      } catch (error) {
        // Rust's error is expected (it is in lastSync); the client failing on a result is not.
        if (lastSync && lastSync.ok !== undefined) globalThis.clientErrors.push(`sync: ${String(error)}`);
      }
      return lastSync;
    };

    return {
      endInvokeDotNetFromJS(callId, success, resultOrError) {
        record('endInvokeDotNetFromJS', [callId, success, resultOrError]);
        if (!ownCalls.delete(callId)) return;
        try {
          microsoft.endInvokeDotNetFromJS(callId, success, resultOrError);
        } catch (error) {
          globalThis.clientErrors.push(String(error));
        }
      },
      beginInvokeJSFromDotNet(...args) {
        record('beginInvokeJSFromDotNet', args);
      },
      receiveByteArray(id, bytes, ...rest) {
        record('receiveByteArray', [id, bytesArgument(bytes), ...rest]);
        microsoft.receiveByteArray(id, bytes);
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
  },
};
