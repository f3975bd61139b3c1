//! Writes a realistic data directory for benchmarks and scale tests (see
//! `escalate_core::generate`):
//!
//! ```text
//! cargo run --release --features generate --example generate -- --dir DIR --disputes N [--seed S]
//! cargo run --release --features generate --example generate -- --dir DIR --lines N   # one long journal
//! ```
//!
//! The lines are signed with the running user's own key when there is one (the
//! key `escalate` signs with: ESCALATE_KEY_DIR, or the user's escalate config
//! directory) and recorded under the user's name (ESCALATE_USER, the `name`
//! setting, or the login name), so generated data is the user's work; without a
//! key, with a key derived from the seed, as "Generator".

use std::path::PathBuf;

struct Options {
    dir: PathBuf,
    disputes: u64,
    seed: u64,
    /// One dispute with this many lines, instead of `disputes` ordinary ones.
    lines: Option<usize>,
}

fn options() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let (mut dir, mut disputes, mut seed, mut lines) = (None, 1000, 1, None);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--dir" => dir = Some(PathBuf::from(value()?)),
            "--disputes" => disputes = value()?.parse().map_err(|_| "--disputes takes a number")?,
            "--seed" => seed = value()?.parse().map_err(|_| "--seed takes a number")?,
            "--lines" => lines = Some(value()?.parse().map_err(|_| "--lines takes a number")?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(Options {
        dir: dir.ok_or("--dir DIR is required")?,
        disputes,
        seed,
        lines,
    })
}

/// The running user's key and name, as `escalate` would sign with them; `None`
/// when the user has no key yet (the generator never makes one).
fn user() -> Result<Option<(escalate_core::integrity::signing::Key, String)>, String> {
    let config_dir =
        directories::ProjectDirs::from("", "", "escalate").map(|d| d.config_dir().to_owned());
    let key_dir = std::env::var_os("ESCALATE_KEY_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| config_dir.clone());
    // The data directory is only where a key must not be; the generator writes
    // a new one, so nothing of it is read here.
    let keys =
        escalate_core::integrity::signing::Keyring::new(key_dir, PathBuf::from("/nonexistent"));
    let Some(key) = keys.existing().map_err(|e| e.to_string())? else {
        return Ok(None);
    };
    let configured = || {
        let dir = config_dir?;
        escalate_core::store::config::Config::load(&escalate_core::store::layout::config::settings(
            &dir,
        ))
        .ok()?
        .name
    };
    let name = std::env::var("ESCALATE_USER")
        .ok()
        .filter(|n| !n.trim().is_empty())
        .or_else(configured)
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "unknown".into());
    Ok(Some((key, name)))
}

fn main() {
    let o = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!(
                "generate: {e}\nusage: generate --dir DIR (--disputes N | --lines N) [--seed S]"
            );
            std::process::exit(2);
        }
    };
    let user = match user() {
        Ok(u) => u,
        Err(e) => {
            eprintln!("generate: your signing key could not be read: {e}");
            std::process::exit(1);
        }
    };
    let author = user
        .as_ref()
        .map(|(key, name)| escalate_core::generate::Author { key, name });
    match &author {
        Some(a) => eprintln!(
            "generate: signing as {} with your key {}",
            a.name,
            a.key.fingerprint()
        ),
        None => eprintln!(
            "generate: you have no signing key; signing as Generator with a key made from the seed"
        ),
    }
    if let Some(lines) = o.lines {
        match escalate_core::generate::long_journal_by(&o.dir, lines, o.seed, author.as_ref()) {
            Ok(id) => println!("{id}"),
            Err(e) => {
                eprintln!("generate: {e}");
                std::process::exit(1);
            }
        }
        return;
    }
    match escalate_core::generate::generate_by(&o.dir, o.disputes, o.seed, author.as_ref()) {
        Ok(events) => println!(
            "Wrote {} disputes ({events} events) to {}",
            o.disputes,
            o.dir.display()
        ),
        Err(e) => {
            eprintln!("generate: {e}");
            std::process::exit(1);
        }
    }
}
