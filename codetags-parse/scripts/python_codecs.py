#!/usr/bin/env python3
"""CPython's codec registry, as codetags-parse's decoder needs it.

    python_codecs.py rust      # src/source/python_codecs.rs: the alias and codec tables
    python_codecs.py fixture   # tests/fixtures/encodings.json: what CPython decodes, byte by byte
    python_codecs.py stdlib [ROOT]  # one JSON line per .py file under ROOT (default: the
                                    # installed stdlib, site-packages included): how pycodetags
                                    # 0.8.1 decodes it (used by tests/encodings.rs)

Both generated files are committed; regenerate them with the same CPython minor version
(the header of each says which) and review the diff.

The fixture holds, for every ASCII-compatible single-byte text codec CPython has, what each of the
256 bytes decodes to (a code point, or null for "character maps to <undefined>"), every spelling
of the codec's name a coding cookie may use (each checked with codecs.lookup), and sample files:
a coding cookie and text in the codec's script, encoded by CPython, with the text CPython decodes.
For the multi-byte and other codecs codetags refuses, it holds sample files too, so the tests can
show the refusal names the codec.
"""

from __future__ import annotations

import codecs
import encodings
import encodings.aliases
import hashlib
import importlib
import io
import json
import os
import pkgutil
import platform
import sys
import sysconfig
import tokenize

# Codecs whose decoder is not a byte table but that a cookie may still name, by family. The
# families are the reasons codetags gives when it refuses a codec (source.rs, `Family`).
MULTI_BYTE = {
    "big5", "big5hkscs", "cp932", "cp949", "cp950", "euc_jis_2004", "euc_jisx0213", "euc_jp",
    "euc_kr", "gb18030", "gb2312", "gbk", "hz", "iso2022_jp", "iso2022_jp_1", "iso2022_jp_2",
    "iso2022_jp_2004", "iso2022_jp_3", "iso2022_jp_ext", "iso2022_kr", "johab", "shift_jis",
    "shift_jis_2004", "shift_jisx0213",
}
UNICODE = {"utf_16", "utf_16_be", "utf_16_le", "utf_32", "utf_32_be", "utf_32_le", "utf_7"}
ESCAPES = {"unicode_escape", "raw_unicode_escape", "idna", "punycode"}
# Decoded by hand in source.rs, whatever their module looks like.
BUILT_IN = {"utf_8", "utf_8_sig", "ascii", "latin_1", "iso8859_1", "charmap"}

SAMPLE_TEXTS = [
    "Привет, мир; Ёжик",  # Russian
    "Добрий день, ґанок, Їжак",  # Ukrainian
    "Zażółć gęślą jaźń",  # Polish
    "Příliš žluťoučký kůň",  # Czech
    "Ünïcödé façade, œuvre €5",  # West European
    "İstanbul'da ağaç ışığı",  # Turkish
    "Καλημέρα κόσμε",  # Greek
    "שלום עולם",  # Hebrew
    "مرحبا بالعالم",  # Arabic
    "สวัสดีชาวโลก",  # Thai
    "Tiếng Việt có dấu",  # Vietnamese
    "Šiaulių ąžuolas",  # Lithuanian
    "こんにちは世界",  # Japanese
    "你好，世界",  # Chinese
    "안녕하세요 세계",  # Korean
]


# Spellings that exercise codecs.lookup's normalisation: dots, separators, case, module names
# without aliases, names CPython does not know.
TRICKY_LOOKUPS = [
    "iso_8859.5", "iso.8859_5", "iso8859.5", "koi8.r", "latin.1", "ISO-8859-5", "l1", "L2",
    "cp-1251", "cp_1251", "windows-1251", "WINDOWS_1251", "csKOI8R", "tis620", "x-mac-cyrillic",
    "macintosh", "mac_roman", "koi8_u", "iso8859_9", "Latin5", "uft-8", "aliases", "mbcs",
    "oem", "rot13", "base64", "undefined", "utf-16", "utf_32_le", "shift-jis", "sjis", "euc-kr",
    "cp949", "gb2312", "big5", "iso2022_jp", "--koi8--r--", "8859", "646", "u8", "utf",
]


def codec_modules() -> list[str]:
    """Codec modules of the `encodings` package that codecs.lookup finds on this platform."""
    found = []
    for info in pkgutil.iter_modules(encodings.__path__):
        try:
            codecs.lookup(info.name)
        except LookupError:
            continue  # `aliases` itself, and mbcs/oem off Windows
        found.append(info.name)
    return sorted(found)


def family(module: str) -> str:
    info = codecs.lookup(module)
    if not info._is_text_encoding:
        return "NotText"
    if module == "undefined":
        return "Undefined"
    if module in BUILT_IN:
        return "BuiltIn"
    if module in MULTI_BYTE:
        return "MultiByte"
    if module in UNICODE:
        return "Unicode"
    if module in ESCAPES:
        return "Escape"
    mod = importlib.import_module("encodings." + module)
    if isinstance(getattr(mod, "decoding_table", None), str):
        return "SingleByte"
    raise SystemExit(f"unclassified codec module {module}; add it to a family")


def ascii_compatible(module: str) -> bool:
    """Whether the printable ASCII bytes (where a cookie is) decode to themselves."""
    probe = bytes(range(0x20, 0x7F)) + b"\t\n\r\x0c"
    try:
        return probe.decode(module) == probe.decode("ascii")
    except UnicodeError:
        return False


