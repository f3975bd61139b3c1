//! Realistic data for benchmarks and scale tests: disputes under every built-in
//! policy, opened over the two years before 2026-11-23, each walked through the
//! policy's own rules (discussions, escalations, notifications of the obligations
//! that arise, some resolved, some backdated), about ten events each. Lines are
//! sealed and chained by the journal encoder, each journal gets its head receipt,
//! and every dispute is folded under its policy as it is built, so the result
//! verifies. Used by `examples/generate.rs` and the scale tests.

use std::path::Path;

use chrono::{Duration, TimeZone};

use crate::domain::clock::{self, Instant};
use crate::domain::dispute::Dispute;
use crate::domain::event::{Event, Opened, Record};
use crate::domain::id::DisputeId;
use crate::error::Result;
use crate::integrity::signing::Key;
use crate::policy::{Catalogue, LoadedPolicy};
use crate::store::journal::{head, line};

/// splitmix64: small, seedable, and good enough to make varied test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const AGENCIES: [&str; 10] = [
    "Hollyfield Primary",
    "St Mary's Academy",
    "Children's Social Care",
    "Police",
    "School Nursing",
    "Health Visiting",
    "GP Practice",
    "CAMHS",
    "Early Help",
    "Housing",
];

/// Append a line signed by `key` through the journal's own encoder; every line
/// names its dispute and a nonce, as a real journal's does (format 3).
fn push(
    g: &mut Gen,
    records: &mut Vec<Record>,
    at: Instant,
    happened: Option<Instant>,
    event: Event,
) {
    // Every record here was encoded once already (signed, below), so encoding it
    // again cannot fail.
    let prev = records
        .last()
        .and_then(|r| line::encode(r).ok())
        .map(|text| line::sha256_hex(text.as_bytes()))
        .unwrap_or_default();
    let seq = records.len() as u64 + 1;
    let mut r = Record {
        prev,
        dispute: Some(g.id.to_string()),
        nonce: Some(format!("{:016x}{:016x}", g.rng.next(), g.rng.next())),
        ..Record::new(seq, (at, happened), g.by, event)
    };
    // Sealed as the writer seals a new dispute's lines (its text to its key).
    if let Some(seal_to) = g.seal_to {
        if crate::privacy::seal(&mut r, seal_to).is_err() {
            return;
        }
    }
    // Signing an in-memory ed25519 key does not fail; if it did, the line is left
    // out (the chain stays whole) rather than written unsigned, unlike users' data.
    if line::encode_signed(&mut r, g.key).is_ok() {
        records.push(r);
    }
}

/// The generator's signing key, derived from its seed so that generated data is
/// the same on every run.
fn generator_key(rng: &mut Rng) -> Key {
    let mut seed_bytes = [0u8; 32];
    for chunk in seed_bytes.chunks_mut(8) {
        chunk.copy_from_slice(&rng.next().to_le_bytes());
    }
    Key::from_seed(&seed_bytes, "Generator")
}

/// What `push` needs besides the records.
struct Gen<'a> {
    rng: &'a mut Rng,
    key: &'a Key,
    /// Who records each line (`by`): the key's owner.
    by: &'a str,
    id: &'a DisputeId,
    /// The dispute's own key's public half: its lines' text is sealed to it.
    seal_to: Option<&'a str>,
}

/// Whose work generated data is: the running user's key and name, so that it is
/// signed as the user's own lines are (clarification 12) and a generated shared
/// directory syncs like the user's work. Without one, a key derived from the
/// seed signs as "Generator", the same on every run.
pub struct Author<'a> {
    pub key: &'a Key,
    pub name: &'a str,
}

/// A new dispute's own key, kept wrapped for `author` in `dir`'s key store, as
/// `open` keeps it; its public half.
fn dispute_key(dir: &Path, author: &Author<'_>) -> Result<String> {
    let key = crate::privacy::DisputeKey::generate();
    let me = crate::privacy::Recipient::own(author.key, author.name);
    let entry = crate::privacy::Entry::wrap("", &key, &[me])?;
    let seal_to = key.recipient();
    crate::privacy::KeyStore::of(dir).put_pending(&seal_to, &entry.to_bytes())?;
    Ok(seal_to)
}

