//! `codetags init`: writes a `[tool.pycodetags]` section (src, schema, and the cache section as
//! comments) into `pyproject.toml`, as pycodetags 0.8.1's `init` does.
//!
//! * The file is `./pyproject.toml` (or `--config FILE`); it is created when missing. An existing
//!   file gets the section appended: every byte already in it stays as it was (the section is
//!   added as text after them, with the file's own line ends), and the result is parsed again
//!   with `toml_edit` before anything is written, so a file we would break is left alone.
//! * An existing `[tool.pycodetags]` is left alone: a notice, exit 0 (as 0.8.1).
//! * `--src` and `--schema` answer the questions; on a terminal the missing ones are asked as
//!   0.8.1 asks them (the source folders found, then the schema). Without a terminal, missing
//!   answers are a usage error, so a script never hangs on a prompt.
//! * The schema is `TDG` or `PEP350`: the only two pycodetags 0.8.1 accepts, so that both tools
//!   read the file.

use super::cli::{GlobalArgs, InitArgs};
use super::exit::{Exit, UsageError};
use super::output;
use anyhow::Context;
use cache_core::CacheSettings;
use codetags_cli::config::PYPROJECT;
use codetags_cli::display::display_path;
use std::io::{self, BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

/// The schemas `init` writes: those pycodetags 0.8.1 accepts in `[tool.pycodetags] schema`.
const SCHEMAS: [&str; 2] = ["TDG", "PEP350"];

/// Runs `codetags init`.
pub fn run_init(global: &GlobalArgs, args: InitArgs) -> anyhow::Result<Exit> {
    let path = global
        .config
        .clone()
        .unwrap_or_else(|| PathBuf::from(PYPROJECT));
    let existing = read_existing(&path)?;
    let stderr = io::stderr();
    let mut err = stderr.lock();
    if let Some(existing) = &existing
        && has_pycodetags_section(&existing.doc)
    {
        if global.quiet == 0 {
            writeln!(
                err,
                "codetags: [tool.pycodetags] already exists in {}; nothing written (edit it by \
                 hand to change it)",
                display_path(&path)
            )?;
        }
        return Ok(Exit::Success);
    }
    let schema = args
        .schema
        .as_deref()
        .map(|name| {
            canonical_schema(name).ok_or_else(|| {
                UsageError(format!(
                    "--schema {name:?}: choose TDG or PEP350 (the schemas pycodetags 0.8.1 \
                     reads; codetags also reads auto, folk and DATA: set those by hand)"
                ))
            })
        })
        .transpose()?;
    for src in &args.src {
        if src.trim().is_empty() {
            return Err(UsageError("--src \"\": give a folder or file to scan".to_owned()).into());
        }
    }
    let given_src = (!args.src.is_empty()).then(|| args.src.clone());
    let base = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let answers = match (given_src, schema) {
        (Some(src), Some(schema)) => Answers { src, schema },
        (src, schema) => {
            if !io::stdin().is_terminal() {
                return Err(UsageError(
                    "init: standard input is not a terminal, so nothing can be asked: give both \
                     --src PATH and --schema TDG|PEP350"
                        .to_owned(),
                )
                .into());
            }
            writeln!(
                err,
                "codetags init: [tool.pycodetags] for {}",
                display_path(&path)
            )?;
            let candidates = candidate_folders(&base);
            let stdin = io::stdin();
            let mut input = stdin.lock();
            match ask(&mut input, &mut err, &candidates, src, schema)? {
                Some(answers) => answers,
                None => {
                    writeln!(err, "\nNothing chosen; nothing written.")?;
                    return Ok(Exit::Success);
                }
            }
        }
    };
    for src in &answers.src {
        if !base.join(src).exists() {
            let base = std::path::absolute(&base).unwrap_or_else(|_| base.clone());
            tracing::warn!(
                "src path {src:?} does not exist (relative to {}); written anyway",
                display_path(&base)
            );
        }
    }
    let bytes = new_file(existing.as_ref(), &answers).map_err(|reason| {
        UsageError(format!(
            "{}: cannot add [tool.pycodetags]: {reason}; nothing written",
            display_path(&path)
        ))
    })?;
    output::write_atomically(&path, |w| w.write_all(&bytes))
        .with_context(|| format!("cannot write {}", display_path(&path)))?;
    if global.quiet == 0 {
        writeln!(
            err,
            "codetags: wrote [tool.pycodetags] to {} (src = {}, schema = {:?}); `codetags scan` \
             reads it",
            display_path(&path),
            toml_array(&answers.src),
            answers.schema
        )?;
    }
    Ok(Exit::Success)
}

/// What the questions established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answers {
    /// The `src` list, as typed.
    pub src: Vec<String>,
    /// `TDG` or `PEP350`.
    pub schema: String,
}

