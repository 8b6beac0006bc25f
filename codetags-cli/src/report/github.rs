//! GitHub Actions workflow commands: one line per annotation,
//! `::warning file=app/x.py,line=6,col=1,title=FIXME::message`, which the runner turns into an
//! annotation on the file's line in the pull request and the run's summary.
//!
//! The level is `error`, `warning` or `notice` (for a note). Paths are relative to the source
//! root (the workspace, when the command runs at the repository root). Escaping follows
//! `@actions/core`: in the message `%`, CR and LF become `%25`, `%0D`, `%0A`; in properties
//! (`file`, `title`) also `:` and `,` become `%3A`, `%2C`. GitHub shows at most 10 annotations
//! of each level per step and 50 per job; upload SARIF (`--format sarif`) to see every tag.

use super::annotation::{Annotation, Level};
use super::srcroot::SourceRoot;
use std::io::{self, Write};

/// Writes one workflow command per annotation.
///
/// ```
/// use codetags_cli::report::annotation::{Annotation, Level};
/// use codetags_cli::report::{github::write_github, srcroot::SourceRoot};
/// let found = [Annotation { path: "/proj/a,b.py".into(), line: 2, column: 5, rule_id: "FIXME".into(),
///     level: Level::Warning, message: "100% wrong\nsee: x".into(), text: "100% wrong".into() }];
/// let mut out = Vec::new();
/// write_github(&found, &SourceRoot::new("/proj"), &mut out).unwrap();
/// assert_eq!(String::from_utf8(out).unwrap(),
///     "::warning file=a%2Cb.py,line=2,col=5,title=FIXME::100%25 wrong%0Asee: x\n");
/// ```
pub fn write_github(
    annotations: &[Annotation],
    root: &SourceRoot,
    out: &mut dyn Write,
) -> io::Result<()> {
    for a in annotations {
        let command = match a.level {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "notice",
        };
        writeln!(
            out,
            "::{command} file={},line={},col={},title={}::{}",
            escape_property(&root.shown(&a.path)),
            a.line,
            a.column,
            escape_property(&a.rule_id),
            escape_data(&a.message)
        )?;
    }
    Ok(())
}

/// A workflow command's message: `%`, CR and LF escaped.
///
/// ```
/// use codetags_cli::report::github::escape_data;
/// assert_eq!(escape_data("50%\r\n: ,"), "50%25%0D%0A: ,");
/// ```
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value: as [`escape_data`], and `:` and `,` too.
///
/// ```
/// use codetags_cli::report::github::escape_property;
/// assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
/// ```
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}
