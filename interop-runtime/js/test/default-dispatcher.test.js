// The static DotNet.invokeMethod[Async] use the first dispatcher attached in the realm.
import "../test-support/setup.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { createFakeHost, loadFreshClient } from "../test-support/fake-host.js";

const NONE = "No call dispatcher has been set.";
const MANY = "There are multiple .NET runtimes present, so a default dispatcher could not be resolved. Use DotNetObject to invoke .NET instance methods.";

test("before any attach, invokeMethod and invokeMethodAsync throw synchronously", async () => {
    const DotNet = await loadFreshClient();
    assert.throws(() => DotNet.invokeMethod("A", "M"), { message: NONE });
    assert.throws(() => DotNet.invokeMethodAsync("A", "M"), { message: NONE });
});

test("after one attach the static calls go to that host", async () => {
    const DotNet = await loadFreshClient();
    const host = createFakeHost({ onSync: () => "1" });
    DotNet.attachDispatcher(host);
    assert.equal(DotNet.invokeMethod("A", "M"), 1);
    DotNet.invokeMethodAsync("A", "N");
    assert.deepEqual(host.names(), ["invokeDotNetFromJS", "beginInvokeDotNetFromJS"]);
});

test("after a second (or third) attach there is no default, but each dispatcher keeps working", async () => {
    const DotNet = await loadFreshClient();
    const host1 = createFakeHost();
    const host2 = createFakeHost();
    const js1 = DotNet.attachDispatcher(host1);
    const js2 = DotNet.attachDispatcher(host2);
    assert.throws(() => DotNet.invokeMethod("A", "M"), { message: MANY });
    assert.throws(() => DotNet.invokeMethodAsync("A", "M"), { message: MANY });
    DotNet.attachDispatcher(createFakeHost());
    assert.throws(() => DotNet.invokeMethodAsync("A", "M"), { message: MANY });
    js1.invokeDotNetStaticMethodAsync("A", "One");
    js2.invokeDotNetStaticMethodAsync("A", "Two");
    assert.deepEqual(host1.log, [["beginInvokeDotNetFromJS", 1, "A", "One", null, "[]"]]);
    assert.deepEqual(host2.log, [["beginInvokeDotNetFromJS", 1, "A", "Two", null, "[]"]]);
});

test("each attach returns a new dispatcher object", async () => {
    const DotNet = await loadFreshClient();
    const host = createFakeHost();
    const a = DotNet.attachDispatcher(host);
    const b = DotNet.attachDispatcher(host);
    assert.notEqual(a, b);
    for (const name of ["beginInvokeJSFromDotNet", "invokeJSFromDotNet", "endInvokeDotNetFromJS", "receiveByteArray", "supplyDotNetStream"]) {
        assert.equal(typeof a[name], "function", name);
    }
});
