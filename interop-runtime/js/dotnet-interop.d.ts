// TypeScript declarations for dotnet-interop.js, the project's JS client for the
// Blazor-compatible interop wire protocol (same shape as @microsoft/dotnet-js-interop 10.0.x).

export declare namespace DotNet {
    /** A JSON reviver applied to payloads from Rust, called as `reviver(key, value)`. */
    type JsonReviver = (key: any, value: any) => any;

    /** The operation a Rust→JS call performs on the member it names. */
    enum JSCallType {
        FunctionCall = 1,
        ConstructorCall = 2,
        GetValue = 3,
        SetValue = 4,
    }

    /** What a Rust→JS call sends back. */
    enum JSCallResultType {
        Default = 0,
        JSObjectReference = 1,
        JSStreamReference = 2,
        JSVoidResult = 3,
    }

    /**
     * What `beginInvokeDotNetFromJSDirect` answers: a tag, its return value. The payload of
     * tags 1, 2 and 3 is put in `out[0]`. The promise settles asynchronously whatever the answer.
     * - 0: the call started; its completion comes later through `endInvokeDotNetFromJS` (never
     *   before the function has returned).
     * - 1: it succeeded; `out[0]` is the result itself, a number, a boolean or `null`.
     * - 2: it succeeded; `out[0]` is the result JSON, which holds no marker (no `"__`).
     * - 3: it failed; `out[0]` is the error text (the promise rejects with `new Error(text)`).
     * - 4: nothing started: `args` is an array the host does not write as JSON; the client
     *   calls again with its JSON.
     */
    type DirectAnswer = 0 | 1 | 2 | 3 | 4;

    /** Implemented by the host; the client calls it (PROTOCOL.md §2.1). */
    interface DotNetCallDispatcher {
        /**
         * Optional synchronous JS→Rust call. Returns the result JSON; `null` or `""` give `null`.
         * Exceptions reach the JS caller.
         */
        invokeDotNetFromJS?(assemblyName: string | null, methodIdentifier: string, dotNetObjectId: number | null, argsJson: string): string | null;
        /**
         * Starts an async JS→Rust call (`argsJson` is `"null"` for `__Dispose`). Every call must get
         * exactly one `endInvokeDotNetFromJS(callId, …)`.
         */
        beginInvokeDotNetFromJS(callId: number, assemblyName: string | null, methodIdentifier: string, dotNetObjectId: number | null, argsJson: string): void;
        /**
         * Optional extension of this client (Microsoft's client never calls it): starts an async
         * call like `beginInvokeDotNetFromJS`, and may answer with its completion instead of
         * sending it (see {@link DirectAnswer}). When the host has it at `attachDispatcher` time,
         * the client uses it for every async call made while no reviver was added with
         * `attachReviver`. `args` is the argument array, its JSON, or `null` (no arguments): the
         * host writes an array of strings, numbers, booleans and nulls as JSON, and answers 4
         * for any other array without starting the call.
         */
        beginInvokeDotNetFromJSDirect?(callId: number, assemblyName: string | null, methodIdentifier: string, dotNetObjectId: number | null, args: string | any[] | null, out: [any]): DirectAnswer;
        /** Completes an async Rust→JS call with the JSON of the whole triple. Must not throw. */
        endInvokeJSFromDotNet(asyncHandle: any, succeeded: boolean, tripleJson: string): void;
        /** One byte array of the payload about to be sent; the index restarts at 0 per payload. */
        sendByteArray(index: number, data: Uint8Array): void;
        /**
         * Optional extension of this client (Microsoft's client never calls it): the page aborted
         * call `callId` (`invokeMethodWithSignalAsync`). The host tells Rust, which still
         * completes the call once; the client ignores that completion and releases what it
         * carries.
         */
        cancelInvokeDotNetFromJS?(callId: number): void;
    }

    /** Returned by `attachDispatcher`; the host calls it (PROTOCOL.md §2.2). */
    interface ICallDispatcher {
        /** Synchronous Rust→JS call; returns the JSON of the value (not a triple) or null. */
        invokeJSFromDotNet(identifier: string, argsJson: string | null, resultType: JSCallResultType, targetInstanceId: number, callType?: JSCallType): string | null;
        /** Asynchronous Rust→JS call; reports through `endInvokeJSFromDotNet` unless the handle is 0. */
        beginInvokeJSFromDotNet(asyncHandle: any, identifier: string, argsJson: string | null, resultType: JSCallResultType, targetInstanceId: number, callType?: JSCallType): Promise<void>;
        /** Completes a JS→Rust call; `asyncCallId` goes through `parseInt(x, 10)` (integers as they are). */
        endInvokeDotNetFromJS(asyncCallId: number | string, success: boolean, resultJsonOrExceptionMessage: string | null): void;
        /** Synchronous static call (in-process hosts only). */
        invokeDotNetStaticMethod<T = any>(assemblyName: string, methodIdentifier: string, ...args: any[]): T | null;
        /** Asynchronous static call. */
        invokeDotNetStaticMethodAsync<T = any>(assemblyName: string, methodIdentifier: string, ...args: any[]): Promise<T>;
        /** Stages bytes for a later payload's `{"__byte[]": id}`; removed on first use. */
        receiveByteArray(id: number, data: Uint8Array): void;
        /** Hands over the stream for `{"__dotNetStream": streamId}`, before or after the payload. */
        supplyDotNetStream(streamId: number, stream: ReadableStream): void;
    }

