//! What others see of a sealed dispute (#28 items 2 and 4): `status`, `report`,
//! the board pack and plain `export` read no keys and are the same whoever runs
//! them; `export --subject` gives one person's disputes in full to whoever holds
//! their keys, and nothing to whoever does not. Two people share one unshared
//! data directory: A, whose key the disputes are sealed to, and B, with a key of
//! their own that nothing is wrapped for.

use std::path::{Path, PathBuf};

use crate::support::snapshot::redact;
use crate::support::Env;

/// Words that appear only in the disputes' sealed text: none may reach a file.
const MARKERS: [&str; 6] = [
    "LCS-111",
    "Marigold",
    "Heliotrope",
    "Tamarind",
    "LCS-222",
    "Quince",
];

struct Two {
    env: Env,
    /// The dispute about LCS-111 that A can read: opened, discussed, escalated.
    read: String,
    /// Another about LCS-111, whose text A erased.
    erased: String,
    /// One about someone else.
    other: String,
}

impl Two {
    fn keys(&self, who: &str) -> PathBuf {
        self.env.tmp.path().join(who)
    }

    /// Run as `who` ("keysA" or "keysB"); stdout, stderr and the exit code.
    fn run(&self, who: &str, args: &[&str]) -> (String, String, Option<i32>) {
        let out = self
            .env
            .cmd(args)
            .env("ESCALATE_KEY_DIR", self.keys(who))
            .output()
            .expect("run escalate");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!stderr.contains("panicked"), "{stderr}");
        (
            String::from_utf8(out.stdout).expect("UTF-8 output"),
            stderr,
            out.status.code(),
        )
    }

    /// Run as `who`, expecting success; stdout.
    fn ok(&self, who: &str, args: &[&str]) -> String {
        let (out, err, code) = self.run(who, args);
        assert_eq!(code, Some(0), "escalate {args:?} as {who}: {err}");
        out
    }
}

fn id_of(v: &serde_json::Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

/// A opens three disputes and records on them; nothing is shared with B.
fn two() -> Two {
    let env = Env::new();
    let a = |args: &[&str]| {
        let out = env
            .cmd(args)
            .env("ESCALATE_KEY_DIR", env.tmp.path().join("keysA"))
            .output()
            .expect("run escalate");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    let open = |child: &str, summary: &str| {
        let out = a(&[
            "open",
            "--policy",
            "gscb",
            "--child",
            child,
            "--from",
            "Hollyfield Primary",
            "--with",
            "Children's Social Care",
            "--summary",
            summary,
            "--json",
        ]);
        id_of(&serde_json::from_str(&out).expect("JSON"))
    };
    let read = open("LCS-111", "Marigold: referral judged below threshold");
    a(&[
        "discuss",
        &read,
        "--note",
        "Heliotrope: spoke to the duty manager",
    ]);
    a(&[
        "escalate",
        &read,
        "--reason",
        "Tamarind: no change after talking",
    ]);
    let erased = open("lcs-111 ", "Marigold again: a second concern");
    a(&["erase", &erased, "--reason", "asked by the family"]);
    let other = open("LCS-222", "Quince: someone else entirely");
    Two {
        env,
        read,
        erased,
        other,
    }
}

/// Every file under `dir`, with its path.
fn files(dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push((path.clone(), std::fs::read(&path).unwrap_or_default()));
        }
    }
}

fn assert_no_marker(what: &str, text: &str) {
    for m in MARKERS {
        assert!(
            !text.to_lowercase().contains(&m.to_lowercase()),
            "{what} holds {m:?}:\n{text}"
        );
    }
}

#[test]
fn who_holds_the_key_reads_the_text_and_who_does_not_sees_it_sealed() {
    let t = two();
    let a = t.ok("keysA", &["show", &t.read]);
    for m in ["LCS-111", "Marigold", "Heliotrope", "Tamarind"] {
        assert!(a.contains(m), "A's show lacks {m}:\n{a}");
    }
    let b = t.ok("keysB", &["show", &t.read]);
    assert!(b.contains("Sealed:"), "{b}");
    assert!(b.contains("[sealed]"), "{b}");
    assert_no_marker("B's show", &b);
    let erased = t.ok("keysA", &["show", &t.erased]);
    assert!(erased.contains("Erased:"), "{erased}");
    assert!(erased.contains("asked by the family"), "{erased}");
    assert_no_marker("the erased dispute's show", &erased);
}

