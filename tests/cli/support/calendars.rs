//! Calendar files for tests: the England and Wales bank holidays of 2026 as GOV.UK
//! publishes them, and files written into a test's temporary directory.

use crate::support::Env;
use std::path::PathBuf;

/// England and Wales 2026 as GOV.UK lists it, without Boxing Day's substitute.
pub(crate) const EW_2026: &str = r#"
    {"title":"New Year’s Day","date":"2026-01-01","notes":"","bunting":true},
    {"title":"Good Friday","date":"2026-04-03","notes":"","bunting":false},
    {"title":"Easter Monday","date":"2026-04-06","notes":"","bunting":true},
    {"title":"Early May bank holiday","date":"2026-05-04","notes":"","bunting":true},
    {"title":"Spring bank holiday","date":"2026-05-25","notes":"","bunting":true},
    {"title":"Summer bank holiday","date":"2026-08-31","notes":"","bunting":true},
    {"title":"Christmas Day","date":"2026-12-25","notes":"","bunting":true}"#;

pub(crate) fn govuk(events: &str) -> String {
    format!(r#"{{"england-and-wales":{{"division":"england-and-wales","events":[{events}]}}}}"#)
}

/// A file to import, kept outside the data directory.
pub(crate) fn write_file(env: &Env, name: &str, text: &str) -> PathBuf {
    let path = env.tmp.path().join(name);
    std::fs::write(&path, text).expect("write the import file");
    path
}
