// Rust → JS streams: {"__dotNetStream": id} revived into a DotNetStream fed by supplyDotNetStream.
import "../test-support/setup.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { createFakeHost, flush, lastTriple, loadFreshClient } from "../test-support/fake-host.js";

async function setup() {
    const DotNet = await loadFreshClient();
    const host = createFakeHost();
    const js = DotNet.attachDispatcher(host);
    return { DotNet, host, js };
}

function streamOf(...chunks) {
    return new ReadableStream({
        start(controller) {
            for (const chunk of chunks) {
                controller.enqueue(new Uint8Array(chunk));
            }
            controller.close();
        },
    });
}

test("stream supplied after the payload: stream() resolves to the supplied ReadableStream", async () => {
    const { DotNet, host, js } = await setup();
    let received;
    window.jsTakeStream = (s) => {
        received = s;
        return "ok";
    };
    await js.beginInvokeJSFromDotNet(1, "jsTakeStream", '[{"__dotNetStream":4}]', 0, 0, 1);
    assert.ok(received instanceof DotNet.DotNetStream);
    assert.deepEqual(lastTriple(host), [1, true, "ok"]);
    let resolved = false;
    const streamPromise = received.stream().then((s) => {
        resolved = true;
        return s;
    });
    await flush();
    assert.equal(resolved, false);
    const supplied = streamOf([1, 2], [3]);
    js.supplyDotNetStream(4, supplied);
    assert.equal(await streamPromise, supplied);
});

test("stream supplied before the payload", async () => {
    const { js } = await setup();
    const supplied = streamOf([9]);
    js.supplyDotNetStream(6, supplied);
    let received;
    window.jsTakeEarly = (s) => {
        received = s;
    };
    js.invokeJSFromDotNet("jsTakeEarly", '[{"__dotNetStream":6}]', 3, 0, 1);
    assert.equal(await received.stream(), supplied);
});

test("arrayBuffer() reads the whole stream", async () => {
    const { js } = await setup();
    let received;
    window.jsTakeForBuffer = (s) => {
        received = s;
    };
    js.invokeJSFromDotNet("jsTakeForBuffer", '[{"__dotNetStream":1}]', 3, 0, 1);
    js.supplyDotNetStream(1, streamOf([1, 2, 3], [4], [5, 6]));
    const buffer = await received.arrayBuffer();
    assert.ok(buffer instanceof ArrayBuffer);
    assert.deepEqual(Array.from(new Uint8Array(buffer)), [1, 2, 3, 4, 5, 6]);
});

test("arrayBuffer() works without a global Response (reader loop)", async () => {
    const { js } = await setup();
    let received;
    window.jsTakeNoResponse = (s) => {
        received = s;
    };
    js.invokeJSFromDotNet("jsTakeNoResponse", '[{"__dotNetStream":2}]', 3, 0, 1);
    js.supplyDotNetStream(2, streamOf([7, 8], [9]));
    const saved = Object.getOwnPropertyDescriptor(globalThis, "Response");
    delete globalThis.Response;
    try {
        const buffer = await received.arrayBuffer();
        assert.deepEqual(Array.from(new Uint8Array(buffer)), [7, 8, 9]);
    } finally {
        Object.defineProperty(globalThis, "Response", saved);
    }
});

test("a stream in a JS→Rust result; a failing stream rejects arrayBuffer()", async () => {
    const { DotNet, js } = await setup();
    const p = DotNet.invokeMethodAsync("A", "GetStream");
    js.endInvokeDotNetFromJS(1, true, '{"__dotNetStream":11}');
    const dotNetStream = await p;
    js.supplyDotNetStream(11, new ReadableStream({
        start(controller) {
            controller.error(new Error("The stream with ID 11 is not available. It may have timed out."));
        },
    }));
    await assert.rejects(dotNetStream.arrayBuffer(), { message: /not available/ });
});

test("streams are per dispatcher and keyed by id", async () => {
    const DotNet = await loadFreshClient();
    const js1 = DotNet.attachDispatcher(createFakeHost());
    const js2 = DotNet.attachDispatcher(createFakeHost());
    const s1 = streamOf([1]);
    const s2 = streamOf([2]);
    let a;
    let b;
    window.jsTakeA = (s) => {
        a = s;
    };
    window.jsTakeB = (s) => {
        b = s;
    };
    js1.invokeJSFromDotNet("jsTakeA", '[{"__dotNetStream":1}]', 3, 0, 1);
    js2.invokeJSFromDotNet("jsTakeB", '[{"__dotNetStream":1}]', 3, 0, 1);
    js2.supplyDotNetStream(1, s2);
    js1.supplyDotNetStream(1, s1);
    assert.equal(await a.stream(), s1);
    assert.equal(await b.stream(), s2);
});