/// File the wrapped key of a generated dispute under its ID.
fn file_key(dir: &Path, id: &DisputeId, seal_to: &str) -> Result<()> {
    crate::privacy::KeyStore::of(dir)
        .get_or_adopt(id.as_str(), seal_to)
        .map(drop)
}

fn dispute(
    rng: &mut Rng,
    author: &Author<'_>,
    policy: &LoadedPolicy,
    id: &DisputeId,
    end: Instant,
    seal_to: &str,
) -> Vec<Record> {
    let p = &policy.policy;
    let span = 730 * 24 * 3600;
    let mut t = end - Duration::seconds(rng.below(span) as i64);
    let from = *rng.pick(&AGENCIES);
    let mut with = *rng.pick(&AGENCIES);
    while with == from {
        with = *rng.pick(&AGENCIES);
    }
    let category = p
        .categories
        .iter()
        .filter(|c| !c.excluded)
        .map(|c| c.id.clone())
        .collect::<Vec<_>>();
    let opened = Opened {
        fields: Default::default(),
        policy: p.id.clone(),
        policy_hash: policy.hash.clone(),
        child: format!("LCS-{:05}", rng.below(100_000)),
        from: from.into(),
        with: with.into(),
        summary: "Referral outcome disputed; see case notes".into(),
        category: (!category.is_empty() && rng.chance(70)).then(|| rng.pick(&category).clone()),
        cp_plan: rng.chance(20),
        looked_after: rng.chance(10),
        immediate_harm: rng.chance(10),
        stage: p.first_stage(),
        due: None,
        arose: None,
        start_reason: None,
        due_reason: None,
        subject_kind: None,
        opened_as: None,
        seal_to: Some(seal_to.to_owned()),
    };
    let mut records = Vec::new();
    let mut g = Gen {
        rng,
        key: author.key,
        by: author.name,
        id,
        seal_to: Some(seal_to),
    };
    push(&mut g, &mut records, t, None, Event::Opened(opened));
    let target_events = 6 + g.rng.below(9) as usize;
    while records.len() < target_events {
        // Time moves on by an hour to three working days; some events are logged
        // later than they happened.
        t += Duration::minutes(60 + g.rng.below(3 * 24 * 60) as i64);
        if t > end {
            break;
        }
        let (at, happened) = if g.rng.chance(20) {
            (t + Duration::hours(3), Some(t))
        } else {
            (t, None)
        };
        if at > end {
            break;
        }
        let Ok(d) = Dispute::fold(id.clone(), records.clone(), p) else {
            break;
        };
        if !d.is_open() {
            break;
        }
        let outstanding: Vec<String> = d.outstanding().map(|o| o.id.clone()).collect();
        let event = if !outstanding.is_empty() && g.rng.chance(50) {
            let who = g.rng.pick(&outstanding).clone();
            Event::Notified {
                who: who.clone(),
                obligation: Some(who),
                note: Some("Told by phone".into()),
            }
        } else if !d.action_recorded || g.rng.chance(25) {
            Event::Discussed {
                stage: d.stage,
                note: "Discussed; no agreement yet".into(),
                with: Some("Duty manager".into()),
            }
        } else if g.rng.chance(25) || p.next_stage(d.stage).is_none() {
            Event::Resolved {
                stage: d.stage,
                outcome: "Agreed a way forward".into(),
            }
        } else {
            let to = p.next_stage(d.stage).map_or(d.stage, |s| s.number);
            Event::Escalated {
                from_stage: d.stage,
                to_stage: to,
                reason: "Not resolved at this stage".into(),
                due: None,
                bypass_role: None,
            }
        };
        push(&mut g, &mut records, at, happened, event);
    }
    records
}

/// One dispute with a journal of `lines` lines, for timing `show` on a long one:
/// discussions, a correction every seventh line, and an escalation now and then
/// while the policy has stages left. Returns its ID.
pub fn long_journal(dir: &Path, lines: usize, seed: u64) -> Result<DisputeId> {
    long_journal_by(dir, lines, seed, None)
}

