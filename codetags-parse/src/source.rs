//! Decoding Python source bytes the way pycodetags 0.8.1 (`source_io.read_python_source`) does.
//!
//! The rules are CPython's `tokenize.detect_encoding` (PEP 263 and the UTF-8 BOM):
//!
//! * UTF-8 by default; a leading UTF-8 BOM is stripped (encoding `"utf-8-sig"`).
//! * A coding cookie (`^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)`) on the first line, or on the
//!   second line when the first is blank or a comment, names the encoding. Both header lines must
//!   themselves be valid UTF-8, as in CPython.
//! * A BOM together with a cookie that does not normalise to `utf-8` is an error.
//! * Supported encodings: UTF-8, ISO-8859-1 (Latin-1), ISO-8859-15 (Latin-9), cp1252
//!   (Windows-1252) and ASCII, under every alias CPython's codec registry accepts for them. Any
//!   other encoding is an error.
//! * After decoding, CRLF and lone CR become LF (`source_io.logical_text`).
//!
//! Line endings are normalised before the header is read, so a CR-only file's cookie is found.

use memchr::memchr;
use std::borrow::Cow;

/// Decoded Python source text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The decoded text: BOM stripped, CRLF and lone CR replaced by LF.
    pub text: String,
    /// Canonical name of the encoding that was used: `"utf-8"`, `"utf-8-sig"` (UTF-8 with a BOM),
    /// `"iso-8859-1"`, `"iso-8859-15"`, `"cp1252"` or `"ascii"`.
    pub encoding: &'static str,
}

/// Bytes that cannot be decoded as Python source.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DecodeError {
    /// Byte offset in the input of the first byte that could not be decoded (or of the coding
    /// declaration that was refused).
    pub offset: usize,
    /// What went wrong, naming the encoding, in the style of Python's `UnicodeDecodeError`;
    /// positions in it are byte offsets in the whole input (including a BOM).
    pub message: String,
}

impl DecodeError {
    fn new(offset: usize, message: impl Into<String>) -> Self {
        Self {
            offset,
            message: message.into(),
        }
    }
}

const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

/// The encodings this crate can decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Codec {
    Utf8,
    Latin1,
    Latin9,
    Cp1252,
    Ascii,
}

/// Decodes Python source bytes: BOM, PEP 263 coding cookie, then CRLF/CR → LF.
///
/// ```
/// use codetags_parse::source::decode;
///
/// let src = decode(b"# -*- coding: latin-1 -*-\r\n# caf\xe9\r\n").unwrap();
/// assert_eq!(src.text, "# -*- coding: latin-1 -*-\n# caf\u{e9}\n");
/// assert_eq!(src.encoding, "iso-8859-1");
///
/// let err = decode(b"x = 1\n# caf\xe9\n").unwrap_err();
/// assert_eq!(err.offset, 11);
/// assert!(err.message.contains("'utf-8' codec can't decode byte 0xe9"));
/// ```
pub fn decode(bytes: &[u8]) -> Result<Source, DecodeError> {
    let (text, encoding) = decode_text(bytes)?;
    Ok(Source {
        text: text.into_owned(),
        encoding,
    })
}

