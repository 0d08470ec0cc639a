// Byte arrays both ways (PROTOCOL.md §7): sendByteArray before the JSON, index order and
// restarts, receiveByteArray staging, and the project's one deliberate difference.
import "../test-support/setup.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { createFakeHost, failureMessage, flush, lastTriple, loadFreshClient } from "../test-support/fake-host.js";

async function setup(hostOptions) {
    const DotNet = await loadFreshClient();
    const host = createFakeHost(hostOptions);
    const js = DotNet.attachDispatcher(host);
    return { DotNet, host, js };
}

test("JS→Rust: each Uint8Array is sent before the call, indices in JSON.stringify visiting order", async () => {
    const { DotNet, host } = await setup();
    const a = new Uint8Array([1]);
    const b = new Uint8Array([2, 2]);
    const c = new Uint8Array([3, 3, 3]);
    const d = new Uint8Array([]);
    DotNet.invokeMethodAsync("BlazorSample", "ReceiveByteArray", a, { z: b, y: [c, { deep: d }] }, a);
    assert.deepEqual(host.log, [
        ["sendByteArray", 0, [1]],
        ["sendByteArray", 1, [2, 2]],
        ["sendByteArray", 2, [3, 3, 3]],
        ["sendByteArray", 3, []],
        ["sendByteArray", 4, [1]],
        ["beginInvokeDotNetFromJS", 1, "BlazorSample", "ReceiveByteArray", null,
            '[{"__byte[]":0},{"z":{"__byte[]":1},"y":[{"__byte[]":2},{"deep":{"__byte[]":3}}]},{"__byte[]":4}]'],
    ]);
    assert.equal(host.sentBytes[0], a, "the bytes are handed over without copying");
    assert.equal(host.sentBytes[4], a, "the same array twice is sent twice");
});

test("JS→Rust: the index restarts at 0 for every payload", async () => {
    const { DotNet, host } = await setup();
    DotNet.invokeMethodAsync("A", "M", new Uint8Array([1]), new Uint8Array([2]));
    DotNet.invokeMethodAsync("A", "M", new Uint8Array([3]));
    DotNet.invokeMethodAsync("A", "M", "no bytes");
    assert.deepEqual(host.log.map((e) => (e[0] === "sendByteArray" ? `bytes ${e[1]}` : `call ${e[1]}`)),
        ["bytes 0", "bytes 1", "call 1", "bytes 0", "call 2", "call 3"]);
});

test("JS→Rust: typed-array views over a larger buffer are sent as the view", async () => {
    const { DotNet, host } = await setup();
    const whole = new Uint8Array([0, 1, 2, 3, 4, 5]);
    DotNet.invokeMethodAsync("A", "M", whole.subarray(2, 4));
    assert.deepEqual(host.log[0], ["sendByteArray", 0, [2, 3]]);
});

test("JS→Rust: Node's Buffer goes through its toJSON first (npm behaviour), so it is not a byte array", async () => {
    const { DotNet, host } = await setup();
    DotNet.invokeMethodAsync("A", "M", Buffer.from([7, 8]));
    assert.deepEqual(host.log, [["beginInvokeDotNetFromJS", 1, "A", "M", null, '[{"type":"Buffer","data":[7,8]}]']]);
    DotNet.invokeMethodAsync("A", "M", new Uint8Array(Buffer.from([7, 8])));
    assert.deepEqual(host.log[1], ["sendByteArray", 0, [7, 8]], "wrap a Buffer in a Uint8Array to send bytes");
});

test("JS→Rust: sync calls send bytes before invokeDotNetFromJS", async () => {
    const { DotNet, host } = await setup({ onSync: () => "true" });
    assert.equal(DotNet.invokeMethod("A", "M", new Uint8Array([9])), true);
    assert.deepEqual(host.log, [
        ["sendByteArray", 0, [9]],
        ["invokeDotNetFromJS", "A", "M", null, '[{"__byte[]":0}]'],
    ]);
});

