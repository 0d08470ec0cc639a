// Rust → JS calls: beginInvokeJSFromDotNet / invokeJSFromDotNet, call types, result types,
// identifier resolution, completion triples and the error texts of PROTOCOL.md §5 and §10.1.
import "../test-support/setup.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { createFakeHost, failureMessage, flush, lastTriple, loadFreshClient } from "../test-support/fake-host.js";

const T = { Default: 0, JSObjectReference: 1, JSStreamReference: 2, JSVoidResult: 3 };
const C = { FunctionCall: 1, ConstructorCall: 2, GetValue: 3, SetValue: 4 };

async function setup(hostOptions) {
    const DotNet = await loadFreshClient();
    const host = createFakeHost(hostOptions);
    const js = DotNet.attachDispatcher(host);
    return { DotNet, host, js };
}

/** Runs one async call with handle 5 and returns the parsed triple. */
async function call(js, host, identifier, argsJson, resultType = T.Default, target = 0, callType) {
    host.clear();
    await js.beginInvokeJSFromDotNet(5, identifier, argsJson, resultType, target, callType);
    await flush();
    return lastTriple(host);
}

test("function call on window: value reported as [handle,true,value] with the handle echoed", async () => {
    const { host, js } = await setup();
    window.jsAdd = (a, b) => a + b;
    await js.beginInvokeJSFromDotNet(17, "jsAdd", "[2,3]", T.Default, 0, C.FunctionCall);
    assert.deepEqual(host.log, [["endInvokeJSFromDotNet", 17, true, "[17,true,5]"]]);
});

test("this is the parent object; dotted identifiers resolve from window", async () => {
    const { host, js } = await setup();
    window.jsNs = { inner: { name: "inner", who() { return this.name; } } };
    assert.deepEqual(await call(js, host, "jsNs.inner.who", "[]"), [5, true, "inner"]);
});

test("the JS function may return a promise; it is awaited", async () => {
    const { host, js } = await setup();
    window.jsLater = async (x) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return { got: x };
    };
    assert.deepEqual(await call(js, host, "jsLater", '["x"]'), [5, true, { got: "x" }]);
});

test("argsJson null or \"\" means no arguments; callType omitted or null means FunctionCall", async () => {
    const { host, js } = await setup();
    window.jsArgCount = (...args) => args.length;
    assert.deepEqual(await call(js, host, "jsArgCount", null), [5, true, 0]);
    assert.deepEqual(await call(js, host, "jsArgCount", ""), [5, true, 0]);
    assert.deepEqual(await call(js, host, "jsArgCount", "[1,2]", T.Default, 0, undefined), [5, true, 2]);
    assert.deepEqual(await call(js, host, "jsArgCount", "[1,2,3]", T.Default, 0, null), [5, true, 3]);
    host.clear();
    await js.beginInvokeJSFromDotNet(6, "jsArgCount", "[1]", T.Default, 0); // five arguments (8.0/9.0 host)
    assert.deepEqual(lastTriple(host), [6, true, 1]);
});

test("argsJson that is not an array: a string spreads into characters, other values fail", async () => {
    const { host, js } = await setup();
    window.jsArgs = (...args) => args;
    assert.deepEqual(await call(js, host, "jsArgs", '"ab"'), [5, true, ["a", "b"]]);
    assert.match(failureMessage(await call(js, host, "jsArgs", "{}")), /not iterable|iterator/);
    assert.match(failureMessage(await call(js, host, "jsArgs", "5")), /not iterable|iterator/);
});

test("undefined and function values are sent as null", async () => {
    const { host, js } = await setup();
    window.jsUndefined = () => undefined;
    window.jsFn = () => () => 1;
    assert.deepEqual(await call(js, host, "jsUndefined", "[]"), [5, true, null]);
    assert.deepEqual(await call(js, host, "jsFn", "[]"), [5, true, null]);
});

