//! `#[persistent_memoize]`, the attribute of [cache-core](https://docs.rs/cache-core): use it as
//! `cache_core::persistent_memoize`, whose documentation describes the arguments. This crate
//! only rewrites the function; the expansion calls `cache_core::memo`.
//!
//! ```text
//! #[persistent_memoize(ttl_seconds = 60)]
//! fn f(a: A, b: B) -> T { body }
//! ```
//!
//! becomes, in substance,
//!
//! ```text
//! fn f(a: A, b: B) -> T {
//!     static MEMO: Memoized = Memoized::new(concat!(module_path!(), "::f"), env!("CARGO_PKG_VERSION")).ttl_seconds(60);
//!     let key = MEMO.call_key(&(key_arg(&a), key_arg(&b),)); // before the arguments move
//!     MEMO.call(key, move || -> T { body })              // `try_call` for a `Result`
//! }
//! ```

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{
    Expr, FnArg, GenericArgument, GenericParam, Ident, ItemFn, LitBool, LitInt, LitStr, Pat,
    PathArguments, ReturnType, Type,
};

const ARGUMENTS: &str =
    "name, ttl_seconds, ttl_days, organize_by_date, include_version, gzip, key(...), cache";

/// Memoizes a function in a persistent cache. See `cache_core::persistent_memoize`.
#[proc_macro_attribute]
pub fn persistent_memoize(attr: TokenStream, item: TokenStream) -> TokenStream {
    let function = match syn::parse::<ItemFn>(item.clone()) {
        Ok(function) => function,
        Err(_) => {
            let item = TokenStream2::from(item);
            let span = item
                .clone()
                .into_iter()
                .next()
                .map_or_else(Span::call_site, |t| t.span());
            let error = syn::Error::new(
                span,
                "#[persistent_memoize] applies to a function (`fn name(args) -> T { … }`)",
            )
            .to_compile_error();
            return quote!(#error #item).into();
        }
    };
    let args = match parse_args(attr.into()) {
        Ok(args) => args,
        Err(error) => return with_original(error, &function),
    };
    match expand(&args, &function) {
        Ok(tokens) => tokens.into(),
        Err(error) => with_original(error, &function),
    }
}

/// The error, plus the function unchanged (so its callers do not pile up more errors).
fn with_original(error: syn::Error, function: &ItemFn) -> TokenStream {
    let error = error.to_compile_error();
    quote!(#error #function).into()
}

#[derive(Default)]
struct Args {
    name: Option<LitStr>,
    /// The TTL in seconds, and the argument that gave it.
    ttl: Option<(u64, Ident)>,
    organize_by_date: Option<(LitBool, Ident)>,
    include_version: Option<(LitBool, Ident)>,
    gzip: Option<(LitBool, Ident)>,
    key: Option<Vec<Ident>>,
    cache: Option<Expr>,
}

fn parse_args(attr: TokenStream2) -> syn::Result<Args> {
    let mut args = Args::default();
    let parser = syn::meta::parser(|meta| {
        let Some(ident) = meta.path.get_ident().cloned() else {
            return Err(meta.error(format!("unknown argument; expected one of: {ARGUMENTS}")));
        };
        let once = |given: bool| {
            if given {
                Err(syn::Error::new(
                    ident.span(),
                    format!("`{ident}` is given twice"),
                ))
            } else {
                Ok(())
            }
        };
        match ident.to_string().as_str() {
            "name" => {
                once(args.name.is_some())?;
                let name: LitStr = meta.value()?.parse()?;
                if name.value().is_empty() {
                    return Err(syn::Error::new(name.span(), "`name` must not be empty"));
                }
                args.name = Some(name);
            }
            which @ ("ttl_seconds" | "ttl_days") => {
                if let Some((_, first)) = &args.ttl {
                    let message = if *first == ident {
                        format!("`{ident}` is given twice")
                    } else {
                        "give either `ttl_seconds` or `ttl_days`, not both".to_owned()
                    };
                    return Err(syn::Error::new(ident.span(), message));
                }
                let number: LitInt = meta.value()?.parse()?;
                let value: u64 = number.base10_parse()?;
                if value == 0 {
                    return Err(syn::Error::new(
                        number.span(),
                        format!(
                            "`{which}` must be at least 1 (to store nothing, leave the function \
                             unmemoized or set `enabled = false` in the settings)"
                        ),
                    ));
                }
                let seconds = if which == "ttl_days" {
                    value
                        .checked_mul(86_400)
                        .ok_or_else(|| syn::Error::new(number.span(), "`ttl_days` is too large"))?
                } else {
                    value
                };
                args.ttl = Some((seconds, ident));
            }
            "organize_by_date" => {
                once(args.organize_by_date.is_some())?;
                args.organize_by_date = Some((meta.value()?.parse()?, ident));
            }
            "include_version" => {
                once(args.include_version.is_some())?;
                args.include_version = Some((meta.value()?.parse()?, ident));
            }
            "gzip" => {
                once(args.gzip.is_some())?;
                args.gzip = Some((meta.value()?.parse()?, ident));
            }
            "key" => {
                once(args.key.is_some())?;
                let mut names: Vec<Ident> = Vec::new();
                meta.parse_nested_meta(|inner| {
                    let Some(name) = inner.path.get_ident() else {
                        return Err(inner.error("list argument names: `key(a, b)`"));
                    };
                    if names.contains(name) {
                        return Err(syn::Error::new(
                            name.span(),
                            format!("`{name}` is listed twice in `key(...)`"),
                        ));
                    }
                    names.push(name.clone());
                    Ok(())
                })?;
                args.key = Some(names);
            }
            "cache" => {
                once(args.cache.is_some())?;
                args.cache = Some(meta.value()?.parse()?);
            }
            "ttl" => {
                return Err(syn::Error::new(
                    ident.span(),
                    "unknown argument `ttl`: write `ttl_seconds = N` or `ttl_days = N`",
                ));
            }
            "use_gzip" => {
                return Err(syn::Error::new(
                    ident.span(),
                    "unknown argument `use_gzip`: write `gzip = true`",
                ));
            }
            other => {
                return Err(syn::Error::new(
                    ident.span(),
                    format!("unknown argument `{other}`; expected one of: {ARGUMENTS}"),
                ));
            }
        }
        Ok(())
    });
    syn::parse::Parser::parse2(parser, attr)?;
    let layout = [&args.organize_by_date, &args.include_version, &args.gzip];
    if args.cache.is_some()
        && let Some((_, ident)) = layout.into_iter().flatten().next()
    {
        return Err(syn::Error::new(
            ident.span(),
            format!(
                "`{ident}` cannot be combined with `cache = …`: a cache's layout and \
                 compression are fixed when it is opened (set them in its `CacheSettings`)"
            ),
        ));
    }
    Ok(args)
}

/// One argument of the function: its name and type.
struct Param<'f> {
    ident: &'f Ident,
    ty: &'f Type,
}

fn expand(args: &Args, function: &ItemFn) -> syn::Result<TokenStream2> {
    let sig = &function.sig;
    let fn_name = &sig.ident;
    check_signature(function)?;
    let params = params(function)?;
    let output = match &sig.output {
        ReturnType::Type(_, ty) => ty.as_ref(),
        ReturnType::Default => {
            return Err(syn::Error::new(
                sig.paren_token.span.close(),
                format!(
                    "`{fn_name}` returns nothing, so there is nothing to memoize: give it a \
                     return type"
                ),
            ));
        }
    };
    let is_result = check_output(output)?;

    let key_params: Vec<&Param<'_>> = match &args.key {
        None => params.iter().collect(),
        Some(names) => {
            let mut chosen = Vec::new();
            for name in names {
                let Some(param) = params.iter().find(|p| p.ident == name) else {
                    let known: Vec<String> = params.iter().map(|p| p.ident.to_string()).collect();
                    let known = if known.is_empty() {
                        "it takes none".to_owned()
                    } else {
                        format!("its arguments: {}", known.join(", "))
                    };
                    return Err(syn::Error::new(
                        name.span(),
                        format!("`{name}` is not an argument of `{fn_name}` ({known})"),
                    ));
                };
                chosen.push(param);
            }
            chosen
        }
    };

    let name = match &args.name {
        Some(name) => quote!(#name),
        None => {
            let fn_name = fn_name.to_string();
            quote!(::core::concat!(::core::module_path!(), "::", #fn_name))
        }
    };
    let mut builder = TokenStream2::new();
    if let Some((seconds, _)) = &args.ttl {
        builder.extend(quote!(.ttl_seconds(#seconds)));
    }
    if let Some((on, _)) = &args.organize_by_date {
        builder.extend(quote!(.organize_by_date(#on)));
    }
    if let Some((on, _)) = &args.include_version {
        builder.extend(quote!(.include_version(#on)));
    }
    if let Some((on, _)) = &args.gzip {
        builder.extend(quote!(.gzip(#on)));
    }
    if let Some(cache) = &args.cache {
        let cache_fn = quote_spanned! {cache.span()=>
            {
                fn __persistent_memoize_cache() -> &'static ::cache_core::Cache {
                    #cache
                }
                __persistent_memoize_cache
            }
        };
        builder.extend(quote!(.with_cache(#cache_fn)));
    }

    let key_parts = key_params.iter().map(|param| {
        let ident = param.ident;
        quote_spanned!(param.ty.span()=> ::cache_core::memo::key_arg(&#ident),)
    });
    let block = &function.block;
    let call = if is_result {
        quote_spanned!(output.span()=> __PERSISTENT_MEMOIZE.try_call)
    } else {
        quote_spanned!(output.span()=> __PERSISTENT_MEMOIZE.call)
    };
    let attrs = &function.attrs;
    let vis = &function.vis;
    Ok(quote! {
        #(#attrs)*
        #vis #sig {
            static __PERSISTENT_MEMOIZE: ::cache_core::memo::Memoized =
                ::cache_core::memo::Memoized::new(#name, ::core::env!("CARGO_PKG_VERSION"))
                    #builder;
            // The key borrows the arguments; it is built before the computation moves them.
            let __persistent_memoize_key = __PERSISTENT_MEMOIZE.call_key(&( #(#key_parts)* ));
            #call(__persistent_memoize_key, move || -> #output #block)
        }
    })
}

fn check_signature(function: &ItemFn) -> syn::Result<()> {
    let sig = &function.sig;
    let fn_name = &sig.ident;
    if let Some(token) = &sig.constness {
        return Err(syn::Error::new(
            token.span,
            format!(
                "`{fn_name}` is a `const fn`: a memoized function reads and writes its cache at run time"
            ),
        ));
    }
    if let Some(token) = &sig.asyncness {
        return Err(syn::Error::new(
            token.span,
            format!(
                "`{fn_name}` is an `async fn`, which #[persistent_memoize] does not support: the \
                 cache does blocking file I/O; memoize a synchronous function it calls"
            ),
        ));
    }
    if let Some(token) = &sig.unsafety {
        return Err(syn::Error::new(
            token.span,
            format!("`{fn_name}` is an `unsafe fn`, which #[persistent_memoize] does not support"),
        ));
    }
    if let Some(variadic) = &sig.variadic {
        return Err(syn::Error::new(
            variadic.span(),
            "variadic functions cannot be memoized",
        ));
    }
    for param in &sig.generics.params {
        match param {
            GenericParam::Lifetime(_) => {}
            GenericParam::Type(ty) => {
                return Err(syn::Error::new(
                    ty.ident.span(),
                    format!(
                        "`{fn_name}` is generic over `{}`: its key would not tell the \
                         instantiations apart; memoize a function over concrete types",
                        ty.ident
                    ),
                ));
            }
            GenericParam::Const(c) => {
                return Err(syn::Error::new(
                    c.ident.span(),
                    format!(
                        "`{fn_name}` is generic over the constant `{}`, which would not be part of \
                         its key; make it an argument",
                        c.ident
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn params(function: &ItemFn) -> syn::Result<Vec<Param<'_>>> {
    let fn_name = &function.sig.ident;
    let mut out = Vec::new();
    for input in &function.sig.inputs {
        match input {
            FnArg::Receiver(receiver) => {
                return Err(syn::Error::new(
                    receiver.span(),
                    format!(
                        "`{fn_name}` takes `self`, which #[persistent_memoize] does not support: \
                         `self` would not be part of the key, so results for different values of \
                         it would be mixed up; memoize a function taking what the result depends on"
                    ),
                ));
            }
            FnArg::Typed(typed) => {
                let ident = match typed.pat.as_ref() {
                    Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => &pat.ident,
                    other => {
                        return Err(syn::Error::new(
                            other.span(),
                            "give this argument a plain name: #[persistent_memoize] names each \
                             argument in the key",
                        ));
                    }
                };
                if let Some(span) = impl_trait_in(&typed.ty) {
                    return Err(syn::Error::new(
                        span,
                        format!(
                            "`impl Trait` makes `{fn_name}` generic: its key would not tell the \
                             instantiations apart; take a concrete type"
                        ),
                    ));
                }
                out.push(Param {
                    ident,
                    ty: &typed.ty,
                });
            }
        }
    }
    Ok(out)
}

/// Where `ty` holds an `impl Trait` (through references, parentheses, slices, arrays, tuples
/// and generic arguments).
fn impl_trait_in(ty: &Type) -> Option<Span> {
    match ty {
        Type::ImplTrait(it) => Some(it.span()),
        Type::Reference(r) => impl_trait_in(&r.elem),
        Type::Paren(p) => impl_trait_in(&p.elem),
        Type::Group(g) => impl_trait_in(&g.elem),
        Type::Slice(s) => impl_trait_in(&s.elem),
        Type::Array(a) => impl_trait_in(&a.elem),
        Type::Tuple(t) => t.elems.iter().find_map(impl_trait_in),
        Type::Path(p) => p
            .path
            .segments
            .iter()
            .find_map(|segment| match &segment.arguments {
                PathArguments::AngleBracketed(generic) => {
                    generic.args.iter().find_map(|arg| match arg {
                        GenericArgument::Type(ty) => impl_trait_in(ty),
                        _ => None,
                    })
                }
                _ => None,
            }),
        _ => None,
    }
}

/// Whether the function returns a `Result` (its `Ok` values alone are cached); refuses return
/// types that cannot be stored and read back.
fn check_output(output: &Type) -> syn::Result<bool> {
    let (is_result, stored) = match output {
        Type::Path(path) if path.qself.is_none() => match path.path.segments.last() {
            Some(last) if last.ident == "Result" => {
                let ok = match &last.arguments {
                    PathArguments::AngleBracketed(generic) => {
                        generic.args.iter().find_map(|arg| match arg {
                            GenericArgument::Type(ty) => Some(ty),
                            _ => None,
                        })
                    }
                    _ => None,
                };
                (true, ok.unwrap_or(output))
            }
            _ => (false, output),
        },
        _ => (false, output),
    };
    match stored {
        Type::Reference(reference) => Err(syn::Error::new(
            reference.span(),
            "a memoized function must return owned data: hits are decoded from the stored bytes \
             and cannot borrow (return `String`, `Vec<T>`, … instead of a reference)",
        )),
        Type::ImplTrait(it) => Err(syn::Error::new(
            it.span(),
            "a memoized function cannot return `impl Trait`: the stored value needs a concrete, \
             deserializable type",
        )),
        _ => Ok(is_result),
    }
}
