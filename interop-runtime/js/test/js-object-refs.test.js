// JS object references (__jsObjectId) and JS stream references: lifecycle and error texts.
import "../test-support/setup.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { createFakeHost, failureMessage, lastTriple, loadFreshClient } from "../test-support/fake-host.js";

async function setup() {
    const DotNet = await loadFreshClient();
    const host = createFakeHost();
    const js = DotNet.attachDispatcher(host);
    return { DotNet, host, js };
}

test("createJSObjectReference: ids from 1, a new id on every call, shared by all dispatchers", async () => {
    const DotNet = await loadFreshClient();
    const obj = { a: 1 };
    assert.deepEqual(DotNet.createJSObjectReference(obj), { __jsObjectId: 1 });
    assert.deepEqual(DotNet.createJSObjectReference(obj), { __jsObjectId: 2 });
    assert.deepEqual(DotNet.createJSObjectReference(() => 1), { __jsObjectId: 3 });
    assert.deepEqual(DotNet.createJSObjectReference([1, 2]), { __jsObjectId: 4 });
    DotNet.attachDispatcher(createFakeHost());
    DotNet.attachDispatcher(createFakeHost());
    assert.deepEqual(DotNet.createJSObjectReference({}), { __jsObjectId: 5 });
});

test("createJSObjectReference: null/undefined give -1 without registering; primitives throw", async () => {
    const DotNet = await loadFreshClient();
    assert.deepEqual(DotNet.createJSObjectReference(null), { __jsObjectId: -1 });
    assert.deepEqual(DotNet.createJSObjectReference(undefined), { __jsObjectId: -1 });
    assert.deepEqual(DotNet.createJSObjectReference({}), { __jsObjectId: 1 });
    for (const [value, text] of [[5, "5"], ["s", "s"], [true, "true"], [0, "0"], ["", ""]]) {
        assert.throws(() => DotNet.createJSObjectReference(value), { message: `Cannot create a JSObjectReference from the value '${text}'.` });
    }
});

test("a JS object reference in a payload revives to the original object; unknown ids throw", async () => {
    const { DotNet, host, js } = await setup();
    const target = { tag: "target" };
    const ref = DotNet.createJSObjectReference(target);
    let received;
    window.jsReceive = (x) => {
        received = x;
        return x.tag;
    };
    await js.beginInvokeJSFromDotNet(1, "jsReceive", JSON.stringify([ref]), 0, 0, 1);
    assert.equal(received, target);
    assert.deepEqual(lastTriple(host), [1, true, "target"]);
    await js.beginInvokeJSFromDotNet(2, "jsReceive", '[{"__jsObjectId":424242}]', 0, 0, 1);
    assert.equal(failureMessage(lastTriple(host)), "JS object instance with Id '424242' does not exist. It may have been disposed.");
    await js.beginInvokeJSFromDotNet(3, "jsReceive", '[{"__jsObjectId":-1}]', 0, 0, 1);
    assert.equal(failureMessage(lastTriple(host)), "JS object instance with Id '-1' does not exist. It may have been disposed.",
        "Rust must send null, never -1");
    await js.beginInvokeJSFromDotNet(4, "jsReceive", '[{"__jsObjectId":0}]', 0, 0, 1);
    assert.equal(received, window, "0 is window");
    await js.beginInvokeJSFromDotNet(5, "jsReceive", `[{"__jsStreamReferenceLength":3,"__jsObjectId":${ref.__jsObjectId}}]`, 0, 0, 1);
    assert.equal(received, target, "a stream reference sent back revives to its data object");
});

test("calls on a JS object reference use it as the root of the identifier", async () => {
    const { DotNet, host, js } = await setup();
    const target = { name: "t", inner: { hi() { return `hi from ${this.where}`; }, where: "inner" }, greet(n) { return `${this.name}:${n}`; } };
    const { __jsObjectId: id } = DotNet.createJSObjectReference(target);
    await js.beginInvokeJSFromDotNet(1, "greet", '["x"]', 0, id, 1);
    assert.deepEqual(lastTriple(host), [1, true, "t:x"]);
    await js.beginInvokeJSFromDotNet(2, "inner.hi", "[]", 0, id, 1);
    assert.deepEqual(lastTriple(host), [2, true, "hi from inner"]);
    assert.equal(js.invokeJSFromDotNet("name", "[]", 0, id, 3), '"t"');
    js.invokeJSFromDotNet("name", '["u"]', 3, id, 4);
    assert.equal(target.name, "u");
    await js.beginInvokeJSFromDotNet(3, "missing.fn", "[]", 0, id, 1);
    assert.equal(failureMessage(lastTriple(host)), "Could not find 'missing.fn' ('missing' was undefined).");
});