test("result type 1: objects and functions become JS object references; null/undefined give -1", async () => {
    const { DotNet, host, js } = await setup();
    const made = { kind: "made" };
    window.jsMake = () => made;
    window.jsMakeFn = () => function f() { return "fn"; };
    window.jsNull = () => null;
    window.jsUndef = () => undefined;
    const [, , ref] = await call(js, host, "jsMake", "[]", T.JSObjectReference);
    assert.equal(typeof ref.__jsObjectId, "number");
    assert.ok(ref.__jsObjectId >= 1);
    assert.deepEqual(Object.keys(ref), ["__jsObjectId"]);
    assert.equal(DotNet.findJSFunction("kind", ref.__jsObjectId, C.GetValue)(), "made");
    const [, , fnRef] = await call(js, host, "jsMakeFn", "[]", T.JSObjectReference);
    assert.equal(fnRef.__jsObjectId, ref.__jsObjectId + 1);
    assert.deepEqual(await call(js, host, "jsNull", "[]", T.JSObjectReference), [5, true, { __jsObjectId: -1 }]);
    assert.deepEqual(await call(js, host, "jsUndef", "[]", T.JSObjectReference), [5, true, { __jsObjectId: -1 }]);
});

test("result type 1 with a primitive fails with the JSObjectReference text", async () => {
    const { host, js } = await setup();
    window.jsPrim = (v) => v;
    assert.equal(failureMessage(await call(js, host, "jsPrim", "[42]", T.JSObjectReference)),
        "Cannot create a JSObjectReference from the value '42'.");
    assert.equal(failureMessage(await call(js, host, "jsPrim", '["text"]', T.JSObjectReference)),
        "Cannot create a JSObjectReference from the value 'text'.");
    assert.equal(failureMessage(await call(js, host, "jsPrim", "[false]", T.JSObjectReference)),
        "Cannot create a JSObjectReference from the value 'false'.");
});

test("result type 2: binary data becomes a JS stream reference", async () => {
    const { DotNet, host, js } = await setup();
    window.jsBytes = () => new Uint8Array([1, 2, 3]);
    window.jsBuffer = () => new ArrayBuffer(4);
    window.jsBlob = () => new Blob(["hello"]);
    window.jsView = () => new DataView(new ArrayBuffer(6));
    window.jsText = () => "text";
    const [, , r1] = await call(js, host, "jsBytes", "[]", T.JSStreamReference);
    assert.deepEqual(Object.keys(r1), ["__jsStreamReferenceLength", "__jsObjectId"]);
    assert.equal(r1.__jsStreamReferenceLength, 3);
    assert.deepEqual(Array.from(DotNet.findJSFunction("slice", r1.__jsObjectId)(1, 3)), [2, 3]);
    assert.equal((await call(js, host, "jsBuffer", "[]", T.JSStreamReference))[2].__jsStreamReferenceLength, 4);
    assert.equal((await call(js, host, "jsBlob", "[]", T.JSStreamReference))[2].__jsStreamReferenceLength, 5);
    assert.equal((await call(js, host, "jsView", "[]", T.JSStreamReference))[2].__jsStreamReferenceLength, 6);
    assert.equal(failureMessage(await call(js, host, "jsText", "[]", T.JSStreamReference)),
        "Supplied value is not a typed array or blob.");
    assert.equal(host.callsOf("sendByteArray").length, 0, "stream data is not sent as a byte array");
});

test("result type 3 reports null whatever the value", async () => {
    const { host, js } = await setup();
    window.jsValue = () => ({ big: "object" });
    assert.deepEqual(await call(js, host, "jsValue", "[]", T.JSVoidResult), [5, true, null]);
});

test("a missing or unknown result type fails after the function ran", async () => {
    const { host, js } = await setup();
    let ran = 0;
    window.jsSide = () => ++ran;
    host.clear();
    await js.beginInvokeJSFromDotNet(5, "jsSide", "[]", undefined, 0, C.FunctionCall);
    assert.equal(failureMessage(lastTriple(host)), "Invalid JS call result type 'undefined'.");
    assert.equal(failureMessage(await call(js, host, "jsSide", "[]", 7)), "Invalid JS call result type '7'.");
    assert.equal(failureMessage(await call(js, host, "jsSide", "[]", "1")), "Invalid JS call result type '1'.");
    assert.equal(ran, 3);
    assert.throws(() => js.invokeJSFromDotNet("jsSide", "[]", 9, 0, 1), { message: "Invalid JS call result type '9'." });
    assert.equal(ran, 4);
});

