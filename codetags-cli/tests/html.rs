//! The HTML report in a real browser: headless Chromium loads the page made for
//! `examples/demo`, its script runs (controls added, the view read from the URL's `#`), and the
//! DOM it leaves is checked; then a screenshot is taken.
//!
//! Needs `CODETAGS_TEST_CHROMIUM` (the chromium binary; `.ci/run` installs it and sets it);
//! skipped with a note when unset. `CODETAGS_SCREENSHOT_OUT=FILE` also saves the screenshot
//! there (how `docs/img/report.png` is made).

mod common;

use common::codetags;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn chromium() -> Option<PathBuf> {
    match std::env::var_os("CODETAGS_TEST_CHROMIUM") {
        Some(path) if !path.is_empty() => Some(PathBuf::from(path)),
        _ => {
            println!("skipped: CODETAGS_TEST_CHROMIUM is not set (the chromium binary to run)");
            None
        }
    }
}

/// The demo's report, written to `dir/report.html`.
fn demo_page(dir: &Path) -> PathBuf {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/demo");
    let page = dir.join("report.html");
    let out = codetags(&demo)
        .args(["scan", "--no-cache", "-qq", "-f", "html", "-o"])
        .arg(&page)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    page
}

/// Runs headless Chromium with `args` (a fresh profile each time), at most 120 s; its stdout.
fn run_chromium(browser: &Path, args: &[String]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", browser.display()));
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut text).unwrap();
        text
    });
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "chromium {args:?} exited with {status}");
            break;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium {args:?} did not finish in 120 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    reader.join().unwrap()
}

/// The DOM after the page's script ran, with `fragment` as the URL's `#` part.
fn dump_dom(browser: &Path, page: &Path, fragment: &str) -> String {
    let url = format!("file://{}#{fragment}", page.display());
    run_chromium(browser, &["--dump-dom".to_owned(), url])
}

/// The `data-kind` of each table row in document order, with whether it is hidden.
fn rows(dom: &str) -> Vec<(String, bool)> {
    let body = dom
        .split("<tbody>")
        .nth(1)
        .and_then(|rest| rest.split("</tbody>").next())
        .expect("a table body");
    body.split("<tr")
        .skip(1)
        .map(|row| {
            let open = &row[..row.find('>').unwrap()];
            let kind = open
                .split("data-kind=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .unwrap()
                .to_owned();
            (kind, open.contains("hidden"))
        })
        .collect()
}

fn tag_count() -> usize {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/demo");
    let out = codetags(&demo)
        .args(["scan", "--no-cache", "-qq", "-f", "json"])
        .output()
        .unwrap();
    let records: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    records.as_array().unwrap().len()
}

#[test]
fn the_page_runs_its_script_in_chromium_and_sorts_and_filters_from_the_url() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let page = demo_page(dir.path());
    let total = tag_count();

    // Loaded plain: the script ran (controls built, ready flag), every tag is a visible row,
    // the charts are there.
    let dom = dump_dom(&browser, &page, "");
    assert!(dom.contains("data-ready=\"1\""), "the script did not run");
    assert!(
        dom.contains("<input type=\"search\" id=\"filter\""),
        "no filter input"
    );
    assert!(dom.contains("<select id=\"kind-filter\""), "no kind filter");
    assert!(
        dom.contains(&format!("{total} of {total} tags")),
        "no count"
    );
    let all = rows(&dom);
    assert_eq!(all.len(), total);
    assert!(all.iter().all(|(_, hidden)| !hidden));
    for chart in ["kind", "folder", "assignee", "age"] {
        assert!(
            dom.contains(&format!("id=\"chart-{chart}\"><figcaption>")),
            "{chart}"
        );
    }
    assert!(dom.matches("<rect ").count() >= 10, "chart bars");
    // The header cells became sort buttons.
    assert_eq!(dom.matches("<th data-key=").count(), 8);
    assert!(dom.contains("<button type=\"button\">Kind</button>"));

    // `#sort=kind`: rows in kind order; `#sort=-kind`: the reverse order.
    let dom = dump_dom(&browser, &page, "sort=kind");
    assert!(dom.contains("data-sort=\"kind\""));
    assert!(dom.contains("aria-sort=\"ascending\""));
    let kinds: Vec<String> = rows(&dom).into_iter().map(|(k, _)| k).collect();
    let mut sorted = kinds.clone();
    sorted.sort();
    assert_eq!(kinds, sorted);
    assert_ne!(
        kinds,
        all.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>(),
        "file order is not kind order, so sorting moved rows"
    );
    let dom = dump_dom(&browser, &page, "sort=-kind");
    let reversed: Vec<String> = rows(&dom).into_iter().map(|(k, _)| k).collect();
    let mut expected = sorted.clone();
    expected.reverse();
    assert_eq!(reversed, expected);

    // `#q=retry`: only the rows mentioning it stay visible; `#kind=FIXME`: only FIXMEs.
    let dom = dump_dom(&browser, &page, "q=retry");
    let visible = rows(&dom).iter().filter(|(_, hidden)| !hidden).count();
    assert_eq!(visible, 3, "the three tags of app/retry.py");
    assert!(dom.contains(&format!("3 of {total} tags")));
    let dom = dump_dom(&browser, &page, "kind=FIXME");
    let shown: Vec<(String, bool)> = rows(&dom).into_iter().filter(|(_, h)| !h).collect();
    assert_eq!(shown.len(), 3);
    assert!(shown.iter().all(|(k, _)| k == "FIXME"));
    // `#overdue=1`: only overdue tags (the demo has one, due 2025-09-30, as long as the
    // report's date is later).
    let dom = dump_dom(&browser, &page, "overdue=1");
    let overdue_rows = dom.matches("<tr class=\"overdue\"").count();
    let visible = rows(&dom).iter().filter(|(_, hidden)| !hidden).count();
    assert_eq!(visible, overdue_rows);
}

#[test]
fn a_screenshot_of_the_page_is_taken() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let page = demo_page(dir.path());
    let shot = dir.path().join("report.png");
    run_chromium(
        &browser,
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,1200".to_owned(),
            format!("file://{}", page.display()),
        ],
    );
    let png = std::fs::read(&shot).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    // The IHDR chunk holds the size: 1280 × 1200 as asked.
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!((width, height), (1280, 1200));
    // A blank page compresses to almost nothing; the report does not.
    assert!(png.len() > 40_000, "{} bytes: a blank page?", png.len());
    if let Some(out) = std::env::var_os("CODETAGS_SCREENSHOT_OUT") {
        std::fs::write(&out, &png).unwrap();
        println!("screenshot saved to {}", Path::new(&out).display());
    }
}