/// An existing `pyproject.toml`: its bytes and their parse.
#[derive(Debug)]
struct Existing {
    text: String,
    doc: toml_edit::DocumentMut,
}

/// Reads and parses the file; `None` when there is none.
fn read_existing(path: &Path) -> anyhow::Result<Option<Existing>> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => {
            return Err(UsageError(format!("cannot read {}: {err}", display_path(path))).into());
        }
    };
    let text = String::from_utf8(bytes).map_err(|e| {
        UsageError(format!(
            "{} is not UTF-8 (byte {}), so it is not TOML; nothing written",
            display_path(path),
            e.utf8_error().valid_up_to()
        ))
    })?;
    let doc = text.parse::<toml_edit::DocumentMut>().map_err(|e| {
        UsageError(format!(
            "{} is not valid TOML; nothing written:\n{e}",
            display_path(path)
        ))
    })?;
    Ok(Some(Existing { text, doc }))
}

/// Whether the document already holds `[tool.pycodetags]` settings. A table that exists only
/// as the parent of `[tool.pycodetags.cache]` holds none: the section can still be added.
fn has_pycodetags_section(doc: &toml_edit::DocumentMut) -> bool {
    let Some(item) = doc.get("tool").and_then(|tool| tool.get("pycodetags")) else {
        return false;
    };
    match item.as_table() {
        Some(table) if table.is_implicit() => table.iter().any(|(_, value)| !value.is_table()),
        _ => true,
    }
}

/// `TDG` or `PEP350` for any spelling of them (case-insensitive).
fn canonical_schema(name: &str) -> Option<String> {
    SCHEMAS
        .iter()
        .find(|s| s.eq_ignore_ascii_case(name.trim()))
        .map(|s| (*s).to_owned())
}

/// The file's new bytes: the old ones untouched, then the section. Parsed again before it is
/// returned; an error says why the section cannot be added.
fn new_file(existing: Option<&Existing>, answers: &Answers) -> Result<Vec<u8>, String> {
    let old = existing.map_or("", |e| e.text.as_str());
    let eol = if old.contains("\r\n") { "\r\n" } else { "\n" };
    let cache_section_exists = existing.is_some_and(|e| {
        e.doc
            .get("tool")
            .and_then(|t| t.get("pycodetags"))
            .and_then(|p| p.get("cache"))
            .is_some()
    });
    let mut text = old.to_owned();
    if !text.is_empty() {
        if !text.ends_with('\n') {
            text.push_str(eol);
        }
        text.push_str(eol);
    }
    text.push_str(&section_text(answers, !cache_section_exists).replace('\n', eol));
    let doc = text
        .parse::<toml_edit::DocumentMut>()
        .map_err(|e| format!("the result would not be valid TOML:\n{e}"))?;
    let section = doc.get("tool").and_then(|t| t.get("pycodetags"));
    let src: Option<Vec<&str>> = section
        .and_then(|s| s.get("src"))
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect());
    let schema = section
        .and_then(|s| s.get("schema"))
        .and_then(|v| v.as_str());
    let want: Vec<&str> = answers.src.iter().map(String::as_str).collect();
    if src.as_ref() != Some(&want) || schema != Some(answers.schema.as_str()) {
        return Err("the file would not read back as written".to_owned());
    }
    Ok(text.into_bytes())
}

