//! Decoding Python source bytes the way pycodetags 0.8.1 (`source_io.read_python_source`) does.
//!
//! The rules are CPython's `tokenize.detect_encoding` (PEP 263 and the UTF-8 BOM):
//!
//! * UTF-8 by default; a leading UTF-8 BOM is stripped (encoding `"utf-8-sig"`).
//! * A coding cookie (`^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)`) on the first line, or on the
//!   second line when the first is blank or a comment, names the encoding. Both header lines must
//!   themselves be valid UTF-8, as in CPython.
//! * The name is looked up as `codecs.lookup` does: lower case, `encodings.normalize_encoding`,
//!   CPython's alias table (`encodings.aliases`, generated into `source/python_codecs.rs`), then
//!   the codec module's own name. A name CPython does not know is an error.
//! * A BOM together with a cookie that does not normalise to `utf-8` is an error.
//! * Decoded: UTF-8, ASCII, Latin-1 (also as `charmap`), and the single-byte code pages whose
//!   bytes → text mapping [`encoding_rs`] gives exactly as CPython's codec does (ISO 8859-2 to -16,
//!   KOI8-R/-U, cp866, cp874, cp1250–cp1258, Mac Roman and Mac Cyrillic, TIS-620), with CPython's
//!   undefined bytes ("character maps to <undefined>") as errors. `tests/encodings.rs` checks all
//!   256 bytes of each against CPython's output (`tests/fixtures/encodings.json`). Every other
//!   codec CPython has (the multi-byte CJK codecs, UTF-16/32, DOS and other Mac code pages, …) is
//!   refused with an error naming it.
//! * After decoding, CRLF and lone CR become LF (`source_io.logical_text`).
//!
//! Line endings are normalised before the header is read, so a CR-only file's cookie is found.

mod python_codecs;

use encoding_rs::Encoding;
use memchr::memchr;
use std::borrow::Cow;
use std::sync::OnceLock;

/// Decoded Python source text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The decoded text: BOM stripped, CRLF and lone CR replaced by LF.
    pub text: String,
    /// Canonical name of the encoding that was used: `"utf-8"`, `"utf-8-sig"` (UTF-8 with a BOM),
    /// `"iso-8859-1"` (Latin-1), else CPython's name for the codec (`codecs.lookup(name).name`:
    /// `"ascii"`, `"cp1252"`, `"koi8-r"`, `"iso8859-5"`, `"mac-roman"`, …).
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
#[derive(Debug, Clone, Copy)]
enum Codec {
    Utf8,
    Latin1(&'static str),
    Ascii,
    Table(&'static SingleByte),
}

impl Codec {
    fn name(self, bom: bool) -> &'static str {
        match self {
            Codec::Utf8 if bom => "utf-8-sig",
            Codec::Utf8 => "utf-8",
            Codec::Latin1(name) => name,
            Codec::Ascii => "ascii",
            Codec::Table(codec) => codec.name,
        }
    }
}

/// What kind of codec a CPython codec module is: the reason codetags gives when it refuses one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    /// UTF-8, ASCII, Latin-1: decoded by this module itself.
    BuiltIn,
    /// A byte table (`encodings.charmap`-style module).
    SingleByte,
    /// A CJK codec of CPython's `_multibytecodec`.
    MultiByte,
    /// UTF-16, UTF-32, UTF-7.
    Unicode,
    /// `unicode_escape`, `raw_unicode_escape`, `idna`, `punycode`.
    Escape,
    /// Bytes-to-bytes or text-to-text codecs (`rot13`, `base64`, …): CPython refuses them too.
    NotText,
    /// The `undefined` codec, which refuses everything (in CPython too).
    Undefined,
}

/// A single-byte code page: an `encoding_rs` (WHATWG) table, corrected where CPython's codec
/// differs. `tests/encodings.rs` proves, byte by byte, that the result is CPython's mapping.
#[derive(Debug)]
struct SingleByte {
    /// CPython's codec module, e.g. `koi8_r`.
    module: &'static str,
    /// CPython's codec name, e.g. `koi8-r`.
    name: &'static str,
    whatwg: &'static Encoding,
    /// Bytes 0x80–0x9F are the C1 controls U+0080–U+009F (as in every ISO 8859 part), where the
    /// WHATWG encoding has Windows punctuation.
    c1_controls: bool,
    /// Bytes CPython leaves undefined but the WHATWG encoding maps.
    undefined: &'static [u8],
    /// Bytes CPython maps to another character than the WHATWG encoding does.
    overrides: &'static [(u8, char)],
    table: OnceLock<[Option<char>; 256]>,
}

impl SingleByte {
    const fn new(module: &'static str, name: &'static str, whatwg: &'static Encoding) -> Self {
        Self {
            module,
            name,
            whatwg,
            c1_controls: false,
            undefined: &[],
            overrides: &[],
            table: OnceLock::new(),
        }
    }

    const fn c1_controls(mut self) -> Self {
        self.c1_controls = true;
        self
    }

    const fn undefined(mut self, bytes: &'static [u8]) -> Self {
        self.undefined = bytes;
        self
    }

