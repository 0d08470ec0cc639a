//! The host-independent conformance suite: every case drives one host through the JavaScript
//! side of the wire ([`WireClient`]) and asserts the exact strings JavaScript would receive.
//!
//! A host crate runs every case as its own `#[test]` with [`conformance_tests!`](crate::conformance_tests):
//!
//! ```
//! mod conformance {
//!     interop_testkit::conformance_tests!(interop_testkit::MemoryClient::new);
//! }
//! ```
//!
//! The argument is anything callable as `Fn(RuntimeOptions) -> impl WireClient`: each case
//! creates fresh clients (one runtime each) with the options it needs.
//!
//! # What a host may leave out
//!
//! A few cases need a [`Capability`] that a host may lack by design. Such a host names it
//! (`conformance_tests!(factory, without: [sync_calls])`) and the cases needing it are not
//! generated for it at all, so its test count shows only what it really runs. A case generated
//! for a host without what it needs fails; none passes without asserting.
//!
//! | Capability | Cases that need it | Hosts without it, and why |
//! |---|---|---|
//! | `sync_calls` | `sync_calls`, `sync_call_of_async_method` | the WebSocket server: a network connection cannot answer `invokeDotNetFromJS` synchronously (`connect.js` throws) |
//! | `virtual_clock` | `js_call_timeout`, `stream_idle_timeout`, `dotnet_stream_claim_timeout`, `cancellation_token_is_signalled_then_grace` (edges to the millisecond, waits of an hour) | the WebSocket server: its clock is real (its tests run a real server on real sockets); its timeouts are covered by `js_call_timeout_elapses`, `stream_idle_timeout_elapses`, `dotnet_stream_claim_timeout_elapses` and `cancellation_grace_elapses`, which wait 20 ms for real |
//!
//! The in-memory host runs every case (its clock is virtual); so does the QuickJS host, with
//! either client, on a paused tokio clock. The wasm host (`hosts/wasm/tests/conformance.rs`)
//! runs the cases from [`CASES`] inside its module in Node.js, with our client and with
//! Microsoft's, on a virtual `setTimeout`, every case too: the three that call a panicking
//! fixture and go on (`sync_calls`, `hidden_user_errors`, `panics_fail_the_call`) on a build
//! with `panic = "unwind"`, since under wasm's default `panic = "abort"` a panic stops the
//! module by design (docs/wasm.md). The `*_elapses` timeout cases run on every host, on
//! whatever clock it has.
//!
//! The cases live in one file per topic (static calls, arguments, instances, user errors, sync
//! calls, byte arrays, limits, Rust→JS calls, object references, closing, both stream
//! directions, and cancellation from JavaScript); this module holds the factory, the list of cases and the helpers they share.

use interop_runtime::{CallType, JsInvocation, ResultType, RuntimeOptions, ToJs};

use crate::wire::{HostClock, Invoke, WireClient, WireClientExt};

mod arguments;
mod byte_array_matching;
mod byte_arrays;
mod cancellation;
mod dotnet_streams;
mod errors;
mod instances;
mod js_calls;
mod lifecycle;
mod limits;
mod references;
mod statics;
mod streams;
mod sync_calls;

pub use arguments::*;
pub use byte_array_matching::*;
pub use byte_arrays::*;
pub use cancellation::*;
pub use dotnet_streams::*;
pub use errors::*;
pub use instances::*;
pub use js_calls::*;
pub use lifecycle::*;
pub use limits::*;
pub use references::*;
pub use statics::*;
pub use streams::*;
pub use sync_calls::*;

/// Creates a fresh client, with its own runtime, for the given options.
pub struct Factory {
    make: Box<dyn Fn(RuntimeOptions) -> Box<dyn WireClient>>,
}

impl Factory {
    /// Wraps a constructor such as `MemoryClient::new`.
    pub fn new<C: WireClient + 'static>(make: impl Fn(RuntimeOptions) -> C + 'static) -> Self {
        Factory {
            make: Box::new(move |options| Box::new(make(options))),
        }
    }

    /// A new client (and runtime) with `options`.
    pub fn client(&self, options: RuntimeOptions) -> Box<dyn WireClient> {
        (self.make)(options)
    }

    /// A new client (and runtime) with the default options.
    pub fn default_client(&self) -> Box<dyn WireClient> {
        self.client(RuntimeOptions::default())
    }
}

