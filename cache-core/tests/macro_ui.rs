//! The compile errors of `#[persistent_memoize]`: each file in `tests/ui/` must fail to compile
//! with the message in its `.stderr` file, which says what is wrong and what to do instead.
//! After a deliberate change to a message: `TRYBUILD=overwrite cargo test -p cache-core --test
//! macro_ui`, then read the new `.stderr` files.

#[test]
fn compile_errors_say_what_is_wrong() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