#[test]
fn status_reads_no_keys_so_everyone_sees_the_same_sealed_list() {
    let t = two();
    let a = t.ok("keysA", &["status"]);
    let b = t.ok("keysB", &["status"]);
    assert_eq!(a, b, "status differs by who runs it");
    assert_no_marker("status", &a);
    let row = |id: &str| {
        a.lines()
            .find(|l| l.starts_with(id))
            .unwrap_or_else(|| panic!("no row for {id}:\n{a}"))
            .to_owned()
    };
    assert!(row(&t.read).contains("[sealed]"), "{a}");
    assert!(row(&t.other).contains("[sealed]"), "{a}");
    assert!(row(&t.erased).contains("[erased]"), "{a}");
    let json: serde_json::Value =
        serde_json::from_str(&t.ok("keysA", &["status", "--json"])).expect("JSON");
    let by_id = |id: &str| {
        json.as_array()
            .expect("array")
            .iter()
            .find(|d| d["id"] == id)
            .cloned()
            .expect("listed")
    };
    let read = by_id(&t.read);
    assert_eq!(read["child"], "");
    assert_eq!(read["summary"], "");
    assert_eq!(read["sealed"], true);
    assert!(read.get("erased").is_none(), "{read}");
    let erased = by_id(&t.erased);
    assert_eq!(erased["sealed"], true);
    assert_eq!(erased["erased"]["by"], "Jo Bloggs (DSL)");
    assert_eq!(erased["erased"]["reason"], "asked by the family");
}

#[test]
fn status_child_says_once_that_sealed_disputes_need_export_subject() {
    let t = two();
    for who in ["keysA", "keysB"] {
        let (out, err, code) = t.run(who, &["status", "--child", "LCS-111"]);
        assert_eq!(code, Some(0), "{err}");
        assert!(out.starts_with("No disputes match"), "{out}");
        assert_eq!(err.matches("note:").count(), 1, "{err}");
        assert!(err.contains("3 sealed dispute(s)"), "{err}");
        assert!(err.contains("escalate export --subject"), "{err}");
    }
    // Without --child there is nothing to say.
    let (_, err, _) = t.run("keysA", &["status"]);
    assert!(!err.contains("export --subject"), "{err}");
    // Another filter that leaves out every sealed dispute leaves nothing to say.
    let (_, err, _) = t.run("keysA", &["status", "--child", "X", "--overdue"]);
    assert!(!err.contains("export --subject"), "{err}");
}

#[test]
fn reports_and_board_packs_are_byte_identical_whoever_makes_them() {
    let t = two();
    let month = ["report", "--month", "2026-11"];
    let pack = ["report", "--from", "2026-11-01", "--to", "2026-11-30"];
    for extra in [
        &[][..],
        &["--format", "json"][..],
        &["--format", "csv"][..],
        &["--format", "csv-long"][..],
    ] {
        let args = [&month[..], extra].concat();
        let a = t.ok("keysA", &args);
        assert_eq!(a, t.ok("keysB", &args), "{args:?} differs by who runs it");
        assert_no_marker("the report", &a);
    }
    for format in ["html", "md"] {
        let args = [&pack[..], &["--format", format][..]].concat();
        let a = t.ok("keysA", &args);
        assert_eq!(a, t.ok("keysB", &args), "{args:?} differs by who runs it");
        assert_no_marker("the board pack", &a);
    }
    // The sealed disputes count: all three were raised this month.
    let json: serde_json::Value =
        serde_json::from_str(&t.ok("keysB", &["report", "--month", "2026-11", "--json"]))
            .expect("JSON");
    assert_eq!(json["opened"], 3, "{json}");
}

#[test]
fn plain_exports_read_no_keys_and_say_what_is_sealed() {
    let t = two();
    for format in ["jsonl", "csv", "ics"] {
        let args = ["export", "--format", format, "--all"];
        let args = if format == "ics" {
            &args[..3]
        } else {
            &args[..]
        };
        let a = t.ok("keysA", args);
        assert_eq!(a, t.ok("keysB", args), "{args:?} differs by who runs it");
        assert_no_marker("a plain export", &a);
    }
    let jsonl = t.ok("keysA", &["export", "--format", "jsonl"]);
    for line in jsonl.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("JSON line");
        assert_eq!(v["sealed"], true, "{line}");
        assert_eq!(v["child"], "", "{line}");
    }
    let csv = t.ok("keysA", &["export", "--format", "csv"]);
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let sealed = header.iter().position(|c| *c == "sealed").expect("sealed");
    let erased = header.iter().position(|c| *c == "erased").expect("erased");
    assert_eq!(header.len(), erased + 1, "erased is the last column");
    for row in lines {
        // No cell here holds a comma: the agencies and dates are plain.
        let cells: Vec<&str> = row.split(',').collect();
        assert_eq!(cells[sealed], "true", "{row}");
        let erased_at = cells[erased];
        match row.starts_with(&t.erased) {
            true => assert!(erased_at.starts_with("2026-11-23T09:00:00"), "{row}"),
            false => assert_eq!(erased_at, "", "{row}"),
        }
    }
}

