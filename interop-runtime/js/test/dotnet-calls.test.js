// JS → Rust calls: DotNet.invokeMethod[Async], DotNetObject, call ids, completion.
import "../test-support/setup.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { createFakeHost, flush, loadFreshClient } from "../test-support/fake-host.js";

/** A fresh client with one attached fake host (so the default dispatcher is that host's). */
async function setup(hostOptions) {
    const DotNet = await loadFreshClient();
    const host = createFakeHost(hostOptions);
    const js = DotNet.attachDispatcher(host);
    return { DotNet, host, js };
}

/** Revives a DotNetObject with the given id through `js` (as a JS→Rust result would). */
async function reviveDotNetObject(DotNet, host, js, id) {
    const promise = DotNet.invokeMethodAsync("A", "MakeObject");
    const [, callId] = host.log.at(-1);
    js.endInvokeDotNetFromJS(callId, true, `{"__dotNetObject":${id}}`);
    const obj = await promise;
    host.clear();
    return obj;
}

test("static async call: beginInvokeDotNetFromJS(callId, assembly, identifier, null, argsJson)", async () => {
    const { DotNet, host, js } = await setup();
    const promise = DotNet.invokeMethodAsync("BlazorSample", "ReturnArrayAsync");
    assert.deepEqual(host.log, [["beginInvokeDotNetFromJS", 1, "BlazorSample", "ReturnArrayAsync", null, "[]"]]);
    js.endInvokeDotNetFromJS(1, true, "[1,2,3]");
    assert.deepEqual(await promise, [1, 2, 3]);
});

test("call ids start at 1 per dispatcher, grow by one and are never reused", async () => {
    const { DotNet, host, js } = await setup();
    const p1 = DotNet.invokeMethodAsync("A", "M1");
    const p2 = DotNet.invokeMethodAsync("A", "M2", 5);
    js.endInvokeDotNetFromJS(1, true, "1");
    const p3 = DotNet.invokeMethodAsync("A", "M3");
    assert.deepEqual(host.callsOf("beginInvokeDotNetFromJS").map((c) => c[1]), [1, 2, 3]);
    js.endInvokeDotNetFromJS(3, true, "3");
    js.endInvokeDotNetFromJS(2, true, "2");
    assert.deepEqual(await Promise.all([p1, p2, p3]), [1, 2, 3]);

    const host2 = createFakeHost();
    const js2 = DotNet.attachDispatcher(host2);
    const q = js2.invokeDotNetStaticMethodAsync("A", "Other");
    assert.equal(host2.log[0][1], 1, "a second dispatcher counts from 1 again");
    js2.endInvokeDotNetFromJS(1, true, "null");
    assert.equal(await q, null);
});

test("arguments are serialized as a JSON array with plain JSON rules", async () => {
    const { DotNet, host } = await setup();
    const date = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));
    DotNet.invokeMethodAsync("A", "M", 1, "two", { three: [3], skip: undefined, f() {} }, null, undefined, NaN, Infinity, date, () => 1, true);
    assert.equal(
        host.log[0][5],
        '[1,"two",{"three":[3]},null,null,null,null,"2024-01-02T03:04:05.000Z",null,true]',
    );
    DotNet.invokeMethodAsync("A", "Typed", new Int8Array([1, 2]), new ArrayBuffer(2), new Map([[1, 2]]));
    assert.equal(host.log[1][5], '[{"0":1,"1":2},{},{}]', "only Uint8Array is special");
});

test("success with null, \"null\" or \"\" resolves null; failure rejects with Error(text)", async () => {
    const { DotNet, js } = await setup();
    const a = DotNet.invokeMethodAsync("A", "M");
    const b = DotNet.invokeMethodAsync("A", "M");
    const c = DotNet.invokeMethodAsync("A", "M");
    const d = DotNet.invokeMethodAsync("A", "M");
    js.endInvokeDotNetFromJS(1, true, null);
    js.endInvokeDotNetFromJS(2, true, "null");
    js.endInvokeDotNetFromJS(3, true, "");
    js.endInvokeDotNetFromJS(4, false, "There is no loaded assembly with the name 'A'.");
    assert.equal(await a, null);
    assert.equal(await b, null);
    assert.equal(await c, null);
    await assert.rejects(d, (error) => error instanceof Error && error.message === "There is no loaded assembly with the name 'A'.");
});

test("endInvokeDotNetFromJS parses the call id with parseInt(x, 10)", async () => {
    const { DotNet, js } = await setup();
    const a = DotNet.invokeMethodAsync("A", "M");
    const b = DotNet.invokeMethodAsync("A", "M");
    js.endInvokeDotNetFromJS("1", true, '"one"');
    js.endInvokeDotNetFromJS(" 2 ", true, '"two"');
    assert.equal(await a, "one");
    assert.equal(await b, "two");
});