    /** The dispatcher implementation (also exposes the lower-level call methods). */
    interface CallDispatcher extends ICallDispatcher {
        getDotNetCallDispatcher(): DotNetCallDispatcher;
        processJSCall(targetInstanceId: number, identifier: string, callType: JSCallType | null | undefined, argsJson: string | null): any;
        invokeDotNetMethod<T = any>(assemblyName: string | null, methodIdentifier: string, dotNetObjectId: number | null, args: any[] | null): T | null;
        invokeDotNetMethodAsync<T = any>(assemblyName: string | null, methodIdentifier: string, dotNetObjectId: number | null, args: any[] | null): Promise<T>;
        /** An async call `signal` can abort (see `DotNet.invokeMethodWithSignalAsync`). */
        invokeDotNetMethodWithSignalAsync<T = any>(signal: AbortSignal, assemblyName: string | null, methodIdentifier: string, dotNetObjectId: number | null, args: any[] | null): Promise<T>;
        /** How many aborted calls still wait for their completion. */
        readonly abortedCallCount: number;
        /** Takes a staged byte array; `null` when absent. */
        processByteArray(id: number): Uint8Array | null;
        getDotNetStreamPromise(streamId: number): Promise<ReadableStream>;
    }

    /** A JS object reference as it travels on the wire (`-1` means null). */
    interface JSObjectReference {
        __jsObjectId: number;
    }

    /** A JS stream reference as it travels on the wire. */
    interface JSStreamReference {
        __jsStreamReferenceLength: number;
        __jsObjectId: number;
    }

    /** Connects a host and returns the dispatcher the host calls into. */
    function attachDispatcher(dotNetCallDispatcher: DotNetCallDispatcher): CallDispatcher;
    /** Adds a reviver applied after the library's marker reviver and earlier revivers. */
    function attachReviver(reviver: JsonReviver): void;
    /** Calls a static Rust method synchronously through the default dispatcher. */
    function invokeMethod<T = any>(assemblyName: string, methodIdentifier: string, ...args: any[]): T | null;
    /** Calls a static Rust method asynchronously through the default dispatcher. */
    function invokeMethodAsync<T = any>(assemblyName: string, methodIdentifier: string, ...args: any[]): Promise<T>;
    /**
     * Calls a static Rust method asynchronously; aborting `signal` rejects the promise at once
     * with `signal.reason` and cancels the call in Rust (nothing is sent if already aborted).
     */
    function invokeMethodWithSignalAsync<T = any>(signal: AbortSignal, assemblyName: string, methodIdentifier: string, ...args: any[]): Promise<T>;
    /** Registers an object or function; `null`/`undefined` give id -1; primitives throw. */
    function createJSObjectReference(jsObject: any): JSObjectReference;
    /** Registers a Blob, ArrayBuffer or ArrayBufferView to be read as a stream. */
    function createJSStreamReference(streamReference: ArrayBuffer | ArrayBufferView | Blob | any): JSStreamReference;
    /** Releases a reference created by `createJSObjectReference` (ignores -1 and non-references). */
    function disposeJSObjectReference(jsObjectReference: any): void;
    /** Releases the JS object with this id (the identifier Rust calls). */
    function disposeJSObjectReferenceById(id: number): void;
    /** Resolves (and caches) the handler a Rust→JS call runs. */
    function findJSFunction(identifier: string, targetInstanceId: number, callType?: JSCallType): Function;
    /** Walks a dotted identifier; returns `[parent, memberName]`. */
    function findObjectMember(obj: any, identifier: string): [any, string];

    /** A Rust object reference revived from `{"__dotNetObject": id}`. */
    class DotNetObject {
        constructor(id: number, callDispatcher: CallDispatcher);
        readonly _id: number;
        readonly _callDispatcher: CallDispatcher;
        /** Calls an instance method synchronously (in-process hosts only). */
        invokeMethod<T = any>(methodIdentifier: string, ...args: any[]): T | null;
        /** Calls an instance method asynchronously. */
        invokeMethodAsync<T = any>(methodIdentifier: string, ...args: any[]): Promise<T>;
        /** Calls an instance method asynchronously; aborting `signal` rejects at once and cancels it in Rust. */
        invokeMethodWithSignalAsync<T = any>(signal: AbortSignal, methodIdentifier: string, ...args: any[]): Promise<T>;
        /** Releases the Rust object (`__Dispose`); a failure is logged with `console.error`. */
        dispose(): void;
        serializeAsArg(): { __dotNetObject: number };
        toJSON(): { __dotNetObject: number };
    }

    /** A stream Rust is sending, revived from `{"__dotNetStream": id}`. */
    class DotNetStream {
        constructor(streamPromise: Promise<ReadableStream>);
        /** The stream the host supplied. */
        stream(): Promise<ReadableStream>;
        /** The whole stream as one buffer. */
        arrayBuffer(): Promise<ArrayBuffer>;
    }
}
