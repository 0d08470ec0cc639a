//! Sample 5: one object reference held by a JavaScript class with several functions.

use std::sync::Mutex;

use interop_runtime::{jsinvokable, JsError, JsRuntime, ObjectRef};

/// The component of `CallDotNetExampleOneHelper`: greets whatever name the page holds now.
#[derive(Default)]
pub struct GreetingHelper {
    name: Mutex<String>,
}

impl GreetingHelper {
    /// Sets the name the next greetings use (the page's input field).
    pub fn set_name(&self, name: &str) {
        *self
            .name
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = name.to_owned();
    }

    fn name(&self) -> String {
        self.name
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}

#[jsinvokable]
impl GreetingHelper {
    /// `GreetingHelpers.dotNetHelper.invokeMethodAsync('GetHelloMessage')`.
    #[jsinvokable("GetHelloMessage")]
    pub fn get_hello_message(&self) -> String {
        format!("Hello, {}!", self.name())
    }

    /// `GreetingHelpers.dotNetHelper.invokeMethodAsync('GetWelcomeMessage')`.
    #[jsinvokable("GetWelcomeMessage")]
    pub fn get_welcome_message(&self) -> String {
        format!("Welcome, {}!", self.name())
    }
}

/// What the component does after its first render: hands itself to `GreetingHelpers`.
pub async fn set_dot_net_helper(
    js: &JsRuntime,
    helper: &ObjectRef<GreetingHelper>,
) -> Result<(), JsError> {
    js.invoke_void("GreetingHelpers.setDotNetHelper", (helper,))
        .await
}
