//! How codetags prints a path: [`display_path`] for text, summary, diagnostic and error
//! lines, [`json_file_path`] for the JSON report's `file_path`.
//!
//! The bottom layer, beside [`crate::version`]: config errors, walk errors, the scan's
//! problems, the cache's refusals and every report name paths the same way, so each of them
//! uses this module and none has to reach up to the renderers for it.

use std::borrow::Cow;
use std::path::Path;

/// A path as codetags prints it in text, summary and diagnostic lines: as is when it is UTF-8
/// holding no control character and no backslash, else escaped the way GNU `ls -b`
/// (`--quoting-style=escape`) does, so nothing a file name holds can move the cursor, change
/// colours or split a `path:line:col:` line, and two different names never print alike:
///
/// * `\n`, `\t`, `\r`, and `\xNN` for the other ASCII control characters (`\x1b` for ESC,
///   `\x7f` for DEL);
/// * `\u{NN}` for the C1 controls (U+0080–U+009F) and the bidirectional overrides and
///   isolates (U+202A–U+202E, U+2066–U+2069), which reorder what a terminal shows;
/// * `\xNN` for each byte that is not part of valid UTF-8 (where a lossy conversion would print
///   U+FFFD for every one of them);
/// * `\\` for a backslash (on Unix, where it is an ordinary name character; on Windows it is
///   the separator and no name can hold one).
///
/// The backslash is always doubled, not only in names that need escaping otherwise: a name
/// such as `a\x1b.py` spelled with a real backslash would else print exactly like `a<ESC>.py`.
/// With every backslash doubled, each escape decodes one way, so the mapping is injective.
/// Every other character, `é` or `日本` included, prints as itself: ordinary names are
/// unchanged byte for byte.
///
/// ```
/// use codetags_cli::display::display_path;
/// use std::path::Path;
/// assert_eq!(display_path(Path::new("src/café.py")), "src/café.py");
/// assert_eq!(display_path(Path::new("a\x1b[31m.py")), "a\\x1b[31m.py");
/// assert_eq!(display_path(Path::new("two\nlines.py")), "two\\nlines.py");
/// if cfg!(unix) {
///     assert_eq!(display_path(Path::new("back\\slash.py")), "back\\\\slash.py");
/// }
/// ```
pub fn display_path(path: &Path) -> Cow<'_, str> {
    escape_name(path.as_os_str().as_encoded_bytes())
}

/// The `file_path` a tag carries into the JSON report: a UTF-8 path as is, so the JSON stays
/// byte for byte pycodetags' (serde escapes control characters there itself), and any other
/// path in its [`display_path`] spelling, `\xNN` for each undecodable byte.
///
/// pycodetags would hold such a name as a Python string with lone surrogates (`\udce9`) and
/// print it so, but a lone surrogate makes the document invalid for strict JSON parsers
/// (serde_json among them); the escaped spelling keeps the report readable by all of them, and
/// is what the text output shows.
///
/// ```
/// use codetags_cli::display::json_file_path;
/// use std::path::Path;
/// assert_eq!(json_file_path(Path::new("a\x1b.py")), "a\x1b.py");
/// #[cfg(target_os = "linux")]
/// {
///     use std::os::unix::ffi::OsStrExt;
///     let odd = std::ffi::OsStr::from_bytes(b"caf\xe9.py");
///     assert_eq!(json_file_path(Path::new(odd)), "caf\\xe9.py");
/// }
/// ```
pub fn json_file_path(path: &Path) -> Cow<'_, str> {
    match path.to_str() {
        Some(text) => Cow::Borrowed(text),
        None => display_path(path),
    }
}

/// [`display_path`] of a path's bytes (on Windows, its WTF-8 bytes: an unpaired surrogate is
/// not valid UTF-8 and shows as `\xNN` bytes).
fn escape_name(bytes: &[u8]) -> Cow<'_, str> {
    if let Ok(text) = std::str::from_utf8(bytes)
        && !text.chars().any(needs_escape)
    {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            push_char(&mut out, c);
        }
        for byte in chunk.invalid() {
            push_hex_byte(&mut out, *byte);
        }
    }
    Cow::Owned(out)
}

