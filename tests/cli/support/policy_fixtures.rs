//! Installing a format-2 fixture policy from `fixtures/format2/`.

use crate::support::Env;

pub(crate) const FIXTURES: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cli/fixtures/format2");

/// Install fixture `name` as a user policy.
pub(crate) fn install(env: &Env, name: &str) {
    let dir = env.config().join("policies");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        format!("{FIXTURES}/{name}.toml"),
        dir.join(format!("{name}.toml")),
    )
    .unwrap();
}
