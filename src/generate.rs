//! Realistic data for benchmarks and scale tests: disputes under every built-in
//! policy, opened over the two years before 2026-11-23, each walked through the
//! policy's own rules (discussions, escalations, notifications of the obligations
//! that arise, some resolved, some backdated), about ten events each. Lines are
//! sealed and chained by the journal encoder, each journal gets its head receipt,
//! and every dispute is folded under its policy as it is built, so the result
//! verifies. Used by `examples/generate.rs` and the scale tests.

use std::path::Path;

use chrono::{Duration, TimeZone};

use crate::clock::{self, Instant};
use crate::dispute::Dispute;
use crate::error::Result;
use crate::id::DisputeId;
use crate::journal::{head, line, Event, Opened, Record};
use crate::policy::{Catalogue, LoadedPolicy};

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

fn push(records: &mut Vec<Record>, at: Instant, happened: Option<Instant>, event: Event) {
    let prev = records
        .last()
        .map(|r| line::sha256_hex(line::encode(r).as_bytes()))
        .unwrap_or_default();
    let mut r = Record {
        seq: records.len() as u64 + 1,
        at,
        happened,
        by: "Generator".into(),
        event,
        prev,
        hash: String::new(),
    };
    r.hash = line::seal_of(&line::encode(&r)).to_owned();
    records.push(r);
}

fn dispute(rng: &mut Rng, policy: &LoadedPolicy, id: &DisputeId, end: Instant) -> Vec<Record> {
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
    };
    let mut records = Vec::new();
    push(&mut records, t, None, Event::Opened(opened));
    let target_events = 6 + rng.below(9) as usize;
    while records.len() < target_events {
        // Time moves on by an hour to three working days; some events are logged
        // later than they happened.
        t += Duration::minutes(60 + rng.below(3 * 24 * 60) as i64);
        if t > end {
            break;
        }
        let (at, happened) = if rng.chance(20) {
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
        let event = if !outstanding.is_empty() && rng.chance(50) {
            let who = rng.pick(&outstanding).clone();
            Event::Notified {
                who: who.clone(),
                obligation: Some(who),
                note: Some("Told by phone".into()),
            }
        } else if !d.action_recorded || rng.chance(25) {
            Event::Discussed {
                stage: d.stage,
                note: "Discussed; no agreement yet".into(),
                with: Some("Duty manager".into()),
            }
        } else if rng.chance(25) || p.next_stage(d.stage).is_none() {
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
        push(&mut records, at, happened, event);
    }
    records
}

/// Write `disputes` disputes into the data directory `dir`; returns how many events.
pub fn generate(dir: &Path, disputes: u64, seed: u64) -> Result<usize> {
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
    let mut events = 0usize;
    for p in &policies {
        store.pin_policy(p)?;
    }
    for _ in 0..disputes {
        let policy = rng.pick(&policies);
        let (id, path) = store.prepare_new()?;
        let records = dispute(&mut rng, policy, &id, end);
        events += records.len();
        let mut bytes = Vec::new();
        for r in &records {
            bytes.extend_from_slice(line::encode(r).as_bytes());
            bytes.push(b'\n');
        }
        let receipt = head::Receipt {
            seq: records.len() as u64,
            hash: records
                .last()
                .map(|r| line::sha256_hex(line::encode(r).as_bytes()))
                .unwrap_or_default(),
        };
        crate::fsutil::write_new_file(&path, &bytes)?;
        crate::fsutil::write_new_file(&head::path_for(&path), head::render(&receipt).as_bytes())?;
    }
    Ok(events)
}