/// Lists every case, then hands the list to the macro named first (with its arguments).
#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_cases {
    ($then:ident ! ($($args:tt)*)) => {
        $crate::$then! {
            [$($args)*]
            static_results,
            void_results_are_null,
            default_identifier_is_the_function_name,
            aliases_reach_the_same_function,
            null_and_blank_assembly,
            null_and_blank_identifier,
            unknown_assembly,
            unknown_static_method,
            static_dispose_identifier_is_an_ordinary_lookup,
            too_few_arguments,
            too_many_arguments_name_the_token,
            zero_parameter_methods_ignore_arguments,
            strict_arguments_reject_extra_arguments,
            arguments_must_be_an_array,
            argument_type_errors,
            argument_errors_come_in_order,
            argument_depth_limit,
            result_depth_limit,
            call_ids_are_echoed,
            fire_and_forget_sends_nothing,
            instance_calls,
            unknown_instance_method,
            instance_call_with_assembly,
            object_id_zero_is_a_static_call,
            generic_instance_types,
            dispose_from_js,
            object_ids_start_at_one_and_are_never_reused,
            clones_share_an_id,
            object_ref_parameters,
            unknown_object_ref_parameter,
            object_ref_to_a_plain_parameter,
            object_ref_of_the_wrong_type,
            object_ref_marker_shapes,
            calls_are_processed_in_arrival_order,
            concurrent_async_calls_on_one_object,
            async_self_call_holds_the_object,
            user_errors,
            hidden_user_errors,
            panics_fail_the_call,
            sync_calls needs sync_calls,
            sync_call_of_async_method needs sync_calls,
            byte_arrays_in,
            nested_byte_arrays,
            byte_arrays_out_precede_their_json,
            byte_arrays_are_used_once,
            byte_arrays_as_base64,
            byte_array_index_out_of_order,
            missing_byte_array,
            byte_array_marker_errors,
            max_staged_bytes_edge,
            max_in_flight_calls_edge,
            max_tracked_objects_edge,
            max_message_size_edge,
            max_pending_js_calls_edge,
            js_call_success,
            js_call_failure,
            js_call_failure_with_null_text,
            js_call_handles_increase_from_one,
            js_call_duplicate_completion_ignored,
            js_call_unknown_handle_ignored,
            js_call_malformed_completion,
            js_call_result_of_wrong_type,
            js_call_completion_depth_limit,
            js_call_bytes_both_ways,
            completions_take_byte_arrays_in_arrival_order,
            a_failed_completion_may_have_sent_byte_arrays,
            byte_arrays_no_message_claims,
            completion_byte_array_counts,
            js_call_timeout needs virtual_clock,
            js_call_timeout_elapses,
            js_call_dropped_future,
            js_call_types,
            js_object_ref_results,
            object_ref_rules_on_the_rust_side,
            close_fails_pending_calls_and_disposes_objects,
            stream_argument_is_pulled_in_chunks,
            stream_pull_window_edge,
            stream_length_must_be_positive,
            stream_marker_shapes,
            stream_over_max_allowed_size,
            stream_chunk_errors,
            stream_failure_forgets_chunks_in_flight,
            stream_idle_timeout needs virtual_clock,
            stream_idle_timeout_elapses,
            stream_cancelled_by_dropping_the_reader,
            stream_disposed_before_reading,
            stream_from_a_js_call_result,
            dotnet_stream_in_a_result,
            dotnet_stream_read_window_edge,
            dotnet_stream_reads_in_turn,
            dotnet_stream_reads_ahead_edge,
            dotnet_stream_as_an_argument,
            dotnet_stream_read_error,
            dotnet_stream_cancel_and_misuse,
            dotnet_stream_claim_timeout needs virtual_clock,
            dotnet_stream_claim_timeout_elapses,
            cancel_before_the_call_is_ignored,
            cancel_drops_a_running_call,
            cancellation_token_is_signalled_then_grace needs virtual_clock,
            cancellation_grace_elapses,
            completion_crossing_a_cancel_is_released,
            cancel_of_unknown_calls_is_ignored,
        }
    };
}

/// Expands to one `#[test]` per conformance case, each creating its clients with `factory`
/// (`Fn(RuntimeOptions) -> impl WireClient`). Put it in a module of its own.
///
/// A host that lacks a [`Capability`] by design names it after `without:`; the cases that
/// need it are then not generated (see [the list](crate::conformance#what-a-host-may-leave-out)):
///
/// ```
/// mod conformance {
///     // Any constructor; here the in-memory host's, which in fact has both.
///     interop_testkit::conformance_tests!(
///         interop_testkit::MemoryClient::new,
///         without: [sync_calls, virtual_clock]
///     );
/// }
/// ```
///
/// A name that is not a capability does not compile:
///
/// ```compile_fail
/// mod conformance {
///     interop_testkit::conformance_tests!(interop_testkit::MemoryClient::new, without: [sync]);
/// }
/// ```
#[macro_export]
macro_rules! conformance_tests {
    ($factory:expr $(,)?) => {
        $crate::conformance_tests!($factory, without: []);
    };
    ($factory:expr, without: [$($missing:ident),* $(,)?] $(,)?) => {
        $(const _: $crate::conformance::Capability = $crate::__conformance_capability!($missing);)*
        $crate::__conformance_cases!(__conformance_emit_tests!($factory, [$($missing)*]));
    };
}

