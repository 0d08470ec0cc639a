// The built-in "import" identifier (JS isolation): Rust imports a module, keeps it as a JS
// object reference and calls its exports.
import "../test-support/setup.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { pathToFileURL } from "node:url";
import { createFakeHost, failureMessage, lastTriple, loadFreshClient } from "../test-support/fake-host.js";

const supportDir = new URL("../test-support/", import.meta.url);
const fixtureUrl = new URL("fixture-module.js", supportDir).href;

async function setup() {
    const DotNet = await loadFreshClient();
    const host = createFakeHost();
    const js = DotNet.attachDispatcher(host);
    return { DotNet, host, js };
}

async function withDocument(baseURI, body) {
    const saved = Object.getOwnPropertyDescriptor(globalThis, "document");
    globalThis.document = { baseURI };
    try {
        return await body();
    } finally {
        if (saved) {
            Object.defineProperty(globalThis, "document", saved);
        } else {
            delete globalThis.document;
        }
    }
}

test("import a local module by absolute URL with result type 1, then call its exports", async () => {
    const { DotNet, host, js } = await setup();
    await js.beginInvokeJSFromDotNet(1, "import", JSON.stringify([fixtureUrl]), 1, 0, 1);
    const [handle, ok, ref] = lastTriple(host);
    assert.equal(handle, 1);
    assert.equal(ok, true);
    assert.ok(ref.__jsObjectId >= 1);
    await js.beginInvokeJSFromDotNet(2, "greet", '["Rust"]', 0, ref.__jsObjectId, 1);
    assert.deepEqual(lastTriple(host), [2, true, "Hello, Rust!"]);
    assert.equal(js.invokeJSFromDotNet("answer", "[]", 0, ref.__jsObjectId, 3), "42");
    await js.beginInvokeJSFromDotNet(3, "Counter", "[10]", 1, ref.__jsObjectId, 2);
    const [, , counter] = lastTriple(host);
    await js.beginInvokeJSFromDotNet(4, "increment", "[]", 0, counter.__jsObjectId, 1);
    assert.deepEqual(lastTriple(host), [4, true, 11]);
    assert.ok(DotNet);
});

test("'./' specifiers resolve against document.baseURI when a document exists", async () => {
    const { host, js } = await setup();
    await withDocument(supportDir.href, async () => {
        await js.beginInvokeJSFromDotNet(1, "import", '["./fixture-module.js"]', 1, 0, 1);
    });
    const [, ok, ref] = lastTriple(host);
    assert.equal(ok, true);
    await js.beginInvokeJSFromDotNet(2, "greet", '["base"]', 0, ref.__jsObjectId, 1);
    assert.deepEqual(lastTriple(host), [2, true, "Hello, base!"]);
});

test("a module export receives a Rust object reference and calls back (the seed's isolation sample)", async () => {
    const { host, js } = await setup();
    await js.beginInvokeJSFromDotNet(1, "import", JSON.stringify([fixtureUrl]), 1, 0, 1);
    const [, , mod] = lastTriple(host);
    host.clear();
    const started = js.beginInvokeJSFromDotNet(2, "callBack", '[{"__dotNetObject":1},"Amy"]', 0, mod.__jsObjectId, 1);
    assert.deepEqual(host.log, [["beginInvokeDotNetFromJS", 1, null, "GetHelloMessage", 1, '["Amy"]']]);
    js.endInvokeDotNetFromJS(1, true, '"Hello, Amy!"');
    await started;
    assert.deepEqual(lastTriple(host), [2, true, "Hello, Amy!"]);
});

test("without a document, './' specifiers are passed on unchanged (relative to the client file)", async () => {
    const { host, js } = await setup();
    assert.equal(typeof globalThis.document, "undefined");
    await js.beginInvokeJSFromDotNet(1, "import", '["./test-support/fixture-module.js"]', 1, 0, 1);
    const [, ok, ref] = lastTriple(host);
    assert.equal(ok, true, JSON.stringify(lastTriple(host)));
    assert.equal(js.invokeJSFromDotNet("answer", "[]", 0, ref.__jsObjectId, 3), "42");
});

test("a failing import is reported as a failure; import is built in only for function calls on window", async () => {
    const { host, js } = await setup();
    const missing = pathToFileURL("/nonexistent/dir/missing-module.js").href;
    await js.beginInvokeJSFromDotNet(1, "import", JSON.stringify([missing]), 1, 0, 1);
    assert.equal(lastTriple(host)[1], false);
    assert.match(failureMessage(lastTriple(host)), /missing-module|Cannot find/);
    await js.beginInvokeJSFromDotNet(2, "import", "[]", 0, 0, 3);
    assert.equal(failureMessage(lastTriple(host)), "The property 'import' is not defined or is not readable.");
});

test("the built-in import wins over a window.import global", async () => {
    const { host, js } = await setup();
    window.import = () => "shadow";
    try {
        await js.beginInvokeJSFromDotNet(1, "import", JSON.stringify([fixtureUrl]), 1, 0, 1);
        assert.equal(lastTriple(host)[1], true);
        assert.notEqual(lastTriple(host)[2], "shadow");
    } finally {
        delete window.import;
    }
});