test("dispose by reference or by id; later use fails with both texts", async () => {
    const { DotNet, host, js } = await setup();
    const a = DotNet.createJSObjectReference({ f: () => "a" });
    const b = DotNet.createJSObjectReference({ f: () => "b" });
    DotNet.disposeJSObjectReference(a);
    DotNet.disposeJSObjectReferenceById(b.__jsObjectId);
    for (const ref of [a, b]) {
        await js.beginInvokeJSFromDotNet(1, "f", "[]", 0, ref.__jsObjectId, 1);
        assert.equal(failureMessage(lastTriple(host)), `JS object instance with ID ${ref.__jsObjectId} does not exist (has it been disposed?).`);
        await js.beginInvokeJSFromDotNet(1, "jsAnything", JSON.stringify([ref]), 0, 0, 1);
        assert.equal(failureMessage(lastTriple(host)), `JS object instance with Id '${ref.__jsObjectId}' does not exist. It may have been disposed.`);
    }
    // Disposing again, or disposing non-references, is harmless.
    DotNet.disposeJSObjectReference(a);
    DotNet.disposeJSObjectReference({ __jsObjectId: -1 });
    DotNet.disposeJSObjectReference(null);
    DotNet.disposeJSObjectReference({ __jsObjectId: "1" });
    DotNet.disposeJSObjectReferenceById(999);
});

test("disposeJSObjectReference ignores string ids; the table itself matches ids by their text", async () => {
    const { DotNet, host, js } = await setup();
    const ref = DotNet.createJSObjectReference({ f: () => "still here" });
    DotNet.disposeJSObjectReference({ __jsObjectId: String(ref.__jsObjectId) });
    await js.beginInvokeJSFromDotNet(1, "f", "[]", 0, String(ref.__jsObjectId), 1);
    assert.deepEqual(lastTriple(host), [1, true, "still here"]);
});

test("Rust disposes through the global identifier DotNet.disposeJSObjectReferenceById (host sets window.DotNet)", async () => {
    const { DotNet, host, js } = await setup();
    const saved = window.DotNet;
    delete window.DotNet;
    try {
        const ref = DotNet.createJSObjectReference({ f: () => 1 });
        await js.beginInvokeJSFromDotNet(1, "DotNet.disposeJSObjectReferenceById", `[${ref.__jsObjectId}]`, 3, 0, 1);
        assert.equal(failureMessage(lastTriple(host)), "Could not find 'DotNet.disposeJSObjectReferenceById' ('DotNet' was undefined).");
        window.DotNet = DotNet;
        await js.beginInvokeJSFromDotNet(2, "DotNet.disposeJSObjectReferenceById", `[${ref.__jsObjectId}]`, 3, 0, 1);
        assert.deepEqual(lastTriple(host), [2, true, null]);
        await js.beginInvokeJSFromDotNet(3, "f", "[]", 0, ref.__jsObjectId, 1);
        assert.equal(failureMessage(lastTriple(host)), `JS object instance with ID ${ref.__jsObjectId} does not exist (has it been disposed?).`);
    } finally {
        if (saved === undefined) {
            delete window.DotNet;
        } else {
            window.DotNet = saved;
        }
    }
});

test("result type 1 registers the value; a later call on it sees the same object", async () => {
    const { host, js } = await setup();
    const made = { count: 0, bump() { return ++this.count; } };
    window.jsMakeCounter = () => made;
    await js.beginInvokeJSFromDotNet(1, "jsMakeCounter", "[]", 1, 0, 1);
    const [, , ref] = lastTriple(host);
    await js.beginInvokeJSFromDotNet(2, "bump", "[]", 0, ref.__jsObjectId, 1);
    await js.beginInvokeJSFromDotNet(3, "bump", "[]", 0, ref.__jsObjectId, 1);
    assert.deepEqual(lastTriple(host), [3, true, 2]);
    assert.equal(made.count, 2);
});