test("identifier errors: missing segment, not a function, unknown target", async () => {
    const { host, js } = await setup();
    window.jsHolder = { notFn: 5, nested: { deeper: {} } };
    assert.equal(failureMessage(await call(js, host, "noSuchThing.method", "[]")),
        "Could not find 'noSuchThing.method' ('noSuchThing' was undefined).");
    assert.equal(failureMessage(await call(js, host, "jsHolder.nested.missing.fn", "[]")),
        "Could not find 'jsHolder.nested.missing.fn' ('missing' was undefined).");
    assert.equal(failureMessage(await call(js, host, "jsHolder.notFn", "[]")), "The value 'jsHolder.notFn' is not a function.");
    assert.equal(failureMessage(await call(js, host, "noSuchGlobal", "[]")), "The value 'noSuchGlobal' is not a function.");
    assert.equal(failureMessage(await call(js, host, "anything", "[]", T.Default, 987654)),
        "JS object instance with ID 987654 does not exist (has it been disposed?).");
});

test("intermediate segments must be objects: a function namespace deeper than one level is 'not found'", async () => {
    const { host, js } = await setup();
    function Outer() {}
    Outer.Inner = { go: () => "went" };
    Outer.direct = () => "direct";
    window.jsOuter = Outer;
    assert.deepEqual(await call(js, host, "jsOuter.direct", "[]"), [5, true, "direct"]);
    assert.equal(failureMessage(await call(js, host, "jsOuter.Inner.go", "[]")),
        "Could not find 'jsOuter.Inner.go' ('Inner' was undefined).");
});

test("failure triple text is message + \"\\n\" + stack for Errors", async () => {
    const { host, js } = await setup();
    window.jsThrow = () => {
        throw new RangeError("out of range");
    };
    const triple = await call(js, host, "jsThrow", "[]");
    assert.equal(triple.length, 3);
    assert.equal(triple[0], 5);
    assert.equal(triple[1], false);
    const [message, ...stack] = triple[2].split("\n");
    assert.equal(message, "out of range");
    assert.match(stack.join("\n"), /RangeError: out of range/);
    const end = host.callsOf("endInvokeJSFromDotNet")[0];
    assert.equal(end[2], false);
});

test("non-Error thrown values use toString(); falsy thrown values give \"null\"", async () => {
    const { host, js } = await setup();
    window.jsThrowValue = (v) => {
        throw v;
    };
    window.jsRejectValue = async (v) => {
        throw v;
    };
    assert.deepEqual(await call(js, host, "jsThrowValue", '["plain text"]'), [5, false, "plain text"]);
    assert.deepEqual(await call(js, host, "jsThrowValue", "[42]"), [5, false, "42"]);
    assert.deepEqual(await call(js, host, "jsThrowValue", '[{"a":1}]'), [5, false, "[object Object]"]);
    assert.deepEqual(await call(js, host, "jsRejectValue", "[null]"), [5, false, "null"]);
    assert.deepEqual(await call(js, host, "jsThrowValue", "[]"), [5, false, "null"]);
    assert.deepEqual(await call(js, host, "jsThrowValue", "[0]"), [5, false, "null"]);
    assert.deepEqual(await call(js, host, "jsThrowValue", '[""]'), [5, false, "null"]);
    assert.deepEqual(await call(js, host, "jsThrowValue", "[false]"), [5, false, "null"]);
});

test("a failing success report is retried as a failure for the same handle", async () => {
    let calls = 0;
    const { host, js } = await setup({
        onEnd(handle, ok) {
            calls++;
            if (ok) {
                throw new Error("Invalid JSON");
            }
        },
    });
    window.jsOk = () => 1;
    await js.beginInvokeJSFromDotNet(8, "jsOk", "[]", T.Default, 0, C.FunctionCall);
    assert.equal(calls, 2);
    const ends = host.callsOf("endInvokeJSFromDotNet");
    assert.deepEqual(ends[0], ["endInvokeJSFromDotNet", 8, true, "[8,true,1]"]);
    assert.equal(ends[1][1], 8);
    assert.equal(ends[1][2], false);
    assert.equal(JSON.parse(ends[1][3])[2].split("\n")[0], "Invalid JSON");
});

test("a result that fails to serialize is reported as a failure", async () => {
    const { host, js } = await setup();
    window.jsBig = () => 10n;
    assert.match(failureMessage(await call(js, host, "jsBig", "[]")), /BigInt/);
});

