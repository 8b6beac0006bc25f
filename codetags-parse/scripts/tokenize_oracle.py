#!/usr/bin/env python3
"""CPython's own tokenize as an oracle for codetags-parse's comment finder.

Decodes each file the way pycodetags 0.8.1 does (source_io.read_python_source: detect_encoding on
the CR/CRLF-normalised header, decode, CRLF/CR -> LF), tokenizes it with tokenize.generate_tokens
and prints one JSON object per file and line:

    {"path": ..., "decode_error": null | "message", "encoding": "utf-8",
     "comments": [[line, column, end_column, text], ...],   # 0-based, code points
     "error": null | {"line": l, "column": c, "message": m}}

When tokenize raises, "comments" holds the comments it produced before raising.
`examples/dump_comments.rs` prints the same format from the Rust side.

Usage:
    tokenize_oracle.py list [--root DIR] [--every N]     # sorted .py files (default: the stdlib)
    tokenize_oracle.py dump [--root DIR] [--every N] [FILE ...]
                                    # FILEs, or the listed files, or paths on stdin with "-"
    tokenize_oracle.py compare ORACLE.jsonl OURS.jsonl   # agreement summary; exit 1 on differences
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import sysconfig
import tokenize


def stdlib_root() -> str:
    return sysconfig.get_path("stdlib")


def list_files(root: str, every: int) -> list[str]:
    """Every `every`-th .py file under root in sorted order; site-packages is not the stdlib."""
    found = []
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if d not in ("site-packages", "__pycache__"))
        found.extend(os.path.join(directory, f) for f in files if f.endswith(".py"))
    found.sort()
    return found[:: max(every, 1)]


def read_source(raw: bytes) -> tuple[str, str]:
    """pycodetags 0.8.1 source_io.read_python_source + logical_text."""
    header = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    encoding, _ = tokenize.detect_encoding(io.BytesIO(header).readline)
    text = raw.decode(encoding)
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding


def scan(path: str) -> dict:
    record = {"path": path, "decode_error": None, "encoding": None, "comments": [], "error": None}
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
        text, encoding = read_source(raw)
    except (OSError, SyntaxError, UnicodeError, LookupError) as error:
        record["decode_error"] = str(error)
        return record
    record["encoding"] = encoding
    comments = record["comments"]
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                (line, column), (_, end_column) = token.start, token.end
                comments.append([line - 1, column, end_column, token.string])
    except tokenize.TokenError as error:
        message, (line, column) = error.args
        record["error"] = {"line": line - 1, "column": column, "message": message}
    except SyntaxError as error:  # IndentationError from a bad dedent
        record["error"] = {"line": (error.lineno or 1) - 1, "column": error.offset or 0, "message": error.msg}
    return record


def paths_from(args: argparse.Namespace) -> list[str]:
    if args.files == ["-"]:
        return [line.rstrip("\n") for line in sys.stdin if line.strip()]
    if args.files:
        return args.files
    return list_files(args.root, args.every)


def compare(oracle_path: str, ours_path: str) -> int:
    def load(path: str) -> dict:
        with open(path, encoding="utf-8") as handle:
            return {r["path"]: r for r in map(json.loads, handle) if r}

    oracle, ours = load(oracle_path), load(ours_path)
    counts = dict.fromkeys(["files", "decode_failed", "tokenized", "agreeing", "tokenize_failed",
                            "error_matched"], 0)
    differing = []
    for path, want in sorted(oracle.items()):
        counts["files"] += 1
        got = ours.get(path)
        if got is None:
            differing.append((path, "missing from our output"))
            continue
        if want["decode_error"] is not None or got["decode_error"] is not None:
            counts["decode_failed"] += 1
            if (want["decode_error"] is None) != (got["decode_error"] is None):
                differing.append((path, f"decode: oracle {want['decode_error']!r}, ours {got['decode_error']!r}"))
            continue
        if want["error"] is None:
            counts["tokenized"] += 1
            if got["error"] is not None:
                differing.append((path, f"we report {got['error']} where CPython tokenizes"))
            elif got["comments"] != want["comments"]:
                first = next((a, b) for a, b in zip(want["comments"] + [None] * len(got["comments"]),
                                                    got["comments"] + [None] * len(want["comments"]))
                             if a != b)
                differing.append((path, f"comments differ, first: oracle {first[0]}, ours {first[1]}"))
            else:
                counts["agreeing"] += 1
            continue
        counts["tokenize_failed"] += 1
        before = [c for c in got["comments"] if (c[0], c[1]) < (want["error"]["line"], want["error"]["column"])]
        if got["error"] == want["error"] and before == want["comments"]:
            counts["error_matched"] += 1
        else:
            differing.append((path, f"CPython: {want['error']}, ours: {got['error']}"))
    print(json.dumps(counts))
    for path, reason in differing:
        print(f"DIFF {path}: {reason}")
    return 1 if differing else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("list", "dump"):
        command = commands.add_parser(name)
        command.add_argument("--root", default=stdlib_root())
        command.add_argument("--every", type=int, default=1)
        if name == "dump":
            command.add_argument("files", nargs="*")
    command = commands.add_parser("compare")
    command.add_argument("oracle")
    command.add_argument("ours")
    args = parser.parse_args()
    if args.command == "list":
        for path in list_files(args.root, args.every):
            print(path)
        return 0
    if args.command == "dump":
        for path in paths_from(args):
            print(json.dumps(scan(path), ensure_ascii=False))
        return 0
    return compare(args.oracle, args.ours)


if __name__ == "__main__":
    sys.exit(main())
