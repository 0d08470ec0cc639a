//! The model of one `#[jsinvokable]` function, read from its signature and validated.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{FnArg, GenericArgument, Ident, LitStr, Pat, PathArguments, ReturnType, Signature, Type};

use crate::ctxt::Ctxt;

/// How a method receives its object.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Receiver {
    None,
    Shared,
    Exclusive,
}

/// One parameter of the Rust function.
pub(crate) enum Param {
    /// Bound from the next JSON argument.
    Js {
        ty: Box<Type>,
        accepts_object_ref: bool,
        /// The parameter's name, for the TypeScript declarations.
        name: String,
    },
    /// The calling runtime, injected (`JsRuntime` or `&JsRuntime`); never counted.
    Runtime { by_ref: bool },
    /// The call's cancellation token, injected (`CancellationToken` or `&CancellationToken`);
    /// never counted. Async functions only.
    Cancellation { by_ref: bool },
}

/// A validated function, ready to expand.
pub(crate) struct Function {
    pub(crate) name: Ident,
    /// Identifiers JavaScript uses (the first is the main one), with their spans.
    pub(crate) identifiers: Vec<(String, Span)>,
    pub(crate) receiver: Receiver,
    pub(crate) is_async: bool,
    pub(crate) params: Vec<Param>,
    pub(crate) returns_result: bool,
    /// Where the serialized type is written (the `Ok` type of a `Result`), so a missing
    /// `Serialize` is reported there.
    pub(crate) return_span: Span,
    /// The serialized type (the `Ok` type of a `Result`); `None` for `()`.
    pub(crate) result_type: Option<Type>,
}

impl Function {
    pub(crate) fn js_param_count(&self) -> usize {
        self.params
            .iter()
            .filter(|param| matches!(param, Param::Js { .. }))
            .count()
    }
}

/// The last path segment of a type, looking through parentheses (not through references).
fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(path) if path.qself.is_none() => path.path.segments.last(),
        Type::Paren(inner) => last_segment(&inner.elem),
        Type::Group(inner) => last_segment(&inner.elem),
        _ => None,
    }
}

