// The conformance suite of interop-testkit against the wasm host, in Node.js
// (hosts/wasm/tests/conformance.rs runs it): loads the conformance app
// (hosts/wasm/conformance-app, after wasm-bindgen --target web) and runs the cases named, each in
// a fresh instance of the module, with a fresh copy of the JS client. The cases are Rust, run
// inside the module (`runCase`); this file is their JavaScript side: the clients (the real JS
// client inside interop-testkit/js/client-wire.js, one per client of a case) and a virtual clock
// as the global setTimeout/clearTimeout.
//
//   node conformance.mjs <bindings dir> <crate> <client module> <case names, JSON>
//
// Prints one JSON line per case: {"case": name, "ok": true, "clientCalls": n} or {"case": name,
// "ok": false, "message": why, "clientCalls": n}, n being the calls the JS client made.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { clientWire } from '../../../../interop-testkit/js/client-wire.js';

const [outDir, crate, clientModule, casesJson] = process.argv.slice(2);
// Our client needs `window` when it loads (the root of global identifiers), as in a page.
globalThis.window = globalThis;
const caseNames = JSON.parse(casesJson);

// The virtual clock: timers fire only when a case advances it (fireNext).
const clock = { now: 0, nextId: 0, timers: new Map() };
function virtualSetTimeout(callback, delay, ...args) {
  const id = ++clock.nextId;
  clock.timers.set(id, { due: clock.now + Math.max(0, Number(delay) || 0), callback, args });
  return id;
}
virtualSetTimeout.virtualClock = true;
globalThis.setTimeout = virtualSetTimeout;
globalThis.clearTimeout = (id) => clock.timers.delete(id);

// What one case's clients and the module's failure report go to.
let Client = null; // the JS client's `DotNet`, a fresh copy per case
let failure = null; // the panic of the running case
let states = []; // the state of each client of the running case

// `null` where Rust passed no value (wasm-bindgen passes `undefined`), as a page's client does.
const orNull = (value) => (value === undefined ? null : value);

globalThis.conformanceHarness = {
  newClient() {
    const state = {};
    states.push(state);
    const dotnet = clientWire(Client, state);
    return {
      dotnet,
      clientBegin: (assembly, identifier, objectId, argsJson) =>
        state.clientBegin(orNull(assembly), orNull(identifier), orNull(objectId), argsJson),
      rawBegin: (callId, assembly, identifier, objectId, argsJson) =>
        state.rawHost.beginInvokeDotNetFromJS(callId, orNull(assembly), orNull(identifier), orNull(objectId), argsJson),
      invoke(assembly, identifier, objectId, argsJson) {
        const args = [orNull(assembly), orNull(identifier), orNull(objectId), argsJson];
        const throughClient = state.clientInvoke(...args);
        if (throughClient) return JSON.stringify(throughClient);
        try {
          return JSON.stringify({ ok: state.rawHost.invokeDotNetFromJS(...args) });
        } catch (error) {
          return JSON.stringify({ error: error instanceof Error ? error.message : String(error) });
        }
      },
      sendByteArray: (index, bytes) => state.rawHost.sendByteArray(index, bytes),
      cancel: (callId) => state.rawHost.cancelInvokeDotNetFromJS(callId),
      endInvokeJs: (handle, succeeded, triple) => state.rawHost.endInvokeJSFromDotNet(handle, succeeded, triple),
      take: () => JSON.stringify({ log: state.wireLog.splice(0), errors: state.clientErrors.splice(0) }),
    };
  },
  fireNext(until) {
    let next = null;
    for (const [id, timer] of clock.timers) {
      if (timer.due <= until && (next === null || timer.due < next[1].due)) next = [id, timer];
    }
    if (next === null) {
      clock.now = Math.max(clock.now, until);
      return false;
    }
    const [id, timer] = next;
    clock.timers.delete(id);
    clock.now = Math.max(clock.now, timer.due);
    timer.callback(...timer.args);
    return true;
  },
  now: () => clock.now,
  virtualClock: () => globalThis.setTimeout === virtualSetTimeout,
  failed(report) {
    failure = report; // the last panic: the one that ended the case
  },
};

// A trap left in a task of an earlier instance reaches the event loop: noted, not fatal.
const stray = [];
process.on('unhandledRejection', (error) => stray.push(String(error)));
process.on('uncaughtException', (error) => stray.push(String(error)));

async function main() {
  const glue = pathToFileURL(join(outDir, `${crate}.js`)).href;
  const module = new WebAssembly.Module(readFileSync(join(outDir, `${crate}_bg.wasm`)));
  const clientUrl = pathToFileURL(clientModule).href;

  for (const [index, name] of caseNames.entries()) {
    // Fresh module state of the bindings and of the client: a query makes a new module instance.
    const bindings = await import(`${glue}?case=${index}`);
    bindings.initSync({ module });
    ({ DotNet: Client } = await import(`${clientUrl}?case=${index}`));
    clock.now = 0;
    clock.timers.clear();
    failure = null;
    states = [];
    let result;
    try {
      bindings.runCase(name);
      result = { case: name, ok: true };
    } catch (error) {
      result = { case: name, ok: false, message: failure ?? (error instanceof Error ? error.stack : String(error)) };
    }
    // The calls the JS client itself made (the others went raw to the host object).
    result.clientCalls = states.reduce((sum, state) => sum + (state.clientCalls ?? 0), 0);
    console.log(JSON.stringify(result));
    // Lets the microtasks of this instance run before the next case starts.
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (stray.length > 0) console.error(`errors reaching the event loop: ${stray.join('\n')}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
