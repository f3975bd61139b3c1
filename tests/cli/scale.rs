//! A generated partnership's worth of disputes: the generator's journals verify, and
//! status, export and report (any period, and series of old ones) give the same
//! answers with the status cache fresh, reused, stale after an append, damaged,
//! forged or deleted, and as `status --no-cache` gives.

use crate::support::Env;

const CACHE: &str = "status.bin";

fn questions() -> Vec<Vec<String>> {
    let mut q: Vec<Vec<&str>> = vec![
        vec!["status", "--json"],
        vec!["status", "--all", "--json"],
        vec!["status", "--overdue"],
        vec!["export", "--format", "csv", "--all"],
        vec!["export", "--format", "jsonl"],
        vec!["report", "--month", "2026-10", "--json"],
        vec!["report", "--month", "2026-11", "--json"],
        vec!["report", "--month", "2025-06", "--format", "csv"],
        vec!["report", "--month", "2024-12", "--json"],
        vec![
            "report", "--month", "2025-03", "--agency", "police", "--json",
        ],
        vec![
            "report",
            "--from",
            "2024-11-01",
            "--to",
            "2026-11-23",
            "--json",
        ],
    ];
    // The board pack: a quarter series and a year, two years back.
    let quarters = [
        ("2025-01-01", "2025-03-31"),
        ("2025-04-01", "2025-06-30"),
        ("2025-07-01", "2025-09-30"),
        ("2025-10-01", "2025-12-31"),
        ("2025-01-01", "2025-12-31"),
    ];
    for (from, to) in quarters {
        q.push(vec!["report", "--from", from, "--to", to, "--json"]);
    }
    // The same series as one command each.
    for per in ["quarter", "month"] {
        q.push(vec![
            "report",
            "--from",
            "2025-01-01",
            "--to",
            "2025-12-31",
            "--per",
            per,
            "--json",
        ]);
    }
    q.into_iter()
        .map(|a| a.into_iter().map(String::from).collect())
        .collect()
}

fn answers(env: &Env) -> Vec<String> {
    questions()
        .iter()
        .map(|args| {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            env.ok(&args)
        })
        .collect()
}

fn generated(disputes: u64) -> Env {
    let env = Env::new();
    let events = escalate_core::generate::generate(&env.data(), disputes, 11).unwrap();
    assert!(
        events > 5 * disputes as usize,
        "several events a dispute: {events}"
    );
    env
}

/// Rewrite the cache file's entries and the table of strings they share with
/// `edit` applied to each payload, and the tags made again with the user's own
/// cache key (what only someone holding that key could do: see tests/cli/
/// unverified.rs for what a forger without it gets).
fn rewrite_entries(env: &Env, edit: impl Fn(&mut Vec<u8>)) {
    escalate_core::store::cache::reseal_for_tests(&env.data(), &env.config(), edit)
        .expect("the cache and its key are there");
}

fn replace_all(bytes: &mut [u8], from: &[u8], to: &[u8]) -> usize {
    assert_eq!(from.len(), to.len());
    let mut n = 0;
    let mut i = 0;
    while i + from.len() <= bytes.len() {
        if &bytes[i..i + from.len()] == from {
            bytes[i..i + from.len()].copy_from_slice(to);
            n += 1;
            i += from.len();
        } else {
            i += 1;
        }
    }
    n
}

#[test]
fn answers_are_the_same_with_and_without_the_cache() {
    let env = generated(300);
    env.ok(&["verify"]);
    let cache = env.data().join("cache");
    std::fs::remove_dir_all(&cache).unwrap();

    let first = answers(&env);
    assert!(cache.join(CACHE).is_file(), "status builds the cache");
    let reused = answers(&env);
    assert_eq!(first, reused);
    assert_eq!(
        first[0],
        env.ok(&["status", "--json", "--no-cache"]),
        "--no-cache reads the journals and agrees"
    );
    std::fs::remove_dir_all(&cache).unwrap();
    assert_eq!(first, answers(&env), "deleting the cache changes no output");

    // A change to one journal makes its entry stale; the answer follows the journal.
    let open = env.json(&["status"]);
    let id = open[0]["id"].as_str().unwrap().to_owned();
    env.ok(&["discuss", &id, "--note", "Spoke again"]);
    let after = answers(&env);
    std::fs::remove_dir_all(&cache).unwrap();
    assert_eq!(after, answers(&env));
    assert_ne!(first, after);

    // A damaged cache is ignored and rebuilt.
    std::fs::write(cache.join(CACHE), b"escache\n\x04\x00\x00\x00junk").unwrap();
    assert_eq!(after, answers(&env));
    std::fs::write(cache.join(CACHE), b"\xff\xfe not a cache").unwrap();
    assert_eq!(after, answers(&env));
    // Any changed byte in an entry fails its checksum.
    let bytes = std::fs::read(cache.join(CACHE)).unwrap();
    for at in [bytes.len() / 3, bytes.len() / 2, bytes.len() - 5] {
        let mut bad = bytes.clone();
        bad[at] ^= 0x01;
        std::fs::write(cache.join(CACHE), &bad).unwrap();
        assert_eq!(after, answers(&env), "byte {at} changed");
    }
}

