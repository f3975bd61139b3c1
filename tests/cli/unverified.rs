//! Lines that do not count: a line whose signature fails, or that a key the
//! signers file does not allow signed, is kept and shown marked by `show`, marks
//! its dispute in `status`, `report` and `export`, changes no state or figure,
//! and makes `verify` exit 3. And a status cache forged without the user's cache
//! key (entries swapped between disputes, checksums recomputed) is not believed.

use escalate_core::domain::event::{Event, Record};
use escalate_core::integrity::signing::Key;
use escalate_core::store::journal::line;

use crate::support::Env;

/// A line appended by hand to `id`'s journal, chained and sealed as escalate
/// would, recording that the dispute was resolved at stage 1, signed by
/// `key`; with `tamper`, its outcome is changed after signing (and the seal made
/// again), so its signature no longer verifies.
fn forge_resolution(env: &Env, id: &str, key: &Key, tamper: bool) {
    let path = env.journal(id);
    let text = std::fs::read_to_string(&path).unwrap();
    let last = text.lines().last().unwrap();
    let mut r: Record = serde_json::from_str(last).unwrap();
    // A forged line's text is written in clear, as any line's may be.
    r.sealed = None;
    r.seq += 1;
    r.prev = line::sha256_hex(last.as_bytes());
    r.event = Event::Resolved {
        stage: 1,
        outcome: "Agreed: no further action".into(),
    };
    r.nonce = None;
    r.happened = None;
    let mut signed = line::encode_signed(&mut r, key).unwrap();
    if tamper {
        let open = signed[..signed.rfind(",\"hash\":\"").unwrap()]
            .replace("no further action", "no further actions");
        signed = format!(
            "{open},\"hash\":\"{}\"}}",
            line::sha256_hex(open.as_bytes())
        );
    }
    std::fs::write(&path, format!("{text}{signed}\n")).unwrap();
}

/// Two open disputes, one with a tampered resolution and one with a resolution
/// signed by a key the signers file does not list, and a third left alone.
fn forged() -> (Env, String, String, String) {
    let env = Env::new();
    let ids: Vec<String> = (0..3).map(|_| env.open_gscb(&[])).collect();
    let shown = env.json(&["key", "show"]);
    let own = shown["signers_line"].as_str().unwrap().to_owned();
    for id in &ids {
        env.ok(&["discuss", id, "--note", "Spoke"]);
    }
    std::fs::write(env.data().join("signers"), format!("{own}\n")).unwrap();
    let intruder = Key::from_seed(&[42; 32], "intruder");
    forge_resolution(&env, &ids[0], &intruder, true);
    forge_resolution(&env, &ids[1], &intruder, false);
    let [a, b, c] = <[String; 3]>::try_from(ids).unwrap();
    (env, a, b, c)
}

