//! Parsing the attribute's arguments: `("Identifier", "Alias", assembly = "Name", crate = "path")`.

use proc_macro2::TokenStream;
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Ident, LitStr, Token};

use crate::ctxt::Ctxt;

/// The options of one `#[jsinvokable(...)]`.
#[derive(Default)]
pub(crate) struct Attrs {
    /// Identifiers given as string literals, in order (the first is the main one).
    pub(crate) identifiers: Vec<LitStr>,
    pub(crate) assembly: Option<LitStr>,
    pub(crate) crate_path: Option<syn::Path>,
}

/// One comma-separated argument, before validation.
enum Arg {
    Identifier(LitStr),
    Option { name: Ident, value: syn::Expr },
    Other(syn::Expr),
}

impl Parse for Arg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(LitStr) {
            return Ok(Arg::Identifier(input.parse()?));
        }
        if (input.peek(Ident) || input.peek(Token![crate])) && input.peek2(Token![=]) {
            let name = input.call(syn::ext::IdentExt::parse_any)?;
            input.parse::<Token![=]>()?;
            return Ok(Arg::Option {
                name,
                value: input.parse()?,
            });
        }
        Ok(Arg::Other(input.parse()?))
    }
}

fn string_value(cx: &Ctxt, name: &Ident, value: &syn::Expr) -> Option<LitStr> {
    match value {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(lit),
            ..
        }) => Some(lit.clone()),
        _ => {
            cx.error_spanned_by(
                value,
                format!("`{name}` takes a string literal: `{name} = \"...\"`"),
            );
            None
        }
    }
}

/// Parses the arguments, recording every problem in `cx`.
pub(crate) fn parse(cx: &Ctxt, tokens: TokenStream) -> Attrs {
    let mut attrs = Attrs::default();
    let args = match Punctuated::<Arg, Token![,]>::parse_terminated.parse2(tokens) {
        Ok(args) => args,
        Err(error) => {
            cx.syn_error(error);
            return attrs;
        }
    };
    let mut seen_assembly: Option<Ident> = None;
    let mut seen_crate: Option<Ident> = None;
    for arg in args {
        match arg {
            Arg::Identifier(lit) => {
                let value = lit.value();
                if value.trim().is_empty() {
                    cx.error_spanned_by(&lit, "the identifier cannot be empty: JavaScript calls the function by this name");
                } else if attrs.identifiers.iter().any(|seen| seen.value() == value) {
                    cx.error_spanned_by(&lit, format!("the identifier \"{value}\" is given twice"));
                } else {
                    attrs.identifiers.push(lit);
                }
            }
            Arg::Option { name, value } => {
                let seen = match name.to_string().as_str() {
                    "assembly" => &mut seen_assembly,
                    "crate" => &mut seen_crate,
                    _ => {
                        cx.error_spanned_by(
                            &name,
                            format!("unknown #[jsinvokable] option `{name}`; expected `assembly = \"...\"` or `crate = \"...\"`"),
                        );
                        continue;
                    }
                };
                if seen.is_some() {
                    cx.error_spanned_by(&name, format!("the option `{name}` is given twice"));
                    continue;
                }
                *seen = Some(name.clone());
                let Some(lit) = string_value(cx, &name, &value) else {
                    continue;
                };
                if name == "assembly" {
                    check_assembly(cx, &lit);
                    attrs.assembly = Some(lit);
                } else {
                    match lit.parse::<syn::Path>() {
                        Ok(path) => attrs.crate_path = Some(path),
                        Err(_) => cx.error_spanned_by(&lit, "`crate` must name a path, like `crate = \"my_app::interop\"`"),
                    }
                }
            }
            Arg::Other(expr) => cx.error_spanned_by(
                &expr,
                "expected a string literal identifier, `assembly = \"...\"` or `crate = \"...\"`; write `#[jsinvokable(\"Name\")]`",
            ),
        }
    }
    attrs
}

fn check_assembly(cx: &Ctxt, lit: &LitStr) {
    let value = lit.value();
    if value.trim().is_empty() {
        cx.error_spanned_by(lit, "the assembly name cannot be empty");
    } else if value.starts_with(|c: char| c.is_ascii_digit()) {
        cx.error_spanned_by(
            lit,
            "the assembly name cannot start with a digit (JavaScript transports tell assembly names from object ids by the first character)",
        );
    }
}

/// Whether an attribute is ours (`#[jsinvokable]` or a path ending in `jsinvokable`).
pub(crate) fn is_jsinvokable(attr: &syn::Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|segment| segment.ident == "jsinvokable")
}

/// The argument tokens of one of our attributes on an impl item.
pub(crate) fn tokens_of(cx: &Ctxt, attr: &syn::Attribute) -> TokenStream {
    match &attr.meta {
        syn::Meta::Path(_) => TokenStream::new(),
        syn::Meta::List(list) => list.tokens.clone(),
        syn::Meta::NameValue(name_value) => {
            cx.error_spanned_by(attr, "write `#[jsinvokable]` or `#[jsinvokable(\"Name\")]`");
            let _ = name_value;
            TokenStream::new()
        }
    }
}
