//! The entries of `typescript_declarations()`: emitted inside the runtime's
//! `__jsinvokable_typescript!`, which keeps them with the runtime's feature `typescript` and
//! drops them, unchecked, without it.

use proc_macro2::{TokenStream, TokenTree};
use quote::{format_ident, quote, ToTokens};
use syn::{ItemImpl, LitStr, Type};

use crate::ast::{Function, Param};

/// Whether `tokens` name one of `names` anywhere (a type parameter of the impl, or `Self`).
fn mentions(tokens: TokenStream, names: &[String]) -> bool {
    tokens.into_iter().any(|tree| match tree {
        TokenTree::Ident(ident) => names.iter().any(|name| ident == name),
        TokenTree::Group(group) => mentions(group.stream(), names),
        _ => false,
    })
}

/// An expression giving the TypeScript type of `ty`, adding its declarations to `__d`.
/// `generics` are the impl's type parameters (and `Self`): a parameter alone keeps its name;
/// a type built from one is `unknown`, since the entry is outside the impl.
fn ts_type(krate: &TokenStream, ty: Option<&Type>, generics: &[String]) -> TokenStream {
    let Some(ty) = ty else {
        return quote!(::std::string::String::from("null"));
    };
    if mentions(ty.to_token_stream(), generics) {
        let text = ty.to_token_stream().to_string();
        let name = if generics.contains(&text) && text != "Self" {
            text
        } else {
            "unknown".to_owned()
        };
        return quote!(::std::string::String::from(#name));
    }
    quote! {{
        #[allow(unused_imports)]
        use #krate::__private::{TsKnown as _, TsUnknown as _};
        (&&#krate::__private::TsProbe::<#ty>::new()).ts(__d)
    }}
}

/// `|__d| TsSignature { params, result }` of `function`.
fn signature(krate: &TokenStream, function: &Function, generics: &[String]) -> TokenStream {
    let params = function.params.iter().filter_map(|param| match param {
        Param::Js { ty, name, .. } => {
            let ty = ts_type(krate, Some(ty), generics);
            Some(quote!((#name, #ty)))
        }
        Param::Runtime { .. } | Param::Cancellation { .. } => None,
    });
    let result = ts_type(krate, function.result_type.as_ref(), generics);
    quote! {
        |__d: &mut #krate::__private::Declarations| #krate::__private::TsSignature {
            params: ::std::vec![#(#params),*],
            result: #result,
        }
    }
}

/// The entry of a static function. A free function's entry is a named const, as its registry
/// entry is (`const _` is a parse error should the function sit in an unannotated impl).
pub(crate) fn static_entry(
    krate: &TokenStream,
    function: &Function,
    assembly: &TokenStream,
    free: bool,
) -> TokenStream {
    let const_name = if free {
        format_ident!("__jsinvokable_typescript_{}", function.name).into_token_stream()
    } else {
        quote!(_)
    };
    let identifiers = function
        .identifiers
        .iter()
        .map(|(identifier, _)| identifier);
    let is_async = function.is_async;
    let signature = signature(krate, function, &["Self".to_owned()]);
    quote! {
        #krate::__jsinvokable_typescript! {
            #[doc(hidden)]
            #[allow(non_upper_case_globals, dead_code)]
            const #const_name: () = {
                #krate::__private::inventory::submit! {
                    #krate::__private::TsStatic {
                        assembly: #assembly,
                        identifiers: &[#(#identifiers),*],
                        is_async: #is_async,
                        signature: #signature,
                    }
                }
            };
        }
    }
}

/// The entry of an impl type and its instance methods.
pub(crate) fn impl_entry(
    krate: &TokenStream,
    block: &ItemImpl,
    type_name: &str,
    methods: &[&Function],
) -> TokenStream {
    let type_params: Vec<String> = block
        .generics
        .type_params()
        .map(|param| param.ident.to_string())
        .collect();
    let mut generics = type_params.clone();
    generics.push("Self".to_owned());
    let entries = methods.iter().map(|function| {
        let identifiers = function
            .identifiers
            .iter()
            .map(|(identifier, _)| identifier);
        let is_async = function.is_async;
        let signature = signature(krate, function, &generics);
        quote! {
            #krate::__private::TsMethod {
                identifiers: &[#(#identifiers),*],
                is_async: #is_async,
                signature: #signature,
            }
        }
    });
    let type_name = LitStr::new(type_name, proc_macro2::Span::call_site());
    quote! {
        #krate::__jsinvokable_typescript! {
            const _: () = {
                #krate::__private::inventory::submit! {
                    #krate::__private::TsImpl {
                        name: #type_name,
                        generics: &[#(#type_params),*],
                        methods: &[#(#entries),*],
                    }
                }
            };
        }
    }
}
