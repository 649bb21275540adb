//! Gives the crate the same `Py_3_12` / `Py_LIMITED_API` / `Py_GIL_DISABLED` cfgs as `PyO3`,
//! and the Python version it is built for, which `python -m addlist_rs` reports.
fn main() {
    pyo3_build_config::use_pyo3_cfgs();
    let version = pyo3_build_config::get().version();
    println!(
        "cargo:rustc-env=ADDLIST_BUILT_FOR={}.{}",
        version.major, version.minor
    );
}
