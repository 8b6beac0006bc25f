//! `codetags check`: each rule fires and stays quiet, severities and `off`, `--today` and
//! `CODETAGS_TODAY`, unparseable dates, a warm cache never serving a date-based answer stale,
//! exit codes, configuration errors, and the issue tracker's rules against the answers of
//! pycodetags-issue-tracker 0.4.0 itself (`tests/fixtures/check/`).

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// A project folder with a pyproject.toml holding `config` and the given files, each dated an
/// hour ago (so that a warm run trusts them on their stat data).
fn project(config: &str, files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("pyproject.toml"), config).unwrap();
    let an_hour_ago = filetime::FileTime::from_unix_time(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
            - 3600,
        0,
    );
    for (name, content) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, content).unwrap();
        filetime::set_file_mtime(&path, an_hour_ago).unwrap();
    }
    dir
}

/// What a run printed and how it ended.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// The findings' `RULE message` parts, in order.
    fn rules(&self) -> Vec<&str> {
        self.stdout
            .lines()
            .map(|line| line.split(": ").nth(1).unwrap_or(line))
            .map(|rest| rest.split(' ').next().unwrap())
            .collect()
    }
}

/// `codetags check ARGS` in `dir`, without `CODETAGS_TODAY` from the caller's environment.
fn check(dir: &Path, args: &[&str]) -> Run {
    check_env(dir, args, &[])
}

fn check_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = common::codetags(dir);
    cmd.env_remove("CODETAGS_TODAY").arg("check").args(args);
    for (key, value) in env {
        cmd.env(key, value);
    }
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

const PEP350: &str = "[tool.pycodetags]\nschema = \"PEP350\"\n";

#[test]
fn overdue_fires_after_the_due_day_and_not_before_or_on_it() {
    let dir = project(
        PEP350,
        &[("m.py", "x = 1\n# TODO: ship it <alice due=2025-07-01>\n")],
    );
    for (today, code) in [("2025-06-30", 0), ("2025-07-01", 0), ("2025-07-03", 1)] {
        let run = check(dir.path(), &["--no-cache", "--today", today]);
        assert_eq!(run.code, code, "{today}: {run:?}");
        if code == 1 {
            assert_eq!(
                run.stdout,
                "m.py:2:1: overdue TODO was due 2025-07-01 (2 days ago)\n"
            );
            assert!(
                run.stderr
                    .contains("1 finding (1 error, 0 warnings) in 1 file; 1 tag checked"),
                "{}",
                run.stderr
            );
        } else {
            assert_eq!(run.stdout, "", "{today}");
            assert!(run.stderr.contains("no findings; 1 tag checked"), "{run:?}");
        }
    }
}

#[test]
fn overdue_reads_due_and_its_alias_d_in_data_or_custom_fields_and_spares_done_items() {
    let dir = project(
        "[tool.pycodetags]\nschema = \"PEP350\"\nschema_paths = [{ path = \"t.py\", schema = \"TDG\" }]\nclosed_status = [\"closed\"]\n",
        &[
            (
                "m.py",
                "# TODO: by d <d=2025-01-01>\n\
                 # FIXME: closed by date <due=2025-01-01 closed_date=2025-01-02>\n\
                 # BUG: closed by status <due=2025-01-01 status=Closed>\n\
                 # DONE: done kind <due=2025-01-01>\n\
                 # TODO: due wins over d <due=2025-09-01 d=2025-01-01>\n",
            ),
            (
                "t.py",
                "# TODO: a TDG item\n# due=2025-02-01 priority=high\n",
            ),
        ],
    );
    let run = check(dir.path(), &["--no-cache", "--today", "2025-03-01"]);
    assert_eq!(run.code, 1, "{run:?}");
    let overdue: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.contains(" overdue "))
        .collect();
    assert_eq!(
        overdue,
        [
            "m.py:1:1: overdue TODO was due 2025-01-01 (59 days ago)",
            "t.py:1:1: overdue TODO was due 2025-02-01 (28 days ago)",
        ],
        "{}",
        run.stdout
    );
}