fn status_ids(env: &Env, args: &[&str]) -> Vec<String> {
    let mut all = vec!["status"];
    all.extend_from_slice(args);
    env.json(&all)
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_forged_or_unallowed_line_is_shown_marked_and_never_counts() {
    let (env, tampered, unallowed, clean) = forged();

    // Both forged resolutions leave their disputes open, in status and show.
    for args in [&[][..], &["--no-cache"][..]] {
        let listed = status_ids(&env, args);
        for id in [&tampered, &unallowed, &clean] {
            assert!(listed.contains(id), "{id} is still open: {listed:?}");
        }
    }
    let status = env.json(&["status"]);
    let row = |id: &str| {
        status
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(row(&tampered)["state"], "open");
    assert_eq!(
        row(&tampered)["not_counted"],
        serde_json::json!([{"line": 3, "why": "signature_fails"}])
    );
    assert_eq!(
        row(&unallowed)["not_counted"],
        serde_json::json!([{"line": 3, "why": "key_not_allowed"}])
    );
    assert!(row(&clean).get("not_counted").is_none());

    // status marks the disputes on standard error.
    let out = env.cmd(&["status"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains(&format!(
            "dispute {tampered}: not counted: line 3 (signature does not verify)"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "dispute {unallowed}: not counted: line 3 (key not allowed)"
        )),
        "{err}"
    );
    assert!(!err.contains(&clean), "{err}");

    // show prints the line, marked, and the dispute as open.
    let out = env.cmd(&["show", &tampered]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains("(open)"), "{text}");
    assert!(
        text.contains("no further actions"),
        "the line is shown: {text}"
    );
    assert!(
        text.contains("NOT COUNTED: signature does not verify"),
        "{text}"
    );
    assert!(text.contains("Not counted: line 3"), "{text}");
    let shown = env.json(&["show", &unallowed]);
    assert_eq!(shown["state"], "open");
    assert_eq!(shown["events"][2]["not_counted"], "key_not_allowed");
    assert!(shown["events"][1].get("not_counted").is_none());

    // Reports count no resolution; export marks the disputes.
    {
        let out = env
            .cmd(&["report", "--json", "--month", "2026-11"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["resolved"], 0, "{report}");
        assert_eq!(report["opened"], 3, "{report}");
        assert!(
            err.contains(&format!("dispute {tampered}: not counted")),
            "{err}"
        );
        assert!(
            err.contains(&format!("dispute {unallowed}: not counted")),
            "{err}"
        );
    }
    let out = env.cmd(&["export", "--format", "jsonl"]).output().unwrap();
    let lines = String::from_utf8_lossy(&out.stdout);
    assert_eq!(lines.lines().count(), 3, "{lines}");
    assert!(lines.contains("\"not_counted\":[{\"line\":3,\"why\":\"signature_fails\"}]"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not counted"));

    // verify names the line and exits 3.
    for id in [&tampered, &unallowed] {
        let err = env.fails(3, &["verify", id]);
        assert!(err.contains("line 3"), "{err}");
    }
    env.ok(&["verify", &clean]);

    // A recording command sees the dispute as the views do: still open.
    env.ok(&["discuss", &tampered, "--note", "Spoke again"]);
}

#[test]
fn a_forged_line_is_the_same_whether_the_cache_is_cold_or_warm() {
    let (env, tampered, ..) = forged();
    let cold = env.ok(&["status", "--json", "--no-cache"]);
    let warm = env.ok(&["status", "--json"]);
    assert_eq!(cold, warm);
    let report = env.ok(&["report", "--json", "--month", "2026-11"]);
    assert_eq!(report, env.ok(&["report", "--json", "--month", "2026-11"]));
    assert!(warm.contains(&tampered));
}

/// The cache file's entries, each `length | tag | payload`, between the header
/// and the table.
fn entries(bytes: &[u8]) -> (usize, usize, Vec<(usize, usize)>) {
    let header_end = 12 + bytes[12..].iter().position(|&b| b == b'\n').unwrap() + 1;
    let footer = bytes.len() - 16;
    let end = u64::from_le_bytes(bytes[footer..footer + 8].try_into().unwrap()) as usize;
    let mut out = Vec::new();
    let mut at = header_end;
    while at < end {
        let len = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        out.push((at, 20 + len));
        at += 20 + len;
    }
    (header_end, end, out)
}

#[test]
fn a_cache_forged_without_the_users_key_is_not_believed() {
    let env = Env::new();
    let open = env.open_gscb(&[]);
    let resolved = env.open_gscb(&[]);
    env.ok(&["discuss", &resolved, "--note", "Spoke"]);
    env.ok(&["resolve", &resolved, "--outcome", "Agreed"]);
    let before = status_ids(&env, &[]);
    assert_eq!(before, std::slice::from_ref(&open));
    let report = env.ok(&["report", "--json", "--month", "2026-11"]);
    let path = env.data().join("cache").join("status.bin");
    let bytes = std::fs::read(&path).unwrap();

    // Swap the two entries' payloads, each keeping the other's ID, and recompute
    // the frame as a forger can: the old CRC-32 over the payload. The open
    // dispute would then read as resolved, and the resolved one as open.
    let (_, end, list) = entries(&bytes);
    assert_eq!(list.len(), 2);
    let payload = |(at, len): (usize, usize)| bytes[at + 20..at + len].to_vec();
    // The ID comes first, kept in place: its form, its length, its ten letters.
    let id_text = 2..12;
    let mut swapped = bytes[..list[0].0].to_vec();
    for (mine, theirs) in [(list[0], list[1]), (list[1], list[0])] {
        let mut p = payload(mine)[..id_text.end].to_vec();
        p.extend_from_slice(&payload(theirs)[id_text.end..]);
        swapped.extend_from_slice(&(p.len() as u32).to_le_bytes());
        let mut tag = crc32(&p).to_le_bytes().to_vec();
        tag.resize(16, 0);
        swapped.extend_from_slice(&tag);
        swapped.extend_from_slice(&p);
    }
    let table_at = swapped.len() as u64;
    swapped.extend_from_slice(&bytes[end..bytes.len() - 16]);
    swapped.extend_from_slice(&table_at.to_le_bytes());
    swapped.extend_from_slice(b"estable\n");
    std::fs::write(&path, &swapped).unwrap();
    assert_eq!(
        status_ids(&env, &[]),
        before,
        "the forged cache was believed"
    );
    assert_eq!(env.ok(&["report", "--json", "--month", "2026-11"]), report);

    // The same with the true entries copied under each other's ID (their tags
    // kept): an entry is bound to its dispute by its tag and its ID.
    std::fs::write(&path, &bytes).unwrap();
    let mut moved = bytes[..list[0].0].to_vec();
    for (mine, theirs) in [(list[0], list[1]), (list[1], list[0])] {
        let mut framed = bytes[theirs.0..theirs.0 + theirs.1].to_vec();
        let (from, to) = (20 + id_text.start, 20 + id_text.end);
        framed[from..to].copy_from_slice(&bytes[mine.0 + from..mine.0 + to]);
        moved.extend_from_slice(&framed);
    }
    let table_at = moved.len() as u64;
    moved.extend_from_slice(&bytes[end..bytes.len() - 16]);
    moved.extend_from_slice(&table_at.to_le_bytes());
    moved.extend_from_slice(b"estable\n");
    std::fs::write(&path, &moved).unwrap();
    assert_eq!(
        status_ids(&env, &[]),
        before,
        "the moved entries were believed"
    );
    assert_eq!(env.ok(&["report", "--json", "--month", "2026-11"]), report);
    env.ok(&["verify"]);
}

/// CRC-32 (IEEE), as the cache's frames used before they were authenticated.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn a_long_journal_is_judged_once_and_its_judgement_cannot_be_forged() {
    let env = Env::new();
    let id = escalate_core::generate::long_journal(&env.data(), 400, 9)
        .unwrap()
        .to_string();
    let judged = env
        .data()
        .join("cache")
        .join("lines")
        .join(format!("{id}.bin"));
    let state = |env: &Env| env.json(&["show", &id])["state"].clone();
    assert_eq!(state(&env), "open");
    assert!(
        judged.is_file(),
        "show keeps the judgement of a long journal"
    );
    let kept = std::fs::read(&judged).unwrap();

    // A forged resolution appended afterwards is judged (only it is new).
    forge_resolution(&env, &id, &Key::from_seed(&[42; 32], "x"), true);
    let shown = env.json(&["show", &id]);
    assert_eq!(shown["state"], "open");
    assert_eq!(shown["not_counted"][0]["line"], 401);
    assert_eq!(status_ids(&env, &["--no-cache"]), std::slice::from_ref(&id));
    let status = env.json(&["status"]);
    assert_eq!(status[0]["not_counted"][0]["why"], "signature_fails");

    // A judgement that says line 401 counts, written without the user's key
    // (the old file's tag kept, its payload changed), is not believed.
    let mut forged = std::fs::read(&judged).unwrap();
    assert_ne!(forged, kept);
    let n = forged.len();
    forged[n - 1] ^= 0x01;
    std::fs::write(&judged, &forged).unwrap();
    assert_eq!(env.json(&["show", &id])["not_counted"][0]["line"], 401);
    // The true judgement from before the forged line covers only the lines
    // before it: the new line is still judged.
    std::fs::write(&judged, &kept).unwrap();
    assert_eq!(env.json(&["show", &id])["not_counted"][0]["line"], 401);
    assert_eq!(
        env.json(&["status", "--no-cache"])[0]["not_counted"][0]["line"],
        401
    );
    env.fails(3, &["verify", &id]);
}

#[test]
fn a_damaged_signers_file_stops_no_one_and_is_named() {
    let (env, tampered, unallowed, clean) = forged();
    std::fs::write(env.data().join("signers"), "not a signers line\n").unwrap();
    // Recording and reading go on; lines are judged by their signatures alone.
    env.ok(&["discuss", &clean, "--note", "Spoke again"]);
    let out = env.cmd(&["status", "--json"]).output().unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("signers file") && err.contains("damaged"),
        "{err}"
    );
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = |id: &str| {
        status
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(row(&tampered)["not_counted"][0]["why"], "signature_fails");
    // Unjudgeable who may sign: the validly signed line counts, and resolves it.
    assert!(status
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["id"] != unallowed.as_str()));
    env.fails(3, &["verify"]);
}

#[test]
fn a_colleague_whose_key_is_not_listed_is_told_at_once() {
    let env = Env::new();
    let id = env.open_gscb(&[]);
    // The signers file lists the first user's key only.
    let line = env.json(&["key", "show"])["signers_line"]
        .as_str()
        .unwrap()
        .to_owned();
    std::fs::write(env.data().join("signers"), format!("{line}\n")).unwrap();
    // A new colleague, with a key of their own, records in the same directory.
    let mut colleague = Env::new();
    colleague.user = "Jo (new DSL)".into();
    let here = |args: &[&str]| colleague.cmd_in(&env.data(), args).output().unwrap();
    let out = here(&["discuss", &id, "--note", "n"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("does not count") && err.contains("key show"),
        "{err}"
    );
    let before = env.snapshot();
    let out = here(&[
        "open",
        "--policy",
        "gscb",
        "--child",
        "X-1",
        "--from",
        "School",
        "--with",
        "CSC",
        "--summary",
        "s",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert_eq!(before, env.snapshot());
    env.ok(&["show", &id]);
}