test("unknown, completed or unparsable call ids throw into the host", async () => {
    const { DotNet, js } = await setup();
    assert.throws(() => js.endInvokeDotNetFromJS(99, true, "1"), { message: "There is no pending async call with ID 99." });
    const p = DotNet.invokeMethodAsync("A", "M");
    js.endInvokeDotNetFromJS(1, true, "1");
    assert.throws(() => js.endInvokeDotNetFromJS(1, true, "1"), { message: "There is no pending async call with ID 1." });
    assert.throws(() => js.endInvokeDotNetFromJS("abc", false, "x"), { message: "There is no pending async call with ID NaN." });
    assert.equal(await p, 1);
});

test("the pending entry exists before the host is called: re-entrant completion works", async () => {
    let js;
    const DotNet = await loadFreshClient();
    const host = createFakeHost({
        onBegin(callId, assemblyName, methodIdentifier) {
            js.endInvokeDotNetFromJS(callId, true, JSON.stringify(`done ${methodIdentifier}`));
        },
    });
    js = DotNet.attachDispatcher(host);
    assert.equal(await DotNet.invokeMethodAsync("A", "Now"), "done Now");
});

test("a host that throws in beginInvokeDotNetFromJS rejects the promise with that exception; the id is used up", async () => {
    const thrown = new Error("socket closed");
    let fail = true;
    const { DotNet, host } = await setup({
        onBegin() {
            if (fail) {
                throw thrown;
            }
        },
    });
    await assert.rejects(DotNet.invokeMethodAsync("A", "M"), (error) => error === thrown);
    fail = false;
    DotNet.invokeMethodAsync("A", "M");
    assert.deepEqual(host.callsOf("beginInvokeDotNetFromJS").map((c) => c[1]), [1, 2]);
});

test("arguments that fail to serialize reject, never reach the host, and leave a gap in the ids", async () => {
    const { DotNet, host } = await setup();
    await assert.rejects(DotNet.invokeMethodAsync("A", "M", 10n), TypeError);
    const cyclic = {};
    cyclic.self = cyclic;
    await assert.rejects(DotNet.invokeMethodAsync("A", "M", cyclic), TypeError);
    assert.equal(host.log.length, 0);
    DotNet.invokeMethodAsync("A", "M");
    assert.deepEqual(host.log, [["beginInvokeDotNetFromJS", 3, "A", "M", null, "[]"]]);
});

test("sync static call: invokeDotNetFromJS(assembly, identifier, null, argsJson) and its result", async () => {
    const { DotNet, host } = await setup({
        onSync(assemblyName, methodIdentifier) {
            return { ReturnArray: "[1,2,3]", Nothing: null, Empty: "", Obj: '{"a":{"b":[true]}}' }[methodIdentifier];
        },
    });
    assert.deepEqual(DotNet.invokeMethod("BlazorSample", "ReturnArray", "x", 2), [1, 2, 3]);
    assert.deepEqual(host.log, [["invokeDotNetFromJS", "BlazorSample", "ReturnArray", null, '["x",2]']]);
    assert.equal(DotNet.invokeMethod("BlazorSample", "Nothing"), null);
    assert.equal(DotNet.invokeMethod("BlazorSample", "Empty"), null);
    assert.deepEqual(DotNet.invokeMethod("BlazorSample", "Obj"), { a: { b: [true] } });
    assert.equal(DotNet.invokeMethod("BlazorSample", "Unknown"), null, "undefined from the host gives null");
});

test("sync call: host exceptions reach the caller", async () => {
    const { DotNet } = await setup({
        onSync() {
            throw new Error("The method 'M' is async and cannot be invoked synchronously. Use invokeMethodAsync instead.");
        },
    });
    assert.throws(() => DotNet.invokeMethod("A", "M"), { message: /cannot be invoked synchronously/ });
});

test("sync call without invokeDotNetFromJS throws the npm text, before serializing anything", async () => {
    const { DotNet, host } = await setup({ sync: false });
    assert.throws(
        () => DotNet.invokeMethod("A", "M", new Uint8Array([1])),
        { message: "The current dispatcher does not support synchronous calls from JS to .NET. Use invokeDotNetMethodAsync instead." },
    );
    assert.equal(host.log.length, 0);
});

test("a revived DotNetObject calls instance methods (async, sync) and disposes with __Dispose", async () => {
    const { DotNet, host, js } = await setup({ onSync: () => '"sync hello"' });
    const helper = await reviveDotNetObject(DotNet, host, js, 7);
    assert.ok(helper instanceof DotNet.DotNetObject);
    assert.equal(helper._id, 7);

    const p = helper.invokeMethodAsync("GetHelloMessage", "Amy");
    assert.deepEqual(host.log.at(-1), ["beginInvokeDotNetFromJS", 2, null, "GetHelloMessage", 7, '["Amy"]']);
    js.endInvokeDotNetFromJS(2, true, '"Hello, Amy!"');
    assert.equal(await p, "Hello, Amy!");

    assert.equal(helper.invokeMethod("GetHelloMessage"), "sync hello");
    assert.deepEqual(host.log.at(-1), ["invokeDotNetFromJS", null, "GetHelloMessage", 7, "[]"]);

    assert.equal(helper.dispose(), undefined);
    assert.deepEqual(host.log.at(-1), ["beginInvokeDotNetFromJS", 3, null, "__Dispose", 7, "null"]);
    js.endInvokeDotNetFromJS(3, true, "null");
});

