// The extension `beginInvokeDotNetFromJSDirect`: a host that has it may answer with a call's
// completion instead of sending `endInvokeDotNetFromJS` (the QuickJS host does, for calls that
// complete at once). Also the argument serialization fast paths, checked against JSON.stringify.
import "../test-support/setup.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { answer, createFakeHost, flush, loadFreshClient } from "../test-support/fake-host.js";

/** A fresh client attached to a fake host whose extension answers `direct(...)`. */
async function setup(direct, hostOptions = {}) {
    const DotNet = await loadFreshClient();
    const host = createFakeHost({ direct, ...hostOptions });
    const js = DotNet.attachDispatcher(host);
    return { DotNet, host, js };
}

test("an answered result settles the promise asynchronously, with no pending entry left", async () => {
    const { DotNet, host, js } = await setup((callId, assembly, identifier, objectId, argsJson) => answer.json(`[${callId},${argsJson}]`));
    const order = [];
    const promise = DotNet.invokeMethodAsync("A", "Echo", 1, "two").then((value) => order.push(value));
    order.push("sync");
    assert.deepEqual(host.log, [["beginInvokeDotNetFromJSDirect", 1, "A", "Echo", null, '[1,"two"]']]);
    await promise;
    assert.deepEqual(order, ["sync", [1, [1, "two"]]]);
    assert.throws(() => js.endInvokeDotNetFromJS(1, true, "1"), { message: "There is no pending async call with ID 1." });
});

test("an answered error rejects with new Error(text)", async () => {
    const { DotNet } = await setup(() => answer.error("The call to 'M' failed."));
    const promise = DotNet.invokeMethodAsync("A", "M");
    await assert.rejects(promise, (error) => error instanceof Error && error.message === "The call to 'M' failed.");
});

test("started: the completion comes later through endInvokeDotNetFromJS", async () => {
    const { DotNet, js } = await setup(() => answer.started());
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
        return answer.json("3");
    });
    await assert.rejects(DotNet.invokeMethodAsync("A", "M"), (error) => error instanceof TypeError && error.message === "host refused");
    await assert.rejects(DotNet.invokeMethodAsync("A", "M", 1n), TypeError);
    fail = false;
    assert.equal(await DotNet.invokeMethodAsync("A", "M"), 3);
    assert.deepEqual(host.callsOf("beginInvokeDotNetFromJSDirect").map((call) => call[1]), [1, 3]);
});

test("instance calls and dispose() go through the extension too, sharing the id counter", async () => {
    const { DotNet, host, js } = await setup((callId, assembly, identifier) => (identifier === "Make" ? answer.started() : answer.value(null)));
    const making = DotNet.invokeMethodAsync("A", "Make");
    js.endInvokeDotNetFromJS(1, true, '{"__dotNetObject":4}');
    const obj = await making;
    assert.equal(await obj.invokeMethodAsync("Run", true), null);
    obj.dispose();
    await flush();
    assert.deepEqual(host.callsOf("beginInvokeDotNetFromJSDirect").map((call) => call.slice(1)), [
        [1, "A", "Make", null, "[]"],
        [2, null, "Run", 4, "[true]"],
        [3, null, "__Dispose", 4, null],
    ]);
    assert.deepEqual(host.callsOf("beginInvokeDotNetFromJS"), []);
});

test("with a reviver added, every call takes the standard beginInvokeDotNetFromJS", async () => {
    const { DotNet, host, js } = await setup(() => answer.json("1"));
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
    const { DotNet, host } = await setup(() => answer.value(null));
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
    // Written by the (fake) host or, when it does not, by the client; the client alone for sync calls.
    const written = host.callsOf("beginInvokeDotNetFromJSDirect").map((call) => call[5]);
    assert.deepEqual(written, cases.map((args) => JSON.stringify(args)));
    const serialized = host.callsOf("invokeDotNetFromJS").map((call) => call[4]);
    assert.deepEqual(serialized, cases.map((args) => JSON.stringify(args)));
    await assert.rejects(DotNet.invokeMethodAsync("A", "M", 1, 2n), { name: "TypeError" });
});

