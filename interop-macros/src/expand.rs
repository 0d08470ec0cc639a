//! Generating the shims, the inventory entries and the method tables.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Ident, ImplItem, Item, ItemFn, ItemImpl, LitStr};

use crate::ast::{self, Function, Param, Receiver};
use crate::attr::{self, Attrs};
use crate::ctxt::{with_errors, Ctxt};
use crate::typescript;

/// The whole expansion of one `#[jsinvokable]`.
pub(crate) fn jsinvokable(args: TokenStream, input: TokenStream) -> TokenStream {
    let cx = Ctxt::default();
    let attrs = attr::parse(&cx, args);
    let item: Item = match syn::parse2(input.clone()) {
        Ok(item) => item,
        Err(error) => {
            cx.syn_error(error);
            return with_errors(input, cx.check().unwrap_err());
        }
    };
    match item {
        Item::Fn(function) => expand_free_fn(cx, &attrs, function),
        Item::Impl(block) => expand_impl(cx, &attrs, block),
        other => {
            let what = match &other {
                Item::Struct(item) => Some((item.struct_token.span, item.ident.span(), "a struct")),
                Item::Enum(item) => Some((item.enum_token.span, item.ident.span(), "an enum")),
                Item::Trait(item) => Some((item.trait_token.span, item.ident.span(), "a trait")),
                Item::Const(item) => Some((item.const_token.span, item.ident.span(), "a const")),
                Item::Static(item) => Some((item.static_token.span, item.ident.span(), "a static")),
                Item::Mod(item) => Some((item.mod_token.span, item.ident.span(), "a module")),
                Item::Type(item) => Some((item.type_token.span, item.ident.span(), "a type alias")),
                _ => None,
            };
            let message = |kind: &str| {
                format!("#[jsinvokable] applies to functions and impl blocks, not to {kind}; to expose a type's methods, annotate an `impl` block of it")
            };
            let error = match what {
                Some((keyword, ident, kind)) => {
                    syn::Error::new(keyword.join(ident).unwrap_or(keyword), message(kind))
                }
                None => syn::Error::new_spanned(&other, message("this item")),
            };
            with_errors(other.into_token_stream(), error)
        }
    }
}

fn crate_path(attrs: &Attrs) -> TokenStream {
    match &attrs.crate_path {
        Some(path) => path.to_token_stream(),
        None => quote!(::interop_runtime),
    }
}

fn assembly_tokens(assembly: Option<&LitStr>) -> TokenStream {
    match assembly {
        Some(lit) => lit.to_token_stream(),
        None => quote!(::core::env!("CARGO_CRATE_NAME")),
    }
}

