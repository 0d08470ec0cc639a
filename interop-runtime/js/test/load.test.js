import "../test-support/setup.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { DotNet } from "../dotnet-interop.js";
import { loadFreshClient } from "../test-support/fake-host.js";

const here = new URL("..", import.meta.url);

test("exports the DotNet namespace with the whole API", () => {
    for (const name of [
        "attachDispatcher", "attachReviver", "invokeMethod", "invokeMethodAsync",
        "createJSObjectReference", "createJSStreamReference", "disposeJSObjectReference",
        "disposeJSObjectReferenceById", "findJSFunction", "findObjectMember",
    ]) {
        assert.equal(typeof DotNet[name], "function", name);
    }
    assert.equal(typeof DotNet.DotNetObject, "function");
    assert.equal(typeof DotNet.DotNetStream, "function");
    assert.equal(typeof DotNet, "object", "a plain object, so 'DotNet.x' identifiers resolve through it");
});

test("JSCallType and JSCallResultType are numeric enums with reverse mapping", () => {
    assert.deepEqual(
        [DotNet.JSCallType.FunctionCall, DotNet.JSCallType.ConstructorCall, DotNet.JSCallType.GetValue, DotNet.JSCallType.SetValue],
        [1, 2, 3, 4],
    );
    assert.equal(DotNet.JSCallType[1], "FunctionCall");
    assert.equal(DotNet.JSCallType[4], "SetValue");
    assert.deepEqual(
        [DotNet.JSCallResultType.Default, DotNet.JSCallResultType.JSObjectReference,
            DotNet.JSCallResultType.JSStreamReference, DotNet.JSCallResultType.JSVoidResult],
        [0, 1, 2, 3],
    );
    assert.equal(DotNet.JSCallResultType[3], "JSVoidResult");
});

test("loading registers window as JS object 0 and does not set window.DotNet", async () => {
    const saved = globalThis.DotNet;
    delete globalThis.DotNet;
    try {
        const fresh = await loadFreshClient();
        assert.equal(globalThis.DotNet, undefined);
        globalThis.__loadProbe = function () { return this; };
        assert.equal(fresh.findJSFunction("__loadProbe", 0)(), window);
        const parent = { b: 1 };
        assert.deepEqual(fresh.findObjectMember({ a: parent }, "a.b"), [parent, "b"]);
    } finally {
        delete globalThis.__loadProbe;
        if (saved !== undefined) {
            globalThis.DotNet = saved;
        }
    }
});

test("loading without a global window fails with a ReferenceError", async () => {
    const saved = globalThis.window;
    delete globalThis.window;
    try {
        await assert.rejects(
            import(new URL("../dotnet-interop.js?nowindow=1", import.meta.url).href),
            (error) => error instanceof ReferenceError && /window/.test(error.message),
        );
    } finally {
        globalThis.window = saved;
    }
});

test("package.json: name, module type, entry points, test script, no dependencies", () => {
    const pkg = JSON.parse(readFileSync(new URL("package.json", here), "utf8"));
    assert.equal(pkg.name, "@jsinvokable/client");
    assert.equal(pkg.type, "module");
    assert.equal(pkg.main, "./dotnet-interop.js");
    assert.equal(pkg.types, "./dotnet-interop.d.ts");
    assert.equal(pkg.exports["."].default, "./dotnet-interop.js");
    assert.equal(pkg.exports["."].types, "./dotnet-interop.d.ts");
    assert.equal(pkg.scripts.test, "node --test");
    assert.equal(pkg.dependencies, undefined);
    assert.equal(pkg.devDependencies, undefined);
});

test("the .d.ts declares every runtime export", () => {
    const dts = readFileSync(new URL("dotnet-interop.d.ts", here), "utf8");
    for (const [name, value] of Object.entries(DotNet)) {
        const kind = typeof value === "function" && /^[A-Z]/.test(name) ? "class" : typeof value === "function" ? "function" : "enum";
        assert.match(dts, new RegExp(`\\b${kind} ${name}\\b`), `${kind} ${name}`);
    }
    for (const name of ["DotNetCallDispatcher", "ICallDispatcher"]) {
        assert.match(dts, new RegExp(`interface ${name}\\b`));
    }
});

test("the module can be imported through the package name's entry ", async () => {
    const pkg = JSON.parse(readFileSync(new URL("package.json", here), "utf8"));
    const entry = new URL(pkg.exports["."].default, here);
    const mod = await import(entry.href);
    assert.equal(mod.DotNet, DotNet);
});
