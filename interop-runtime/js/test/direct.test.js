// The extension `beginInvokeDotNetFromJSDirect`: a host that has it may return a call's
// completion instead of sending `endInvokeDotNetFromJS` (the QuickJS host does, for calls that
// complete at once). Also the argument serialization fast paths, checked against JSON.stringify.
import "../test-support/setup.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { createFakeHost, flush, loadFreshClient } from "../test-support/fake-host.js";

/** A fresh client attached to a fake host whose extension returns `direct(...)`. */
async function setup(direct, hostOptions = {}) {
    const DotNet = await loadFreshClient();
    const host = createFakeHost({ direct, ...hostOptions });
    const js = DotNet.attachDispatcher(host);
    return { DotNet, host, js };
}

test("a returned result settles the promise asynchronously, with no pending entry left", async () => {
    const { DotNet, host, js } = await setup((callId, assembly, identifier, objectId, argsJson) => `[${callId},${argsJson}]`);
    const order = [];
    const promise = DotNet.invokeMethodAsync("A", "Echo", 1, "two").then((value) => order.push(value));
    order.push("sync");
    assert.deepEqual(host.log, [["beginInvokeDotNetFromJSDirect", 1, "A", "Echo", null, '[1,"two"]']]);
    await promise;
    assert.deepEqual(order, ["sync", [1, [1, "two"]]]);
    assert.throws(() => js.endInvokeDotNetFromJS(1, true, "1"), { message: "There is no pending async call with ID 1." });
});

test("a returned { error } rejects with new Error(text)", async () => {
    const { DotNet } = await setup(() => ({ error: "The call to 'M' failed." }));
    const promise = DotNet.invokeMethodAsync("A", "M");
    await assert.rejects(promise, (error) => error instanceof Error && error.message === "The call to 'M' failed.");
});

test("undefined: the completion comes later through endInvokeDotNetFromJS", async () => {
    const { DotNet, js } = await setup(() => undefined);
    let settled = false;
    const promise = DotNet.invokeMethodAsync("A", "Later").then((value) => {
        settled = true;
        return value;
    });
    await flush();
    assert.equal(settled, false);
    js.endInvokeDotNetFromJS(1, true, '{"x":[1]}');
    assert.deepEqual(await promise, { x: [1] });
    const failing = DotNet.invokeMethodAsync("A", "LaterFails");
    js.endInvokeDotNetFromJS("2", false, "no luck");
    await assert.rejects(failing, { message: "no luck" });
});

test("a host exception or an argument that cannot be serialized rejects; the id is used up", async () => {
    let fail = true;
    const { DotNet, host } = await setup(() => {
        if (fail) {
            throw new TypeError("host refused");
        }
        return "3";
    });
    await assert.rejects(DotNet.invokeMethodAsync("A", "M"), (error) => error instanceof TypeError && error.message === "host refused");
    await assert.rejects(DotNet.invokeMethodAsync("A", "M", 1n), TypeError);
    fail = false;
    assert.equal(await DotNet.invokeMethodAsync("A", "M"), 3);
    assert.deepEqual(host.callsOf("beginInvokeDotNetFromJSDirect").map((call) => call[1]), [1, 3]);
});

test("instance calls and dispose() go through the extension too, sharing the id counter", async () => {
    const { DotNet, host, js } = await setup((callId, assembly, identifier) => (identifier === "Make" ? undefined : "null"));
    const making = DotNet.invokeMethodAsync("A", "Make");
    js.endInvokeDotNetFromJS(1, true, '{"__dotNetObject":4}');
    const obj = await making;
    assert.equal(await obj.invokeMethodAsync("Run", true), null);
    obj.dispose();
    await flush();
    assert.deepEqual(host.callsOf("beginInvokeDotNetFromJSDirect").map((call) => call.slice(1)), [
        [1, "A", "Make", null, "[]"],
        [2, null, "Run", 4, "[true]"],
        [3, null, "__Dispose", 4, "null"],
    ]);
    assert.deepEqual(host.callsOf("beginInvokeDotNetFromJS"), []);
});

test("with a reviver added, every call takes the standard beginInvokeDotNetFromJS", async () => {
    const { DotNet, host, js } = await setup(() => "1");
    assert.equal(await DotNet.invokeMethodAsync("A", "Before"), 1);
    DotNet.attachReviver((key, value) => (value === 2 ? "two" : value));
    const promise = DotNet.invokeMethodAsync("A", "After");
    js.endInvokeDotNetFromJS(2, true, "[2]");
    assert.deepEqual(await promise, ["two"]);
    assert.deepEqual(host.names(), ["beginInvokeDotNetFromJSDirect", "beginInvokeDotNetFromJS"]);
});