def spellings(module: str) -> list[str]:
    """Every name a cookie may give for the codec: aliases, the module and codec names, and
    their upper-case and hyphenated forms, each confirmed by codecs.lookup."""
    name = codecs.lookup(module).name
    base = {module, name}
    base.update(a for a, m in encodings.aliases.aliases.items() if m == module)
    out = set()
    for spelling in base:
        for variant in (spelling, spelling.upper(), spelling.replace("_", "-")):
            try:
                if codecs.lookup(variant).name == name:
                    out.add(variant)
            except LookupError:
                pass
    return sorted(out)


def byte_table(module: str) -> list[int | None]:
    table = []
    for b in range(256):
        try:
            text = bytes([b]).decode(module)
        except UnicodeDecodeError:
            table.append(None)
            continue
        assert len(text) == 1, (module, b, text)
        table.append(ord(text))
    return table


def not_round_trip(module: str) -> list[int]:
    """Bytes whose text does not encode back to them: pycodetags refuses a file holding one
    ("Source encoding cannot be preserved exactly")."""
    out = []
    for b in range(256):
        try:
            if bytes([b]).decode(module).encode(module) != bytes([b]):
                out.append(b)
        except UnicodeError:
            pass
    return out


def samples(module: str, most: int) -> list[dict]:
    out = []
    for text in SAMPLE_TEXTS:
        if len(out) == most:
            break
        source = f"# -*- coding: {module} -*-\n# TODO: {text} <owner=x>\r\nx = '{text}'\n"
        try:
            raw = source.encode(module)
        except UnicodeError:
            continue
        if raw.decode("utf-8", "replace") == source:
            continue  # nothing outside ASCII: shows nothing
        header = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(header).readline)
            decoded = raw.decode(encoding)
        except (SyntaxError, UnicodeError) as error:
            # CPython cannot read its own cookie (UTF-16, EBCDIC, …).
            out.append({"bytes": raw.hex(), "error": str(error)})
            continue
        out.append({"bytes": raw.hex(), "text": decoded.replace("\r\n", "\n").replace("\r", "\n")})
    return out


def python_version() -> str:
    return f"CPython {platform.python_version()}"


def rust() -> None:
    modules = codec_modules()
    aliases = sorted(encodings.aliases.aliases.items())
    print(f"// Generated by `python3 codetags-parse/scripts/python_codecs.py rust` from")
    print(f"// {python_version()}'s codec registry. Do not edit; regenerate.")
    print()
    print("use super::Family;")
    print()
    print("/// `encodings.aliases.aliases`: normalised alias → codec module, sorted by alias.")
    print("pub(super) const ALIASES: &[(&str, &str)] = &[")
    for alias, module in aliases:
        print(f"    ({json.dumps(alias)}, {json.dumps(module)}),")
    print("];")
    print()
    print("/// The codec modules CPython finds: module, `codecs.lookup(module).name`, family; sorted")
    print("/// by module.")
    print("pub(super) const MODULES: &[(&str, &str, Family)] = &[")
    for module in modules:
        name = codecs.lookup(module).name
        print(f"    ({json.dumps(module)}, {json.dumps(name)}, Family::{family(module)}),")
    print("];")


def fixture() -> None:
    single_byte = {}
    refused = {}
    for module in codec_modules():
        kind = family(module)
        name = codecs.lookup(module).name
        if module in ("utf_8", "utf_8_sig"):
            continue
        if kind in ("SingleByte", "BuiltIn") and ascii_compatible(module):
            single_byte[module] = {"name": name, "spellings": spellings(module),
                                   "bytes": byte_table(module), "not_round_trip": not_round_trip(module),
                                   "samples": samples(module, 2)}
            continue
        if kind == "SingleByte":
            kind = "NotAsciiCompatible"
        refused[module] = {"name": name, "family": kind, "spellings": spellings(module),
                           "samples": samples(module, 1) if kind != "NotText" else []}
    # One codec per line, so that a regeneration's diff shows which codec changed.
    out = sys.stdout
    out.write("{\n")
    out.write(f' "generated_by": "python3 codetags-parse/scripts/python_codecs.py fixture",\n')
    out.write(f' "python": {json.dumps(python_version())},\n')
    lookups = {}
    for spelling in TRICKY_LOOKUPS:
        try:
            lookups[spelling] = codecs.lookup(spelling).name
        except LookupError:
            lookups[spelling] = None
    out.write(f' "lookups": {json.dumps(lookups)},\n')
    for key, table in (("single_byte", single_byte), ("refused", refused)):
        out.write(f' {json.dumps(key)}: {{\n')
        lines = [f'  {json.dumps(m)}: {json.dumps(v, sort_keys=True)}' for m, v in table.items()]
        out.write(",\n".join(lines))
        out.write("\n }" + (",\n" if key == "single_byte" else "\n"))
    out.write("}\n")


def stdlib(root: str) -> None:
    """pycodetags 0.8.1's source_io.read_python_source + logical_text on every .py file."""
    paths = []
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if d != "__pycache__")
        paths.extend(os.path.join(directory, f) for f in files if f.endswith(".py"))
    for path in sorted(paths):
        try:
            with open(path, "rb") as handle:
                raw = handle.read()
        except OSError:
            continue
        record = {"path": path}
        header = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(header).readline)
            text = raw.decode(encoding)
            if text.encode(encoding) != raw:
                raise ValueError("Source encoding cannot be preserved exactly")
        except (SyntaxError, UnicodeError, LookupError, ValueError) as error:
            record["error"] = str(error)
        else:
            logical = text.replace("\r\n", "\n").replace("\r", "\n")
            record["sha256"] = hashlib.sha256(logical.encode("utf-8", "surrogatepass")).hexdigest()
        print(json.dumps(record))


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "rust":
        rust()
    elif command == "fixture":
        fixture()
    elif command == "stdlib":
        stdlib(sys.argv[2] if len(sys.argv) > 2 else sysconfig.get_path("stdlib"))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