test("handle 0: the call runs but nothing is reported, not even errors or rejections", async () => {
    const { host, js } = await setup();
    const seen = [];
    window.jsFire = (x) => seen.push(x);
    window.jsFireReject = async () => {
        throw new Error("ignored");
    };
    await js.beginInvokeJSFromDotNet(0, "jsFire", "[1]", T.Default, 0, C.FunctionCall);
    await js.beginInvokeJSFromDotNet(0, "jsFire", "[2]", 99, 0, C.FunctionCall);
    await js.beginInvokeJSFromDotNet(0, "noSuch.fn", "[]", T.Default, 0, C.FunctionCall);
    await js.beginInvokeJSFromDotNet(0, "jsFireReject", "[]", T.Default, 0, C.FunctionCall);
    await js.beginInvokeJSFromDotNet(null, "jsFire", "[3]", T.Default, 0, C.FunctionCall);
    await flush();
    assert.deepEqual(seen, [1, 2, 3]);
    assert.deepEqual(host.log, []);
});

test("the handle is echoed verbatim, whatever its type", async () => {
    const { host, js } = await setup();
    window.jsOne = () => 1;
    await js.beginInvokeJSFromDotNet("77", "jsOne", "[]", T.Default, 0, C.FunctionCall);
    await js.beginInvokeJSFromDotNet(9007199254740991, "jsOne", "[]", T.Default, 0, C.FunctionCall);
    assert.deepEqual(host.log, [
        ["endInvokeJSFromDotNet", "77", true, '["77",true,1]'],
        ["endInvokeJSFromDotNet", 9007199254740991, true, "[9007199254740991,true,1]"],
    ]);
});

test("beginInvokeJSFromDotNet returns a promise that settles after the report", async () => {
    const { host, js } = await setup();
    window.jsSlow = () => new Promise((resolve) => setTimeout(() => resolve("late"), 5));
    const pending = js.beginInvokeJSFromDotNet(3, "jsSlow", "[]", T.Default, 0, C.FunctionCall);
    assert.ok(pending instanceof Promise);
    assert.equal(host.log.length, 0);
    await pending;
    assert.deepEqual(host.log, [["endInvokeJSFromDotNet", 3, true, '[3,true,"late"]']]);
});

test("constructor call: new parent[member](...args)", async () => {
    const { DotNet, host, js } = await setup();
    window.jsLib = {
        Point: class {
            constructor(x, y) {
                this.x = x;
                this.y = y;
            }
        },
        arrow: () => ({}),
        notFn: 3,
    };
    assert.deepEqual(await call(js, host, "jsLib.Point", "[1,2]", T.Default, 0, C.ConstructorCall), [5, true, { x: 1, y: 2 }]);
    const [, , ref] = await call(js, host, "jsLib.Point", "[3,4]", T.JSObjectReference, 0, C.ConstructorCall);
    assert.equal(DotNet.findJSFunction("y", ref.__jsObjectId, C.GetValue)(), 4);
    assert.deepEqual(await call(js, host, "Date", "[0]", T.Default, 0, C.ConstructorCall), [5, true, "1970-01-01T00:00:00.000Z"]);
    assert.equal(failureMessage(await call(js, host, "jsLib.notFn", "[]", T.Default, 0, C.ConstructorCall)), "The value 'jsLib.notFn' is not a function.");
    assert.match(failureMessage(await call(js, host, "jsLib.arrow", "[]", T.Default, 0, C.ConstructorCall)), /not a constructor/);
});

test("get value: data properties and getters anywhere on the prototype chain", async () => {
    const { host, js } = await setup();
    class Base {
        get computed() {
            return "from getter";
        }
        set writeOnly(v) {
            this._w = v;
        }
    }
    const obj = Object.create(new Base());
    obj.plain = 7;
    obj.undef = undefined;
    window.jsGet = obj;
    assert.deepEqual(await call(js, host, "jsGet.plain", "[]", T.Default, 0, C.GetValue), [5, true, 7]);
    assert.deepEqual(await call(js, host, "jsGet.computed", "[]", T.Default, 0, C.GetValue), [5, true, "from getter"]);
    assert.deepEqual(await call(js, host, "jsGet.undef", "[]", T.Default, 0, C.GetValue), [5, true, null]);
    assert.deepEqual(await call(js, host, "jsGet.toString", "[]", T.Default, 0, C.GetValue), [5, true, null], "inherited data property (a function → null)");
    assert.equal(failureMessage(await call(js, host, "jsGet.missing", "[]", T.Default, 0, C.GetValue)),
        "The property 'jsGet.missing' is not defined or is not readable.");
    assert.equal(failureMessage(await call(js, host, "jsGet.writeOnly", "[]", T.Default, 0, C.GetValue)),
        "The property 'jsGet.writeOnly' is not defined or is not readable.");
});

