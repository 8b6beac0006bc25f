//! Python's `repr` of a string and of a list of strings, as the issue tracker's messages show
//! its configuration lists (`suggest ['low', 'medium', 'high']`).

/// `repr(text)` as CPython writes it: single quotes unless the text holds a `'` and no `"`;
/// backslash, the chosen quote, `\n`, `\r`, `\t` escaped; other characters Python does not
/// consider printable written `\xNN`, `\uNNNN` or `\UNNNNNNNN`.
///
/// ```
/// use codetags_cli::check::pyrepr::py_str;
/// assert_eq!(py_str("high"), "'high'");
/// assert_eq!(py_str("it's"), "\"it's\"");
/// assert_eq!(py_str("a'b\"c"), "'a\\'b\"c'");
/// assert_eq!(py_str("tab\there\u{0}"), "'tab\\there\\x00'");
/// assert_eq!(py_str("café"), "'café'");
/// ```
pub fn py_str(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if !is_printable(c) => {
                let code = u32::from(c);
                if code < 0x100 {
                    out.push_str(&format!("\\x{code:02x}"));
                } else if code < 0x10000 {
                    out.push_str(&format!("\\u{code:04x}"));
                } else {
                    out.push_str(&format!("\\U{code:08x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// `repr(items)` of a list of strings: `['a', 'b']`, `[]` when empty.
///
/// ```
/// use codetags_cli::check::pyrepr::py_str_list;
/// assert_eq!(py_str_list(&["1.0.0".to_owned(), "2.0.0".to_owned()]), "['1.0.0', '2.0.0']");
/// assert_eq!(py_str_list(&[]), "[]");
/// ```
pub fn py_str_list(items: &[String]) -> String {
    let parts: Vec<String> = items.iter().map(|s| py_str(s)).collect();
    format!("[{}]", parts.join(", "))
}

/// Python's `str.isprintable` for the characters met in configuration values: control
/// characters (Cc), the format characters (Cf) and separators (Zs other than space, Zl, Zp)
/// that occur in practice, surrogates and private use are not printable. Unassigned code points
/// are taken as printable (Rust's standard library has no Unicode category table); this only
/// changes how such a character would be escaped in a message.
fn is_printable(c: char) -> bool {
    let code = u32::from(c);
    !(c.is_control()
        || matches!(
            code,
            0xA0 | 0xAD
                | 0x600..=0x605
                | 0x61C
                | 0x6DD
                | 0x70F
                | 0x1680
                | 0x180E
                | 0x2000..=0x200F
                | 0x2028..=0x202F
                | 0x205F..=0x2064
                | 0x2066..=0x206F
                | 0x3000
                | 0xFEFF
                | 0xFFF9..=0xFFFB
                | 0xE000..=0xF8FF
                | 0xF0000..=0x10FFFF
        ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference values from CPython 3.11's `repr`.
    #[test]
    fn escapes_as_cpython_does() {
        assert_eq!(py_str(""), "''");
        assert_eq!(py_str("back\\slash"), "'back\\\\slash'");
        assert_eq!(py_str("both ' and \""), "'both \\' and \"'");
        assert_eq!(py_str("nbsp\u{a0}"), "'nbsp\\xa0'");
        assert_eq!(py_str("zwsp\u{200b}"), "'zwsp\\u200b'");
        assert_eq!(py_str("del\u{7f}"), "'del\\x7f'");
        assert_eq!(py_str("emoji 🎉"), "'emoji 🎉'");
        assert_eq!(py_str("cr\r"), "'cr\\r'");
    }
}
