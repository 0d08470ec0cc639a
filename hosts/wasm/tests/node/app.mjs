// Loads the wasm test app (hosts/wasm/test-app, built by tests/node.rs) in Node.js with a JS
// client, makes every call of the checks below, and prints one JSON object: each check's name
// with what it gave (a value, or `{ "error": text }`). tests/node.rs compares it with what the
// Rust side must give; this script asserts nothing itself.
//
//   node app.mjs <bindgen output dir> <crate name> <client module> [calls|panic-sync|panic-async|panic-nested]
//
// `calls` (the default) makes the calls below; `panic-sync` and `panic-async` start three async
// calls that wait for JavaScript, make a call panic (a sync call, or an async one in its future),
// then call again, and report how every call ended and what reached the console; `panic-nested`
// makes the sync call panic inside a sync Rust→JS call whose Rust caller catches errors.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [outDir, crateName, clientPath, mode = 'calls'] = process.argv.slice(2);

globalThis.window = globalThis;
const { DotNet } = await import(pathToFileURL(clientPath).href);
// The page's DotNet, noting the host object the module attaches (for the bad-input checks).
let hostObject = null;
globalThis.DotNet = {
  ...DotNet,
  attachDispatcher(host) {
    hostObject = host;
    return DotNet.attachDispatcher(host);
  },
};

// What Rust calls.
let recorded = null;
globalThis.jsGreet = (name) => `Hello, ${name}!`;
globalThis.jsRecord = (value) => { recorded = value; };
globalThis.jsRecorded = () => recorded;
globalThis.jsAdd = (a, b) => a + b;
globalThis.jsReenter = () => DotNet.invokeMethod('WasmApp', 'AddOne', 41);
globalThis.jsThrow = () => { throw new Error('thrown by jsThrow'); };
globalThis.jsBytes = () => new Uint8Array([1, 2, 3, 250]);
globalThis.jsNever = () => new Promise(() => {});
globalThis.jsMakeCounter = (start) => ({ value: start, increment(by) { this.value += by; return this.value; } });
globalThis.jsDelayed = (value) => new Promise((resolve) => setTimeout(() => resolve(value), 1));

const bindings = await import(pathToFileURL(join(outDir, `${crateName}.js`)).href);
// The module's start function attaches the runtime (interop_wasm::start).
bindings.initSync({ module: readFileSync(join(outDir, `${crateName}_bg.wasm`)) });

const results = {};
const errorOf = (error) => ({ error: error instanceof Error ? error.message : String(error) });
async function check(name, call) {
  try {
    results[name] = await call();
  } catch (error) {
    results[name] = errorOf(error);
  }
}
// A synchronous call must give its value, not a promise.
function checkSync(name, call) {
  try {
    const value = call();
    results[name] = value instanceof Promise ? { error: 'returned a promise' } : value;
  } catch (error) {
    results[name] = errorOf(error);
  }
}

