use interop_runtime::{jsinvokable, CancellationToken};

// A sync function runs to its end before JavaScript can cancel it.
#[jsinvokable("Sync", assembly = "UiTests")]
pub fn sync_with_token(cancel: CancellationToken) -> bool {
    cancel.is_cancelled()
}

// One token per call; a second parameter would only be a clone.
#[jsinvokable("Twice", assembly = "UiTests")]
pub async fn two_tokens(first: CancellationToken, text: String, second: &CancellationToken) -> String {
    format!("{text} {} {}", first.is_cancelled(), second.is_cancelled())
}

pub struct Worker;

#[jsinvokable]
impl Worker {
    #[jsinvokable("Step")]
    pub fn step(&self, cancel: &CancellationToken) -> bool {
        cancel.is_cancelled()
    }
}

fn main() {}