/// The decoded text of `bytes` as [`decode`] gives it, borrowed from `bytes` when decoding
/// changes nothing (UTF-8 without a BOM and without `\r`, most files) so that no copy is made;
/// the canonical encoding name alongside.
///
/// ```
/// use std::borrow::Cow;
/// use codetags_parse::decode_text;
/// let (text, encoding) = decode_text(b"x = 1  # TODO: tidy\n").unwrap();
/// assert!(matches!(text, Cow::Borrowed(_)));
/// assert_eq!(encoding, "utf-8");
/// let (text, _) = decode_text(b"x = 1\r\n").unwrap();
/// assert_eq!(text, "x = 1\n");
/// ```
///
/// # Errors
/// As [`decode`].
pub fn decode_text(bytes: &[u8]) -> Result<(Cow<'_, str>, &'static str), DecodeError> {
    let bom = bytes.starts_with(UTF8_BOM);
    let body_offset = if bom { UTF8_BOM.len() } else { 0 };
    let body = &bytes[body_offset..];
    let codec = detect_codec(body, body_offset, bom)?;
    let decoded = decode_with(codec, body, body_offset)?;
    let encoding = match codec {
        Codec::Utf8 if bom => "utf-8-sig",
        Codec::Utf8 => "utf-8",
        Codec::Latin1 => "iso-8859-1",
        Codec::Latin9 => "iso-8859-15",
        Codec::Cp1252 => "cp1252",
        Codec::Ascii => "ascii",
    };
    Ok((normalize_newlines(decoded), encoding))
}