test("the seed's helper sample: invokeMethodAsync('BlazorSample', 'UpdateMessageCaller') then dispose()", async () => {
    const { DotNet, host, js } = await setup();
    const dotNetHelper = await reviveDotNetObject(DotNet, host, js, 3);
    dotNetHelper.invokeMethodAsync("BlazorSample", "UpdateMessageCaller");
    dotNetHelper.dispose();
    assert.deepEqual(host.log, [
        ["beginInvokeDotNetFromJS", 2, null, "BlazorSample", 3, '["UpdateMessageCaller"]'],
        ["beginInvokeDotNetFromJS", 3, null, "__Dispose", 3, "null"],
    ]);
    js.endInvokeDotNetFromJS(2, true, "null");
    js.endInvokeDotNetFromJS(3, true, "null");
});

test("a rejected dispose is only logged with console.error", async () => {
    const { DotNet, host, js } = await setup();
    const helper = await reviveDotNetObject(DotNet, host, js, 4);
    const logged = [];
    const original = console.error;
    console.error = (...args) => logged.push(args);
    try {
        helper.dispose();
        js.endInvokeDotNetFromJS(2, false, "There is no tracked object with id '4'. Perhaps the DotNetObjectReference instance was already disposed. (Parameter 'dotNetObjectId')");
        await flush();
    } finally {
        console.error = original;
    }
    assert.equal(logged.length, 1);
    assert.match(logged[0][0].message, /There is no tracked object with id '4'/);
});

test("a DotNetObject serializes as {\"__dotNetObject\":id}, in args and with plain JSON.stringify", async () => {
    const { DotNet, host, js } = await setup();
    const helper = await reviveDotNetObject(DotNet, host, js, 12);
    DotNet.invokeMethodAsync("A", "Take", helper, { nested: [helper] });
    assert.equal(host.log[0][5], '[{"__dotNetObject":12},{"nested":[{"__dotNetObject":12}]}]');
    assert.equal(JSON.stringify(helper), '{"__dotNetObject":12}');
    assert.deepEqual(helper.serializeAsArg(), { __dotNetObject: 12 });
});

test("a DotNetObject is bound to the dispatcher whose payload carried it", async () => {
    const DotNet = await loadFreshClient();
    const host1 = createFakeHost();
    const host2 = createFakeHost();
    const js1 = DotNet.attachDispatcher(host1);
    const js2 = DotNet.attachDispatcher(host2);
    const p = js2.invokeDotNetStaticMethodAsync("A", "Make");
    js2.endInvokeDotNetFromJS(1, true, '[{"__dotNetObject":1},{"__dotNetObject":1}]');
    const [a, b] = await p;
    assert.notEqual(a, b, "one id received twice gives two wrappers");
    a.invokeMethodAsync("M");
    assert.equal(host1.log.length, 0);
    assert.deepEqual(host2.log.at(-1), ["beginInvokeDotNetFromJS", 2, null, "M", 1, "[]"]);
    assert.ok(js1);
});

test("DotNetObject objects can be built by hand with an id and a dispatcher", async () => {
    const { DotNet, host, js } = await setup();
    const obj = new DotNet.DotNetObject(9, js);
    obj.invokeMethodAsync("Ping", 1);
    assert.deepEqual(host.log, [["beginInvokeDotNetFromJS", 1, null, "Ping", 9, "[1]"]]);
});

test("dispatcher-level calls: instance call with an assembly name throws synchronously, using no id", async () => {
    const { host, js } = await setup();
    assert.throws(
        () => js.invokeDotNetMethodAsync("BlazorSample", "M", 5, []),
        { message: "For instance method calls, assemblyName should be null. Received 'BlazorSample'." },
    );
    js.invokeDotNetMethodAsync(null, "M", 5, [1]);
    js.invokeDotNetMethodAsync("A", "S", null, null);
    assert.deepEqual(host.log, [
        ["beginInvokeDotNetFromJS", 1, null, "M", 5, "[1]"],
        ["beginInvokeDotNetFromJS", 2, "A", "S", null, "null"],
    ]);
    assert.equal(js.getDotNetCallDispatcher(), host);
});

test("a result that fails to revive throws into the host and leaves the call pending", async () => {
    const { DotNet, js } = await setup();
    let settled = false;
    DotNet.invokeMethodAsync("A", "M").then(() => (settled = true), () => (settled = true));
    assert.throws(() => js.endInvokeDotNetFromJS(1, true, '{"__jsObjectId":4242}'),
        { message: "JS object instance with Id '4242' does not exist. It may have been disposed." });
    assert.throws(() => js.endInvokeDotNetFromJS(1, true, "{not json"), SyntaxError);
    await flush();
    assert.equal(settled, false);
    js.endInvokeDotNetFromJS(1, true, "5");
    await flush();
    assert.equal(settled, true);
});