    const fn overrides(mut self, map: &'static [(u8, char)]) -> Self {
        self.overrides = map;
        self
    }

    /// What each byte decodes to (`None`: undefined), built on first use.
    fn table(&self) -> &[Option<char>; 256] {
        self.table.get_or_init(|| {
            let mut table = [None; 256];
            for (byte, slot) in (0..=255u8).zip(table.iter_mut()) {
                *slot = if self.undefined.contains(&byte) {
                    None
                } else if let Some(&(_, c)) = self.overrides.iter().find(|(b, _)| *b == byte) {
                    Some(c)
                } else if self.c1_controls && (0x80..=0x9f).contains(&byte) {
                    Some(char::from(byte))
                } else {
                    self.whatwg
                        .decode_without_bom_handling_and_without_replacement(&[byte])
                        .and_then(|text| text.chars().next())
                };
            }
            table
        })
    }
}

/// The single-byte code pages decoded exactly as CPython does, by module name (sorted).
static SINGLE_BYTE: [SingleByte; 30] = [
    SingleByte::new("cp1250", "cp1250", &encoding_rs::WINDOWS_1250_INIT)
        .undefined(&[0x81, 0x83, 0x88, 0x90, 0x98]),
    SingleByte::new("cp1251", "cp1251", &encoding_rs::WINDOWS_1251_INIT).undefined(&[0x98]),
    SingleByte::new("cp1252", "cp1252", &encoding_rs::WINDOWS_1252_INIT)
        .undefined(&[0x81, 0x8d, 0x8f, 0x90, 0x9d]),
    SingleByte::new("cp1253", "cp1253", &encoding_rs::WINDOWS_1253_INIT).undefined(&[
        0x81, 0x88, 0x8a, 0x8c, 0x8d, 0x8e, 0x8f, 0x90, 0x98, 0x9a, 0x9c, 0x9d, 0x9e, 0x9f,
    ]),
    SingleByte::new("cp1254", "cp1254", &encoding_rs::WINDOWS_1254_INIT)
        .undefined(&[0x81, 0x8d, 0x8e, 0x8f, 0x90, 0x9d, 0x9e]),
    SingleByte::new("cp1255", "cp1255", &encoding_rs::WINDOWS_1255_INIT).undefined(&[
        0x81, 0x8a, 0x8c, 0x8d, 0x8e, 0x8f, 0x90, 0x9a, 0x9c, 0x9d, 0x9e, 0x9f, 0xca,
    ]),
    SingleByte::new("cp1256", "cp1256", &encoding_rs::WINDOWS_1256_INIT),
    SingleByte::new("cp1257", "cp1257", &encoding_rs::WINDOWS_1257_INIT)
        .undefined(&[0x81, 0x83, 0x88, 0x8a, 0x8c, 0x90, 0x98, 0x9a, 0x9c, 0x9f]),
    SingleByte::new("cp1258", "cp1258", &encoding_rs::WINDOWS_1258_INIT)
        .undefined(&[0x81, 0x8a, 0x8d, 0x8e, 0x8f, 0x90, 0x9a, 0x9d, 0x9e]),
    SingleByte::new("cp866", "cp866", &encoding_rs::IBM866_INIT),
    SingleByte::new("cp874", "cp874", &encoding_rs::WINDOWS_874_INIT).undefined(&[
        0x81, 0x82, 0x83, 0x84, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f, 0x90,
        0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f,
    ]),
    SingleByte::new("iso8859_10", "iso8859-10", &encoding_rs::ISO_8859_10_INIT),
    SingleByte::new("iso8859_11", "iso8859-11", &encoding_rs::WINDOWS_874_INIT).c1_controls(),
    SingleByte::new("iso8859_13", "iso8859-13", &encoding_rs::ISO_8859_13_INIT),
    SingleByte::new("iso8859_14", "iso8859-14", &encoding_rs::ISO_8859_14_INIT),
    SingleByte::new("iso8859_15", "iso8859-15", &encoding_rs::ISO_8859_15_INIT),
    SingleByte::new("iso8859_16", "iso8859-16", &encoding_rs::ISO_8859_16_INIT),
    SingleByte::new("iso8859_2", "iso8859-2", &encoding_rs::ISO_8859_2_INIT),
    SingleByte::new("iso8859_3", "iso8859-3", &encoding_rs::ISO_8859_3_INIT),
    SingleByte::new("iso8859_4", "iso8859-4", &encoding_rs::ISO_8859_4_INIT),
    SingleByte::new("iso8859_5", "iso8859-5", &encoding_rs::ISO_8859_5_INIT),
    SingleByte::new("iso8859_6", "iso8859-6", &encoding_rs::ISO_8859_6_INIT),
    SingleByte::new("iso8859_7", "iso8859-7", &encoding_rs::ISO_8859_7_INIT),
    SingleByte::new("iso8859_8", "iso8859-8", &encoding_rs::ISO_8859_8_INIT),
    // WHATWG has no ISO 8859-9: its label means windows-1254, which differs only in 0x80–0x9F.
    SingleByte::new("iso8859_9", "iso8859-9", &encoding_rs::WINDOWS_1254_INIT).c1_controls(),
    SingleByte::new("koi8_r", "koi8-r", &encoding_rs::KOI8_R_INIT),
    // WHATWG's KOI8-U is KOI8-RU: two box-drawing characters became Belarusian letters.
    SingleByte::new("koi8_u", "koi8-u", &encoding_rs::KOI8_U_INIT)
        .overrides(&[(0xae, '\u{255d}'), (0xbe, '\u{256c}')]),
    SingleByte::new(
        "mac_cyrillic",
        "mac-cyrillic",
        &encoding_rs::X_MAC_CYRILLIC_INIT,
    ),
    SingleByte::new("mac_roman", "mac-roman", &encoding_rs::MACINTOSH_INIT),
    // TIS-620 is ISO 8859-11 without the no-break space.
    SingleByte::new("tis_620", "tis-620", &encoding_rs::WINDOWS_874_INIT)
        .c1_controls()
        .undefined(&[0xa0]),
];

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
    Ok((normalize_newlines(decoded), codec.name(bom)))
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
    let refusal = |message: String| Err(DecodeError::new(offset + name_at, message));
    let found = match lookup(&normal) {
        Some(found) => found,
        None => return refusal(format!("unknown or unsupported encoding: {normal}")),
    };
    // CPython checks the BOM after the lookup and before decoding anything.
    if bom && normal != "utf-8" {
        return refusal(format!(
            "encoding problem: utf-8 (a UTF-8 BOM with the coding declaration {name:?})"
        ));
    }
    match found {
        Lookup::Decoded(codec) => Ok(Some(codec)),
        Lookup::Refused { name, family } => refusal(refused_message(&normal, name, family)),
    }
}