#[test]
fn export_subject_gives_the_holder_every_line_and_others_nothing() {
    let t = two();
    let (out, err, code) = t.run(
        "keysA",
        &["export", "--subject", " lcs-111 ", "--format", "jsonl"],
    );
    assert_eq!(code, Some(0), "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "only the readable dispute about LCS-111:\n{out}"
    );
    let v: serde_json::Value = serde_json::from_str(lines[0]).expect("one JSON object");
    assert_eq!(v["id"], t.read.as_str());
    assert_eq!(v["child"], "LCS-111");
    assert!(v.get("sealed").is_none(), "{v}");
    let events = v["events"].as_array().expect("events");
    assert_eq!(events.len(), 3, "{v}");
    assert_eq!(events[0]["child"], "LCS-111");
    assert!(events[0]["summary"]
        .as_str()
        .is_some_and(|s| s.starts_with("Marigold")));
    assert!(events[1]["note"]
        .as_str()
        .is_some_and(|s| s.starts_with("Heliotrope")));
    assert!(events[2]["reason"]
        .as_str()
        .is_some_and(|s| s.starts_with("Tamarind")));
    assert!(
        events.iter().all(|e| e.get("sealed").is_none()),
        "the copy holds the text, not its sealed form"
    );
    // The erased one cannot be searched, even by who erased it.
    assert!(
        err.contains("1 sealed dispute(s) could not be searched"),
        "{err}"
    );

    let (out, err, code) = t.run(
        "keysB",
        &["export", "--subject", "LCS-111", "--format", "jsonl"],
    );
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, "", "B holds no key: nothing is listed");
    assert!(
        err.contains("3 sealed dispute(s) could not be searched"),
        "{err}"
    );
    assert!(err.contains("each agency party to a dispute"), "{err}");
    // The note names the reference B typed, and nothing else of the text.
    assert_no_marker("B's subject export", &(out + &err).replace("LCS-111", ""));
}

#[test]
fn export_subject_md_is_a_letter_ready_copy() {
    let t = two();
    let md = t.ok(
        "keysA",
        &["export", "--subject", "LCS-111", "--format", "md"],
    );
    insta::assert_snapshot!(redact(&md, &[&t.read]));
    let b = t.ok(
        "keysB",
        &["export", "--subject", "LCS-111", "--format", "md"],
    );
    assert!(b.contains("0 disputes found."), "{b}");
    assert_no_marker("B's copy", &b.replace("LCS-111", ""));
}