/// A TOML array of strings, escaped by `toml_edit`.
fn toml_array(items: &[String]) -> String {
    let array: toml_edit::Array = items.iter().map(String::as_str).collect();
    array.to_string()
}

/// The section `init` writes (with `\n` line ends): src, schema, and the cache section with its
/// defaults as comments.
fn section_text(answers: &Answers, with_cache: bool) -> String {
    let mut text = String::new();
    text.push_str("[tool.pycodetags]\n");
    text.push_str(&format!("src = {}\n", toml_array(&answers.src)));
    text.push_str(&format!(
        "schema = {}\n",
        toml_edit::Value::from(answers.schema.as_str())
    ));
    if with_cache {
        let d = CacheSettings::default();
        text.push_str(&format!(
            "\n\
             # codetags' cache; every key is optional and shows its default.\n\
             # [tool.pycodetags.cache]\n\
             # enabled = {}\n\
             # dir = \".pycodetags_cache\"  # beside this file\n\
             # ttl_days = {}\n\
             # enable_version_namespacing = {}\n\
             # enable_date_subfolders = {}\n\
             # clean_old_versions = {}\n\
             # gzip = {}\n",
            d.enabled,
            d.ttl_days,
            d.enable_version_namespacing,
            d.enable_date_subfolders,
            d.clean_old_versions,
            d.gzip
        ));
    }
    text
}

/// Folders of `base` that look like source folders, as pycodetags 0.8.1 finds them: `src`,
/// `app` and the folder named like the project folder first, then the other top-level folders
/// (not hidden, no `venv` in the name) holding a `.py` file directly, in name order.
pub fn candidate_folders(base: &Path) -> Vec<String> {
    let holds_python = |dir: &Path| {
        std::fs::read_dir(dir).is_ok_and(|entries| {
            entries
                .flatten()
                .any(|e| e.file_name().to_string_lossy().ends_with(".py"))
        })
    };
    let mut found = Vec::new();
    let project = std::path::absolute(base)
        .ok()
        .and_then(|p| p.file_name().and_then(|n| n.to_str()).map(str::to_owned));
    let first = ["src".to_owned(), "app".to_owned()]
        .into_iter()
        .chain(project);
    for name in first {
        let dir = base.join(&name);
        if dir.is_dir() && !found.contains(&name) && holds_python(&dir) {
            found.push(name);
        }
    }
    let mut others: Vec<String> = std::fs::read_dir(base)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.path().is_dir())
                .filter_map(|e| e.file_name().to_str().map(str::to_owned))
                .filter(|n| !n.starts_with('.') && !n.contains("venv"))
                .collect()
        })
        .unwrap_or_default();
    others.sort();
    for name in others {
        if !found.contains(&name) && holds_python(&base.join(&name)) {
            found.push(name);
        }
    }
    found
}

/// Asks for what is missing, as pycodetags 0.8.1 does: a numbered menu of the `candidates`
/// (with manual entry and cancel), or a typed path when there are none; then the schema until
/// it is TDG or PEP350. `None` when the user cancels (an empty answer, `Cancel`, end of input).
pub fn ask(
    input: &mut dyn BufRead,
    out: &mut dyn Write,
    candidates: &[String],
    src: Option<Vec<String>>,
    schema: Option<String>,
) -> io::Result<Option<Answers>> {
    let src = match src {
        Some(src) => src,
        None => match ask_src(input, out, candidates)? {
            Some(folder) => vec![folder],
            None => return Ok(None),
        },
    };
    let schema = match schema {
        Some(schema) => schema,
        None => loop {
            let Some(answer) = prompt(input, out, "Schema (TDG or PEP350; required): ")? else {
                return Ok(None);
            };
            if answer.is_empty() {
                return Ok(None);
            }
            match canonical_schema(&answer) {
                Some(schema) => break schema,
                None => writeln!(
                    out,
                    "Please answer TDG or PEP350 (an empty answer cancels)."
                )?,
            }
        },
    };
    Ok(Some(Answers { src, schema }))
}

