// A real JS client (Microsoft's npm client unchanged, or ours) inside the conformance suite's
// wire client: `clientWire(Client, state)` returns the `DotNet` a host attaches to. Used by the
// QuickJS host's conformance (hosts/quickjs/tests/microsoft-wire-client.js, `state` being
// `globalThis`) and the wasm host's (hosts/wasm/tests/node/conformance.mjs, one `state` per
// client).
//
// The client is attached to the real host: calls the suite can express through it go through
// `invokeDotNetMethodAsync` / `invokeDotNetMethod` of its call dispatcher (its call ids, its
// argument serialization), and the completions and byte arrays Rust sends reach it (its parsing
// and revivers settle its promises). Everything Rust sends is also recorded (wire-recording.js:
// wireLog, syncLog, syncResponder), and on `state`:
//   rawHost: the host object, for the calls the client cannot express;
//   clientBegin(assembly, identifier, objectId, argsJson), clientInvoke(...): a call through the
//     client, or null when it cannot express it;
//   clientErrors: what the client threw or rejected with while parsing a completion;
//   clientCalls: the calls it made; clientResults: what its promises settled with.
import { recordingDispatcher } from './wire-recording.js';

export function clientWire(Client, state) {
  state.clientErrors = [];
  state.clientCalls = 0;
  state.clientResults = []; // [callId, ok, value]
  return {
    ...Client,
    attachDispatcher(host) {
      state.rawHost = host;
      const ownCalls = new Set(); // call ids the client started
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
      const client = Client.attachDispatcher(seen);

      // A call through the client when it can express it: the arguments must be a JSON array
      // it serializes back to the very same text. `undefined` when it cannot.
      const expressible = (assembly, objectId, argsJson) => {
        if (assembly && objectId) return undefined;
        try {
          const args = JSON.parse(argsJson);
          return Array.isArray(args) && JSON.stringify(args) === argsJson ? args : undefined;
        } catch {
          return undefined;
        }
      };
      state.clientBegin = (assembly, identifier, objectId, argsJson) => {
        const args = expressible(assembly, objectId, argsJson);
        if (args === undefined) return null;
        lastCallId = null;
        const promise = client.invokeDotNetMethodAsync(assembly, identifier, objectId, args);
        const callId = lastCallId;
        if (callId !== null) state.clientCalls += 1;
        promise.then(
          (value) => state.clientResults.push([callId, true, value]),
          (error) => {
            if (!(error instanceof Error)) state.clientErrors.push(`rejected with ${String(error)}`);
            state.clientResults.push([callId, false, error.message]);
          },
        );
        return callId;
      };
      state.clientInvoke = (assembly, identifier, objectId, argsJson) => {
        const args = expressible(assembly, objectId, argsJson);
        if (args === undefined) return null;
        lastSync = null;
        try {
          client.invokeDotNetMethod(assembly, identifier, objectId, args);
        } catch (error) {
          // Rust's error is expected (it is in lastSync); the client failing on a result is not.
          if (lastSync && lastSync.ok !== undefined) state.clientErrors.push(`sync: ${String(error)}`);
        }
        return lastSync;
      };

      return recordingDispatcher(state, {
        onEnd(callId, success, resultOrError) {
          if (!ownCalls.delete(callId)) return;
          try {
            client.endInvokeDotNetFromJS(callId, success, resultOrError);
          } catch (error) {
            state.clientErrors.push(String(error));
          }
        },
        onBytes: (id, bytes) => client.receiveByteArray(id, bytes),
      });
    },
  };
}
