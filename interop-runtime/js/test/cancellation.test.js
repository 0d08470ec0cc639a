// Cancelling JS → Rust calls: invokeMethodWithSignalAsync on DotNet and on DotNetObject.
import "../test-support/setup.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { createFakeHost, flush, loadFreshClient } from "../test-support/fake-host.js";

async function setup(hostOptions) {
    const DotNet = await loadFreshClient();
    const host = createFakeHost(hostOptions);
    const js = DotNet.attachDispatcher(host);
    return { DotNet, host, js };
}

/** Whether `promise` has settled, after the pending jobs ran. */
async function settled(promise) {
    let done = false;
    promise.then(() => (done = true), () => (done = true));
    await flush();
    return done;
}

test("an already-aborted signal sends nothing and rejects at once with its reason", async () => {
    const { DotNet, host, js } = await setup();
    const controller = new AbortController();
    controller.abort();
    const promise = DotNet.invokeMethodWithSignalAsync(controller.signal, "A", "M", new Uint8Array([1]));
    assert.deepEqual(host.log, []);
    await assert.rejects(promise, (error) => error === controller.signal.reason && error.name === "AbortError");
    const custom = new AbortController();
    custom.abort(new Error("mine"));
    await assert.rejects(DotNet.invokeMethodWithSignalAsync(custom.signal, "A", "M"), { message: "mine" });
    assert.deepEqual(host.log, []);
    // No call id was taken.
    DotNet.invokeMethodAsync("A", "Next");
    assert.equal(host.log[0][1], 1);
    assert.equal(js.abortedCallCount, 0);
});

test("a call completes normally while its signal is not aborted", async () => {
    const { DotNet, host, js } = await setup();
    const controller = new AbortController();
    const promise = DotNet.invokeMethodWithSignalAsync(controller.signal, "A", "Add", 2, 3);
    assert.deepEqual(host.log, [["beginInvokeDotNetFromJS", 1, "A", "Add", null, "[2,3]"]]);
    js.endInvokeDotNetFromJS(1, true, "5");
    assert.equal(await promise, 5);
    // Aborting afterwards changes nothing and sends nothing.
    controller.abort();
    assert.deepEqual(host.names(), ["beginInvokeDotNetFromJS"]);
    assert.equal(js.abortedCallCount, 0);
});

test("aborting rejects at once, tells the host, and ignores the completion that follows", async () => {
    const { DotNet, host, js } = await setup();
    const controller = new AbortController();
    const promise = DotNet.invokeMethodWithSignalAsync(controller.signal, "A", "Slow");
    controller.abort();
    await assert.rejects(promise, { name: "AbortError" });
    assert.deepEqual(host.log.at(-1), ["cancelInvokeDotNetFromJS", 1]);
    assert.equal(js.abortedCallCount, 1);
    // Rust answers the cancel: ignored, and the entry goes.
    js.endInvokeDotNetFromJS(1, false, "The call to 'Slow' was cancelled.");
    assert.equal(js.abortedCallCount, 0);
    // A second completion for it is an error again, as for any finished call.
    assert.throws(() => js.endInvokeDotNetFromJS(1, true, "1"), { message: "There is no pending async call with ID 1." });
    controller.abort();
    assert.equal(host.callsOf("cancelInvokeDotNetFromJS").length, 1);
});

test("a completion that crossed the abort is released: objects disposed, byte arrays dropped", async () => {
    const { DotNet, host, js } = await setup();
    const controller = new AbortController();
    const promise = DotNet.invokeMethodWithSignalAsync(controller.signal, "A", "Make");
    controller.abort();
    await assert.rejects(promise, { name: "AbortError" });
    host.clear();
    js.receiveByteArray(7, new Uint8Array([1, 2]));
    js.endInvokeDotNetFromJS(1, true, '{"a":{"__dotNetObject":4},"b":[{"__byte[]":7},{"__dotNetObject":5}]}');
    assert.deepEqual(host.log, [
        ["beginInvokeDotNetFromJS", 2, null, "__Dispose", 4, "null"],
        ["beginInvokeDotNetFromJS", 3, null, "__Dispose", 5, "null"],
    ]);
    assert.equal(js.processByteArray(7), null, "the byte array was dropped");
    assert.equal(js.abortedCallCount, 0);
    js.endInvokeDotNetFromJS(2, true, "null");
    js.endInvokeDotNetFromJS(3, true, "null");
});

test("object references take the signal too", async () => {
    const { DotNet, host, js } = await setup();
    const made = DotNet.invokeMethodAsync("A", "MakeObject");
    js.endInvokeDotNetFromJS(1, true, '{"__dotNetObject":9}');
    const object = await made;
    host.clear();
    const controller = new AbortController();
    const promise = object.invokeMethodWithSignalAsync(controller.signal, "Work", "x");
    assert.deepEqual(host.log, [["beginInvokeDotNetFromJS", 2, null, "Work", 9, '["x"]']]);
    controller.abort();
    await assert.rejects(promise, { name: "AbortError" });
    assert.deepEqual(host.log.at(-1), ["cancelInvokeDotNetFromJS", 2]);
    js.endInvokeDotNetFromJS(2, false, "The call to 'Work' was cancelled.");
    assert.equal(js.abortedCallCount, 0);
});

test("a signal that is not an AbortSignal rejects without sending", async () => {
    const { DotNet, host } = await setup();
    for (const bad of [undefined, null, {}, "signal", { aborted: false }]) {
        await assert.rejects(DotNet.invokeMethodWithSignalAsync(bad, "A", "M"), TypeError);
    }
    assert.deepEqual(host.log, []);
});

test("without cancelInvokeDotNetFromJS the promise still rejects, and the real completion is released", async () => {
    const { DotNet, host, js } = await setup({ cancel: false });
    const controller = new AbortController();
    const promise = DotNet.invokeMethodWithSignalAsync(controller.signal, "A", "M");
    controller.abort();
    await assert.rejects(promise, { name: "AbortError" });
    assert.deepEqual(host.names(), ["beginInvokeDotNetFromJS"]);
    js.endInvokeDotNetFromJS(1, true, '{"__dotNetObject":3}');
    assert.deepEqual(host.log.at(-1), ["beginInvokeDotNetFromJS", 2, null, "__Dispose", 3, "null"]);
});

test("the abort listener is removed when the call completes", async () => {
    const { DotNet, js } = await setup();
    const controller = new AbortController();
    let listeners = 0;
    const signal = controller.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = (...args) => { listeners++; add(...args); };
    signal.removeEventListener = (...args) => { listeners--; remove(...args); };
    const calls = [1, 2, 3].map(() => DotNet.invokeMethodWithSignalAsync(signal, "A", "M"));
    assert.equal(listeners, 3);
    js.endInvokeDotNetFromJS(1, true, "1");
    js.endInvokeDotNetFromJS(2, false, "no");
    js.endInvokeDotNetFromJS(3, true, "3");
    await Promise.allSettled(calls);
    assert.equal(listeners, 0);
    assert.equal(await settled(calls[0]), true);
});
