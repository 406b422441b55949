//! Derive macros of Bifrost-rs.
//!
//! [`macro@DeserializeWithExtra`] deserializes a struct whose last field collects the fields the
//! struct does not know (`#[serde(flatten)] extra: ExtraMap`), the shape every Bifrost-rs schema
//! has so that an OpenAI-compatible round trip forwards what a caller sent. serde's own derive
//! handles `flatten` by first buffering the whole object into an intermediate tree and then
//! deserializing every field a second time from that tree; this derive reads each field once,
//! straight from the input, and moves only the unknown ones into the map.
//!
//! It reads the same `#[serde(...)]` attributes as serde's derive, so `Serialize` keeps using
//! serde's. Supported: on the struct, `rename_all` (`camelCase`, `snake_case`, `lowercase`,
//! `UPPERCASE`, `PascalCase`, `SCREAMING_SNAKE_CASE`, `kebab-case`); on fields, `rename`, `alias`,
//! `default`, `default = "path"`, `skip`, `skip_deserializing`, `deserialize_with = "path"`,
//! `with = "module"` and `flatten` (exactly one field, a map with `insert(String, V)`).
//! Serialization-only attributes are ignored. Anything else is a compile error.

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{format_ident, quote};
use syn::{Data, DeriveInput, Fields, LitStr, Path, Token, Type, parse_macro_input};

