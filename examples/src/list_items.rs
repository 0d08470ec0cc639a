//! Sample 9: a helper object that runs a Rust closure when JavaScript calls it.

use std::sync::Mutex;

use interop_runtime::{jsinvokable, JsError, JsRuntime, ObjectRef};

/// `MessageUpdateInvokeHelper`: holds the action of one list item.
pub struct MessageUpdateInvokeHelper {
    action: Box<dyn Fn() + Send + Sync>,
}

impl MessageUpdateInvokeHelper {
    /// A helper running `action`.
    pub fn new(action: impl Fn() + Send + Sync + 'static) -> Self {
        MessageUpdateInvokeHelper {
            action: Box::new(action),
        }
    }
}

#[jsinvokable]
impl MessageUpdateInvokeHelper {
    /// Registered as `BlazorSample`: the seed's JavaScript calls
    /// `dotNetHelper.invokeMethodAsync('BlazorSample', 'UpdateMessageCaller')`, and the extra
    /// argument is ignored by this zero-parameter method, as .NET does.
    #[jsinvokable("BlazorSample")]
    pub fn update_message_caller(&self) {
        (self.action)();
    }
}

/// The state of one `ListItem`: its message and whether its button is shown.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ListItemState {
    /// The text shown in the item.
    pub message: String,
    /// Whether the `InteropCall` button is still shown.
    pub button_visible: bool,
}

/// The four `ListItem`s of `CallDotNetExample6`.
pub struct ListItems {
    items: Vec<std::sync::Arc<Mutex<ListItemState>>>,
}

impl Default for ListItems {
    fn default() -> Self {
        ListItems {
            items: (0..4)
                .map(|_| {
                    std::sync::Arc::new(Mutex::new(ListItemState {
                        message: "Select one of these list items.".to_owned(),
                        button_visible: true,
                    }))
                })
                .collect(),
        }
    }
}

impl ListItems {
    /// The state of every item.
    pub fn states(&self) -> Vec<ListItemState> {
        self.items
            .iter()
            .map(|item| {
                item.lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .clone()
            })
            .collect()
    }

    /// What clicking item `index`'s button does: `updateMessageCaller` with a new helper
    /// whose action updates that item. JavaScript disposes the helper.
    pub async fn click(&self, js: &JsRuntime, index: usize) -> Result<(), JsError> {
        let Some(item) = self.items.get(index).cloned() else {
            return Err(JsError::Arguments(format!("there is no list item {index}")));
        };
        let helper = ObjectRef::new(MessageUpdateInvokeHelper::new(move || {
            let mut state = item.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            state.message = "UpdateMessage Called!".to_owned();
            state.button_visible = false;
        }));
        js.invoke_void("updateMessageCaller", (&helper,)).await
    }
}