test("JS→Rust: DotNetObject calls send bytes too", async () => {
    const { DotNet, host, js } = await setup();
    const obj = new DotNet.DotNetObject(4, js);
    obj.invokeMethodAsync("Save", new Uint8Array([1, 2]));
    assert.deepEqual(host.log, [
        ["sendByteArray", 0, [1, 2]],
        ["beginInvokeDotNetFromJS", 1, null, "Save", 4, '[{"__byte[]":0}]'],
    ]);
});

test("JS→Rust: bytes in a success triple are sent just before endInvokeJSFromDotNet; failures carry none", async () => {
    const { host, js } = await setup();
    window.jsGiveBytes = () => ({ first: new Uint8Array([1, 2]), second: [new Uint8Array([3])] });
    window.jsFailWithBytes = () => {
        throw new Error("no bytes here");
    };
    await js.beginInvokeJSFromDotNet(3, "jsGiveBytes", "[]", 0, 0, 1);
    assert.deepEqual(host.log, [
        ["sendByteArray", 0, [1, 2]],
        ["sendByteArray", 1, [3]],
        ["endInvokeJSFromDotNet", 3, true, '[3,true,{"first":{"__byte[]":0},"second":[{"__byte[]":1}]}]'],
    ]);
    host.clear();
    await js.beginInvokeJSFromDotNet(4, "jsFailWithBytes", "[]", 0, 0, 1);
    assert.deepEqual(host.names(), ["endInvokeJSFromDotNet"]);
});

test("JS→Rust: a Uint8Array result (the chunk reader of §8.1: slice on a registered array)", async () => {
    const { DotNet, host, js } = await setup();
    const ref = DotNet.createJSStreamReference(new Uint8Array([10, 11, 12, 13]));
    await js.beginInvokeJSFromDotNet(6, "slice", "[1,3]", 0, ref.__jsObjectId, 1);
    assert.deepEqual(host.log, [
        ["sendByteArray", 0, [11, 12]],
        ["endInvokeJSFromDotNet", 6, true, '[6,true,{"__byte[]":0}]'],
    ]);
});

test("JS→Rust: a sync Rust→JS result sends its bytes before returning", async () => {
    const { host, js } = await setup();
    window.jsSyncBytes = () => [new Uint8Array([5]), new Uint8Array([6])];
    const json = js.invokeJSFromDotNet("jsSyncBytes", "[]", 0, 0, 1);
    assert.equal(json, '[{"__byte[]":0},{"__byte[]":1}]');
    assert.deepEqual(host.log, [["sendByteArray", 0, [5]], ["sendByteArray", 1, [6]]]);
});

test("JS→Rust: a payload that fails midway has already sent its earlier bytes", async () => {
    const { DotNet, host } = await setup();
    const p = DotNet.invokeMethodAsync("A", "M", new Uint8Array([1]), 5n);
    await assert.rejects(p, TypeError);
    assert.deepEqual(host.log, [["sendByteArray", 0, [1]]]);
});

test("JS→Rust: a host throwing in sendByteArray rejects the call", async () => {
    const { DotNet, host } = await setup({
        onBytes() {
            throw new Error("Exceeded the maximum byte array transfer limit for a call.");
        },
    });
    await assert.rejects(DotNet.invokeMethodAsync("A", "M", new Uint8Array([1])), { message: /maximum byte array/ });
    assert.deepEqual(host.names(), ["sendByteArray"]);
});

test("Rust→JS: staged bytes revive into the staged Uint8Array itself, in args", async () => {
    const { host, js } = await setup();
    let got;
    window.jsTakeBytes = (bytes, label) => {
        got = bytes;
        return `${label}:${bytes.length}`;
    };
    const staged = new Uint8Array([4, 5, 6]);
    js.receiveByteArray(1, staged);
    await js.beginInvokeJSFromDotNet(2, "jsTakeBytes", '[{"__byte[]":1},"n"]', 0, 0, 1);
    assert.equal(got, staged);
    assert.deepEqual(lastTriple(host), [2, true, "n:3"]);
});