test("set value: writable, setter, or absent on an extensible object; returns the assigned value", async () => {
    const { host, js } = await setup();
    let setterGot;
    const proto = {
        set viaSetter(v) {
            setterGot = v;
        },
        get getterOnly() {
            return 1;
        },
    };
    const obj = Object.create(proto);
    obj.data = 1;
    Object.defineProperty(obj, "frozenProp", { value: 1, writable: false, configurable: true, enumerable: true });
    window.jsSet = obj;
    window.jsSealed = Object.preventExtensions({ present: 1 });
    assert.deepEqual(await call(js, host, "jsSet.data", "[2]", T.Default, 0, C.SetValue), [5, true, 2]);
    assert.equal(obj.data, 2);
    assert.deepEqual(await call(js, host, "jsSet.fresh", '["new"]', T.Default, 0, C.SetValue), [5, true, "new"]);
    assert.equal(obj.fresh, "new");
    assert.deepEqual(await call(js, host, "jsSet.viaSetter", "[9]", T.JSVoidResult, 0, C.SetValue), [5, true, null]);
    assert.equal(setterGot, 9);
    assert.deepEqual(await call(js, host, "jsSealed.present", "[5]", T.Default, 0, C.SetValue), [5, true, 5]);
    assert.equal(failureMessage(await call(js, host, "jsSet.frozenProp", "[2]", T.Default, 0, C.SetValue)),
        "The property 'jsSet.frozenProp' is not writable.");
    assert.equal(failureMessage(await call(js, host, "jsSet.getterOnly", "[2]", T.Default, 0, C.SetValue)),
        "The property 'jsSet.getterOnly' is not writable.");
    assert.equal(failureMessage(await call(js, host, "jsSealed.absent", "[2]", T.Default, 0, C.SetValue)),
        "The property 'jsSealed.absent' is not writable.");
    assert.deepEqual(await call(js, host, "jsSet.data", "[]", T.Default, 0, C.SetValue), [5, true, null], "no argument sets undefined");
    assert.equal(obj.data, undefined);
});

test("set value on window creates a global", async () => {
    const { host, js } = await setup();
    assert.deepEqual(await call(js, host, "jsCreatedGlobal", "[11]", T.Default, 0, C.SetValue), [5, true, 11]);
    assert.equal(window.jsCreatedGlobal, 11);
});

test("an unknown call type fails", async () => {
    const { host, js } = await setup();
    window.jsAny = () => 1;
    assert.match(failureMessage(await call(js, host, "jsAny", "[]", T.Default, 0, 5)), /./);
});

test("resolved members are cached per (target, identifier, call type), like the npm client", async () => {
    const { host, js } = await setup();
    window.jsCached = () => "first";
    assert.deepEqual(await call(js, host, "jsCached", "[]"), [5, true, "first"]);
    window.jsCached = () => "second";
    assert.deepEqual(await call(js, host, "jsCached", "[]"), [5, true, "first"]);
    assert.deepEqual(await call(js, host, "jsCached", "[]", T.Default, 0, C.GetValue), [5, true, null], "other call types resolve on their own");
    // Failed resolutions are not cached.
    assert.match(failureMessage(await call(js, host, "jsLaterDefined", "[]")), /is not a function/);
    window.jsLaterDefined = () => "now";
    assert.deepEqual(await call(js, host, "jsLaterDefined", "[]"), [5, true, "now"]);
});

test("arguments are revived before the identifier is resolved", async () => {
    const { host, js } = await setup();
    assert.equal(failureMessage(await call(js, host, "noSuch.fn", '[{"__jsObjectId":55555}]')),
        "JS object instance with Id '55555' does not exist. It may have been disposed.");
});

