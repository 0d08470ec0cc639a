//! JS → Rust dispatch (PROTOCOL.md §4): the entry points a host calls, which find what a call
//! addresses, bind and run it under the panic guard ([`guard`]), and complete it
//! ([`completion`]); the shims the macro writes bind their arguments through [`binding`],
//! choosing how with [`probes`].

mod binding;
mod cancel;
mod completion;
mod guard;
mod probes;

use std::cell::Cell;
use std::sync::Arc;

pub use binding::{Arg, Call, Invocation, Param};
pub(crate) use cancel::RunningCall;
pub use completion::{Failure, Payload};
pub use probes::{Args, BindArgs, IsScalar, NotScalar, Scalar, UnboundArgs};

use crate::cancellation::CancellationToken;
use crate::context::Scope;
use crate::error::texts;
use crate::host::BoxFuture;
use crate::object_ref::TrackedObject;
use crate::registry::{Registry, StaticMethod};
use crate::runtime::{JsRuntime, RuntimeInner};
use crate::staging::Incoming;
use completion::Callee;

/// What a call resolved to.
enum Target {
    Static(&'static StaticMethod),
    Instance(Arc<dyn TrackedObject>, usize, bool),
    Dispose(u64),
}

impl Target {
    /// An `async fn`: it cannot run synchronously and counts as in flight while it runs.
    fn is_async(&self) -> bool {
        match self {
            Target::Static(method) => method.is_async,
            Target::Instance(_, _, is_async) => *is_async,
            Target::Dispose(_) => false,
        }
    }
}

/// What a call gave once its synchronous part ran.
enum Started {
    /// A result, with the byte arrays it produced.
    Ready(Payload),
    /// An async method's future, to spawn, with the token the method took (if it took one).
    Pending(
        BoxFuture<Result<Payload, Failure>>,
        Option<CancellationToken>,
    ),
}

thread_local! {
    /// How many JS→Rust calls are running their synchronous part on this thread: a call runs
    /// inside another only when JavaScript that Rust called synchronously calls Rust again.
    static NESTED: Cell<usize> = const { Cell::new(0) };
}

/// The refusal of a call that would run inside `max_nested_calls` others on this thread.
#[cold]
#[inline(never)]
fn nested_too_deep(inner: &RuntimeInner, identifier: &str) -> Failure {
    Failure::Caller(texts::nested_too_deep(
        identifier,
        inner.options().max_nested_calls,
    ))
}

/// A name JavaScript must give: neither missing nor blank.
#[inline]
fn require<'a>(value: Option<&'a str>, parameter: &str) -> Result<&'a str, Failure> {
    match value {
        None => Err(Failure::Caller(texts::null_parameter(parameter))),
        Some(text) if text.bytes().all(|byte| byte.is_ascii_whitespace()) => {
            Err(Failure::Caller(texts::blank_parameter(parameter)))
        }
        Some(text) => Ok(text),
    }
}

impl JsRuntime {
    /// `beginInvokeDotNetFromJS`: starts a JS→Rust call. The completion is sent through the
    /// host (`EndInvokeDotNet`), now for sync methods and errors, later for async methods.
    /// A `call_id` of 0 means fire-and-forget. `object_id` is `None` (or 0) for static calls.
    ///
    /// Lookup and argument binding happen before this returns, so calls are processed in
    /// arrival order; only an async method's future is spawned. Never panics.
    pub fn begin_invoke_dotnet(
        &self,
        call_id: u64,
        assembly: Option<&str>,
        identifier: Option<&str>,
        object_id: Option<u64>,
        args_json: &str,
    ) {
        let callee = callee(assembly, identifier, object_id);
        let started = self.start(assembly, identifier, object_id, args_json, true);
        let inner = self.inner();
        match started {
            Ok(Started::Ready(payload)) => {
                completion::complete(inner, call_id, callee, Ok(payload))
            }
            Ok(Started::Pending(future, token)) => {
                completion::spawn(inner, call_id, callee, future, token)
            }
            Err(failure) => completion::complete(inner, call_id, callee, Err(failure)),
        }
    }

    /// `invokeDotNetFromJS`: runs a JS→Rust call synchronously (in-process hosts). Returns the
    /// result JSON, or the error text JavaScript should throw. Async methods are refused.
    pub fn invoke_dotnet(
        &self,
        assembly: Option<&str>,
        identifier: Option<&str>,
        object_id: Option<u64>,
        args_json: &str,
    ) -> Result<String, String> {
        let callee = callee(assembly, identifier, object_id);
        let result = match self.start(assembly, identifier, object_id, args_json, false) {
            Ok(Started::Ready(payload)) => Ok(payload),
            // Only an async method gives a future, and `start` refused those.
            Ok(Started::Pending(..)) => Err(Failure::Caller(texts::sync_call_of_async(
                callee.identifier,
            ))),
            Err(failure) => Err(failure),
        };
        completion::settle(self.inner(), callee, result, true)
    }