/// Whether `c` is printed as an escape by [`display_path`].
fn needs_escape(c: char) -> bool {
    c.is_control() || is_bidi_control(c) || (c == '\\' && ESCAPE_BACKSLASH)
}

/// On Windows a backslash separates components and cannot be part of a name, so printing it
/// as is stays unambiguous, and paths keep their usual look.
const ESCAPE_BACKSLASH: bool = !cfg!(windows);

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn push_char(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\t' => out.push_str("\\t"),
        '\r' => out.push_str("\\r"),
        '\\' if ESCAPE_BACKSLASH => out.push_str("\\\\"),
        // ASCII controls as `\xNN`: below 0x80, so never mistaken for an undecodable byte.
        c if c.is_ascii_control() => push_hex_byte(out, c as u8),
        c if needs_escape(c) => {
            use std::fmt::Write as _;
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
        c => out.push(c),
    }
}

fn push_hex_byte(out: &mut String, byte: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push_str("\\x");
    out.push(char::from(HEX[usize::from(byte >> 4)]));
    out.push(char::from(HEX[usize::from(byte & 0xf)]));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The inverse of [`escape_name`]: its existence is what makes the escaping injective.
    fn unescape(text: &str) -> Vec<u8> {
        let mut out = Vec::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c != '\\' || !ESCAPE_BACKSLASH {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                continue;
            }
            match chars.next().unwrap() {
                'n' => out.push(b'\n'),
                't' => out.push(b'\t'),
                'r' => out.push(b'\r'),
                '\\' => out.push(b'\\'),
                'x' => {
                    let hex: String = chars.by_ref().take(2).collect();
                    out.push(u8::from_str_radix(&hex, 16).unwrap());
                }
                'u' => {
                    assert_eq!(chars.next(), Some('{'));
                    let hex: String = chars.by_ref().take_while(|&c| c != '}').collect();
                    let c = char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap();
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                other => panic!("unknown escape \\{other} in {text:?}"),
            }
        }
        out
    }

    #[test]
    fn escaped_names_hold_no_control_character_and_decode_to_the_original_bytes() {
        // Pieces that collide under a careless scheme: a real backslash next to `x1b`, ESC,
        // a lone 0xc2 (a C1 control's first byte), U+0085 itself, RLO, a 4-byte character.
        let pieces: [&[u8]; 14] = [
            b"\\",
            b"x",
            b"1b",
            b"n",
            b"u{85}",
            b"\x1b",
            b"\n",
            b"\x7f",
            b"\xc2",
            "\u{85}".as_bytes(),
            b"\xe9",
            "\u{202e}".as_bytes(),
            "é".as_bytes(),
            "\u{1f600}".as_bytes(),
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut seen = std::collections::HashMap::new();
        for _ in 0..20_000 {
            let mut name = Vec::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut bits = seed;
            for _ in 0..(bits % 6) {
                bits /= 6;
                name.extend_from_slice(pieces[(bits % pieces.len() as u64) as usize]);
                bits /= pieces.len() as u64;
            }
            let shown = escape_name(&name).into_owned();
            assert!(
                !shown.chars().any(|c| c.is_control() || is_bidi_control(c)),
                "{shown:?}"
            );
            assert_eq!(unescape(&shown), name, "{shown:?}");
            if let Some(other) = seen.insert(shown.clone(), name.clone()) {
                assert_eq!(other, name, "two names print as {shown:?}");
            }
        }
        // Ordinary names come back borrowed, unchanged.
        for plain in ["src/app/main.py", "données/été.py", "a b/c-d_e.py", ""] {
            assert!(matches!(escape_name(plain.as_bytes()), Cow::Borrowed(p) if p == plain));
        }
        assert_eq!(
            escape_name(b"\x1b\x7f\xc2\x85\xff"),
            "\\x1b\\x7f\\u{85}\\xff"
        );
    }
}