#[test]
fn old_periods_and_series_come_from_the_cache_alone() {
    let env = generated(200);
    let without: Vec<String> = answers(&env);
    // An agency that raised a dispute in the old month, and the same name with its
    // last letter changed (a forgery of the same length).
    let march = env.json(&["report", "--month", "2025-03"]);
    let real = march["by_agency"]["raising"]
        .as_object()
        .and_then(|m| m.keys().next().cloned())
        .expect("the generated data has a dispute opened in March 2025");
    let mut forged_name = real.clone();
    let last = forged_name.pop().unwrap();
    forged_name.push(if last == 'z' { 'y' } else { 'z' });
    let (real, forged_name) = (real.as_str(), forged_name.as_str());
    // With every entry current, hiding the journals' bytes (keeping their keys is
    // impossible, so make them unreadable instead) would only show errors; instead
    // prove the cache is used by changing what it says, with the checksums
    // recomputed: the figures for old periods follow the cache.
    rewrite_entries(&env, |p| {
        replace_all(p, real.as_bytes(), forged_name.as_bytes());
    });
    let forged = env.json(&["report", "--month", "2025-03", "--agency", forged_name]);
    assert!(
        forged["opened"].as_u64().unwrap() > 0
            && forged["by_agency"].to_string().contains(forged_name),
        "the report for an old month read the cache: {forged}"
    );
    let year = env.json(&["report", "--from", "2025-01-01", "--to", "2025-12-31"]);
    assert!(
        year["by_agency"].to_string().contains(forged_name),
        "{year}"
    );
    // `status --no-cache` and `verify` go to the journals; verify says the cache
    // disagreed and rebuilds it, and then nothing differs from the journals.
    let status = env.ok(&["status", "--all", "--json"]);
    assert!(status.contains(forged_name));
    assert!(!env
        .ok(&["status", "--all", "--json", "--no-cache"])
        .contains(forged_name));
    // --no-cache rebuilt the cache; forge it again for verify to find.
    rewrite_entries(&env, |p| {
        replace_all(p, real.as_bytes(), forged_name.as_bytes());
    });
    let out = env.cmd(&["verify"]).output().unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the status cache said something other than its journal"),
        "{stderr}"
    );
    assert_eq!(without, answers(&env));
}

#[test]
fn a_same_length_edit_with_its_time_restored_is_still_noticed() {
    let env = generated(20);
    env.ok(&["status"]);
    let open = env.json(&["status"]);
    let id = open[0]["id"].as_str().unwrap().to_owned();
    let path = env.journal(&id);
    let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    assert_eq!(
        replace_all(&mut bytes, b"\"seal_to\":\"age1", b"\"seal_to\":\"AGE1"),
        1
    );
    std::fs::write(&path, &bytes).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    // The length and modification time are as the cache recorded them; the change
    // time is not, so the journal is read and its broken seal reported.
    env.fails(3, &["status", "--strict"]);
}

#[test]
fn a_long_journal_is_shown_whole_with_each_correction_under_its_line() {
    let env = Env::new();
    let id = escalate_core::generate::long_journal(&env.data(), 2000, 3).unwrap();
    env.ok(&["verify"]);
    let text = env.ok(&["show", id.as_str()]);
    let lines: Vec<&str> = text.lines().collect();
    // The generator corrects every seventh line with the line after it. Its
    // text is sealed for the generator's own key, which this user does not hold.
    let mut corrected = 0;
    for seq in (7..2000).step_by(7) {
        let at = lines
            .iter()
            .position(|l| l.starts_with(&format!("{seq:>3}. ")))
            .unwrap_or_else(|| panic!("line {seq} is shown"));
        assert_eq!(
            lines[at + 1],
            format!("     correction (line {}, Generator): [sealed]", seq + 1)
        );
        corrected += 1;
    }
    assert_eq!(
        text.matches("     correction (line").count(),
        corrected,
        "each correction is shown once, under the line it corrects"
    );
    let json = env.json(&["show", id.as_str()]);
    assert_eq!(json["events"].as_array().unwrap().len(), 2000);
    assert_eq!(json["events"][1999]["seq"], 2000);
    assert_eq!(json["id"], id.as_str());
}

#[test]
fn a_calendar_change_moves_old_overdue_figures_alike_with_and_without_the_cache() {
    let env = generated(200);
    let series = [
        "report",
        "--from",
        "2025-01-01",
        "--to",
        "2025-12-31",
        "--per",
        "month",
        "--json",
    ];
    let overdue = |text: &str| -> Vec<u64> {
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        v["periods"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["overdue_at_end"].as_u64().unwrap())
            .collect()
    };
    env.ok(&["status"]);
    let before = env.ok(&series);
    // Every day of 2025 closed: deadlines counted in working days move into 2026,
    // so fewer disputes were overdue at the end of each month of 2025.
    env.ok(&[
        "calendar",
        "close",
        "2025-01-01",
        "--to",
        "2025-12-31",
        "--reason",
        "Office move",
    ]);
    let cached = env.ok(&series);
    let again = env.ok(&series);
    std::fs::remove_dir_all(env.data().join("cache")).unwrap();
    let fresh = env.ok(&series);
    // (Compared whole, but only the overdue figures shown: the JSON is long.)
    for (name, got) in [("old", &cached), ("new", &again)] {
        assert_eq!(
            overdue(got),
            overdue(&fresh),
            "the cache made under the {name} calendar"
        );
        assert!(*got == fresh, "the cache made under the {name} calendar");
    }
    let (was, is) = (overdue(&before), overdue(&fresh));
    assert!(
        was.iter().sum::<u64>() > is.iter().sum::<u64>(),
        "{was:?} then {is:?}"
    );
    // A calendar change is not a cache that disagrees with its journals.
    env.ok(&[
        "calendar",
        "close",
        "2024-12-01",
        "--to",
        "2024-12-31",
        "--reason",
        "Office move",
    ]);
    let out = env.cmd(&["verify"]).output().unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("status cache said something other"),
        "{stderr}"
    );
}