    /// Checks, finds, binds and runs a call (its synchronous part), with the byte arrays it
    /// carries. `may_spawn`: an async method may run (else it is refused).
    #[inline(always)]
    fn start(
        &self,
        assembly: Option<&str>,
        identifier: Option<&str>,
        object_id: Option<u64>,
        args_json: &str,
        may_spawn: bool,
    ) -> Result<Started, Failure> {
        let inner = self.inner();
        let name = identifier.unwrap_or_default();
        let incoming = inner.claim_for_call(args_json);
        let running = NESTED.get();
        if running >= inner.options().max_nested_calls {
            return Err(nested_too_deep(inner, name));
        }
        // Counted back down below: nothing unwinds through here (user code runs under the
        // panic guard), and a guard object counting down on drop cost 2.4% of its instructions.
        NESTED.set(running + 1);
        let started = match self.resolve(assembly, identifier, object_id, args_json, &incoming) {
            Ok(target) if !target.is_async() => self.run(&target, name, args_json, incoming),
            Ok(_) if !may_spawn => Err(Failure::Caller(texts::sync_call_of_async(name))),
            Ok(target) => match inner.begin_in_flight(name) {
                Ok(()) => {
                    let started = self.run(&target, name, args_json, incoming);
                    if !matches!(started, Ok(Started::Pending(..))) {
                        inner.end_in_flight();
                    }
                    started
                }
                Err(text) => Err(Failure::Caller(text)),
            },
            Err(failure) => Err(failure),
        };
        NESTED.set(running);
        started
    }

    /// Finds what a call addresses, with the reference's checks in its order (PROTOCOL.md
    /// §4.2): an open runtime, its byte arrays not refused (`incoming`), the message size,
    /// then the names.
    #[inline(always)]
    fn resolve(
        &self,
        assembly: Option<&str>,
        identifier: Option<&str>,
        object_id: Option<u64>,
        args_json: &str,
        incoming: &Incoming,
    ) -> Result<Target, Failure> {
        let inner = self.inner();
        if inner.is_closed() {
            return Err(Failure::Caller(texts::DISCONNECTED.to_owned()));
        }
        if let Incoming::Refused(text) = incoming {
            return Err(Failure::Caller(text.clone()));
        }
        if let Some(max) = inner.options().max_message_size {
            if args_json.len() > max {
                return Err(Failure::Caller(texts::message_too_large(
                    args_json.len(),
                    max,
                )));
            }
        }
        if let Some(object_id) = object_id.filter(|&id| id != 0) {
            let object = inner
                .tracked(object_id)
                .ok_or_else(|| Failure::Caller(texts::unknown_object(object_id)))?;
            if let Some(assembly) = assembly {
                return Err(Failure::Caller(texts::assembly_on_instance_call(assembly)));
            }
            let identifier = require(identifier, "methodIdentifier")?;
            if identifier == "__Dispose" {
                return Ok(Target::Dispose(object_id));
            }
            return match object.find_method(identifier) {
                Some((index, is_async)) => Ok(Target::Instance(object, index, is_async)),
                None => Err(Failure::Caller(texts::unknown_instance_method(
                    object.type_name(),
                    identifier,
                ))),
            };
        }
        let assembly = require(assembly, "assemblyKey.AssemblyName")?;
        let identifier = require(identifier, "methodIdentifier")?;
        if let Some(allowed) = &inner.options().allowed_assemblies {
            if assembly != crate::BUILTIN_ASSEMBLY && !allowed.iter().any(|name| name == assembly) {
                return Err(Failure::Caller(texts::unknown_assembly(assembly)));
            }
        }
        Registry::get()
            .lookup(assembly, identifier)
            .map(Target::Static)
            .map_err(Failure::Caller)
    }

    /// Binds and runs the call under the panic guard, in a scope that lets markers reach this
    /// runtime and the byte arrays the call carries (`incoming`), and collects those a sync
    /// result produces.
    #[inline(always)]
    fn run(
        &self,
        target: &Target,
        identifier: &str,
        args_json: &str,
        incoming: Incoming,
    ) -> Result<Started, Failure> {
        let mut call = Call::new(self, identifier, args_json);
        let scope = Scope::with_incoming(self, incoming);
        let invocation = guard::guard(|| {
            scope.enter(|| match target {
                Target::Static(method) => (method.shim)(&mut call),
                Target::Instance(object, index, _) => object.invoke(*index, &mut call),
                Target::Dispose(id) => {
                    self.inner().untrack(*id);
                    Ok(Invocation::Ready("null".to_owned()))
                }
            })
        })?;
        Ok(match invocation {
            Invocation::Ready(json) => Started::Ready(Payload {
                json,
                bytes: scope.take_outgoing_bytes().unwrap_or_default(),
            }),
            Invocation::Pending(future) => Started::Pending(future, call.take_cancellation()),
        })
    }
}

/// The call a completion answers: its identifier, and its assembly for static calls.
fn callee<'a>(
    assembly: Option<&'a str>,
    identifier: Option<&'a str>,
    object_id: Option<u64>,
) -> Callee<'a> {
    Callee {
        identifier: identifier.unwrap_or_default(),
        assembly: assembly.filter(|_| object_id.unwrap_or(0) == 0),
    }
}
