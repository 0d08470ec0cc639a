// The conformance suite's JS client with Microsoft's npm client in it (tests/conformance.rs
// writes this file next to an installed copy, with MICROSOFT_CLIENT and WIRE_RECORDING replaced
// by their paths).
//
// Microsoft's client is attached to the real host: calls the suite can express through it go
// through `invokeDotNetMethodAsync` / `invokeDotNetMethod` of its call dispatcher (its call ids,
// its argument serialization), and the completions and byte arrays Rust sends reach it (its
// parsing and revivers settle its promises). Everything Rust sends is also recorded, as by the
// recording stub (wire-recording.js: wireLog, syncLog, syncResponder), and:
//   clientErrors: what Microsoft's client threw or rejected with while parsing a completion.
import { DotNet as Microsoft } from 'MICROSOFT_CLIENT';
import { recordingDispatcher } from 'WIRE_RECORDING';

globalThis.clientErrors = [];
globalThis.clientCalls = 0; // calls Microsoft's client made
globalThis.clientResults = []; // what its promises settled with: [callId, ok, value]

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

    return recordingDispatcher({
      onEnd(callId, success, resultOrError) {
        if (!ownCalls.delete(callId)) return;
        try {
          microsoft.endInvokeDotNetFromJS(callId, success, resultOrError);
        } catch (error) {
          globalThis.clientErrors.push(String(error));
        }
      },
      onBytes: (id, bytes) => microsoft.receiveByteArray(id, bytes),
    });
  },
};