test("the extension is looked for once, when the host is attached", async () => {
    const DotNet = await loadFreshClient();
    const host = createFakeHost();
    const js = DotNet.attachDispatcher(host);
    host.beginInvokeDotNetFromJSDirect = () => {
        throw new Error("not expected");
    };
    const promise = DotNet.invokeMethodAsync("A", "M");
    js.endInvokeDotNetFromJS(1, true, "5");
    assert.equal(await promise, 5);
    assert.deepEqual(host.names(), ["beginInvokeDotNetFromJS"]);
});

test("arguments are serialized exactly as JSON.stringify writes them", async () => {
    const { DotNet, host } = await setup(() => "null");
    const cases = [
        [],
        [1],
        [-0],
        [-2.5],
        [1e21],
        [1.5e-7],
        [Infinity],
        [true],
        [false],
        [undefined],
        ["one"],
        [0, -0, 1.5, -2, 1e21, 1.5e-7, 123456789012345680000, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53],
        [NaN],
        [1, Infinity, -Infinity],
        [true, false, 3],
        [null],
        [undefined, 1],
        [() => 1, Symbol("s"), 2],
        ["text", 'quote " backslash \\ newline \n', "\u0001\u001f", "\ud800 lone", "é 😀"],
        [1, "two", null, true],
        [{ a: 1 }, 2],
        [[1, [2]], false],
        [new Date(0), 1],
    ];
    for (const args of cases) {
        await DotNet.invokeMethodAsync("A", "M", ...args);
        DotNet.invokeMethod("A", "M", ...args);
    }
    // Written by the (fake) host or, handed back, by the client; the client alone for sync calls.
    const written = host.callsOf("beginInvokeDotNetFromJSDirect").map((call) => call[5]);
    assert.deepEqual(written, cases.map((args) => JSON.stringify(args)));
    const serialized = host.callsOf("invokeDotNetFromJS").map((call) => call[4]);
    assert.deepEqual(serialized, cases.map((args) => JSON.stringify(args)));
    await assert.rejects(DotNet.invokeMethodAsync("A", "M", 1, 2n), { name: "TypeError" });
});

test("the host is handed the argument array; one it hands back is serialized and sent again under the same id", async () => {
    const { DotNet, host } = await setup((callId, assembly, identifier, objectId, argsJson) => argsJson);
    const ref = DotNet.createJSObjectReference({});
    assert.deepEqual(await DotNet.invokeMethodAsync("A", "Echo", 1, "two", null), [1, "two", null]);
    assert.deepEqual(await DotNet.invokeMethodAsync("A", "Echo", ref, [3]), [{ __jsObjectId: 1 }, [3]]);
    assert.deepEqual(host.log.map(([name, callId, , , , args]) => [name, callId, Array.isArray(args) ? "array" : args]), [
        ["beginInvokeDotNetFromJSDirect", 1, '[1,"two",null]'],
        ["handedBack", 2, "array"],
        ["beginInvokeDotNetFromJSDirect", 2, '[{"__jsObjectId":1},[3]]'],
    ]);
});

test("null or undefined arguments are serialized, and sent once whatever the host returns", async () => {
    const { host, js } = await setup((callId) => (callId === 1 ? null : undefined));
    assert.equal(await js.invokeDotNetMethodAsync(null, "__Dispose", 4, null), null);
    const pending = js.invokeDotNetMethodAsync("A", "M", null, undefined);
    js.endInvokeDotNetFromJS(2, true, "7");
    assert.equal(await pending, 7);
    assert.deepEqual(host.log.map(([name, callId, , , , args]) => [name, callId, args]), [
        ["beginInvokeDotNetFromJSDirect", 1, "null"],
        ["beginInvokeDotNetFromJSDirect", 2, JSON.stringify(undefined)],
    ]);
});

test("a returned number, boolean or null is the result itself; a string is JSON text", async () => {
    const returns = [7, -0, 1.5, true, false, null, '"text"', "[1]"];
    let next = 0;
    const { DotNet } = await setup(() => returns[next++]);
    const results = [];
    for (let i = 0; i < returns.length; i++) {
        results.push(await DotNet.invokeMethodAsync("A", "M"));
    }
    assert.deepEqual(results, [7, -0, 1.5, true, false, null, "text", [1]]);
    assert.ok(Object.is(results[1], -0));
});