/// [`long_journal`], signed by `author` when given.
pub fn long_journal_by(
    dir: &Path,
    lines: usize,
    seed: u64,
    author: Option<&Author<'_>>,
) -> Result<DisputeId> {
    let catalogue = Catalogue::builtin();
    let policies = catalogue.policies();
    let store = crate::store::Store::new(dir);
    let mut rng = Rng(seed);
    let own = generator_key(&mut rng);
    let fallback = Author {
        key: &own,
        name: "Generator",
    };
    let author = author.unwrap_or(&fallback);
    let policy = rng.pick(&policies);
    store.pin_policy(policy)?;
    let p = &policy.policy;
    let (id, path) = store.prepare_new()?;
    let mut t = clock::to_london(
        chrono::Utc
            .with_ymd_and_hms(2024, 11, 25, 9, 0, 0)
            .single()
            .unwrap_or_default(),
    );
    let seal_to = dispute_key(dir, author)?;
    let mut records = dispute(&mut rng, author, policy, &id, t, &seal_to);
    records.truncate(1);
    let mut stage = p.first_stage();
    while records.len() < lines.max(1) {
        t += Duration::minutes(1);
        let n = records.len() as u64;
        let event = if n.is_multiple_of(7) {
            Event::Amended {
                event: n,
                // Named by its nonce, as the writer names a format-3 line.
                target: records.last().and_then(|r| r.nonce.clone()),
                note: "Clarified who attended".into(),
                event_happened: None,
            }
        } else if n.is_multiple_of(50) && p.next_stage(stage).is_some() {
            let to = p.next_stage(stage).map_or(stage, |s| s.number);
            let from = std::mem::replace(&mut stage, to);
            Event::Escalated {
                from_stage: from,
                to_stage: to,
                reason: "Not resolved at this stage".into(),
                due: None,
                bypass_role: None,
            }
        } else {
            Event::Discussed {
                stage,
                note: "Discussed; no agreement yet".into(),
                with: Some("Duty manager".into()),
            }
        };
        let mut g = Gen {
            rng: &mut rng,
            key: author.key,
            by: author.name,
            id: &id,
            seal_to: Some(&seal_to),
        };
        push(&mut g, &mut records, t, None, event);
    }
    write_journal(&path, &records)?;
    file_key(dir, &id, &seal_to)?;
    Ok(id)
}

fn write_journal(path: &Path, records: &[Record]) -> Result<()> {
    let mut bytes = Vec::new();
    let mut hash = String::new();
    for r in records {
        let text = line::encode(r)?;
        hash = line::sha256_hex(text.as_bytes());
        bytes.extend_from_slice(text.as_bytes());
        bytes.push(b'\n');
    }
    let receipt = head::Receipt {
        seq: records.len() as u64,
        hash,
    };
    crate::store::fsutil::write_new_file(path, &bytes)?;
    crate::store::fsutil::write_new_file(&head::path_for(path), head::render(&receipt).as_bytes())
}

/// Write `disputes` disputes into the data directory `dir`; returns how many events.
pub fn generate(dir: &Path, disputes: u64, seed: u64) -> Result<usize> {
    generate_by(dir, disputes, seed, None)
}

/// [`generate`], signed by `author` when given.
pub fn generate_by(
    dir: &Path,
    disputes: u64,
    seed: u64,
    author: Option<&Author<'_>>,
) -> Result<usize> {
    let catalogue = Catalogue::builtin();
    let policies = catalogue.policies();
    let store = crate::store::Store::new(dir);
    let end = clock::to_london(
        chrono::Utc
            .with_ymd_and_hms(2026, 11, 23, 9, 0, 0)
            .single()
            .unwrap_or_default(),
    );
    let mut rng = Rng(seed);
    // Drawn either way, so the disputes are the same whoever signs them.
    let own = generator_key(&mut rng);
    let fallback = Author {
        key: &own,
        name: "Generator",
    };
    let author = author.unwrap_or(&fallback);
    let mut events = 0usize;
    for p in &policies {
        store.pin_policy(p)?;
    }
    for _ in 0..disputes {
        let policy = rng.pick(&policies);
        let (id, path) = store.prepare_new()?;
        let seal_to = dispute_key(dir, author)?;
        let records = dispute(&mut rng, author, policy, &id, end, &seal_to);
        events += records.len();
        write_journal(&path, &records)?;
        file_key(dir, &id, &seal_to)?;
    }
    Ok(events)
}
