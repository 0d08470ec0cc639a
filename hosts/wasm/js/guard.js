// The JavaScript side of the wasm host (hosts/wasm, docs/wasm.md "Panics"): it stands between
// the client and the Rust module, so that after a panic (under panic = "abort" the module traps
// and its state is lost) no call reaches Rust again and none is left pending.
//
// `host(rust)` is the object handed to DotNet.attachDispatcher: it forwards to the Rust closures
// (Microsoft's four entry points, and our client's cancelInvokeDotNetFromJS).
// The guard itself is what Rust sends its messages to: it forwards them to the client's
// dispatcher, noting which async JS -> Rust calls are still pending. `panicked(text, report)`,
// called by the Rust panic hook, rejects every pending call with `text`, prints `report` to
// the console, and makes every later call fail with `text`.

export class Guard {
  /** The error text of the panic, once the module has stopped; `null` while it runs. */
  stopped = null;
  /** callId -> nothing: the async JS -> Rust calls not yet completed. */
  pending = new Set();
  /** The client's dispatcher (set once attachDispatcher has returned it). */
  dispatcher = null;

  host(rust) {
    const guard = this;
    return {
      beginInvokeDotNetFromJS(callId, assemblyName, methodIdentifier, dotNetObjectId, argsJson) {
        guard.#refuseIfStopped();
        if (callId) guard.pending.add(callId);
        try {
          rust.beginInvokeDotNetFromJS(callId, assemblyName, methodIdentifier, dotNetObjectId, argsJson);
        } catch (error) {
          // A panic during the call: `panicked` has rejected it already (throwing would make
          // the client complete it a second time).
          if (guard.stopped !== null && error instanceof WebAssembly.RuntimeError) return;
          throw error;
        }
      },
      invokeDotNetFromJS(assemblyName, methodIdentifier, dotNetObjectId, argsJson) {
        guard.#refuseIfStopped();
        return guard.#enter(() => rust.invokeDotNetFromJS(assemblyName, methodIdentifier, dotNetObjectId, argsJson));
      },
      endInvokeJSFromDotNet(asyncHandle, succeeded, tripleJson) {
        // Nothing in Rust waits any more.
        if (guard.stopped !== null) return;
        guard.#enter(() => rust.endInvokeJSFromDotNet(asyncHandle, succeeded, tripleJson));
      },
      sendByteArray(index, bytes) {
        guard.#refuseIfStopped();
        guard.#enter(() => rust.sendByteArray(index, bytes));
      },
      // Our client's extension (invokeMethodWithSignalAsync aborted). After a panic every call
      // is settled already: nothing to cancel.
      cancelInvokeDotNetFromJS(callId) {
        if (guard.stopped !== null) return;
        guard.#enter(() => rust.cancelInvokeDotNetFromJS(callId));
      },
    };
  }

  // What Rust calls: the dispatcher's functions.
  endInvokeDotNetFromJS(callId, success, resultOrError) {
    this.pending.delete(callId);
    return this.dispatcher.endInvokeDotNetFromJS(callId, success, resultOrError);
  }

  beginInvokeJSFromDotNet(asyncHandle, identifier, argsJson, resultType, targetInstanceId, callType) {
    return this.dispatcher.beginInvokeJSFromDotNet(asyncHandle, identifier, argsJson, resultType, targetInstanceId, callType);
  }

  invokeJSFromDotNet(identifier, argsJson, resultType, targetInstanceId, callType) {
    return this.dispatcher.invokeJSFromDotNet(identifier, argsJson, resultType, targetInstanceId, callType);
  }

  receiveByteArray(id, data) {
    return this.dispatcher.receiveByteArray(id, data);
  }

  /** The panic hook's: stops the module and rejects every pending call with `text`. */
  panicked(text, report) {
    if (this.stopped !== null) return;
    this.stopped = text;
    console.error(report);
    const pending = [...this.pending];
    this.pending.clear();
    for (const callId of pending) {
      try {
        this.dispatcher.endInvokeDotNetFromJS(callId, false, text);
      } catch {
        // A call the client no longer knows: nothing to reject.
      }
    }
  }

  #refuseIfStopped() {
    if (this.stopped !== null) throw new Error(this.stopped);
  }

  // Runs a call into Rust: the trap of a panic in it becomes the panic's error.
  #enter(call) {
    try {
      return call();
    } catch (error) {
      if (this.stopped !== null && error instanceof WebAssembly.RuntimeError) throw new Error(this.stopped);
      throw error;
    }
  }
}