test("the host is handed the argument array; one it does not write is serialized and sent again under the same id", async () => {
    // The answer is the argument JSON as a string.
    const { DotNet, host } = await setup((callId, assembly, identifier, objectId, argsJson) => answer.json(JSON.stringify(argsJson)));
    const ref = DotNet.createJSObjectReference({});
    assert.equal(await DotNet.invokeMethodAsync("A", "Echo", 1, "two", null), '[1,"two",null]');
    assert.equal(await DotNet.invokeMethodAsync("A", "Echo", ref, [3]), '[{"__jsObjectId":1},[3]]');
    assert.deepEqual(host.log.map(([name, callId, , , , args]) => [name, callId, Array.isArray(args) ? "array" : args]), [
        ["beginInvokeDotNetFromJSDirect", 1, '[1,"two",null]'],
        ["notWritten", 2, "array"],
        ["beginInvokeDotNetFromJSDirect", 2, '[{"__jsObjectId":1},[3]]'],
    ]);
});

test("null or undefined arguments are handed over as they are, and sent once whatever the answer", async () => {
    const { host, js } = await setup((callId) => (callId === 1 ? answer.value(null) : answer.started()));
    assert.equal(await js.invokeDotNetMethodAsync(null, "__Dispose", 4, null), null);
    const pending = js.invokeDotNetMethodAsync("A", "M", null, undefined);
    js.endInvokeDotNetFromJS(2, true, "7");
    assert.equal(await pending, 7);
    assert.deepEqual(host.log.map(([name, callId, , , , args]) => [name, callId, args]), [
        ["beginInvokeDotNetFromJSDirect", 1, null],
        ["beginInvokeDotNetFromJSDirect", 2, undefined],
    ]);
});

test("a value answer is the result itself; a JSON answer is parsed", async () => {
    const replies = [answer.value(7), answer.value(-0), answer.value(1.5), answer.value(true), answer.value(false),
        answer.value(null), answer.json('"text"'), answer.json("[1]"), answer.json("null")];
    let next = 0;
    const { DotNet } = await setup(() => replies[next++]);
    const results = [];
    for (let i = 0; i < replies.length; i++) {
        results.push(await DotNet.invokeMethodAsync("A", "M"));
    }
    assert.deepEqual(results, [7, -0, 1.5, true, false, null, "text", [1], null]);
    assert.ok(Object.is(results[1], -0));
});

test("the payload is taken out of the out array, so the client keeps no result or error text", async () => {
    const replies = [answer.json('"a long result"'), answer.error("no luck"), answer.value(3)];
    let next = 0;
    const { DotNet, host } = await setup(() => replies[next++]);
    assert.equal(await DotNet.invokeMethodAsync("A", "M"), "a long result");
    assert.equal(host.lastOut[0], undefined);
    await assert.rejects(DotNet.invokeMethodAsync("A", "M"), { message: "no luck" });
    assert.equal(host.lastOut[0], undefined);
    assert.equal(await DotNet.invokeMethodAsync("A", "M"), 3);
});

test("a call made while the host runs gets its own answer, before the call that made it", async () => {
    let DotNet;
    let inner;
    const { DotNet: client } = await setup((callId) => {
        if (callId === 1) {
            // Rust calling JavaScript during the call, which calls Rust again.
            inner = DotNet.invokeMethodAsync("A", "Inner");
            return answer.json('"outer"');
        }
        return answer.value(2);
    });
    DotNet = client;
    assert.equal(await DotNet.invokeMethodAsync("A", "Outer"), "outer");
    assert.equal(await inner, 2);
});

test("a reviver added while the host runs applies to the JSON it answers", async () => {
    let DotNet;
    const { DotNet: client } = await setup(() => {
        DotNet.attachReviver((key, value) => (value === 2 ? "two" : value));
        return answer.json("[2]");
    });
    DotNet = client;
    assert.deepEqual(await DotNet.invokeMethodAsync("A", "M"), ["two"]);
});

test("an unknown answer rejects the call", async () => {
    const { DotNet } = await setup(() => [9]);
    await assert.rejects(DotNet.invokeMethodAsync("A", "M"), { message: "Unknown answer '9' from beginInvokeDotNetFromJSDirect." });
});