fn ask_src(
    input: &mut dyn BufRead,
    out: &mut dyn Write,
    candidates: &[String],
) -> io::Result<Option<String>> {
    if candidates.is_empty() {
        writeln!(out, "\nNo source folder found.")?;
        let answer = prompt(
            input,
            out,
            "Path to your source folder (e.g. 'src', 'my_app'; empty cancels): ",
        )?;
        return Ok(answer.filter(|a| !a.is_empty()));
    }
    writeln!(out, "\nPlease select your primary source folder:")?;
    for (i, folder) in candidates.iter().enumerate() {
        writeln!(out, "  {}) {folder}", i + 1)?;
    }
    let manual = candidates.len() + 1;
    let cancel = candidates.len() + 2;
    writeln!(out, "  {manual}) [Manual Entry]")?;
    writeln!(out, "  {cancel}) [Cancel]")?;
    loop {
        let Some(answer) = prompt(input, out, &format!("Enter your choice [1-{cancel}]: "))? else {
            return Ok(None);
        };
        match answer.parse::<usize>() {
            Ok(n) if (1..manual).contains(&n) => {
                let folder = candidates[n - 1].clone();
                writeln!(out, "Using '{folder}' as the source folder.")?;
                return Ok(Some(folder));
            }
            Ok(n) if n == manual => {
                let answer = prompt(input, out, "Path to your source folder: ")?;
                return Ok(answer.filter(|a| !a.is_empty()));
            }
            Ok(n) if n == cancel => return Ok(None),
            _ => writeln!(
                out,
                "Invalid choice: enter a number between 1 and {cancel}."
            )?,
        }
    }
}

