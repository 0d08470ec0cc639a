// Calls of the samples against the declarations of `seed-tour --emit-dts`, type-checked by
// examples/tests/typescript.rs with `tsc --noEmit --strict`. Each wrong call carries
// `@ts-expect-error`: tsc fails if that line type-checks, so every case is checked both ways.

async function staticCalls(): Promise<void> {
    const array: Promise<number[]> = DotNet.invokeMethodAsync('BlazorSample', 'ReturnArrayAsync');
    const numbers: number[] = await array;
    const text: string = await DotNet.invokeMethodAsync('BlazorSample', 'ReceiveByteArray', new Uint8Array([0x45]));
    const sync: number[] = DotNet.invokeMethod('BlazorSample', 'DifferentMethodName');
    const values = await DotNet.invokeMethodAsync('BlazorSample', 'InvokeInterop', false);
    const first: string = values.genericType1;
    const second: number = values.genericType2;
    console.log(numbers, text, sync, first, second);

    // @ts-expect-error unknown identifier
    await DotNet.invokeMethodAsync('BlazorSample', 'ReturnArray');
    // @ts-expect-error unknown assembly
    await DotNet.invokeMethodAsync('BlazorSampl', 'ReturnArrayAsync');
    // @ts-expect-error wrong argument type: a ByteArray is a Uint8Array, not a string
    await DotNet.invokeMethodAsync('BlazorSample', 'ReceiveByteArray', 'Everything');
    // @ts-expect-error wrong argument count: one too many
    await DotNet.invokeMethodAsync('BlazorSample', 'ReturnArrayAsync', 1);
    // @ts-expect-error wrong argument count: one missing
    await DotNet.invokeMethodAsync('BlazorSample', 'UseIsolatedModule', './isolation.js');
    // @ts-expect-error wrong result type
    const wrong: string = await DotNet.invokeMethodAsync('BlazorSample', 'ReturnArrayAsync');
    // @ts-expect-error an async method cannot be called with invokeMethod
    DotNet.invokeMethod('BlazorSample', 'ReturnArrayAsync');
    console.log(wrong);

    // Cancellable calls: the signal first, then the same typed call.
    const controller = new AbortController();
    const cancellable: number[] = await DotNet.invokeMethodWithSignalAsync(controller.signal, 'BlazorSample', 'ReturnArrayAsync');
    const echoed: string = await DotNet.invokeMethodWithSignalAsync(controller.signal, 'BlazorSample', 'ReceiveByteArray', new Uint8Array([0x45]));
    console.log(cancellable, echoed);
    // @ts-expect-error the signal is not optional: it is the first argument
    await DotNet.invokeMethodWithSignalAsync('BlazorSample', 'ReturnArrayAsync');
    // @ts-expect-error wrong argument type after the signal
    await DotNet.invokeMethodWithSignalAsync(controller.signal, 'BlazorSample', 'ReceiveByteArray', 'Everything');
    // @ts-expect-error wrong result type of a cancellable call
    const wrongCancellable: string = await DotNet.invokeMethodWithSignalAsync(controller.signal, 'BlazorSample', 'ReturnArrayAsync');
    console.log(wrongCancellable);
    // A CancellationToken parameter is not an argument: CountUntilCancelled takes none.
    const counted: number = await DotNet.invokeMethodWithSignalAsync(controller.signal, 'BlazorSample', 'CountUntilCancelled');
    console.log(counted);
    // @ts-expect-error the token is injected by Rust, never passed
    await DotNet.invokeMethodWithSignalAsync(controller.signal, 'BlazorSample', 'CountUntilCancelled', controller.signal);
}

async function objectCalls(): Promise<void> {
    const helper = DotNet.invokeMethod('BlazorSample', 'CreateHelloHelper', 'Amy Pond');
    const hello: string = await helper.invokeMethodAsync('GetHelloMessage');
    const syncHello: string = helper.invokeMethod('GetHelloMessage');
    console.log(hello, syncHello);
    // @ts-expect-error another type's method on an object reference (GreetingHelper's)
    await helper.invokeMethodAsync('GetWelcomeMessage');
    // @ts-expect-error wrong argument count on an instance method
    await helper.invokeMethodAsync('GetHelloMessage', 'Rory');
    const cancellableHello: string = await helper.invokeMethodWithSignalAsync(new AbortController().signal, 'GetHelloMessage');
    console.log(cancellableHello);
    // @ts-expect-error another type's method on an object reference, with a signal
    await helper.invokeMethodWithSignalAsync(new AbortController().signal, 'GetWelcomeMessage');
    helper.dispose();

    const named = {} as DotNet.DotNetObject<DotNet.NamedHelloHelper>;
    const greeting: string = await named.invokeMethodAsync('GetHelloMessage', 'Rory Williams');
    console.log(greeting);
    // @ts-expect-error wrong argument type on an instance method
    await named.invokeMethodAsync('GetHelloMessage', 42);

    // A generic impl is declared generic.
    const generic = {} as DotNet.DotNetObject<DotNet.GenericType<string>>;
    await generic.invokeMethodAsync('Update', 'string 1');
    await generic.invokeMethodAsync('UpdateAsync', 'string 2');
    // @ts-expect-error wrong argument type for GenericType<string>
    await generic.invokeMethodAsync('Update', 3);
    // @ts-expect-error an async instance method cannot be called with invokeMethod
    generic.invokeMethod('UpdateAsync', 'string 3');

    // @ts-expect-error a stream result is a DotNetStream, not a string
    const stream: string = await DotNet.invokeMethodAsync('BlazorSample', 'DownloadStream', 1024);
    console.log(stream);
}

export { staticCalls, objectCalls };