test("Rust→JS: staged bytes are consumed on first use", async () => {
    const { host, js } = await setup();
    window.jsEcho = (x) => (x instanceof Uint8Array ? Array.from(x) : x);
    js.receiveByteArray(5, new Uint8Array([1]));
    await js.beginInvokeJSFromDotNet(1, "jsEcho", '[{"__byte[]":5}]', 0, 0, 1);
    assert.deepEqual(lastTriple(host), [1, true, [1]]);
    await js.beginInvokeJSFromDotNet(2, "jsEcho", '[{"__byte[]":5}]', 0, 0, 1);
    assert.equal(failureMessage(lastTriple(host)), "Byte array index '5' does not exist.");
});

test("Rust→JS: a missing index throws 'Byte array index <n> does not exist.' (the deliberate difference)", async () => {
    const { DotNet, host, js } = await setup();
    window.jsNever = () => assert.fail("must not run");
    await js.beginInvokeJSFromDotNet(1, "jsNever", '[{"__byte[]":0}]', 0, 0, 1);
    assert.equal(failureMessage(lastTriple(host)), "Byte array index '0' does not exist.");
    assert.throws(() => js.invokeJSFromDotNet("jsNever", '[{"__byte[]":3}]', 0, 0, 1), { message: "Byte array index '3' does not exist." });

    const p = DotNet.invokeMethodAsync("A", "GetBytes");
    assert.throws(() => js.endInvokeDotNetFromJS(1, true, '{"__byte[]":8}'), { message: "Byte array index '8' does not exist." });
    js.receiveByteArray(8, new Uint8Array([8]));
    js.endInvokeDotNetFromJS(1, true, '{"__byte[]":8}');
    assert.deepEqual(Array.from(await p), [8]);
});

test("Rust→JS: byte arrays in JS→Rust results and sync results", async () => {
    const { DotNet, host, js } = await setup({
        onSync() {
            js.receiveByteArray(21, new Uint8Array([2, 1]));
            return '{"data":{"__byte[]":21}}';
        },
    });
    const p = DotNet.invokeMethodAsync("A", "Bytes");
    js.receiveByteArray(1, new Uint8Array([1, 2, 3]));
    js.receiveByteArray(2, new Uint8Array([4]));
    js.endInvokeDotNetFromJS(1, true, '[{"__byte[]":2},{"__byte[]":1}]');
    const [x, y] = await p;
    assert.deepEqual([Array.from(x), Array.from(y)], [[4], [1, 2, 3]]);
    const sync = DotNet.invokeMethod("A", "SyncBytes");
    assert.deepEqual(Array.from(sync.data), [2, 1]);
    assert.equal(js.processByteArray(21), null, "consumed");
    assert.ok(host);
});

test("Rust→JS: staging is per dispatcher and keyed by the exact id", async () => {
    const DotNet = await loadFreshClient();
    const host1 = createFakeHost();
    const host2 = createFakeHost();
    const js1 = DotNet.attachDispatcher(host1);
    const js2 = DotNet.attachDispatcher(host2);
    window.jsLen = (b) => b.length;
    js1.receiveByteArray(1, new Uint8Array([1, 1]));
    await js2.beginInvokeJSFromDotNet(1, "jsLen", '[{"__byte[]":1}]', 0, 0, 1);
    assert.equal(failureMessage(lastTriple(host2)), "Byte array index '1' does not exist.");
    js1.receiveByteArray("2", new Uint8Array([2]));
    await js1.beginInvokeJSFromDotNet(1, "jsLen", '[{"__byte[]":2}]', 0, 0, 1);
    assert.equal(failureMessage(lastTriple(host1)), "Byte array index '2' does not exist.");
    await js1.beginInvokeJSFromDotNet(2, "jsLen", '[{"__byte[]":1}]', 0, 0, 1);
    assert.deepEqual(lastTriple(host1), [2, true, 2]);
    await flush();
});

test("Rust→JS: a later receiveByteArray with the same id replaces the staged bytes", async () => {
    const { host, js } = await setup();
    window.jsFirst = (b) => b[0];
    js.receiveByteArray(1, new Uint8Array([1]));
    js.receiveByteArray(1, new Uint8Array([2]));
    await js.beginInvokeJSFromDotNet(1, "jsFirst", '[{"__byte[]":1}]', 0, 0, 1);
    assert.deepEqual(lastTriple(host), [1, true, 2]);
});
