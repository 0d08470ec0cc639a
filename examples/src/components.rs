//! The seed's components, for pages: what a Blazor component's C# does when its button is
//! clicked, as `#[jsinvokable]` functions of the assembly `BlazorSample` that the web app's
//! buttons call. Each takes the page's [`JsRuntime`] (injected, not sent by JavaScript) and
//! keeps per-page state in it, as a component instance would.

use std::sync::Mutex;

use interop_runtime::{jsinvokable, JsError, JsRuntime, ObjectRef};
use serde::Serialize;

use crate::greeting::{self, GreetingHelper};
use crate::list_items::{ListItemState, ListItems};
use crate::{generics, hello, list_items};

/// `CallDotNetExample2`/`4`: hands a `HelloHelper` for `name` to `sayHello1`; the message
/// `sayHello1` returned.
#[jsinvokable("TriggerDotNetInstanceMethod", assembly = "BlazorSample")]
pub async fn trigger_dotnet_instance_method(
    page: JsRuntime,
    name: String,
) -> Result<String, JsError> {
    hello::trigger_dotnet_instance_method(&page, &name).await
}

/// `CallDotNetExample3`: `sayHello2(dotNetHelper, name)`.
#[jsinvokable("TriggerSayHello2", assembly = "BlazorSample")]
pub async fn trigger_say_hello2(page: JsRuntime, name: String) -> Result<String, JsError> {
    hello::trigger_say_hello2(&page, &name).await
}

/// The page's `CallDotNetExampleOneHelper` component.
struct GreetingComponent(ObjectRef<GreetingHelper>);

/// `CallDotNetExampleOneHelper` after its first render: hands itself to `GreetingHelpers`.
#[jsinvokable("SetUpGreetingHelpers", assembly = "BlazorSample")]
pub async fn set_up_greeting_helpers(page: JsRuntime) -> Result<(), JsError> {
    let helper = ObjectRef::new(GreetingHelper::default());
    greeting::set_dot_net_helper(&page, &helper).await?;
    page.insert_extension(GreetingComponent(helper));
    Ok(())
}

/// The component's `name` field, bound to the page's input.
#[jsinvokable("SetGreetingName", assembly = "BlazorSample")]
pub fn set_greeting_name(page: JsRuntime, name: String) -> bool {
    match page.extension::<GreetingComponent>() {
        Some(component) => {
            component.0.borrow().set_name(&name);
            true
        }
        None => false,
    }
}

/// The values of `GenericsExample` after `invokeMethodsAsync`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GenericValues {
    /// `genericType1.Value`.
    pub generic_type1: String,
    /// `genericType2.Value`.
    pub generic_type2: i32,
}

/// `GenericsExample.InvokeInterop`, asynchronous only (`syncInterop = false` over a network).
#[jsinvokable("InvokeInterop", assembly = "BlazorSample")]
pub async fn invoke_interop(page: JsRuntime, sync_interop: bool) -> Result<GenericValues, JsError> {
    let (generic_type1, generic_type2) = generics::invoke_interop(&page, sync_interop).await?;
    Ok(GenericValues {
        generic_type1,
        generic_type2,
    })
}

/// The four `ListItem`s of `CallDotNetExample6`, one set per page.
struct ListComponent(ListItems);

/// `ListItem` number `index` was clicked: `updateMessageCaller` with its helper. Returns the
/// state of every item afterwards.
#[jsinvokable("ClickListItem", assembly = "BlazorSample")]
pub async fn click_list_item(page: JsRuntime, index: usize) -> Result<Vec<ListItemState>, JsError> {
    if page.extension::<ListComponent>().is_none() {
        page.insert_extension(ListComponent(ListItems::default()));
    }
    let Some(list) = page.extension::<ListComponent>() else {
        return Err(JsError::Arguments(
            "the list component is missing".to_owned(),
        ));
    };
    list.0.click(&page, index).await?;
    Ok(list.0.states())
}

/// What `jsFunction` did with the object it was handed.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JsFunctionReport {
    /// The helper's action ran.
    pub called: bool,
    /// JavaScript disposed the reference.
    pub disposed: bool,
}

/// Hands a helper to `jsFunction`, which calls it and disposes it back to back.
#[jsinvokable("TriggerJsFunction", assembly = "BlazorSample")]
pub async fn trigger_js_function(page: JsRuntime) -> Result<JsFunctionReport, JsError> {
    let called = std::sync::Arc::new(Mutex::new(false));
    let flag = std::sync::Arc::clone(&called);
    let helper = ObjectRef::new(list_items::MessageUpdateInvokeHelper::new(move || {
        *flag.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = true;
    }));
    page.invoke_void("jsFunction", (&helper,)).await?;
    let called = *called
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    Ok(JsFunctionReport {
        called,
        disposed: helper.is_disposed(),
    })
}

/// JS isolation: imports `specifier` as a module, calls its `greet` export, and hands a
/// `HelloHelper` for `name` to its `callRust` export.
#[jsinvokable("UseIsolatedModule", assembly = "BlazorSample")]
pub async fn use_isolated_module(
    page: JsRuntime,
    specifier: String,
    name: String,
) -> Result<String, JsError> {
    let module = page.import(&specifier).await?;
    let greeting = module.invoke::<String>("greet", ("Rust",)).await?;
    let helper = ObjectRef::new(hello::HelloHelper::new(name));
    let hello = module.invoke::<String>("callRust", (&helper,)).await;
    helper.dispose();
    Ok(format!("{greeting} / {}", hello?))
}

/// A `HelloHelper` for `name`, handed to JavaScript, which owns it (and disposes it).
#[jsinvokable("CreateHelloHelper", assembly = "BlazorSample")]
pub fn create_hello_helper(name: String) -> ObjectRef<hello::HelloHelper> {
    ObjectRef::new(hello::HelloHelper::new(name))
}

/// Calls the page's global function `identifier` and returns what it resolves with: Rust
/// calling JavaScript by a name the page chooses.
#[jsinvokable("CallPageFunction", assembly = "BlazorSample")]
pub async fn call_page_function(page: JsRuntime, identifier: String) -> Result<String, JsError> {
    page.invoke::<String>(&identifier, ()).await
}
