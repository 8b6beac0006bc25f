//! `codetags_cli::filter` against jmespath.py 1.1.0 itself: `fixtures/jmespath/cases.json` holds
//! its answers (made by `fixtures/jmespath/make_cases.py`) for 270 expressions over six
//! documents. Every expression must compile where jmespath.py compiles it, fail with
//! jmespath.py's message where it fails, and select (or fail on) each document as it does.

use codetags_cli::filter::Filter;
use serde_json::Value;

fn cases() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/jmespath/cases.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn every_expression_does_what_jmespath_py_does() {
    let cases = cases();
    let documents = cases["documents"].as_array().unwrap();
    let (mut compiled, mut refused, mut selections, mut errors) = (0, 0, 0, 0);
    let mut wrong = Vec::new();
    for case in cases["cases"].as_array().unwrap() {
        let expr = case["expr"].as_str().unwrap();
        let ours = Filter::compile(expr);
        if let Some(message) = case.get("compile_error") {
            match ours {
                Err(err) if err.to_string() == message.as_str().unwrap() => refused += 1,
                Err(err) => wrong.push(format!(
                    "{expr:?}: message\n  ours:   {:?}\n  python: {message}",
                    err.to_string()
                )),
                Ok(_) => wrong.push(format!("{expr:?}: compiles, jmespath.py refuses it")),
            }
            continue;
        }
        let filter = match ours {
            Ok(filter) => filter,
            Err(err) => {
                wrong.push(format!(
                    "{expr:?}: refused ({err}), jmespath.py compiles it"
                ));
                continue;
            }
        };
        compiled += 1;
        for (doc, want) in documents.iter().zip(case["results"].as_array().unwrap()) {
            match (filter.matches(doc), want.get("bool")) {
                (Ok(got), Some(expected)) if got == expected.as_bool().unwrap() => selections += 1,
                (Err(_), None) => errors += 1,
                (got, _) => wrong.push(format!("{expr:?} on {doc}: ours {got:?}, python {want}")),
            }
        }
    }
    println!(
        "{compiled} expressions compiled, {refused} refused with jmespath.py's message; \
         {selections} selections and {errors} evaluation errors as jmespath.py's"
    );
    assert!(
        wrong.is_empty(),
        "{} differences:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn evaluation_errors_carry_jmespath_pys_message() {
    let cases = cases();
    let documents = cases["documents"].as_array().unwrap();
    let mut same = 0;
    let mut differ = Vec::new();
    for case in cases["cases"].as_array().unwrap() {
        let Some(results) = case["results"].as_array() else {
            continue;
        };
        let Ok(filter) = Filter::compile(case["expr"].as_str().unwrap()) else {
            continue;
        };
        for (doc, want) in documents.iter().zip(results) {
            if let (Err(err), Some(message)) = (filter.matches(doc), want.get("error")) {
                if err.message == message.as_str().unwrap() {
                    same += 1;
                } else {
                    differ.push(format!(
                        "{:?}: ours {:?}, python {message}",
                        case["expr"], err.message
                    ));
                }
            }
        }
    }
    println!("{same} evaluation error messages equal");
    assert!(
        differ.is_empty(),
        "{} differ:\n{}",
        differ.len(),
        differ.join("\n")
    );
}