async function calls() {
  checkSync('sync static', () => DotNet.invokeMethod('WasmApp', 'ReturnArray'));
  await check('async static', () => DotNet.invokeMethodAsync('WasmApp', 'ReturnArrayAsync'));
  checkSync('sync of an async method', () => DotNet.invokeMethod('WasmApp', 'ReturnArrayAsync'));
  checkSync('sync object', () => DotNet.invokeMethod('WasmApp', 'Double', { x: 1.5, y: -2, label: 'p' }));
  await check('async of a sync method', () => DotNet.invokeMethodAsync('WasmApp', 'Double', { x: 3, y: 4, label: 'q' }));
  checkSync('user error', () => DotNet.invokeMethod('WasmApp', 'Fail'));
  await check('user error async', () => DotNet.invokeMethodAsync('WasmApp', 'Fail'));
  checkSync('unknown method', () => DotNet.invokeMethod('WasmApp', 'Nope'));
  checkSync('unknown assembly', () => DotNet.invokeMethod('Nowhere', 'Nope'));
  checkSync('wrong argument count', () => DotNet.invokeMethod('WasmApp', 'AddOne'));

  // Byte arrays, both ways, small and 1 MiB.
  checkSync('bytes from Rust', () => Array.from(DotNet.invokeMethod('WasmApp', 'MakeBytes', 5)));
  {
    const big = DotNet.invokeMethod('WasmApp', 'MakeBytes', 1 << 20);
    results['1 MiB from Rust'] = [big instanceof Uint8Array, big.length, big.reduce((sum, byte) => sum + byte, 0)];
  }
  {
    const big = new Uint8Array(1 << 20).map((_, index) => (index * 7) & 255);
    const sum = big.reduce((total, byte) => total + byte, 0);
    const [length, rustSum] = DotNet.invokeMethod('WasmApp', 'SumBytes', big);
    results['1 MiB to Rust'] = [length, rustSum === sum];
  }
  await check('bytes to Rust async', () => DotNet.invokeMethodAsync('WasmApp', 'SumBytes', new Uint8Array([9, 8, 7])));

  // Instances, disposed from either side.
  {
    const greeter = DotNet.invokeMethod('WasmApp', 'NewGreeter', 'Amy');
    checkSync('instance sync', () => greeter.invokeMethod('Greet', 'Hello'));
    await check('instance async', () => greeter.invokeMethodAsync('GreetAsync', 'Hi'));
    checkSync('instance sync of an async method', () => greeter.invokeMethod('GreetAsync', 'Hi'));
    greeter.dispose();
    await new Promise((resolve) => setTimeout(resolve, 0));
    checkSync('instance disposed by JS', () => greeter.invokeMethod('Greet', 'Hello'));
    const held = await DotNet.invokeMethodAsync('WasmApp', 'HoldGreeter', 'Rory');
    checkSync('instance held by Rust', () => held.invokeMethod('Greet', 'Hello'));
    checkSync('dispose from Rust', () => DotNet.invokeMethod('WasmApp', 'DisposeHeld'));
    await check('instance disposed by Rust', () => held.invokeMethodAsync('GreetAsync', 'Hello'));
  }

  // A future that is not Send (an Rc held across awaits of JavaScript promises).
  await check('non-Send future', () => DotNet.invokeMethodAsync('WasmApp', 'AwaitPromises', 'one', 'two'));

  // Generic instances: one method table per instance type.
  {
    const [text, number] = DotNet.invokeMethod('WasmApp', 'NewHolders');
    text.invokeMethod('Set', 'kept');
    await number.invokeMethodAsync('Set', 5);
    checkSync('generic instances', () => [text.invokeMethod('Get'), number.invokeMethod('Get')]);
    checkSync('generic instance, wrong type', () => number.invokeMethod('Set', 'five'));
  }

  // Rust calls JavaScript.
  await check('JS object calls', () => DotNet.invokeMethodAsync('WasmApp', 'UseJsObject'));
  await check('Rust invokes JS', () => DotNet.invokeMethodAsync('WasmApp', 'CallJs'));
  await check('Rust invokes JS void', () => DotNet.invokeMethodAsync('WasmApp', 'CallJsVoid'));
  checkSync('Rust invokes JS sync', () => DotNet.invokeMethod('WasmApp', 'CallJsSync'));
  checkSync('re-entrant sync calls', () => DotNet.invokeMethod('WasmApp', 'Reenter'));
  // Calls nest at most RuntimeOptions::max_nested_calls (32) deep: at it, one past it and far
  // past it (recursing until the stack ran out would overwrite the module's memory), with a
  // short error (a V8 stack repeats its message: passed up through the levels, it doubled).
  globalThis.jsRecurse = (depth) => DotNet.invokeMethod('WasmApp', 'Recurse', depth);
  checkSync('nested to the limit', () => DotNet.invokeMethod('WasmApp', 'Recurse', 31));
  for (const [name, depth] of [['nested past the limit', 32], ['nested far past the limit', 100000]]) {
    try {
      results[name] = DotNet.invokeMethod('WasmApp', 'Recurse', depth);
    } catch (error) {
      results[name] = { error: error.message.split('\n')[0], short: error.message.length < 100000 };
    }
  }
  checkSync('nested to the limit again', () => DotNet.invokeMethod('WasmApp', 'Recurse', 31));
  // The same through Rust→JS calls that the client runs at once: the 33rd call is refused
  // (inside a promise Rust dropped), every call outside it completes.
  {
    let again = 0;
    globalThis.jsAgain = (depth) => { again += 1; return DotNet.invokeMethod('WasmApp', 'Again', depth); };
    const depth = DotNet.invokeMethod('WasmApp', 'Again', 100000);
    results['nested through async calls'] = [depth, again];
  }
  checkSync('sync JS call throws', () => DotNet.invokeMethod('WasmApp', 'CallJsSyncThrows').split('\n')[0]);
  await check('bytes from JS to Rust', () => DotNet.invokeMethodAsync('WasmApp', 'FetchJsBytes'));
  // Cancellation (our client only): a method taking a CancellationToken is signalled, one
  // without is dropped; both promises reject at once with the signal's reason.
  if (typeof DotNet.invokeMethodWithSignalAsync === 'function') {
    const signalled = new AbortController();
    const dropped = new AbortController();
    const calls = [
      DotNet.invokeMethodWithSignalAsync(signalled.signal, 'WasmApp', 'WaitForAbort'),
      DotNet.invokeMethodWithSignalAsync(dropped.signal, 'WasmApp', 'WaitUntilDropped'),
    ].map((call) => call.then(() => 'resolved', (error) => error.name));
    await new Promise((resolve) => setTimeout(resolve, 5));
    signalled.abort();
    dropped.abort();
    results['abort rejects'] = await Promise.all(calls);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await check('Rust told of the aborts', () => DotNet.invokeMethod('WasmApp', 'AbortsSeen'));
  }
  {
    const started = Date.now();
    results['timeout on the page timers'] = await DotNet.invokeMethodAsync('WasmApp', 'CallJsTimeout', 50);
    const waited = Date.now() - started;
    results['timeout waited'] = waited >= 45 && waited < 5000;
  }

  // Streams both ways, 3 MiB.
  {
    const length = 3 << 20;
    const stream = await DotNet.invokeMethodAsync('WasmApp', 'SendStream', length);
    const bytes = new Uint8Array(await stream.arrayBuffer());
    results['stream from Rust'] = [bytes.length, bytes.reduce((sum, byte) => sum + byte, 0)];
    const data = new Uint8Array(length).map((_, index) => (index * 3) & 255);
    const sum = data.reduce((total, byte) => total + byte, 0);
    const [rustLength, rustSum] = await DotNet.invokeMethodAsync('WasmApp', 'ReceiveStream', DotNet.createJSStreamReference(data));
    results['stream to Rust'] = [rustLength, rustSum === sum];
  }

  // The seed's sample 11: 10,000,000 bytes streamed to Rust, size and SHA-256 checked.
  {
    const data = new Uint8Array(10_000_000).map((_, index) => (index * 31 + (index >> 8)) & 255);
    const sha256 = createHash('sha256').update(data).digest('hex');
    const [length, rustSha256] = await DotNet.invokeMethodAsync('WasmApp', 'HashStream', DotNet.createJSStreamReference(data));
    results['sample 11: 10,000,000 bytes'] = [length, rustSha256 === sha256];
  }

  // Bad input to the host object: a clear error, and the module keeps working.
  checkSync('bad callId', () => hostObject.beginInvokeDotNetFromJS(-1, 'WasmApp', 'ReturnArray', null, '[]'));
  checkSync('bad cancel callId', () => hostObject.cancelInvokeDotNetFromJS(1.5));
  checkSync('cancel of no running call', () => hostObject.cancelInvokeDotNetFromJS(123456) ?? 'ignored');
  checkSync('bad object id', () => hostObject.invokeDotNetFromJS(null, 'Greet', 1.5, '[]'));
  checkSync('bad byte array', () => hostObject.sendByteArray(0, 'not bytes'));
  checkSync('bad byte array index', () => hostObject.sendByteArray(2 ** 32, new Uint8Array(1)));
  checkSync('bad arguments JSON', () => hostObject.invokeDotNetFromJS('WasmApp', 'AddOne', null, '[1,'));
  checkSync('bad completion', () => hostObject.endInvokeJSFromDotNet(1, true, 'not a triple') ?? 'ignored');
  checkSync('still working after bad input', () => DotNet.invokeMethod('WasmApp', 'ReturnArray'));

  // The dependency crate's items (registration of a crate the app never calls).
  checkSync('dependency sync', () => DotNet.invokeMethod('WasmFixture', 'Add', 2, 3));
  checkSync('dependency bytes', () => Array.from(DotNet.invokeMethod('WasmFixture', 'Reverse', new Uint8Array([1, 2, 3]))));
  globalThis.greet = (name) => `Hi ${name}`;
  await check('dependency async', () => DotNet.invokeMethodAsync('WasmFixture', 'Greet', 'Amy'));
  {
    const counter = DotNet.invokeMethod('WasmFixture', 'NewCounter');
    counter.invokeMethod('Add', 5);
    checkSync('dependency instance', () => counter.invokeMethod('Add', 2));
  }

  checkSync('dependency module', () => DotNet.invokeMethod('WasmDep', 'Ping'));
  await check('dependency nested module', () => DotNet.invokeMethodAsync('WasmDep', 'Pong', 'ball'));

  console.log(JSON.stringify(results));
}

