//! Deterministic synthetic Python sources for the `parse_codetags` benchmark: N comment blocks,
//! each holding one code tag in a given grammar, separated by small functions.
//!
//! The same `(grammar, count, seed)` always yields the same bytes, on every platform, so figures
//! from different runs measure the same input.

use std::fmt::Write as _;

/// The tag grammars the generator writes (see `docs/grammar.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Grammar {
    /// PEP 350: `# TODO: title <author 2025-07-01 priority=high>`, sometimes over several lines.
    Pep350,
    /// TDG: `# TODO: title`, an optional `key=value` line, then body lines.
    Tdg,
    /// Folk: `# TODO(alice): text`, `# FIXME: text`, `# BUG 42: text`.
    Folk,
}

impl Grammar {
    /// Every grammar, in the order the suite runs them.
    pub const ALL: [Grammar; 3] = [Grammar::Pep350, Grammar::Tdg, Grammar::Folk];

    /// The lowercase name used in benchmark names (`parse_codetags/pep350`).
    pub fn name(self) -> &'static str {
        match self {
            Grammar::Pep350 => "pep350",
            Grammar::Tdg => "tdg",
            Grammar::Folk => "folk",
        }
    }
}

/// The number of blocks the PEP's benchmark asks for.
pub const BLOCKS: usize = 1000;

/// The seed the suite uses.
pub const SEED: u64 = 0x5EED_C0DE_7A65;

/// SplitMix64: tiny, fast, and the same everywhere.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const TAGS: [&str; 4] = ["TODO", "FIXME", "BUG", "HACK"];
const WORDS: [&str; 16] = [
    "retry", "the", "loop", "cache", "parser", "handle", "unicode", "paths", "before", "release",
    "slow", "query", "index", "again", "config", "errors",
];
const PEOPLE: [&str; 6] = ["alice", "bob", "jdoe", "mdm", "carol", "dave"];
const PRIORITIES: [&str; 4] = ["low", "medium", "high", "critical"];

/// Between `min` and `min + extra - 1` words.
fn words(rng: &mut SplitMix64, min: usize, extra: usize) -> String {
    let n = min + rng.below(extra);
    let mut out = String::new();
    for i in 0..n {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(rng.pick(&WORDS));
    }
    out
}

fn date(rng: &mut SplitMix64) -> String {
    format!(
        "20{:02}-{:02}-{:02}",
        20 + rng.below(6),
        1 + rng.below(12),
        1 + rng.below(28)
    )
}

/// A Python source with `count` comment blocks, one `grammar` tag in each.
///
/// ```
/// use codetags_bench::synthetic::{generate, Grammar};
/// let a = generate(Grammar::Pep350, 3, 7);
/// assert_eq!(a, generate(Grammar::Pep350, 3, 7));
/// assert_eq!(a.matches("def f").count(), 3);
/// ```
pub fn generate(grammar: Grammar, count: usize, seed: u64) -> String {
    let mut rng = SplitMix64(seed ^ grammar as u64);
    let mut out = String::with_capacity(count * 160);
    out.push_str("\"\"\"Synthetic code tags for the parse_codetags benchmark.\"\"\"\n\n");
    for i in 0..count {
        let _ = writeln!(out, "def f{i}(x):");
        let _ = writeln!(out, "    return x + {i}  # not a tag, just a comment");
        out.push('\n');
        let tag = rng.pick(&TAGS);
        match grammar {
            Grammar::Pep350 => pep350_block(&mut out, &mut rng, tag),
            Grammar::Tdg => tdg_block(&mut out, &mut rng, tag),
            Grammar::Folk => folk_block(&mut out, &mut rng, tag),
        }
        out.push('\n');
    }
    out
}

fn pep350_block(out: &mut String, rng: &mut SplitMix64, tag: &str) {
    let title = words(rng, 3, 5);
    let fields = format!(
        "{} {} priority={} status=open",
        rng.pick(&PEOPLE),
        date(rng),
        rng.pick(&PRIORITIES)
    );
    if rng.below(3) == 0 {
        // Narrative over several lines, metadata on the last one.
        let _ = writeln!(out, "# {tag}: {title}");
        let _ = writeln!(out, "# {}", words(rng, 6, 1));
        let _ = writeln!(out, "# <{fields}>");
    } else {
        let _ = writeln!(out, "# {tag}: {title} <{fields}>");
    }
}

fn tdg_block(out: &mut String, rng: &mut SplitMix64, tag: &str) {
    let _ = writeln!(out, "# {tag}: {}", words(rng, 3, 5));
    if rng.below(2) == 0 {
        let _ = writeln!(
            out,
            "# category={} issue={} estimate={}h author={}",
            rng.pick(&WORDS),
            1 + rng.below(999),
            1 + rng.below(8),
            rng.pick(&PEOPLE)
        );
    }
    for _ in 0..rng.below(3) {
        let _ = writeln!(out, "# {}", words(rng, 5, 5));
    }
}

fn folk_block(out: &mut String, rng: &mut SplitMix64, tag: &str) {
    match rng.below(3) {
        0 => {
            let _ = writeln!(out, "# {tag}({}): {}", rng.pick(&PEOPLE), words(rng, 4, 4));
        }
        1 => {
            let _ = writeln!(
                out,
                "# {tag}: {} see example.com/issues/{}",
                words(rng, 4, 1),
                rng.below(9999)
            );
        }
        _ => {
            let _ = writeln!(out, "# {tag}: {}", words(rng, 4, 4));
            let _ = writeln!(out, "# {}", words(rng, 6, 1));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_text_other_seed_other_text() {
        for g in Grammar::ALL {
            assert_eq!(generate(g, 50, 1), generate(g, 50, 1));
            assert_ne!(generate(g, 50, 1), generate(g, 50, 2));
        }
    }

    #[test]
    fn one_anchor_per_block() {
        for g in Grammar::ALL {
            let text = generate(g, BLOCKS, SEED);
            let anchors = text
                .lines()
                .filter(|l| TAGS.iter().any(|t| l.starts_with(&format!("# {t}"))))
                .count();
            assert_eq!(anchors, BLOCKS, "{g:?}");
        }
    }

    #[test]
    fn grammars_differ() {
        let p = generate(Grammar::Pep350, 20, SEED);
        let t = generate(Grammar::Tdg, 20, SEED);
        assert!(p.contains(" priority="));
        assert!(!t.contains(" priority="));
    }
}