test("JS object references in JS→Rust args serialize as plain markers", async () => {
    const { DotNet, host } = await setup();
    const ref = DotNet.createJSObjectReference({});
    DotNet.invokeMethodAsync("A", "Keep", ref);
    assert.equal(host.log[0][5], `[{"__jsObjectId":${ref.__jsObjectId}}]`);
});

test("createJSStreamReference: shapes for Uint8Array, ArrayBuffer, other views and Blob", async () => {
    const { DotNet } = await setup();
    const bytes = new Uint8Array([1, 2, 3]);
    const r1 = DotNet.createJSStreamReference(bytes);
    assert.deepEqual(Object.keys(r1), ["__jsStreamReferenceLength", "__jsObjectId"]);
    assert.equal(r1.__jsStreamReferenceLength, 3);
    assert.equal(DotNet.findJSFunction("subarray", r1.__jsObjectId)(0).buffer, bytes.buffer, "the data object itself is registered");
    const buffer = new ArrayBuffer(8);
    const r2 = DotNet.createJSStreamReference(buffer);
    assert.equal(r2.__jsStreamReferenceLength, 8);
    assert.equal(r2.__jsObjectId, r1.__jsObjectId + 1);
    const wrapped = DotNet.findJSFunction("subarray", r2.__jsObjectId)(0);
    assert.ok(wrapped instanceof Uint8Array, "an ArrayBuffer is wrapped in a Uint8Array");
    assert.equal(wrapped.buffer, buffer);
    assert.equal(DotNet.createJSStreamReference(new Float64Array(2)).__jsStreamReferenceLength, 16);
    assert.equal(DotNet.createJSStreamReference(new DataView(new ArrayBuffer(5), 1)).__jsStreamReferenceLength, 4);
    assert.equal(DotNet.createJSStreamReference(new Blob(["abcdef"])).__jsStreamReferenceLength, 6);
    assert.equal(DotNet.createJSStreamReference(new Uint8Array(0)).__jsStreamReferenceLength, 0, "empty data (Rust rejects length 0)");
});

test("createJSStreamReference: errors", async () => {
    const { DotNet } = await setup();
    assert.throws(() => DotNet.createJSStreamReference("text"), { message: "Supplied value is not a typed array or blob." });
    assert.throws(() => DotNet.createJSStreamReference({}), { message: "Supplied value is not a typed array or blob." });
    assert.throws(() => DotNet.createJSStreamReference([1, 2]), { message: "Supplied value is not a typed array or blob." });
    assert.throws(() => DotNet.createJSStreamReference({ buffer: new ArrayBuffer(1) }),
        { message: "Cannot create a JSStreamReference from the value '[object Object]' as it doesn't have a byteLength." });
    assert.throws(() => DotNet.createJSStreamReference(null), TypeError);
});

test("the §8.1 chunk-reader helper works on registered Blobs and views", async () => {
    const { DotNet, host, js } = await setup();
    window.getJSDataStreamChunk = async (d, o, n) => (d instanceof Blob
        ? new Uint8Array(await d.slice(o, o + n).arrayBuffer())
        : new Uint8Array(d.buffer, d.byteOffset + o, n).slice());
    const blobRef = DotNet.createJSStreamReference(new Blob([new Uint8Array([1, 2, 3, 4, 5])]));
    await js.beginInvokeJSFromDotNet(1, "getJSDataStreamChunk", `[{"__jsObjectId":${blobRef.__jsObjectId}},1,3]`, 0, 0, 1);
    assert.deepEqual(host.log.slice(-2), [
        ["sendByteArray", 0, [2, 3, 4]],
        ["endInvokeJSFromDotNet", 1, true, '[1,true,{"__byte[]":0}]'],
    ]);
    const viewRef = DotNet.createJSStreamReference(new Uint16Array([0x0201, 0x0403]));
    await js.beginInvokeJSFromDotNet(2, "getJSDataStreamChunk", `[{"__jsObjectId":${viewRef.__jsObjectId}},0,4]`, 0, 0, 1);
    assert.deepEqual(host.log.at(-2), ["sendByteArray", 0, [1, 2, 3, 4]]);
});