/// Derives `serde::Deserialize` for a struct with a `#[serde(flatten)]` catch-all map.
#[proc_macro_derive(DeserializeWithExtra, attributes(serde))]
pub fn derive_deserialize_with_extra(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match expand(&input) {
        Ok(tokens) => tokens.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// How a missing field gets its value.
enum Missing {
    /// `Default::default()`.
    Default,
    /// A function returning the value.
    Path(Path),
    /// `None` for an `Option` field without a custom deserializer.
    None,
    /// A `missing field` error.
    Error,
}

struct FieldSpec {
    ident: syn::Ident,
    ty: Type,
    names: Vec<String>,
    missing: Missing,
    skip: bool,
    deserialize_with: Option<Path>,
}

fn expand(input: &DeriveInput) -> syn::Result<TokenStream2> {
    let name = &input.ident;
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &input.generics,
            "DeserializeWithExtra does not support generic structs",
        ));
    }
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            input,
            "DeserializeWithExtra derives structs only",
        ));
    };
    let Fields::Named(named) = &data.fields else {
        return Err(syn::Error::new_spanned(
            input,
            "DeserializeWithExtra needs named fields",
        ));
    };
    let rename_all = container_rename_all(input)?;
    let mut fields = Vec::new();
    let mut extra: Option<(syn::Ident, Type)> = None;
    for field in &named.named {
        let Some(ident) = field.ident.clone() else {
            continue;
        };
        let parsed = field_attrs(field)?;
        if parsed.flatten {
            if extra.is_some() {
                return Err(syn::Error::new_spanned(
                    field,
                    "only one #[serde(flatten)] field is supported",
                ));
            }
            extra = Some((ident, field.ty.clone()));
            continue;
        }
        let wire = parsed
            .rename
            .unwrap_or_else(|| apply_rename_all(&ident.to_string(), rename_all.as_deref()));
        let mut names = vec![wire];
        names.extend(parsed.aliases);
        let missing = match parsed.default {
            Some(Missing::Path(p)) => Missing::Path(p),
            Some(_) => Missing::Default,
            None if parsed.deserialize_with.is_none() && is_option(&field.ty) => Missing::None,
            None => Missing::Error,
        };
        fields.push(FieldSpec {
            ident,
            ty: field.ty.clone(),
            names,
            missing,
            skip: parsed.skip,
            deserialize_with: parsed.deserialize_with,
        });
    }
    let Some((extra, extra_ty)) = extra else {
        return Err(syn::Error::new_spanned(
            input,
            "DeserializeWithExtra needs a #[serde(flatten)] map field",
        ));
    };

    let mut slots = Vec::new();
    let mut arms = Vec::new();
    let mut wrappers = Vec::new();
    let mut inits = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        let ident = &f.ident;
        let ty = &f.ty;
        let slot = format_ident!("__slot_{}", i);
        let primary = &f.names[0];
        if f.skip {
            inits.push(match &f.missing {
                Missing::Path(p) => quote! { #ident: #p() },
                _ => quote! { #ident: ::core::default::Default::default() },
            });
            continue;
        }
        slots.push(
            quote! { let mut #slot: ::core::option::Option<#ty> = ::core::option::Option::None; },
        );
        let read = match &f.deserialize_with {
            None => quote! { __map.next_value::<#ty>()? },
            Some(path) => {
                let wrapper = format_ident!("__With{}", i);
                wrappers.push(quote! {
                    struct #wrapper(#ty);
                    impl<'de> ::serde::Deserialize<'de> for #wrapper {
                        fn deserialize<__D: ::serde::Deserializer<'de>>(
                            __d: __D,
                        ) -> ::core::result::Result<Self, __D::Error> {
                            #path(__d).map(#wrapper)
                        }
                    }
                });
                quote! { __map.next_value::<#wrapper>()?.0 }
            }
        };
        let names = &f.names;
        arms.push(quote! {
            #(#names)|* => {
                if #slot.is_some() {
                    return ::core::result::Result::Err(
                        <__A::Error as ::serde::de::Error>::duplicate_field(#primary),
                    );
                }
                #slot = ::core::option::Option::Some(#read);
            }
        });
        inits.push(match &f.missing {
            Missing::Default => quote! { #ident: #slot.unwrap_or_default() },
            Missing::Path(p) => quote! { #ident: #slot.unwrap_or_else(#p) },
            Missing::None => quote! { #ident: #slot.unwrap_or(::core::option::Option::None) },
            Missing::Error => quote! {
                #ident: match #slot {
                    ::core::option::Option::Some(v) => v,
                    ::core::option::Option::None => {
                        return ::core::result::Result::Err(
                            <__A::Error as ::serde::de::Error>::missing_field(#primary),
                        );
                    }
                }
            },
        });
    }
    let expecting = format!("struct {name}");
    Ok(quote! {
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<__D: ::serde::Deserializer<'de>>(
                __deserializer: __D,
            ) -> ::core::result::Result<Self, __D::Error> {
                /// A key borrowed from the input when it has no escapes.
                enum __Key<'a> {
                    Borrowed(&'a str),
                    Owned(::std::string::String),
                }
                impl<'de> ::serde::Deserialize<'de> for __Key<'de> {
                    fn deserialize<__KD: ::serde::Deserializer<'de>>(
                        __d: __KD,
                    ) -> ::core::result::Result<Self, __KD::Error> {
                        struct __KeyVisitor;
                        impl<'de> ::serde::de::Visitor<'de> for __KeyVisitor {
                            type Value = __Key<'de>;
                            fn expecting(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                                f.write_str("a field name")
                            }
                            fn visit_borrowed_str<__E: ::serde::de::Error>(self, v: &'de str) -> ::core::result::Result<Self::Value, __E> {
                                ::core::result::Result::Ok(__Key::Borrowed(v))
                            }
                            fn visit_str<__E: ::serde::de::Error>(self, v: &str) -> ::core::result::Result<Self::Value, __E> {
                                ::core::result::Result::Ok(__Key::Owned(v.to_owned()))
                            }
                            fn visit_string<__E: ::serde::de::Error>(self, v: ::std::string::String) -> ::core::result::Result<Self::Value, __E> {
                                ::core::result::Result::Ok(__Key::Owned(v))
                            }
                        }
                        __d.deserialize_str(__KeyVisitor)
                    }
                }
                #(#wrappers)*
                struct __Visitor;
                impl<'de> ::serde::de::Visitor<'de> for __Visitor {
                    type Value = #name;
                    fn expecting(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                        f.write_str(#expecting)
                    }
                    fn visit_map<__A: ::serde::de::MapAccess<'de>>(
                        self,
                        mut __map: __A,
                    ) -> ::core::result::Result<#name, __A::Error> {
                        #(#slots)*
                        let mut __extra: #extra_ty = ::core::default::Default::default();
                        while let ::core::option::Option::Some(__key) = __map.next_key::<__Key<'de>>()? {
                            let __name: &str = match &__key {
                                __Key::Borrowed(s) => s,
                                __Key::Owned(s) => s.as_str(),
                            };
                            match __name {
                                #(#arms)*
                                _ => {
                                    let __owned = match __key {
                                        __Key::Borrowed(s) => s.to_owned(),
                                        __Key::Owned(s) => s,
                                    };
                                    __extra.insert(__owned, __map.next_value()?);
                                }
                            }
                        }
                        ::core::result::Result::Ok(#name {
                            #(#inits,)*
                            #extra: __extra,
                        })
                    }
                }
                __deserializer.deserialize_map(__Visitor)
            }
        }
    })
}

