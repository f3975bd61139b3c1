//! Writes a realistic data directory for benchmarks and scale tests (see
//! `escalate_core::generate`):
//!
//! ```text
//! cargo run --release --features generate --example generate -- --dir DIR --disputes N [--seed S]
//! cargo run --release --features generate --example generate -- --dir DIR --lines N   # one long journal
//! ```

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
    if let Some(lines) = o.lines {
        match escalate_core::generate::long_journal(&o.dir, lines, o.seed) {
            Ok(id) => println!("{id}"),
            Err(e) => {
                eprintln!("generate: {e}");
                std::process::exit(1);
            }
        }
        return;
    }
    match escalate_core::generate::generate(&o.dir, o.disputes, o.seed) {
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
