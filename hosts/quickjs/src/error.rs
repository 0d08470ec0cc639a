//! What can go wrong running JavaScript.

use std::fmt;
use std::time::Duration;

/// Why the engine could not run something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineError {
    /// JavaScript threw or rejected: the message, then the stack with file:line.
    Js(String),
    /// JavaScript ran past its budget and was interrupted.
    Interrupted(Duration),
    /// The awaited promise can never settle: nothing left could settle it.
    Stalled,
    /// The engine could not be set up.
    Setup(String),
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineError::Js(text) | EngineError::Setup(text) => f.write_str(text),
            EngineError::Interrupted(budget) => write!(
                f,
                "the script ran longer than its budget of {} ms and was interrupted",
                budget.as_millis()
            ),
            EngineError::Stalled => {
                f.write_str("the script waits for a promise that nothing can settle")
            }
        }
    }
}

impl std::error::Error for EngineError {}
