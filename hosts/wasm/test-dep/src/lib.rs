//! `#[jsinvokable]` items and nothing else, in modules of their own (each its own codegen unit
//! in a debug build): the app that depends on this crate calls none of them.

mod ping {
    use interop_runtime::jsinvokable;

    /// A sync function.
    #[jsinvokable("Ping", assembly = "WasmDep")]
    fn ping() -> i32 {
        7
    }
}

mod nested {
    pub(crate) mod pong {
        use interop_runtime::jsinvokable;

        /// An async function.
        #[jsinvokable("Pong", assembly = "WasmDep")]
        async fn pong(text: String) -> String {
            format!("pong {text}")
        }
    }
}
