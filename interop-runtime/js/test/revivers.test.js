// attachReviver: applied to every payload from the host, after the library's marker reviver.
import "../test-support/setup.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { createFakeHost, lastTriple, loadFreshClient } from "../test-support/fake-host.js";

test("revivers run after the marker reviver, in the order they were attached, on every key", async () => {
    const DotNet = await loadFreshClient();
    const host = createFakeHost();
    const js = DotNet.attachDispatcher(host);
    const seen = [];
    DotNet.attachReviver(function first(key, value) {
        seen.push(["first", key, value instanceof DotNet.DotNetObject ? "DotNetObject" : value, this]);
        return value;
    });
    DotNet.attachReviver((key, value) => {
        seen.push(["second", key]);
        return value;
    });
    window.jsIdentity = (x) => x;
    await js.beginInvokeJSFromDotNet(1, "jsIdentity", '[{"__dotNetObject":2}]', 3, 0, 1);
    assert.equal(seen.length, 6);
    assert.deepEqual(seen[0], ["first", "__dotNetObject", 2, undefined], "inner keys first; called without a this");
    assert.deepEqual(seen[1], ["second", "__dotNetObject"]);
    assert.deepEqual(seen[2], ["first", "0", "DotNetObject", undefined], "the marker reviver ran before");
    assert.deepEqual(seen[3], ["second", "0"]);
    assert.equal(seen[4][0], "first");
    assert.equal(seen[4][1], "", "the root is revived last, with key \"\"");
    assert.ok(Array.isArray(seen[4][2]));
    assert.deepEqual(seen[5], ["second", ""]);
    assert.deepEqual(lastTriple(host), [1, true, null]);
});

test("a reviver can turn custom shapes into JS values, in args and in results", async () => {
    const DotNet = await loadFreshClient();
    const host = createFakeHost({ onSync: () => '{"when":{"$date":0}}' });
    const js = DotNet.attachDispatcher(host);
    DotNet.attachReviver((key, value) => (value && typeof value === "object" && "$date" in value ? new Date(value.$date) : value));
    let got;
    window.jsTakeDate = (d) => {
        got = d;
        return d.getTime();
    };
    await js.beginInvokeJSFromDotNet(1, "jsTakeDate", '[{"$date":86400000}]', 0, 0, 1);
    assert.ok(got instanceof Date);
    assert.deepEqual(lastTriple(host), [1, true, 86400000]);
    const p = DotNet.invokeMethodAsync("A", "When");
    js.endInvokeDotNetFromJS(1, true, '{"$date":5}');
    assert.equal((await p).getTime(), 5);
    assert.ok(DotNet.invokeMethod("A", "Sync").when instanceof Date);
});

test("a throwing reviver fails the payload like any revive error", async () => {
    const DotNet = await loadFreshClient();
    const host = createFakeHost();
    const js = DotNet.attachDispatcher(host);
    DotNet.attachReviver((key, value) => {
        if (value === "poison") {
            throw new Error("poisoned payload");
        }
        return value;
    });
    window.jsNoop = () => 1;
    await js.beginInvokeJSFromDotNet(1, "jsNoop", '["poison"]', 0, 0, 1);
    assert.equal(lastTriple(host)[2].split("\n")[0], "poisoned payload");
});

test("markers are matched as own keys even when the payload has a key named hasOwnProperty", async () => {
    const DotNet = await loadFreshClient();
    const host = createFakeHost();
    const js = DotNet.attachDispatcher(host);
    window.jsKeys = (x) => Object.keys(x);
    await js.beginInvokeJSFromDotNet(1, "jsKeys", '[{"hasOwnProperty":1,"b":2}]', 0, 0, 1);
    assert.deepEqual(lastTriple(host), [1, true, ["hasOwnProperty", "b"]]);
});

test("a marker-looking key deeper than the top of an object is still a marker; extra keys are tolerated", async () => {
    const DotNet = await loadFreshClient();
    const host = createFakeHost();
    const js = DotNet.attachDispatcher(host);
    let got;
    window.jsGot = (x) => {
        got = x;
    };
    await js.beginInvokeJSFromDotNet(1, "jsGot", '[{"a":{"b":{"__dotNetObject":3,"extra":true}}}]', 3, 0, 1);
    assert.ok(got.a.b instanceof DotNet.DotNetObject);
    assert.equal(got.a.b._id, 3);
    assert.equal(got.a.b._callDispatcher, js);
});
