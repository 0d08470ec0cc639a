//! Samples 1 and 2: static methods, by default identifier and by a different one.

use interop_runtime::jsinvokable;

/// `DotNet.invokeMethodAsync('BlazorSample', 'ReturnArrayAsync')` → `[1, 2, 3]`.
#[jsinvokable("ReturnArrayAsync", assembly = "BlazorSample")]
pub async fn return_array_async() -> Vec<i32> {
    vec![1, 2, 3]
}

/// `DotNet.invokeMethod[Async]('BlazorSample', 'DifferentMethodName')` → `[1, 2, 3]`.
///
/// A sync function, so the seed's synchronous `DotNet.invokeMethod` works where the host is
/// in-process; asynchronous calls work everywhere.
#[jsinvokable("DifferentMethodName", assembly = "BlazorSample")]
pub fn different_method_name() -> Vec<i32> {
    vec![1, 2, 3]
}
