// A fake host (DotNetCallDispatcher) that records every call the client makes, in order.
//
// `host.log` holds plain tuples `[name, ...args]`; byte arrays are recorded as plain number
// arrays (`host.sentBytes` keeps the original Uint8Array objects, in order).

/**
 * @param {object} [options]
 * @param {boolean} [options.sync=true] implement the optional `invokeDotNetFromJS`
 * @param {(callId, assemblyName, methodIdentifier, dotNetObjectId, argsJson) => void} [options.onBegin]
 * @param {(assemblyName, methodIdentifier, dotNetObjectId, argsJson) => any} [options.onSync]
 * @param {(handle, succeeded, tripleJson) => void} [options.onEnd]
 * @param {(index, bytes) => void} [options.onBytes]
 * @param {boolean} [options.cancel=true] implement the optional `cancelInvokeDotNetFromJS`
 * @param {(callId, assemblyName, methodIdentifier, dotNetObjectId, argsJson) => DirectReply} [options.direct]
 *   implement the extension `beginInvokeDotNetFromJSDirect`, answering what this returns (see
 *   {@link answer}). Like the QuickJS host, the fake writes an argument array it is handed as
 *   JSON when the real host would (see {@link hostWrites}), and for any other array or object
 *   logs `"notWritten"` and answers `Direct.NOT_WRITTEN` without calling `direct`. Other
 *   arguments (JSON text, `null`, `undefined`) reach `direct` as they are. `host.lastOut` is the
 *   `out` array of the last direct call.
 */
export function createFakeHost(options = {}) {
    const { sync = true, cancel = true, onBegin, onSync, onEnd, onBytes, direct } = options;
    const log = [];
    const sentBytes = [];
    const host = {
        log,
        sentBytes,
        beginInvokeDotNetFromJS(callId, assemblyName, methodIdentifier, dotNetObjectId, argsJson) {
            log.push(["beginInvokeDotNetFromJS", callId, assemblyName, methodIdentifier, dotNetObjectId, argsJson]);
            if (onBegin) {
                onBegin(callId, assemblyName, methodIdentifier, dotNetObjectId, argsJson);
            }
        },
        endInvokeJSFromDotNet(handle, succeeded, tripleJson) {
            log.push(["endInvokeJSFromDotNet", handle, succeeded, tripleJson]);
            if (onEnd) {
                onEnd(handle, succeeded, tripleJson);
            }
        },
        sendByteArray(index, bytes) {
            log.push(["sendByteArray", index, Array.from(bytes)]);
            sentBytes.push(bytes);
            if (onBytes) {
                onBytes(index, bytes);
            }
        },
        /** The log entries for one host function. */
        callsOf(name) {
            return log.filter((entry) => entry[0] === name);
        },
        /** The names of the logged calls, in order. */
        names() {
            return log.map((entry) => entry[0]);
        },
        clear() {
            log.length = 0;
            sentBytes.length = 0;
        },
    };
    if (cancel) {
        host.cancelInvokeDotNetFromJS = function (callId) {
            log.push(["cancelInvokeDotNetFromJS", callId]);
        };
    }
    if (direct) {
        host.beginInvokeDotNetFromJSDirect = function (callId, assemblyName, methodIdentifier, dotNetObjectId, args, out) {
            if (!Array.isArray(out)) {
                throw new TypeError("out must be an array");
            }
            host.lastOut = out;
            let argsJson = args;
            if (typeof args === "object" && args !== null) {
                if (!Array.isArray(args) || !hostWrites(args)) {
                    log.push(["notWritten", callId, assemblyName, methodIdentifier, dotNetObjectId, args]);
                    return Direct.NOT_WRITTEN;
                }
                argsJson = JSON.stringify(args);
            }
            log.push(["beginInvokeDotNetFromJSDirect", callId, assemblyName, methodIdentifier, dotNetObjectId, argsJson]);
            const [tag, ...payload] = direct(callId, assemblyName, methodIdentifier, dotNetObjectId, argsJson);
            if (payload.length > 0) {
                out[0] = payload[0];
            }
            return tag;
        };
    }
    if (sync) {
        host.invokeDotNetFromJS = function (assemblyName, methodIdentifier, dotNetObjectId, argsJson) {
            log.push(["invokeDotNetFromJS", assemblyName, methodIdentifier, dotNetObjectId, argsJson]);
            return onSync ? onSync(assemblyName, methodIdentifier, dotNetObjectId, argsJson) : null;
        };
    }
    return host;
}

/**
 * The tags `beginInvokeDotNetFromJSDirect` answers with (docs/quickjs.md, "Direct
 * completions"); the payload of `VALUE`, `JSON` and `ERROR` goes in `out[0]`.
 */
export const Direct = Object.freeze({ STARTED: 0, VALUE: 1, JSON: 2, ERROR: 3, NOT_WRITTEN: 4 });

/**
 * What a fake host's `direct` option returns: the tag, and the payload when it has one.
 * @typedef {[number] | [number, any]} DirectReply
 */

/** The replies of a fake host's `direct` option. */
export const answer = {
    /** The call started; its completion comes later through `endInvokeDotNetFromJS`. */
    started: () => [Direct.STARTED],
    /** It succeeded with a number, a boolean or `null`. */
    value: (value) => [Direct.VALUE, value],
    /** It succeeded with this result JSON. */
    json: (text) => [Direct.JSON, text],
    /** It failed with this error text. */
    error: (text) => [Direct.ERROR, text],
};

/**
 * Whether the QuickJS host writes an argument array as JSON itself (`hosts/quickjs/src/args.rs`):
 * every element a well-formed string, a number other than an integer of 2^53 or more, a
 * boolean, `null` or `undefined`.
 * @param {any[]} args
 */
export function hostWrites(args) {
    return args.every((item) => item === null || item === undefined || typeof item === "boolean"
        || (typeof item === "string" && item.isWellFormed())
        || (typeof item === "number" && !(Number.isInteger(item) && Math.abs(item) >= 2 ** 53)));
}

/** Lets every queued promise job run (the client builds every async path on promises). */
export function flush() {
    return new Promise((resolve) => setImmediate(resolve));
}

/** The parsed triple of the last `endInvokeJSFromDotNet` call. */
export function lastTriple(host) {
    const ends = host.callsOf("endInvokeJSFromDotNet");
    if (ends.length === 0) {
        throw new Error("no endInvokeJSFromDotNet call was recorded");
    }
    return JSON.parse(ends[ends.length - 1][3]);
}

/** The first line (the JS message) of a failure triple's text. */
export function failureMessage(triple) {
    if (triple[1] !== false) {
        throw new Error(`expected a failure triple, got ${JSON.stringify(triple)}`);
    }
    return String(triple[2]).split("\n")[0];
}

let instanceCounter = 0;

/**
 * Loads a fresh, independent instance of the project's client (its own JS object table,
 * revivers and default dispatcher).
 */
export async function loadFreshClient() {
    instanceCounter++;
    const url = new URL(`../dotnet-interop.js?instance=${instanceCounter}`, import.meta.url);
    return (await import(url.href)).DotNet;
}