/// Writes `question`, reads one line; `None` at the end of the input. The answer is trimmed.
fn prompt(
    input: &mut dyn BufRead,
    out: &mut dyn Write,
    question: &str,
) -> io::Result<Option<String>> {
    write!(out, "{question}")?;
    out.flush()?;
    let mut line = String::new();
    if input.read_line(&mut line)? == 0 {
        writeln!(out)?;
        return Ok(None);
    }
    Ok(Some(line.trim().to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_ask(
        typed: &str,
        candidates: &[&str],
        src: Option<&[&str]>,
        schema: Option<&str>,
    ) -> (Option<Answers>, String) {
        let candidates: Vec<String> = candidates.iter().map(|s| (*s).to_owned()).collect();
        let mut out = Vec::new();
        let answers = ask(
            &mut typed.as_bytes(),
            &mut out,
            &candidates,
            src.map(|s| s.iter().map(|s| (*s).to_owned()).collect()),
            schema.map(str::to_owned),
        )
        .unwrap();
        (answers, String::from_utf8(out).unwrap())
    }

    fn answers(src: &[&str], schema: &str) -> Option<Answers> {
        Some(Answers {
            src: src.iter().map(|s| (*s).to_owned()).collect(),
            schema: schema.to_owned(),
        })
    }

    #[test]
    fn the_menu_offers_the_folders_found_then_manual_entry_and_cancel() {
        let (got, shown) = run_ask("2\ntdg\n", &["src", "app"], None, None);
        assert_eq!(got, answers(&["app"], "TDG"));
        assert!(
            shown.contains("  1) src\n  2) app\n  3) [Manual Entry]\n  4) [Cancel]\n"),
            "{shown}"
        );
        assert!(shown.contains("Enter your choice [1-4]: "), "{shown}");
        assert!(
            shown.contains("Schema (TDG or PEP350; required): "),
            "{shown}"
        );
    }

    #[test]
    fn bad_choices_and_bad_schemas_are_asked_again() {
        let (got, shown) = run_ask("x\n9\n1\nauto\npep350\n", &["lib"], None, None);
        assert_eq!(got, answers(&["lib"], "PEP350"));
        assert_eq!(shown.matches("Invalid choice").count(), 2, "{shown}");
        assert_eq!(
            shown.matches("Please answer TDG or PEP350").count(),
            1,
            "{shown}"
        );
    }

    #[test]
    fn manual_entry_and_no_candidates_take_a_typed_path() {
        let (got, _) = run_ask("2\n  my app \nTDG\n", &["src"], None, None);
        assert_eq!(got, answers(&["my app"], "TDG"));
        let (got, shown) = run_ask("lib\nTDG\n", &[], None, None);
        assert_eq!(got, answers(&["lib"], "TDG"));
        assert!(shown.contains("No source folder found."), "{shown}");
    }

    #[test]
    fn cancel_empty_answers_and_end_of_input_cancel() {
        assert_eq!(run_ask("3\n", &["src"], None, None).0, None);
        assert_eq!(run_ask("\n", &[], None, None).0, None);
        assert_eq!(run_ask("1\n\n", &["src"], None, None).0, None);
        assert_eq!(run_ask("1\n", &["src"], None, None).0, None);
        assert_eq!(run_ask("", &["src"], None, None).0, None);
    }

    #[test]
    fn given_answers_are_not_asked() {
        let (got, shown) = run_ask("", &["src"], Some(&["a", "b"]), Some("TDG"));
        assert_eq!(got, answers(&["a", "b"], "TDG"));
        assert_eq!(shown, "");
        let (got, shown) = run_ask("PEP350\n", &["src"], Some(&["a"]), None);
        assert_eq!(got, answers(&["a"], "PEP350"));
        assert!(!shown.contains("[Manual Entry]"), "{shown}");
    }

    #[test]
    fn candidates_come_in_pycodetags_order() {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path().join("shop");
        for (folder, file) in [
            ("zeta", "z.py"),
            ("app", "a.py"),
            ("src", "s.py"),
            ("shop", "m.py"),
            ("alpha", "a.py"),
            (".hidden", "h.py"),
            ("venv2", "v.py"),
            ("docs", "readme.md"),
        ] {
            std::fs::create_dir_all(project.join(folder)).unwrap();
            std::fs::write(project.join(folder).join(file), "").unwrap();
        }
        assert_eq!(
            candidate_folders(&project),
            ["src", "app", "shop", "alpha", "zeta"]
        );
    }

    #[test]
    fn the_section_escapes_values_and_shows_the_cache_defaults() {
        let text = section_text(
            &Answers {
                src: vec!["src".into(), "we\"ird\\".into()],
                schema: "TDG".into(),
            },
            true,
        );
        assert!(
            text.starts_with("[tool.pycodetags]\nsrc = [\"src\", 'we\"ird\\']\nschema = \"TDG\"\n"),
            "{text}"
        );
        // Uncommented, the cache lines are valid settings equal to the defaults.
        let uncommented: String = text
            .lines()
            .filter_map(|l| l.strip_prefix("# "))
            .filter(|l| l.starts_with('[') || l.contains(" = "))
            .map(|l| format!("{l}\n"))
            .collect();
        let doc: toml_edit::DocumentMut = uncommented.parse().unwrap();
        let cache = doc["tool"]["pycodetags"]["cache"].as_table().unwrap();
        assert_eq!(cache["ttl_days"].as_integer(), Some(7));
        assert_eq!(cache["gzip"].as_bool(), Some(false));
        assert_eq!(cache["dir"].as_str(), Some(".pycodetags_cache"));
        assert_eq!(cache.len(), 7);
    }
}
