//! Shape errors the compiler must reject, with the messages users see pinned
//! in `tests/compile_fail/*.stderr` (regenerate with `TRYBUILD=overwrite`).

#[test]
fn shape_errors_do_not_compile() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/compile_fail/*.rs");
}