test("sync invokeJSFromDotNet returns the JSON of the value, not a triple", async () => {
    const { host, js } = await setup();
    window.jsSyncAdd = (a, b) => a + b;
    window.jsSyncObj = () => ({ a: [1, "x"] });
    window.jsSyncNull = () => null;
    window.jsSyncPromise = async () => 5;
    assert.equal(js.invokeJSFromDotNet("jsSyncAdd", "[1,2]", T.Default, 0, C.FunctionCall), "3");
    assert.equal(js.invokeJSFromDotNet("jsSyncObj", "[]", T.Default, 0), '{"a":[1,"x"]}');
    assert.equal(js.invokeJSFromDotNet("jsSyncNull", "[]", T.Default, 0, C.FunctionCall), null);
    assert.equal(js.invokeJSFromDotNet("jsSyncObj", "[]", T.JSVoidResult, 0, C.FunctionCall), null);
    assert.equal(js.invokeJSFromDotNet("jsSyncPromise", "[]", T.Default, 0, C.FunctionCall), "{}", "a promise is not awaited");
    assert.equal(js.invokeJSFromDotNet("jsSyncNull", "[]", T.JSObjectReference, 0, C.FunctionCall), '{"__jsObjectId":-1}',
        "as in the npm client, null under result type 1 gives the -1 reference");
    assert.match(js.invokeJSFromDotNet("jsSyncObj", "[]", T.JSObjectReference, 0, C.FunctionCall), /^\{"__jsObjectId":\d+\}$/);
    assert.deepEqual(host.log, []);
});

test("sync invokeJSFromDotNet: exceptions propagate to the host", async () => {
    const { js } = await setup();
    window.jsSyncThrow = () => {
        throw new Error("sync boom");
    };
    assert.throws(() => js.invokeJSFromDotNet("jsSyncThrow", "[]", T.Default, 0, C.FunctionCall), { message: "sync boom" });
    assert.throws(() => js.invokeJSFromDotNet("nope.fn", "[]", T.Default, 0, C.FunctionCall), { message: "Could not find 'nope.fn' ('nope' was undefined)." });
    assert.throws(() => js.invokeJSFromDotNet("x", "[]", T.Default, 123456, C.FunctionCall),
        { message: "JS object instance with ID 123456 does not exist (has it been disposed?)." });
});

test("sync call types: constructor, get, set", async () => {
    const { js } = await setup();
    window.jsSyncTarget = { value: 1, Box: class { constructor(v) { this.v = v; } } };
    assert.equal(js.invokeJSFromDotNet("jsSyncTarget.value", "[]", T.Default, 0, C.GetValue), "1");
    assert.equal(js.invokeJSFromDotNet("jsSyncTarget.value", "[2]", T.Default, 0, C.SetValue), "2");
    assert.equal(window.jsSyncTarget.value, 2);
    assert.equal(js.invokeJSFromDotNet("jsSyncTarget.Box", '["b"]', T.Default, 0, C.ConstructorCall), '{"v":"b"}');
});

test("the seed's sayHello1: Rust passes an object reference, JS calls back into Rust", async () => {
    const { host, js } = await setup();
    window.sayHello1 = (dotNetHelper) => dotNetHelper.invokeMethodAsync("GetHelloMessage");
    const started = js.beginInvokeJSFromDotNet(2, "sayHello1", '[{"__dotNetObject":1}]', T.Default, 0, C.FunctionCall);
    assert.deepEqual(host.log, [["beginInvokeDotNetFromJS", 1, null, "GetHelloMessage", 1, "[]"]]);
    js.endInvokeDotNetFromJS(1, true, '"Hello, Amy Pond!"');
    await started;
    assert.deepEqual(host.log.at(-1), ["endInvokeJSFromDotNet", 2, true, '[2,true,"Hello, Amy Pond!"]']);
});

test("a JS→Rust failure surfaces in the Rust→JS triple with the Rust text as message", async () => {
    const { host, js } = await setup();
    window.sayHello2 = (dotNetHelper, name) => dotNetHelper.invokeMethodAsync("GetHelloMessage", name);
    const started = js.beginInvokeJSFromDotNet(4, "sayHello2", '[{"__dotNetObject":2},"x"]', T.Default, 0, C.FunctionCall);
    js.endInvokeDotNetFromJS(1, false, "The call to 'GetHelloMessage' expects '0' parameters, but received '1'.");
    await started;
    assert.equal(failureMessage(lastTriple(host)), "The call to 'GetHelloMessage' expects '0' parameters, but received '1'.");
});
