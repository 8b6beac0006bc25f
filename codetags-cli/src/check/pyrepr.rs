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
    // One implementation of Python's repr for the whole workspace, with CPython's printable set.
    codetags_parse::dumps::python_repr(text)
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
