//! Samples 3, 4, 7 and 8: an object handed to one JavaScript function.

use interop_runtime::{jsinvokable, JsError, JsRuntime, ObjectRef};

/// Says hello to the name it was created with (`HelloHelper`).
pub struct HelloHelper {
    name: String,
}

impl HelloHelper {
    /// A helper for `name`.
    pub fn new(name: impl Into<String>) -> Self {
        HelloHelper { name: name.into() }
    }
}

#[jsinvokable]
impl HelloHelper {
    /// `dotNetHelper.invokeMethodAsync('GetHelloMessage')` → `Hello, {name}!`.
    #[jsinvokable("GetHelloMessage")]
    pub fn get_hello_message(&self) -> String {
        format!("Hello, {}!", self.name)
    }
}

/// Says hello to the name JavaScript passes (sample 4).
pub struct NamedHelloHelper;

#[jsinvokable]
impl NamedHelloHelper {
    /// `dotNetHelper.invokeMethodAsync('GetHelloMessage', name)` → `Hello, {name}!`.
    #[jsinvokable("GetHelloMessage")]
    pub fn get_hello_message(&self, name: String) -> String {
        format!("Hello, {name}!")
    }
}

/// Sample 7's `JsInteropClasses3`: calls JavaScript with a fresh helper and disposes it.
pub struct JsInteropClasses3 {
    js: JsRuntime,
}

impl JsInteropClasses3 {
    /// Wraps the runtime of the page.
    pub fn new(js: JsRuntime) -> Self {
        JsInteropClasses3 { js }
    }

    /// Invokes `sayHello1` with a new `HelloHelper` for `name`; returns what `sayHello1` returned.
    pub async fn call_hello_helper_get_hello_message(&self, name: &str) -> Result<String, JsError> {
        let helper = ObjectRef::new(HelloHelper::new(name));
        let message = self.js.invoke::<String>("sayHello1", (&helper,)).await;
        helper.dispose();
        message
    }
}

/// Sample 3: the component hands itself to `sayHello1` and shows what it returns.
pub async fn trigger_dotnet_instance_method(js: &JsRuntime, name: &str) -> Result<String, JsError> {
    JsInteropClasses3::new(js.clone())
        .call_hello_helper_get_hello_message(name)
        .await
}

/// Sample 4: `sayHello2(dotNetHelper, name)`.
pub async fn trigger_say_hello2(js: &JsRuntime, name: &str) -> Result<String, JsError> {
    let helper = ObjectRef::new(NamedHelloHelper);
    let message = js.invoke::<String>("sayHello2", (&helper, name)).await;
    helper.dispose();
    message
}

/// Sample 8: `jsFunction(dotNetHelper)` calls the object and disposes it from JavaScript.
/// Returns the reference so the caller can check that JavaScript disposed it.
pub async fn trigger_js_function(
    js: &JsRuntime,
    name: &str,
) -> Result<ObjectRef<HelloHelper>, JsError> {
    let helper = ObjectRef::new(HelloHelper::new(name));
    js.invoke_void("jsFunction", (&helper,)).await?;
    Ok(helper)
}