/// What a field's `#[serde(...)]` attributes say.
#[derive(Default)]
struct FieldAttrs {
    rename: Option<String>,
    aliases: Vec<String>,
    default: Option<Missing>,
    skip: bool,
    flatten: bool,
    deserialize_with: Option<Path>,
}

fn is_option(ty: &Type) -> bool {
    match ty {
        Type::Path(p) => p.path.segments.last().is_some_and(|s| s.ident == "Option"),
        _ => false,
    }
}

/// Skips the `= value` of an attribute this derive does not use.
fn skip_value(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        let _: syn::Expr = meta.value()?.parse()?;
    }
    Ok(())
}

fn lit_path(lit: &LitStr) -> syn::Result<Path> {
    lit.parse::<Path>()
}

fn field_attrs(field: &syn::Field) -> syn::Result<FieldAttrs> {
    let mut out = FieldAttrs::default();
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            let key = meta
                .path
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            match key.as_str() {
                "rename" => {
                    let lit: LitStr = meta.value()?.parse()?;
                    out.rename = Some(lit.value());
                }
                "alias" => {
                    let lit: LitStr = meta.value()?.parse()?;
                    out.aliases.push(lit.value());
                }
                "default" => {
                    if meta.input.peek(Token![=]) {
                        let lit: LitStr = meta.value()?.parse()?;
                        out.default = Some(Missing::Path(lit_path(&lit)?));
                    } else {
                        out.default = Some(Missing::Default);
                    }
                }
                "skip" | "skip_deserializing" => out.skip = true,
                "flatten" => out.flatten = true,
                "deserialize_with" => {
                    let lit: LitStr = meta.value()?.parse()?;
                    out.deserialize_with = Some(lit_path(&lit)?);
                }
                "with" => {
                    let lit: LitStr = meta.value()?.parse()?;
                    let mut path = lit_path(&lit)?;
                    path.segments
                        .push(syn::Ident::new("deserialize", Span::call_site()).into());
                    out.deserialize_with = Some(path);
                }
                "skip_serializing" | "skip_serializing_if" | "serialize_with" => {
                    skip_value(&meta)?;
                }
                _ => {
                    return Err(meta.error(format!(
                        "DeserializeWithExtra does not support #[serde({key})]"
                    )));
                }
            }
            Ok(())
        })?;
    }
    Ok(out)
}

fn container_rename_all(input: &DeriveInput) -> syn::Result<Option<String>> {
    let mut rename_all = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename_all") {
                let lit: LitStr = meta.value()?.parse()?;
                let rule = lit.value();
                if !RULES.contains(&rule.as_str()) {
                    return Err(meta.error(format!("unsupported rename_all rule {rule:?}")));
                }
                rename_all = Some(rule);
                Ok(())
            } else {
                Err(meta.error("DeserializeWithExtra supports only rename_all on the struct"))
            }
        })?;
    }
    Ok(rename_all)
}

const RULES: [&str; 7] = [
    "camelCase",
    "snake_case",
    "lowercase",
    "UPPERCASE",
    "PascalCase",
    "SCREAMING_SNAKE_CASE",
    "kebab-case",
];

/// A snake_case field name under a `rename_all` rule, as serde applies it.
fn apply_rename_all(field: &str, rule: Option<&str>) -> String {
    let pascal = || {
        field
            .split('_')
            .map(|part| {
                let mut chars = part.chars();
                match chars.next() {
                    Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
                    None => String::new(),
                }
            })
            .collect::<String>()
    };
    match rule {
        Some("camelCase") => {
            let p = pascal();
            let mut chars = p.chars();
            match chars.next() {
                Some(first) => first.to_lowercase().chain(chars).collect(),
                None => String::new(),
            }
        }
        Some("PascalCase") => pascal(),
        Some("lowercase") => field.to_ascii_lowercase(),
        Some("UPPERCASE") | Some("SCREAMING_SNAKE_CASE") => field.to_ascii_uppercase(),
        Some("kebab-case") => field.replace('_', "-"),
        _ => field.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::apply_rename_all;

    #[test]
    fn rename_rules_match_serde() {
        assert_eq!(
            apply_rename_all("max_output_tokens", Some("camelCase")),
            "maxOutputTokens"
        );
        assert_eq!(
            apply_rename_all("max_output_tokens", Some("PascalCase")),
            "MaxOutputTokens"
        );
        assert_eq!(apply_rename_all("top_k", Some("kebab-case")), "top-k");
        assert_eq!(
            apply_rename_all("top_k", Some("SCREAMING_SNAKE_CASE")),
            "TOP_K"
        );
        assert_eq!(apply_rename_all("top_k", None), "top_k");
    }
}