#[test]
fn overdue_can_be_switched_off() {
    let dir = project(
        "[tool.pycodetags]\nschema = \"PEP350\"\n[tool.pycodetags.check]\noverdue = false\n",
        &[(
            "m.py",
            "# TODO: late <due=2020-01-01>\n# TODO: bad <due=soon>\n",
        )],
    );
    let run = check(dir.path(), &["--no-cache", "--today", "2025-01-01"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{run:?}");
}

#[test]
fn unparseable_dates_are_findings_never_crashes() {
    let dir = project(
        "[tool.pycodetags]\nschema = \"PEP350\"\n[tool.pycodetags.check]\nmax_age_days = 10\n",
        &[(
            "m.py",
            "# TODO: a <due=soon>\n\
             # TODO: b <due=2025-02-30>\n\
             # TODO: c <d=2025/01/01>\n\
             # TODO: d <alice origination_date=yesterday>\n\
             # TODO: e <due=2025-7-4>\n",
        )],
    );
    let run = check(dir.path(), &["--no-cache", "--today", "2025-07-04"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        run.stdout,
        "m.py:1:1: bad-date due \"soon\" is not a date; write it YYYY-MM-DD\n\
         m.py:2:1: bad-date due \"2025-02-30\" is not a date; write it YYYY-MM-DD\n\
         m.py:3:1: bad-date d \"2025/01/01\" is not a date; write it YYYY-MM-DD\n\
         m.py:4:1: bad-date origination_date \"yesterday\" is not a date; write it YYYY-MM-DD\n"
    );
}

#[test]
fn max_age_counts_from_origination_date_and_is_off_without_a_limit() {
    let files: &[(&str, &str)] = &[(
        "m.py",
        "# TODO: old <alice 2025-01-01>\n# TODO: young <bob 2025-06-20>\n# TODO: undated <carol>\n",
    )];
    let dir = project(PEP350, files);
    let run = check(dir.path(), &["--no-cache", "--today", "2025-07-01"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{run:?}");

    let dir = project(
        "[tool.pycodetags]\nschema = \"PEP350\"\n[tool.pycodetags.check]\nmax_age_days = 30\n",
        files,
    );
    let run = check(dir.path(), &["--no-cache", "--today", "2025-07-01"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        run.stdout,
        "m.py:1:1: max-age TODO is 181 days old (origination_date 2025-01-01), more than max_age_days = 30\n"
    );
    // On the limit is not over it.
    let run = check(dir.path(), &["--no-cache", "--today", "2025-07-20"]);
    assert_eq!(run.rules(), ["max-age"], "{run:?}");
    let run = check(dir.path(), &["--no-cache", "--today", "2025-07-21"]);
    assert_eq!(run.rules(), ["max-age", "max-age"], "{run:?}");
}

#[test]
fn forbid_and_require_fire_per_tag_kind() {
    let dir = project(
        "[tool.pycodetags]\nschema = \"PEP350\"\n[tool.pycodetags.check]\n\
         forbid = [\"xxx\", \"Hack\"]\n\
         require = { TODO = [\"assignee\", \"due\"], \"*\" = [\"priority\", \"assignee\"] }\n",
        &[(
            "m.py",
            "# TODO: complete <assignee=ann d=2030-01-01 p=high>\n\
             # TODO: incomplete <priority=low>\n\
             # XXX: forbidden <priority=low assignee=ann>\n\
             # HACK: forbidden too <priority=low assignee=ann>\n\
             # FIXME: only the common fields <alice>\n",
        )],
    );
    let run = check(dir.path(), &["--no-cache", "--today", "2025-01-01"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        run.stdout,
        "m.py:2:1: missing-field TODO needs the field assignee ([tool.pycodetags.check] require)\n\
         m.py:2:1: missing-field TODO needs the field due ([tool.pycodetags.check] require)\n\
         m.py:3:1: forbidden-tag XXX tags are not allowed ([tool.pycodetags.check] forbid)\n\
         m.py:4:1: forbidden-tag HACK tags are not allowed ([tool.pycodetags.check] forbid)\n\
         m.py:5:1: missing-field FIXME needs the field priority ([tool.pycodetags.check] require)\n\
         m.py:5:1: missing-field FIXME needs the field assignee ([tool.pycodetags.check] require)\n"
    );
}

#[test]
fn severities_warn_fail_or_silence_each_rule() {
    let files: &[(&str, &str)] = &[("m.py", "# XXX: late <due=2020-01-01>\n")];
    let config = |severity: &str| {
        format!(
            "[tool.pycodetags]\nschema = \"PEP350\"\n[tool.pycodetags.check]\nforbid = [\"XXX\"]\n\
             [tool.pycodetags.check.severity]\n{severity}\n"
        )
    };
    // Both warnings: shown, but the check passes.
    let dir = project(
        &config("overdue = \"warning\"\nforbidden-tag = \"warning\""),
        files,
    );
    let run = check(dir.path(), &["--no-cache", "--today", "2025-01-01"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.rules(), ["overdue", "forbidden-tag"]);
    assert!(
        run.stderr.contains("2 findings (0 errors, 2 warnings)"),
        "{}",
        run.stderr
    );
    // One error is enough to fail.
    let dir = project(&config("overdue = \"warning\""), files);
    let run = check(dir.path(), &["--no-cache", "--today", "2025-01-01"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("(1 error, 1 warning)"),
        "{}",
        run.stderr
    );
    // Off: not reported at all.
    let dir = project(
        &config("overdue = \"off\"\nforbidden-tag = \"error\""),
        files,
    );
    let run = check(dir.path(), &["--no-cache", "--today", "2025-01-01"]);
    assert_eq!(
        (run.code, run.rules()),
        (1, vec!["forbidden-tag"]),
        "{run:?}"
    );
    // The issue tracker's rules take severities too.
    let dir = project(
        "[tool.pycodetags]\nschema = \"PEP350\"\nvalid_status = [\"open\"]\n\
         [tool.pycodetags.check.severity]\ninvalid-status = \"warning\"\n",
        &[("m.py", "# TODO: x <status=wip>\n")],
    );
    let run = check(dir.path(), &["--no-cache"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        "m.py:1:1: invalid-status Invalid status wip, valid status ['open']\n"
    );
}

#[test]
fn today_comes_from_the_flag_else_the_environment_and_bad_values_are_usage_errors() {
    let dir = project(PEP350, &[("m.py", "# TODO: ship <due=2025-07-01>\n")]);
    let late = [("CODETAGS_TODAY", "2025-08-01")];
    let run = check_env(dir.path(), &["--no-cache"], &late);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.contains("(31 days ago)"), "{run:?}");
    // The flag beats the environment.
    let run = check_env(dir.path(), &["--no-cache", "--today", "2025-06-01"], &late);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{run:?}");
    // Empty means unset: today's real date, long after 2025-07-01.
    let run = check_env(dir.path(), &["--no-cache"], &[("CODETAGS_TODAY", "")]);
    assert_eq!(run.code, 1, "{run:?}");

    let run = check(dir.path(), &["--no-cache", "--today", "2025-13-01"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("--today \"2025-13-01\": not a date; expected YYYY-MM-DD"),
        "{}",
        run.stderr
    );
    let run = check_env(
        dir.path(),
        &["--no-cache"],
        &[("CODETAGS_TODAY", "tomorrow")],
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("environment variable CODETAGS_TODAY = \"tomorrow\": not a date"),
        "{}",
        run.stderr
    );
}

/// The cache holds tags, never verdicts: a warm run on a later day sees the tag overdue
/// (ruff#16963 is a cache hiding date-based failures).
#[test]
fn a_warm_cached_run_on_a_later_day_still_reports_overdue() {
    let dir = project(PEP350, &[("src/m.py", "# TODO: ship <due=2025-07-01>\n")]);
    let cache = dir.path().join("cache-root");
    let cache_arg = cache.to_str().unwrap();
    let last_scan = || -> serde_json::Value {
        let text = fs::read_to_string(cache.join("last-scan.json")).unwrap();
        serde_json::from_str::<serde_json::Value>(&text).unwrap()["stats"].clone()
    };
    let cold = check(
        dir.path(),
        &["src", "--cache-dir", cache_arg, "--today", "2025-06-30"],
    );
    assert_eq!((cold.code, cold.stdout.as_str()), (0, ""), "{cold:?}");
    assert_eq!(last_scan()["parsed"], 1);

    let warm = check(
        dir.path(),
        &["src", "--cache-dir", cache_arg, "--today", "2025-07-02"],
    );
    let stats = last_scan();
    assert_eq!(
        (stats["hits"].as_u64(), stats["parsed"].as_u64()),
        (Some(1), Some(0)),
        "the second run must be served from the cache: {stats}"
    );
    assert_eq!(warm.code, 1, "{warm:?}");
    assert_eq!(
        warm.stdout,
        "src/m.py:1:1: overdue TODO was due 2025-07-01 (1 day ago)\n"
    );
}

#[test]
fn exit_codes_and_output_with_nothing_to_report() {
    let dir = project(
        PEP350,
        &[("m.py", "# TODO: fine <alice>\n"), ("n.py", "x = 1\n")],
    );
    let run = check(dir.path(), &["--no-cache"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{run:?}");
    let run = check(dir.path(), &["--no-cache", "-q"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    let run = check(dir.path(), &["--no-cache", "missing"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("missing: no such file or directory"),
        "{run:?}"
    );
    let run = check(dir.path(), &["--no-cache", "--format", "nonsense"]);
    assert_eq!(run.code, 2, "{run:?}");
}

#[test]
fn config_errors_name_the_key_and_the_file_and_exit_2() {
    let cases: &[(&str, &str)] = &[
        (
            "[tool.pycodetags.check]\nmax_age_day = 30\n",
            "`tool.pycodetags.check.max_age_day`",
        ),
        (
            "[tool.pycodetags.check]\nmax_age_days = \"old\"\n",
            "`tool.pycodetags.check.max_age_days` = string \"old\"",
        ),
        (
            "[tool.pycodetags.check]\nmax_age_days = -1\n",
            "tool.pycodetags.check.max_age_days",
        ),
        (
            "[tool.pycodetags.check]\noverdue = \"yes\"\n",
            "tool.pycodetags.check.overdue",
        ),
        (
            "[tool.pycodetags.check.severity]\noverdue = \"loud\"\n",
            "invalid value \"loud\" for key `tool.pycodetags.check.severity.overdue`",
        ),
        (
            "[tool.pycodetags.check.severity]\nlate = \"error\"\n",
            "`tool.pycodetags.check.severity.late`",
        ),
        (
            "[tool.pycodetags.check]\nforbid = [\"\"]\n",
            "`tool.pycodetags.check.forbid[0]`",
        ),
        (
            "[tool.pycodetags.check]\nrequire = { TODO = \"assignee\" }\n",
            "tool.pycodetags.check.require.TODO",
        ),
        (
            "[tool.pycodetags]\nmandatory_fields = [\"assignee\", \"offsets\"]\n",
            "invalid value \"offsets\" for key `tool.pycodetags.mandatory_fields[1]`",
        ),
        (
            "[tool.pycodetags]\nvalid_iterations = [1, 2]\n",
            "tool.pycodetags.valid_iterations",
        ),
        (
            "[tool.pycodetags]\nvalid_authors_schema = \"csv\"\n",
            "`tool.pycodetags.valid_authors_schema`",
        ),
        (
            "[tool.pycodetags]\nvalid_authors_file = \"AUTHORS\"\n",
            "`tool.pycodetags.valid_authors_schema`",
        ),
        (
            "[tool.pycodetags]\nvalid_authors_file = \"AUTHORS\"\nvalid_authors_schema = \"single_column\"\n",
            "`tool.pycodetags.valid_authors_file`",
        ),
    ];
    for (config, expected) in cases {
        let dir = project(config, &[("m.py", "# TODO: x\n")]);
        let run = check(dir.path(), &["--no-cache"]);
        assert_eq!(run.code, 2, "{config}: {run:?}");
        assert!(
            run.stderr.contains(expected) && run.stderr.contains("pyproject.toml"),
            "{config}: {}",
            run.stderr
        );
        assert_eq!(run.stdout, "", "{config}");
    }
}

#[test]
fn the_check_table_is_no_unknown_key_for_scan() {
    let dir = project(
        "[tool.pycodetags]\nschema = \"PEP350\"\n[tool.pycodetags.check]\nforbid = [\"XXX\"]\n",
        &[("m.py", "# XXX: x\n")],
    );
    let out = common::codetags(dir.path())
        .args(["scan", "--no-cache"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stderr.contains("unknown key"), "{stderr}");
}

#[test]
fn authors_from_a_file_are_read_beside_the_config() {
    let config = |schema: &str| {
        format!(
            "[tool.pycodetags]\nschema = \"PEP350\"\nvalid_authors_file = \"people/AUTHORS\"\n\
             valid_authors_schema = \"{schema}\"\n"
        )
    };
    let tags = "# TODO: a <Ann assignee=bob@example.com>\n# TODO: b <zed>\n";
    let dir = project(
        &config("gnu_gnits"),
        &[
            (
                "people/AUTHORS",
                "# maintainers\nAnn Lee <ann@example.com>\nann\n\nBob <bob@example.com>\n",
            ),
            ("src/m.py", tags),
        ],
    );
    // From a subfolder: the file is found beside pyproject.toml, not in the working directory.
    let run = check(&dir.path().join("src"), &["--no-cache"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        run.stdout,
        "m.py:2:1: invalid-author Person 'zed' is not on the valid authors list, \
         ['ann lee', 'ann@example.com', 'ann', 'bob', 'bob@example.com']\n"
    );
    let dir = project(
        &config("single_column"),
        &[("people/AUTHORS", "  Ann \n\nzed\n"), ("m.py", tags)],
    );
    let run = check(dir.path(), &["--no-cache"]);
    assert_eq!(
        run.stdout,
        "m.py:1:1: invalid-author Person 'bob@example.com' is not on the valid authors list, ['ann', 'zed']\n"
    );
}

#[test]
fn folk_tags_people_count_as_assignees() {
    let dir = project(
        "[tool.pycodetags]\nschema = \"folk\"\nvalid_authors = [\"alice\"]\nmandatory_fields = [\"assignee\"]\n",
        &[(
            "m.py",
            "# TODO(alice): fine\n# TODO(mallory): not fine\n# TODO: nobody\n",
        )],
    );
    let run = check(dir.path(), &["--no-cache"]);
    assert_eq!(
        run.stdout,
        "m.py:2:1: invalid-author Person 'mallory' is not on the valid authors list, ['alice']\n\
         m.py:3:1: mandatory-field assignee is required\n",
        "{run:?}"
    );
}

/// Another date source (such as blame) is asked once per tag, and used only for tags with no
/// `origination_date` of their own.
#[test]
fn max_age_takes_another_date_source_for_undated_tags() {
    use codetags_cli::check::{CheckSettings, WrittenOn, check_outcome_with};
    use codetags_cli::{ProjectConfig, ScanRequest, scan};
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("m.py"),
        "# TODO: dated <alice 2025-06-01>\n# TODO: undated <bob>\n",
    )
    .unwrap();
    let mut config = ProjectConfig::defaults(dir.path());
    config.schema = codetags_parse::Schema::Pep350;
    let outcome = scan(&ScanRequest::new(vec![dir.path().into()], config)).unwrap();
    let settings = CheckSettings {
        max_age_days: Some(100),
        ..Default::default()
    };
    let on = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let mut asked = 0;
    let findings = check_outcome_with(&outcome, &settings, on(2025, 7, 1), |_| {
        asked += 1;
        Some(WrittenOn {
            date: on(2024, 1, 1),
            source: "blame",
        })
    });
    assert_eq!(asked, 2);
    let messages: Vec<&str> = findings.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(
        messages,
        ["TODO is 547 days old (blame 2024-01-01), more than max_age_days = 100"]
    );
    assert_eq!(findings[0].line, 2);
}

// ---- Differential: the issue tracker's rules against pycodetags-issue-tracker 0.4.0 ----

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/check")
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// `(relative path, 1-based line, 0-based column)` → messages, in order.
type Answers = BTreeMap<(String, usize, usize), Vec<String>>;

/// The one message that differs on purpose: the plugin suggests `datetime.now()`, codetags the
/// day. Both become `<now>` once their form is checked.
fn normalise(message: &str, today: Option<&str>) -> String {
    const PREFIX: &str = "Item is done, missing closed date, suggest ";
    match message.strip_prefix(PREFIX) {
        Some(suggested) => {
            match today {
                Some(today) => assert_eq!(suggested, today),
                None => assert!(
                    suggested.len() > 19
                        && chrono::NaiveDateTime::parse_from_str(
                            &suggested[..19],
                            "%Y-%m-%d %H:%M:%S"
                        )
                        .is_ok(),
                    "the plugin suggests a timestamp: {suggested:?}"
                ),
            }
            format!("{PREFIX}<now>")
        }
        None => message.to_owned(),
    }
}

/// Reads `print_validate`'s output: per flagged item, its `path:line:col` link, then its
/// messages indented by two spaces, then `Original Schema …`.
fn plugin_answers(stdout: &str) -> Answers {
    let mut answers = Answers::new();
    let mut current: Option<(String, usize, usize)> = None;
    for line in stdout.lines() {
        if let Some(link) = line.strip_prefix("<root>/") {
            let mut parts = link.rsplitn(3, ':');
            let column = parts.next().unwrap().parse().unwrap();
            let row = parts.next().unwrap().parse().unwrap();
            let key = (parts.next().unwrap().to_owned(), row, column);
            answers.entry(key.clone()).or_default();
            current = Some(key);
        } else if line.starts_with("Original Schema ") {
            current = None;
        } else if let (Some(key), Some(message)) = (&current, line.strip_prefix("  ")) {
            answers.get_mut(key).unwrap().push(normalise(message, None));
        }
    }
    answers
}

fn our_answers(stdout: &str, root: &Path, today: &str) -> Answers {
    let root = format!("{}/", root.display());
    let mut answers = Answers::new();
    for line in stdout.lines() {
        let rest = line.strip_prefix(&root).unwrap_or(line);
        let mut parts = rest.splitn(4, ':');
        let path = parts.next().unwrap().to_owned();
        let row: usize = parts.next().unwrap().parse().unwrap();
        let column: usize = parts.next().unwrap().parse().unwrap();
        let finding = parts.next().unwrap().trim_start();
        let (_rule, message) = finding.split_once(' ').unwrap();
        answers
            .entry((path, row, column - 1))
            .or_default()
            .push(normalise(message, Some(today)));
    }
    answers
}

#[test]
fn the_issue_tracker_rules_match_pycodetags_issue_tracker_0_4_0() {
    let refs: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(fixtures().join("tracker.refs.json")).unwrap())
            .unwrap();
    let refs = refs.as_object().unwrap();
    assert_eq!(refs.len(), 2, "both configurations have references");
    let today = "2025-07-05";
    for (config, reference) in refs {
        let work = tempfile::tempdir().unwrap();
        let root = work.path().join("tree");
        copy_tree(&fixtures().join("tracker"), &root);
        let run = check(&root, &["--config", config, "--no-cache", "--today", today]);
        let theirs = plugin_answers(reference["stdout"].as_str().unwrap());
        let ours = our_answers(&run.stdout, &root, today);
        assert!(theirs.len() >= 10, "{config}: the fixture flags many tags");
        assert_eq!(
            ours.keys().collect::<Vec<_>>(),
            theirs.keys().collect::<Vec<_>>(),
            "{config}: the same tags are flagged"
        );
        for (tag, messages) in &theirs {
            assert_eq!(&ours[tag], messages, "{config}: {tag:?}");
        }
        let total: usize = theirs.values().map(Vec::len).sum();
        assert!(
            reference["stdout"]
                .as_str()
                .unwrap()
                .ends_with(&format!("Found {total} issues.\n")),
            "{config}: every message was read"
        );
        // The plugin exits 100 on problems; codetags check, 1.
        assert_eq!(reference["rc"], 100);
        assert_eq!(run.code, 1, "{config}: {run:?}");
    }
}