/// The [`Capability`] a name in a case list or after `without:` stands for.
#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_capability {
    (sync_calls) => {
        $crate::conformance::Capability::SyncCalls
    };
    (virtual_clock) => {
        $crate::conformance::Capability::VirtualClock
    };
    ($other:ident) => {
        ::core::compile_error!(::core::concat!(
            "unknown conformance capability `",
            ::core::stringify!($other),
            "` (known: sync_calls, virtual_clock)"
        ))
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_emit_tests {
    ([$factory:expr, $missing:tt] $($case:ident $(needs $need:ident)?),* $(,)?) => {
        $(
            $crate::__conformance_unless_missing! {
                [$($need)?] $missing
                #[test]
                fn $case() {
                    $crate::conformance::$case(&$crate::conformance::Factory::new($factory));
                }
            }
        )*
    };
}

/// Emits the items after `[need] [missing...]` unless the host is missing what the case needs.
#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_unless_missing {
    ([] $missing:tt $($item:tt)*) => { $($item)* };
    ([$need:ident] [] $($item:tt)*) => { $($item)* };
    ([sync_calls] [sync_calls $($rest:ident)*] $($item:tt)*) => {};
    ([virtual_clock] [virtual_clock $($rest:ident)*] $($item:tt)*) => {};
    ([$need:ident] [$other:ident $($rest:ident)*] $($item:tt)*) => {
        $crate::__conformance_unless_missing!([$need] [$($rest)*] $($item)*);
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_case_table {
    ([] $($case:ident $(needs $need:ident)?),* $(,)?) => {
        /// Every case, for hosts that want to run them another way.
        pub const CASES: &[Case] = &[$(Case {
            name: ::core::stringify!($case),
            run: $case,
            needs: $crate::__conformance_needs!($($need)?),
        }),*];
    };
}

/// `None`, or `Some` of the capability named.
#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_needs {
    () => {
        None
    };
    ($need:ident) => {
        Some($crate::__conformance_capability!($need))
    };
}

/// Something a case needs of a host beyond the wire protocol, which a host may lack by design.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// Synchronous JS→Rust calls (`invokeDotNetFromJS`): [`WireClient::invoke_sync`] returns
    /// `Some`. Only in-process hosts have them; `without: [sync_calls]`.
    SyncCalls,
    /// A virtual or paused clock ([`HostClock::Virtual`]), for timeouts tested to the
    /// millisecond and waits of an hour; `without: [virtual_clock]`.
    VirtualClock,
}

/// One conformance case.
#[derive(Debug, Clone, Copy)]
pub struct Case {
    /// Its name, as its `#[test]` is named.
    pub name: &'static str,
    /// Runs it.
    pub run: fn(&Factory),
    /// What it needs of the host, if anything.
    pub needs: Option<Capability>,
}

crate::__conformance_cases!(__conformance_case_table!());

const ASM: &str = "Conformance";

fn st<'a>(identifier: &'a str, args_json: &'a str) -> Invoke<'a> {
    Invoke::r#static(ASM, identifier, args_json)
}

fn unknown_object(id: u64) -> String {
    format!(
        "There is no tracked object with id '{id}'. Perhaps the DotNetObjectReference instance was already disposed. (Parameter 'dotNetObjectId')"
    )
}

fn completed(call_id: u64, success: bool, text: &str) -> ToJs {
    ToJs::EndInvokeDotNet {
        call_id,
        success,
        result_or_error: text.to_owned(),
    }
}

/// A value nested `depth` arrays deep (`[[]]` is 2).
fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

fn js_call(
    handle: u64,
    identifier: &str,
    args_json: &str,
    result_type: ResultType,
) -> JsInvocation {
    JsInvocation {
        async_handle: handle,
        identifier: identifier.to_owned(),
        args_json: args_json.to_owned(),
        result_type,
        target_instance_id: 0,
        call_type: CallType::Function,
    }
}

fn new_counter(client: &mut dyn WireClient, start: u64) -> u64 {
    let json = client.call_ok(st("NewCounter", &format!("[{start}]")));
    let value: serde_json::Value = serde_json::from_str(&json).expect("object reference JSON");
    value["__dotNetObject"]
        .as_u64()
        .unwrap_or_else(|| panic!("not an object reference: {json}"))
}

/// Fails the case unless the host's clock is virtual (a host whose clock is real leaves out
/// the cases that need one).
fn assert_virtual_clock(client: &dyn WireClient) {
    assert_eq!(
        client.clock(),
        HostClock::Virtual,
        "this case needs a virtual clock: a host whose clock is real declares \
         `without: [virtual_clock]` in its `conformance_tests!`"
    );
}

/// What a synchronous call returned; fails the case if the host has no synchronous calls.
fn sync_outcome(outcome: Option<Result<String, String>>) -> Result<String, String> {
    outcome.expect(
        "this case needs synchronous calls: a host without them declares \
         `without: [sync_calls]` in its `conformance_tests!`",
    )
}