/// The statements that bind arguments, run the function and wrap its result.
/// `target` calls the function (`name` or `<Type>::name`).
fn shim_body(krate: &TokenStream, function: &Function, target: TokenStream) -> TokenStream {
    let count = function.js_param_count();
    let main_identifier = &function.identifiers[0].0;
    let mut binds = Vec::new();
    let mut js_types = Vec::new();
    let mut js_params = Vec::new();
    let mut read = Vec::new();
    let mut runtime_binds = Vec::new();
    let mut args = Vec::new();
    for (position, param) in function.params.iter().enumerate() {
        let var = format_ident!("__jsinvokable_arg{}", position);
        match param {
            Param::Js {
                ty,
                accepts_object_ref,
                ..
            } => {
                let read_var = format_ident!("__jsinvokable_read{}", position);
                // Spanned on the type: a type that is not `Deserialize` is reported there.
                binds.push(quote_spanned! {ty.span()=>
                    let #var = __call.arg::<#ty>(#read_var);
                });
                js_params.push(quote! {
                    #krate::__private::Param {
                        accepts_object_ref: #accepts_object_ref,
                        type_name: ::core::any::type_name::<#ty>,
                    }
                });
                js_types.push(ty);
                read.push(read_var);
                args.push(quote!(#var));
            }
            Param::Runtime { by_ref } => {
                runtime_binds.push(quote!(let #var = __call.runtime();));
                args.push(if *by_ref { quote!(&#var) } else { quote!(#var) });
            }
            Param::Cancellation { by_ref } => {
                runtime_binds.push(quote!(let #var = __call.cancellation();));
                args.push(if *by_ref { quote!(&#var) } else { quote!(#var) });
            }
        }
    }
    // Arguments: one serde pass over the array. The pass is chosen only for parameter types
    // that are `Deserialize` (an autoref probe), so that a type that is not gets one error, on
    // its own token, from `Call::arg`; a second probe tells whether every parameter is a
    // scalar (the checks before the pass can then wait for a failure).
    let bind = if count == 0 {
        quote! {
            __call.begin(0)?;
            __call.end(0)?;
        }
    } else {
        quote! {
            let (#(#read,)*) = {
                #[allow(unused_imports)]
                use #krate::__private::{BindArgs as _, IsScalar as _, NotScalar as _, UnboundArgs as _};
                let __jsinvokable_scalar = true #(&& (&&#krate::__private::Scalar::<#js_types>::new()).is_scalar())*;
                (&&#krate::__private::Args::<(#(#krate::__private::Arg<#js_types>,)*)>::new())
                    .bind(__call, &[#(#js_params),*], __jsinvokable_scalar)?
            };
            #(#binds)*
        }
    };
    let this = match function.receiver {
        Receiver::None => quote!(),
        Receiver::Shared => quote!(&*__jsinvokable_this,),
        Receiver::Exclusive => quote!(&mut *__jsinvokable_this,),
    };
    let await_suffix = if function.is_async {
        quote!(.await)
    } else {
        quote!()
    };
    let invoke = quote!(#target(#this #(#args),*) #await_suffix);
    let result = if function.returns_result {
        quote!((#invoke).map_err(#krate::__private::error_text))
    } else {
        quote!(::core::result::Result::Ok::<_, ::std::string::String>(#invoke))
    };
    // A return type that is not `Serialize` is reported on the user's return type: rustc
    // blames the argument of `ready`, so the argument is a variable spanned there.
    let returned = quote_spanned!(function.return_span=> __jsinvokable_result);
    let ready = quote! {
        let __jsinvokable_result = #result;
        __call.ready(#returned)
    };
    let caller_error = quote!(#krate::__private::Failure::Caller);
    let run = match (function.receiver, function.is_async) {
        (Receiver::None, false) => ready,
        (Receiver::Shared, false) => quote! {
            let __jsinvokable_this = __object
                .borrow_for(#main_identifier, false)
                .map_err(#caller_error)?;
            #ready
        },
        (Receiver::Exclusive, _) => quote! {
            let mut __jsinvokable_this = __object
                .borrow_mut_for(#main_identifier)
                .map_err(#caller_error)?;
            #ready
        },
        (Receiver::None, true) => {
            let spawn = quote_spanned!(function.name.span()=> __call.spawn);
            quote!(#spawn(async move { #result }))
        }
        (Receiver::Shared, true) => {
            let spawn = quote_spanned!(function.name.span()=> __call.spawn);
            // A call arriving while the object is held exclusively fails at once; the future
            // borrows it again when it first runs and holds it until it completes.
            quote! {
                let __object = #krate::__private::Arc::clone(__object);
                ::core::mem::drop(__object.borrow_for(#main_identifier, true).map_err(#caller_error)?);
                #spawn(async move {
                    let __jsinvokable_this = __object.borrow_for(#main_identifier, true)?;
                    #result
                })
            }
        }
    };
    quote! {
        #bind
        #(#runtime_binds)*
        #run
    }
}

/// A registry entry for a static function (free, or associated in a non-generic impl).
fn static_entry(
    krate: &TokenStream,
    function: &Function,
    assembly: Option<&LitStr>,
    target: TokenStream,
    rust_path: TokenStream,
    const_name: Option<Ident>,
) -> TokenStream {
    // A free function's entry is a named const: were the function inside an unannotated impl,
    // `const _` would add a parse error to the unresolved name. Entries after an annotated
    // impl stay `const _`: two impls in one module may both have a `create`.
    let free = const_name.is_some();
    let const_name = match const_name {
        Some(name) => name.into_token_stream(),
        None => quote!(_),
    };
    let body = shim_body(krate, function, target);
    let assembly = assembly_tokens(assembly);
    let identifiers = function
        .identifiers
        .iter()
        .map(|(identifier, _)| identifier);
    let is_async = function.is_async;
    let typescript = typescript::static_entry(krate, function, &assembly, free);
    let keep_in_link = crate::link::keep_in_link();
    quote! {
        #typescript
        #[doc(hidden)]
        #[allow(non_upper_case_globals, dead_code)]
        const #const_name: () = {
            fn __jsinvokable_shim(
                __call: &mut #krate::__private::Call<'_>,
            ) -> ::core::result::Result<#krate::__private::Invocation, #krate::__private::Failure> {
                #body
            }
            #krate::__private::inventory::submit! {
                #krate::__private::StaticMethod {
                    assembly: #assembly,
                    identifiers: &[#(#identifiers),*],
                    rust_path: ::core::concat!(::core::module_path!(), "::", #rust_path),
                    file: ::core::file!(),
                    line: ::core::line!(),
                    is_async: #is_async,
                    shim: __jsinvokable_shim,
                }
            }
            #keep_in_link
        };
    }
}

fn expand_free_fn(cx: Ctxt, attrs: &Attrs, item: ItemFn) -> TokenStream {
    if let Some(syn::FnArg::Receiver(receiver)) = item.sig.inputs.first() {
        cx.error_spanned_by(
            receiver,
            "this method's impl block is not #[jsinvokable]: annotate the impl block too (`#[jsinvokable] impl Type { ... }`) to expose its methods",
        );
    }
    let function = ast::function(&cx, &item.sig, &attrs.identifiers, false);
    if let Err(error) = cx.check() {
        return with_errors(item.into_token_stream(), error);
    }
    let krate = crate_path(attrs);
    let name = &function.name;
    let entry = static_entry(
        &krate,
        &function,
        attrs.assembly.as_ref(),
        quote!(#name),
        quote!(::core::stringify!(#name)),
        Some(format_ident!("__jsinvokable_static_{}", name)),
    );
    quote! {
        #item
        #entry
    }
}

/// One method of an annotated impl, after its attribute was taken off.
struct MarkedMethod {
    function: Function,
    assembly: Option<LitStr>,
}

fn expand_impl(cx: Ctxt, attrs: &Attrs, mut block: ItemImpl) -> TokenStream {
    if let Some((_, trait_path, _)) = &block.trait_ {
        cx.error_spanned_by(
            trait_path,
            "#[jsinvokable] goes on an inherent impl (`impl Type { ... }`), not on a trait impl",
        );
    }
    let is_generic = !block.generics.params.is_empty();
    let mut marked = Vec::new();
    for item in &mut block.items {
        let ImplItem::Fn(method) = item else {
            continue;
        };
        let ours: Vec<_> = method
            .attrs
            .iter()
            .filter(|attr| attr::is_jsinvokable(attr))
            .cloned()
            .collect();
        method.attrs.retain(|attr| !attr::is_jsinvokable(attr));
        let Some(first) = ours.first() else {
            continue;
        };
        for repeated in &ours[1..] {
            cx.error_spanned_by(repeated, "repeated #[jsinvokable]: give every identifier in one attribute, `#[jsinvokable(\"Name\", \"Alias\")]`");
        }
        let method_attrs = attr::parse(&cx, attr::tokens_of(&cx, first));
        let function = ast::function(&cx, &method.sig, &method_attrs.identifiers, is_generic);
        if function.receiver != Receiver::None {
            if let Some(assembly) = &method_attrs.assembly {
                cx.error_spanned_by(
                    assembly,
                    "`assembly` has no meaning on a method with `self`: JavaScript calls it on an object, not by assembly",
                );
            }
            for (identifier, span) in &function.identifiers {
                if identifier == "__Dispose" {
                    cx.syn_error(syn::Error::new(*span, "`__Dispose` is reserved: JavaScript's `dispose()` sends it, so a method with this identifier could never be called"));
                }
            }
        }
        if let Some(path) = &method_attrs.crate_path {
            cx.error_spanned_by(
                path,
                "set `crate = \"...\"` on the impl block, not on its methods",
            );
        }
        marked.push(MarkedMethod {
            function,
            assembly: method_attrs.assembly.or_else(|| attrs.assembly.clone()),
        });
    }
    check_duplicates(&cx, &marked);
    let krate = crate_path(attrs);
    if let Err(error) = cx.check() {
        // An empty method table keeps `ObjectRef<Type>` compiling elsewhere, so the user sees
        // only the mistakes in this block, not one more error per use of the type.
        let fallback = method_table(&krate, &block, &[]);
        return with_errors(quote!(#block #fallback), error);
    }

    let self_ty = &block.self_ty;
    let mut statics = Vec::new();
    let mut entries = Vec::new();
    for MarkedMethod { function, assembly } in &marked {
        let name = &function.name;
        if function.receiver == Receiver::None {
            statics.push(static_entry(
                &krate,
                function,
                assembly.as_ref(),
                quote!(<#self_ty>::#name),
                quote!(
                    ::core::stringify!(#self_ty),
                    "::",
                    ::core::stringify!(#name)
                ),
                None,
            ));
            continue;
        }
        let body = shim_body(&krate, function, quote!(<Self>::#name));
        let identifiers = function
            .identifiers
            .iter()
            .map(|(identifier, _)| identifier);
        let is_async = function.is_async;
        entries.push(quote! {
            #krate::__private::InstanceMethod {
                identifiers: &[#(#identifiers),*],
                is_async: #is_async,
                shim: |__object, __call| { #body },
            }
        });
    }
    let table = method_table(&krate, &block, &entries);
    let instance_methods: Vec<&Function> = marked
        .iter()
        .map(|method| &method.function)
        .filter(|function| function.receiver != Receiver::None)
        .collect();
    let typescript = typescript::impl_entry(&krate, &block, &type_name(&block), &instance_methods);
    quote! {
        #block
        #table
        #typescript
        #(#statics)*
    }
}

/// `impl JsInvokable for Type` with the given method entries, generic as the impl block is.
fn method_table(krate: &TokenStream, block: &ItemImpl, entries: &[TokenStream]) -> TokenStream {
    let self_ty = &block.self_ty;
    let type_name = type_name(block);
    let (impl_generics, _, where_clause) = block.generics.split_for_impl();
    quote_spanned! {self_ty.span()=>
        #[automatically_derived]
        impl #impl_generics #krate::__private::JsInvokable for #self_ty #where_clause {
            const TYPE_NAME: &'static str = #type_name;
            const METHODS: &'static [#krate::__private::InstanceMethod<Self>] = &[#(#entries),*];
        }
    }
}

/// The name JavaScript errors and declarations give the impl's type: its last path segment.
fn type_name(block: &ItemImpl) -> String {
    match &*block.self_ty {
        syn::Type::Path(path) => path
            .path
            .segments
            .last()
            .map(|segment| segment.ident.to_string())
            .unwrap_or_default(),
        other => other.to_token_stream().to_string(),
    }
}

/// Identifiers must be unique per type (instance methods) and per assembly (statics).
fn check_duplicates(cx: &Ctxt, marked: &[MarkedMethod]) {
    let mut seen: Vec<(bool, Option<String>, &str)> = Vec::new();
    for method in marked {
        let is_instance = method.function.receiver != Receiver::None;
        let assembly = method.assembly.as_ref().map(LitStr::value);
        for (identifier, span) in &method.function.identifiers {
            let key = (
                is_instance,
                if is_instance { None } else { assembly.clone() },
                identifier.as_str(),
            );
            if seen.contains(&key) {
                let scope = if is_instance {
                    "this type"
                } else {
                    "this assembly"
                };
                cx.syn_error(syn::Error::new(
                    *span,
                    format!("the identifier \"{identifier}\" is already used by another #[jsinvokable] method of {scope}; give this one another identifier: `#[jsinvokable(\"OtherName\")]`"),
                ));
            } else {
                seen.push(key);
            }
        }
    }
}