async function panicking(mode) {
  const consoleErrors = [];
  const consoleError = console.error;
  console.error = (...values) => {
    consoleErrors.push(values.join(' '));
    consoleError(...values);
  };
  // The trap of a panic in a task reaches the event loop (a browser logs it).
  const traps = [];
  process.on('unhandledRejection', (error) => traps.push(String(error)));
  process.on('uncaughtException', (error) => traps.push(String(error)));
  const settled = (promise) => promise.then((value) => ({ value }), (error) => ({ error: error.message }));
  const pending = [1, 2, 3].map(() => settled(DotNet.invokeMethodAsync('WasmApp', 'WaitForJs')));
  if (mode === 'panic-sync') {
    try {
      results.panicked = { value: DotNet.invokeMethod('WasmApp', 'Boom', 'out of cheese') };
    } catch (error) {
      results.panicked = { error: error.message };
    }
  } else if (mode === 'panic-nested') {
    // Rust calls jsBoom synchronously, which calls Boom: the panic traps back to jsBoom, and
    // CatchJsError, which would turn the error into a value, must not go on.
    globalThis.jsBoom = () => DotNet.invokeMethod('WasmApp', 'Boom', 'out of cheese');
    try {
      results.panicked = { value: DotNet.invokeMethod('WasmApp', 'CatchJsError') };
    } catch (error) {
      results.panicked = { error: error.message };
    }
  } else {
    results.panicked = await settled(DotNet.invokeMethodAsync('WasmApp', 'BoomAsync', 'out of cheese'));
  }
  results.pending = await Promise.all(pending);
  try {
    results['later sync'] = { value: DotNet.invokeMethod('WasmApp', 'ReturnArray') };
  } catch (error) {
    results['later sync'] = { error: error.message };
  }
  results['later async'] = await settled(DotNet.invokeMethodAsync('WasmApp', 'ReturnArrayAsync'));
  await new Promise((resolve) => setTimeout(resolve, 10));
  results['message on the console'] = consoleErrors.some((line) => line.includes('out of cheese'));
  results.traps = traps.length;
  console.log(JSON.stringify(results));
}

// No process.exit: Node exits by itself only if no timer was left armed (after a panic too:
// it clears the 60 s timers of the calls waiting for JavaScript).
if (mode === 'calls') await calls();
else await panicking(mode);