fn generic_args(segment: &syn::PathSegment) -> Vec<&Type> {
    match &segment.arguments {
        PathArguments::AngleBracketed(args) => args
            .args
            .iter()
            .filter_map(|arg| match arg {
                GenericArgument::Type(ty) => Some(ty),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn is_named(ty: &Type, name: &str) -> bool {
    last_segment(ty).is_some_and(|segment| segment.ident == name)
}

fn is_vec_u8(ty: &Type) -> bool {
    last_segment(ty).is_some_and(|segment| {
        segment.ident == "Vec"
            && matches!(generic_args(segment).as_slice(), [inner] if is_named(inner, "u8"))
    })
}

/// `ObjectRef<T>` or `Option<ObjectRef<T>>`: may receive `{"__dotNetObject":n}`.
fn accepts_object_ref(ty: &Type) -> bool {
    last_segment(ty).is_some_and(|segment| {
        segment.ident == "ObjectRef"
            || (segment.ident == "Option"
                && matches!(generic_args(segment).as_slice(), [inner] if is_named(inner, "ObjectRef")))
    })
}

const BYTE_ARRAY_HINT: &str = "`Vec<u8>` would travel as a JSON array of numbers, but JavaScript sends a `Uint8Array` as a byte-array marker; use `interop_runtime::ByteArray`";

/// Reads and validates a signature. `in_generic_impl` refuses `self`-less functions, which
/// cannot be registered as statics.
pub(crate) fn function(
    cx: &Ctxt,
    sig: &Signature,
    identifiers: &[LitStr],
    in_generic_impl: bool,
) -> Function {
    if let Some(unsafety) = &sig.unsafety {
        cx.error_spanned_by(
            unsafety,
            "an `unsafe fn` cannot be #[jsinvokable]: JavaScript cannot uphold its safety contract",
        );
    }
    if let Some(abi) = &sig.abi {
        cx.error_spanned_by(
            abi,
            "an `extern` function cannot be #[jsinvokable]; remove the ABI",
        );
    }
    if let Some(variadic) = &sig.variadic {
        cx.error_spanned_by(variadic, "a variadic function cannot be #[jsinvokable]");
    }
    if let Some(param) = sig.generics.type_params().next() {
        cx.error_spanned_by(
            param,
            "a generic function cannot be #[jsinvokable]: the registry needs one concrete function; use concrete types or a generic impl with `&self` methods",
        );
    }
    if let Some(param) = sig.generics.const_params().next() {
        cx.error_spanned_by(
            param,
            "a function with const generics cannot be #[jsinvokable]",
        );
    }

    let mut receiver = Receiver::None;
    let mut params = Vec::new();
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(self_arg) => {
                if self_arg.reference.is_none() {
                    cx.error_spanned_by(
                        self_arg,
                        "a #[jsinvokable] method cannot take `self` by value: JavaScript calls it on a shared object; take `&self`",
                    );
                } else if self_arg.mutability.is_some() {
                    receiver = Receiver::Exclusive;
                    if let Some(asyncness) = &sig.asyncness {
                        let _ = asyncness;
                        cx.error_spanned_by(
                            self_arg,
                            "an `async fn` cannot take `&mut self`: other calls may reach the object while it is suspended; take `&self` and use interior mutability (a `Mutex`)",
                        );
                    }
                } else {
                    receiver = Receiver::Shared;
                }
            }
            FnArg::Typed(typed) => {
                let name = match &*typed.pat {
                    Pat::Ident(ident) => ident.ident.unraw().to_string(),
                    _ => "_".to_owned(),
                };
                match &*typed.pat {
                    Pat::Ident(_) | Pat::Wild(_) => {}
                    other => cx.error_spanned_by(
                        other,
                        "#[jsinvokable] parameters must be plain names: bind the value to a name and destructure it in the body",
                    ),
                }
                let ty = &*typed.ty;
                let runtime_ty = match ty {
                    Type::Reference(reference) if reference.mutability.is_none() => {
                        &*reference.elem
                    }
                    other => other,
                };
                if is_named(runtime_ty, "JsRuntime") {
                    params.push(Param::Runtime {
                        by_ref: matches!(ty, Type::Reference(_)),
                    });
                    continue;
                }
                if is_named(runtime_ty, "CancellationToken") {
                    if sig.asyncness.is_none() {
                        cx.error_spanned_by(
                            ty,
                            "a `CancellationToken` parameter needs an `async fn`: a sync function runs to its end before JavaScript can cancel it",
                        );
                    } else if params
                        .iter()
                        .any(|param| matches!(param, Param::Cancellation { .. }))
                    {
                        cx.error_spanned_by(
                            ty,
                            "a #[jsinvokable] function takes at most one `CancellationToken`: clone it instead",
                        );
                    }
                    params.push(Param::Cancellation {
                        by_ref: matches!(ty, Type::Reference(_)),
                    });
                    continue;
                }
                if let Type::Reference(reference) = ty {
                    let hint = if is_named(&reference.elem, "str") {
                        "`String`"
                    } else if matches!(&*reference.elem, Type::Slice(_)) {
                        "a `Vec<_>`"
                    } else {
                        "an owned type"
                    };
                    cx.error_spanned_by(
                        reference,
                        format!("#[jsinvokable] parameters must be owned: they are deserialized from JSON that does not outlive the call; take {hint}"),
                    );
                    continue;
                }
                if is_vec_u8(ty) {
                    cx.error_spanned_by(ty, BYTE_ARRAY_HINT);
                    continue;
                }
                params.push(Param::Js {
                    ty: Box::new(ty.clone()),
                    accepts_object_ref: accepts_object_ref(ty),
                    name,
                });
            }
        }
    }
    if receiver == Receiver::None && in_generic_impl {
        cx.error_spanned_by(
            &sig.ident,
            "a function without `self` in a generic impl cannot be #[jsinvokable]: a static registry entry needs concrete types; move it to a non-generic impl or make it a method",
        );
    }

    let mut returns_result = false;
    let mut return_span = sig.ident.span();
    let mut result_type = None;
    if let ReturnType::Type(_, ty) = &sig.output {
        return_span = ty.span();
        result_type = Some((**ty).clone());
        if let Some(segment) = last_segment(ty).filter(|segment| segment.ident == "Result") {
            returns_result = true;
            result_type = generic_args(segment).first().map(|ok| (*ok).clone());
            if let Some(ok) = generic_args(segment).first() {
                return_span = ok.span();
                if is_vec_u8(ok) {
                    cx.error_spanned_by(ok, BYTE_ARRAY_HINT);
                }
            }
        } else if is_vec_u8(ty) {
            cx.error_spanned_by(ty, BYTE_ARRAY_HINT);
        }
    }

    let identifiers = if identifiers.is_empty() {
        vec![(sig.ident.unraw().to_string(), sig.ident.span())]
    } else {
        identifiers
            .iter()
            .map(|lit| (lit.value(), lit.span()))
            .collect()
    };
    Function {
        name: sig.ident.clone(),
        identifiers,
        receiver,
        is_async: sig.asyncness.is_some(),
        params,
        returns_result,
        return_span,
        result_type,
    }
}