/// The error for a codec CPython has and codetags does not decode.
fn refused_message(normal: &str, codec: &str, family: Family) -> String {
    let why = match family {
        Family::NotText => {
            return format!("'{codec}' is not a text encoding (CPython refuses it too)");
        }
        Family::Undefined => return "undefined encoding (CPython refuses it too)".to_owned(),
        Family::SingleByte | Family::BuiltIn => {
            "a single-byte code page codetags has no exact decoder for"
        }
        Family::MultiByte => "a multi-byte (CJK) codec, which codetags does not decode",
        Family::Unicode => "not ASCII-compatible, which codetags does not decode",
        Family::Escape => "an escape codec, which codetags does not decode",
    };
    format!("unsupported encoding: {normal}: CPython's {codec} codec is {why}")
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

/// What a coding cookie names.
#[derive(Debug, Clone, Copy)]
enum Lookup {
    Decoded(Codec),
    /// A codec CPython has that codetags does not decode: its CPython name and family.
    Refused {
        name: &'static str,
        family: Family,
    },
}

/// `codecs.lookup` over CPython's codec registry: lower case, runs of characters other than
/// ASCII alphanumerics and `.` become `_` (`encodings.normalize_encoding`), then the alias table
/// (also with `.` read as `_`), else the name itself as a codec module (never one with a `.`).
/// `None` when CPython would not find the codec either.
fn lookup(name: &str) -> Option<Lookup> {
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
    let alias = |key: &str| {
        python_codecs::ALIASES
            .binary_search_by(|(alias, _)| (*alias).cmp(key))
            .ok()
            .map(|i| python_codecs::ALIASES[i].1)
    };
    let module = match alias(&norm).or_else(|| alias(&norm.replace('.', "_"))) {
        Some(module) => module,
        None if norm.contains('.') => return None,
        None => norm.as_str(),
    };
    let i = python_codecs::MODULES
        .binary_search_by(|(m, _, _)| (*m).cmp(module))
        .ok()?;
    let (module, name, family) = python_codecs::MODULES[i];
    Some(match decoder(module) {
        Some(codec) => Lookup::Decoded(codec),
        None => Lookup::Refused { name, family },
    })
}

/// The decoder for a CPython codec module, if codetags has one.
fn decoder(module: &str) -> Option<Codec> {
    Some(match module {
        "utf_8" | "utf_8_sig" => Codec::Utf8,
        "latin_1" | "iso8859_1" => Codec::Latin1("iso-8859-1"),
        // Without a mapping argument, `bytes.decode("charmap")` is Latin-1.
        "charmap" => Codec::Latin1("charmap"),
        "ascii" => Codec::Ascii,
        _ => {
            let i = SINGLE_BYTE
                .binary_search_by(|codec| codec.module.cmp(module))
                .ok()?;
            Codec::Table(&SINGLE_BYTE[i])
        }
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
        Codec::Latin1(_) => Ok(Cow::Owned(body.iter().map(|&b| char::from(b)).collect())),
        Codec::Table(codec) => {
            let table = codec.table();
            decode_single_byte(body, offset, "charmap", |b| {
                table[usize::from(b)].ok_or("character maps to <undefined>")
            })
            .map(Cow::Owned)
        }
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