#[test]
fn export_subject_is_refused_without_a_reference_or_with_another_format() {
    let t = two();
    for args in [
        &["export", "--subject", "", "--format", "jsonl"][..],
        &["export", "--subject", "  ", "--format", "md"][..],
        &["export", "--subject", "LCS-111", "--format", "csv"][..],
        &["export", "--subject", "LCS-111", "--format", "ics"][..],
        &["export", "--format", "md"][..],
    ] {
        let (out, err, code) = t.run("keysA", args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert_eq!(out, "");
        assert!(err.contains("error:"), "{err}");
        assert_no_marker("a refusal", &err);
    }
}

#[test]
fn no_opened_text_reaches_any_file_after_every_view() {
    let t = two();
    for who in ["keysA", "keysB"] {
        for args in [
            &["show", &t.read][..],
            &["show", &t.read, "--json"][..],
            &["status", "--all"][..],
            &["status", "--all", "--json"][..],
            &["status", "--no-cache"][..],
            &["report", "--month", "2026-11"][..],
            &[
                "report",
                "--from",
                "2026-11-01",
                "--to",
                "2026-11-30",
                "--format",
                "html",
            ][..],
            &["export", "--format", "jsonl", "--all"][..],
            &["export", "--subject", "LCS-111", "--format", "jsonl"][..],
            &["export", "--subject", "LCS-111", "--format", "md"][..],
            &["verify"][..],
        ] {
            t.run(who, args);
        }
    }
    let mut all = Vec::new();
    files(t.env.tmp.path(), &mut all);
    assert!(
        all.iter()
            .any(|(p, _)| p.starts_with(t.env.data().join("cache"))),
        "the status cache was written"
    );
    for (path, bytes) in &all {
        assert_no_marker(&path.display().to_string(), &String::from_utf8_lossy(bytes));
    }
}

/// A dispute opened before sealing: its first line, re-made with its text in
/// clear and no dispute key, signed with A's key as escalate signs (the key
/// store's entry for it removed, as such a dispute never had one).
fn unsealed(t: &Two, child: &str, summary: &str) -> String {
    use escalate_core::domain::event::{Event, Record};
    use escalate_core::store::journal::line;
    let out = t.ok(
        "keysA",
        &[
            "open",
            "--policy",
            "gscb",
            "--child",
            "placeholder",
            "--from",
            "Hollyfield Primary",
            "--with",
            "Children's Social Care",
            "--summary",
            "placeholder",
            "--json",
        ],
    );
    let id = id_of(&serde_json::from_str(&out).expect("JSON"));
    let journal = t.env.journal(&id);
    let text = std::fs::read_to_string(&journal).expect("journal");
    let mut r: Record = serde_json::from_str(text.trim_end()).expect("one line");
    let Event::Opened(o) = &mut r.event else {
        panic!("not an opened line")
    };
    o.child = child.into();
    o.summary = summary.into();
    o.seal_to = None;
    r.sealed = None;
    let keys = escalate_core::integrity::signing::Keyring::new(Some(t.keys("keysA")), t.env.data());
    let key = keys.existing().expect("key").expect("A's key");
    let written = line::encode_signed(&mut r, &key).expect("signed");
    std::fs::write(&journal, format!("{written}\n")).expect("write");
    std::fs::write(
        t.env.data().join("disputes").join(format!("{id}.head")),
        format!("1 {}\n", line::sha256_hex(written.as_bytes())),
    )
    .expect("receipt");
    std::fs::remove_file(t.env.data().join("keys").join(format!("{id}.json"))).expect("key");
    id
}

#[test]
fn a_dispute_from_before_sealing_is_shown_and_found_by_everyone_as_before() {
    let t = two();
    let old = unsealed(&t, "LCS-333", "Written before sealing");
    let (out, err, code) = t.run("keysB", &["verify", &old]);
    assert_eq!(code, Some(0), "{out}{err}");
    for who in ["keysA", "keysB"] {
        let status = t.ok(who, &["status"]);
        let row = status
            .lines()
            .find(|l| l.starts_with(&old))
            .unwrap_or_else(|| panic!("{status}"));
        assert!(row.contains("LCS-333"), "{status}");
        let (out, err, _) = t.run(who, &["status", "--child", "lcs-333"]);
        assert!(out.contains(&old), "{out}");
        // The note is about the sealed ones, which --child could not look at.
        assert!(err.contains("3 sealed dispute(s)"), "{err}");
        let (out, err, code) = t.run(
            who,
            &["export", "--subject", "LCS-333", "--format", "jsonl"],
        );
        assert_eq!(code, Some(0), "{err}");
        let v: serde_json::Value = serde_json::from_str(out.trim_end()).expect("one object");
        assert_eq!(v["id"], old.as_str());
        assert_eq!(v["summary"], "Written before sealing");
        assert_eq!(v["events"][0]["child"], "LCS-333");
    }
    let json: serde_json::Value =
        serde_json::from_str(&t.ok("keysB", &["status", "--json"])).expect("JSON");
    let row = json
        .as_array()
        .expect("array")
        .iter()
        .find(|d| d["id"] == old.as_str())
        .expect("listed");
    assert!(row.get("sealed").is_none(), "{row}");
    assert_eq!(row["child"], "LCS-333");
}

#[test]
fn the_markdown_copy_shows_text_as_typed_never_as_markdown() {
    let t = two();
    let id = id_of(
        &serde_json::from_str(&t.ok(
            "keysA",
            &[
                "open",
                "--policy",
                "gscb",
                "--child",
                "LCS-444",
                "--from",
                "School",
                "--with",
                "CSC",
                "--summary",
                "# Not a heading <b>nor bold</b> [nor](a link) *nor this*",
                "--json",
            ],
        ))
        .expect("JSON"),
    );
    let md = t.ok(
        "keysA",
        &["export", "--subject", "LCS-444", "--format", "md"],
    );
    assert!(md.contains(&format!("## Dispute {id}")), "{md}");
    assert!(
        md.contains(
            "**Summary:** \\# Not a heading \\<b\\>nor bold\\</b\\> \\[nor\\](a link) \\*nor this\\*"
        ),
        "{md}"
    );
    let (out, err, code) = t.run(
        "keysA",
        &["export", "--subject", "LCS-999", "--format", "jsonl"],
    );
    assert_eq!((out.as_str(), code), ("", Some(0)));
    assert!(
        err.contains("no dispute you may read is about LCS-999"),
        "{err}"
    );
}