/// Replaces CRLF and lone CR with LF.
fn normalize_newlines(text: Cow<'_, str>) -> Cow<'_, str> {
    if memchr(b'\r', text.as_bytes()).is_none() {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = &*text;
    while let Some(i) = memchr(b'\r', rest.as_bytes()) {
        out.push_str(&rest[..i]);
        out.push('\n');
        let skip = if rest.as_bytes().get(i + 1) == Some(&b'\n') {
            2
        } else {
            1
        };
        rest = &rest[i + skip..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// One header line (without its terminator) and the offset just past its terminator.
fn header_line(body: &[u8], start: usize) -> (&[u8], usize) {
    let rest = &body[start..];
    match memchr::memchr2(b'\n', b'\r', rest) {
        Some(i) => {
            let skip = if rest[i] == b'\r' && rest.get(i + 1) == Some(&b'\n') {
                2
            } else {
                1
            };
            (&rest[..i], start + i + skip)
        }
        None => (rest, body.len()),
    }
}

/// `tokenize.detect_encoding`, over a body whose BOM (if any) was already removed.
fn detect_codec(body: &[u8], body_offset: usize, bom: bool) -> Result<Codec, DecodeError> {
    if body.is_empty() {
        return Ok(Codec::Utf8);
    }
    let (first, next) = header_line(body, 0);
    if let Some(codec) = find_cookie(first, body_offset, bom)? {
        return Ok(codec);
    }
    if !is_blank_line(first) || next >= body.len() {
        return Ok(Codec::Utf8);
    }
    let (second, _) = header_line(body, next);
    Ok(find_cookie(second, body_offset + next, bom)?.unwrap_or(Codec::Utf8))
}

/// `blank_re = ^[ \t\f]*(?:[#\r\n]|$)` applied to a line without its terminator.
fn is_blank_line(line: &[u8]) -> bool {
    line.iter()
        .find(|&&b| !matches!(b, b' ' | b'\t' | b'\x0c'))
        .is_none_or(|&b| b == b'#')
}

/// `tokenize.detect_encoding.find_cookie`: the codec a header line declares, if any.
fn find_cookie(line: &[u8], offset: usize, bom: bool) -> Result<Option<Codec>, DecodeError> {
    if let Err(e) = std::str::from_utf8(line) {
        let at = offset + e.valid_up_to();
        return Err(DecodeError::new(
            at,
            format!(
                "invalid or missing encoding declaration: {}",
                utf8_error_message(line, e, offset)
            ),
        ));
    }
    let Some((name, name_at)) = cookie_name(line) else {
        return Ok(None);
    };
    let normal = normal_name(name);
    let Some(codec) = lookup(&normal) else {
        return Err(DecodeError::new(
            offset + name_at,
            format!("unknown or unsupported encoding: {normal}"),
        ));
    };
    if bom && normal != "utf-8" {
        return Err(DecodeError::new(
            offset + name_at,
            format!("encoding problem: utf-8 (a UTF-8 BOM with the coding declaration {name:?})"),
        ));
    }
    Ok(Some(codec))
}

/// Matches `^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)` (ASCII `\w`); returns the name and its
/// offset in the line.
fn cookie_name(line: &[u8]) -> Option<(&str, usize)> {
    let indent = line
        .iter()
        .take_while(|&&b| matches!(b, b' ' | b'\t' | b'\x0c'))
        .count();
    if line.get(indent) != Some(&b'#') {
        return None;
    }
    let is_name = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.');
    let mut from = indent + 1;
    while let Some(i) = memchr::memmem::find(&line[from..], b"coding") {
        let after = from + i + b"coding".len();
        if matches!(line.get(after), Some(b':' | b'=')) {
            let spaces = line[after + 1..]
                .iter()
                .take_while(|&&b| matches!(b, b' ' | b'\t'))
                .count();
            let start = after + 1 + spaces;
            let len = line[start..].iter().take_while(|b| is_name(b)).count();
            if len > 0 {
                // The name is ASCII by construction.
                let name = std::str::from_utf8(&line[start..start + len]).ok()?;
                return Some((name, start));
            }
        }
        from += i + 1;
    }
    None
}

/// `tokenize._get_normal_name`.
fn normal_name(orig: &str) -> String {
    let enc: String = orig
        .chars()
        .take(12)
        .map(|c| {
            if c == '_' {
                '-'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect();
    if enc == "utf-8" || enc.starts_with("utf-8-") {
        return "utf-8".into();
    }
    let latin = ["latin-1", "iso-8859-1", "iso-latin-1"];
    if latin.contains(&enc.as_str()) || latin.iter().any(|l| enc.starts_with(&format!("{l}-"))) {
        return "iso-8859-1".into();
    }
    orig.to_string()
}

/// `codecs.lookup` restricted to the supported codecs: lower-case, runs of characters other than
/// ASCII alphanumerics and `.` become `_` (`encodings.normalize_encoding`), then the alias table.
fn lookup(name: &str) -> Option<Codec> {
    let mut norm = String::with_capacity(name.len());
    let mut pending_sep = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '.' {
            if pending_sep && !norm.is_empty() {
                norm.push('_');
            }
            pending_sep = false;
            norm.push(c.to_ascii_lowercase());
        } else {
            pending_sep = true;
        }
    }
    lookup_normalized(&norm).or_else(|| lookup_normalized(&norm.replace('.', "_")))
}

fn lookup_normalized(norm: &str) -> Option<Codec> {
    Some(match norm {
        "utf_8" | "utf_8_sig" | "cp65001" | "u8" | "utf" | "utf8" | "utf8_ucs2" | "utf8_ucs4" => {
            Codec::Utf8
        }
        "latin_1" | "8859" | "cp819" | "csisolatin1" | "ibm819" | "iso8859" | "iso8859_1"
        | "iso_8859_1" | "iso_8859_1_1987" | "iso_ir_100" | "l1" | "latin" | "latin1" => {
            Codec::Latin1
        }
        "iso8859_15" | "iso_8859_15" | "l9" | "latin9" => Codec::Latin9,
        "cp1252" | "1252" | "windows_1252" => Codec::Cp1252,
        "ascii" | "646" | "ansi_x3.4_1968" | "ansi_x3.4_1986" | "ansi_x3_4_1968" | "cp367"
        | "csascii" | "ibm367" | "iso646_us" | "iso_646.irv_1991" | "iso_ir_6" | "us"
        | "us_ascii" => Codec::Ascii,
        _ => return None,
    })
}

fn decode_with(codec: Codec, body: &[u8], offset: usize) -> Result<Cow<'_, str>, DecodeError> {
    match codec {
        Codec::Utf8 => match std::str::from_utf8(body) {
            Ok(s) => Ok(Cow::Borrowed(s)),
            Err(e) => Err(DecodeError::new(
                offset + e.valid_up_to(),
                utf8_error_message(body, e, offset),
            )),
        },
        Codec::Latin1 => Ok(Cow::Owned(body.iter().map(|&b| char::from(b)).collect())),
        Codec::Latin9 => Ok(Cow::Owned(body.iter().map(|&b| latin9_char(b)).collect())),
        Codec::Cp1252 => decode_single_byte(body, offset, "charmap", |b| {
            cp1252_char(b).ok_or("character maps to <undefined>")
        })
        .map(Cow::Owned),
        Codec::Ascii => decode_single_byte(body, offset, "ascii", |b| {
            if b.is_ascii() {
                Ok(char::from(b))
            } else {
                Err("ordinal not in range(128)")
            }
        })
        .map(Cow::Owned),
    }
}

fn decode_single_byte(
    body: &[u8],
    offset: usize,
    codec_name: &str,
    map: impl Fn(u8) -> Result<char, &'static str>,
) -> Result<String, DecodeError> {
    let mut out = String::with_capacity(body.len());
    for (i, &b) in body.iter().enumerate() {
        match map(b) {
            Ok(c) => out.push(c),
            Err(reason) => {
                let at = offset + i;
                return Err(DecodeError::new(
                    at,
                    format!(
                        "'{codec_name}' codec can't decode byte 0x{b:02x} in position {at}: {reason}"
                    ),
                ));
            }
        }
    }
    Ok(out)
}

/// Python's wording for a UTF-8 decoding failure; positions are offsets in the whole input.
fn utf8_error_message(bytes: &[u8], e: std::str::Utf8Error, offset: usize) -> String {
    let at = e.valid_up_to();
    let lead = bytes.get(at).copied().unwrap_or(0);
    let (len, reason) = match e.error_len() {
        None => (bytes.len() - at, "unexpected end of data"),
        Some(n) if (0xc2..=0xf4).contains(&lead) => (n, "invalid continuation byte"),
        Some(n) => (n, "invalid start byte"),
    };
    let pos = offset + at;
    if len <= 1 {
        format!("'utf-8' codec can't decode byte 0x{lead:02x} in position {pos}: {reason}")
    } else {
        format!(
            "'utf-8' codec can't decode bytes in position {pos}-{}: {reason}",
            pos + len - 1
        )
    }
}

/// ISO-8859-15 differs from Latin-1 in eight positions.
fn latin9_char(b: u8) -> char {
    match b {
        0xa4 => '\u{20ac}',
        0xa6 => '\u{160}',
        0xa8 => '\u{161}',
        0xb4 => '\u{17d}',
        0xb8 => '\u{17e}',
        0xbc => '\u{152}',
        0xbd => '\u{153}',
        0xbe => '\u{178}',
        _ => char::from(b),
    }
}

/// Windows-1252 as Python's `cp1252` codec maps it: 0x81, 0x8D, 0x8F, 0x90 and 0x9D are undefined.
fn cp1252_char(b: u8) -> Option<char> {
    const HIGH: [Option<char>; 32] = [
        Some('\u{20ac}'),
        None,
        Some('\u{201a}'),
        Some('\u{192}'),
        Some('\u{201e}'),
        Some('\u{2026}'),
        Some('\u{2020}'),
        Some('\u{2021}'),
        Some('\u{2c6}'),
        Some('\u{2030}'),
        Some('\u{160}'),
        Some('\u{2039}'),
        Some('\u{152}'),
        None,
        Some('\u{17d}'),
        None,
        None,
        Some('\u{2018}'),
        Some('\u{2019}'),
        Some('\u{201c}'),
        Some('\u{201d}'),
        Some('\u{2022}'),
        Some('\u{2013}'),
        Some('\u{2014}'),
        Some('\u{2dc}'),
        Some('\u{2122}'),
        Some('\u{161}'),
        Some('\u{203a}'),
        Some('\u{153}'),
        None,
        Some('\u{17e}'),
        Some('\u{178}'),
    ];
    match b {
        0x80..=0x9f => HIGH[usize::from(b - 0x80)],
        _ => Some(char::from(b)),
    }
}
