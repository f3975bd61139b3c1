//! `escalate export --subject REF`: every dispute about one person that the
//! caller may read, in full, for a subject-access request (UK GDPR's right of
//! access). The subject's reference is sealed on a sealed dispute, so this is
//! the one command that unwraps a key for every sealed dispute it looks at (one
//! each); a dispute no key of the caller's opens cannot be matched, and is
//! neither listed nor counted as about the subject: only how many could not be
//! searched is said. Opened text goes to the caller's output and nowhere else.

use std::io::Write;

use escalate_core::domain::event::Record;
use escalate_core::domain::id::DisputeId;
use escalate_core::error::{Error, Result};
use escalate_core::ops::Session;
use escalate_core::privacy::Text;

use super::{ExportArgs, Format};
use crate::cli::{Ctx, Output};

/// What looking at one dispute found.
enum Found {
    /// About the subject: its copy, rendered.
    Copy(String),
    /// Read, and about someone else.
    Other,
    /// Sealed with no key of the caller's, or erased: it cannot be searched.
    Unsearchable,
}

pub(super) fn run(args: &ExportArgs, reference: &str, ctx: &Ctx) -> Result<Output> {
    if reference.trim().is_empty() {
        return Err(Error::usage("--subject needs a reference").with_hint(
            "Give the child's or adult's reference as it was recorded, e.g. --subject LCS-40213.",
        ));
    }
    let md = match args.format {
        Format::Jsonl => false,
        Format::Md => true,
        Format::Csv | Format::Ics => return Err(Error::usage(
            "--subject gives each dispute in full: --format jsonl or md",
        )
        .with_hint(
            "Use --format jsonl for a file to process, or --format md for a letter-ready copy.",
        )),
    };
    if !args.include_dir.is_empty() {
        return Err(
            Error::usage("--subject reads this data directory only (not --include-dir)").with_hint(
                "Run the export in each data directory, with --dir PATH, and send each copy.",
            ),
        );
    }
    let s = ctx.session()?;
    // A damaged member list is reported by sync and verify; the copy then names
    // lines by their `by` text alone.
    let members = escalate_core::members::load(ctx.root.as_path())
        .ok()
        .flatten();
    let ids = s.store.ids()?;
    let mut copies: Vec<String> = Vec::new();
    let mut unsearchable = 0usize;
    let mut left_out = 0usize;
    escalate_core::ops::in_parallel(
        &ids,
        |id| look(s, id, reference, md, members.as_ref()),
        |id, found| match found {
            Ok(Found::Copy(text)) => copies.push(text),
            Ok(Found::Other) => {}
            Ok(Found::Unsearchable) => unsearchable += 1,
            Err(e) => {
                left_out += 1;
                ctx.ui
                    .warn(&format!("dispute {id} could not be searched: {e}"));
            }
        },
    );
    if unsearchable > 0 {
        ctx.ui.note(&format!(
            "{unsearchable} sealed dispute(s) could not be searched: no key of yours opens them (or their text was erased), so whether they are about {} is not known here. A subject-access request goes to each agency party to a dispute: each searches what it may read",
            escalate_core::domain::text::one_line(reference.trim())
        ));
    }
    if copies.is_empty() {
        ctx.ui.note(&format!(
            "no dispute you may read is about {}",
            escalate_core::domain::text::one_line(reference.trim())
        ));
    }
    if left_out > 0 {
        ctx.ui.warn(&format!(
            "{left_out} damaged dispute(s) were not searched: this copy may be incomplete. `escalate verify` says what is wrong"
        ));
    }
    let mut out = crate::cli::sink::stdout();
    let written = if md {
        let mut text = crate::render::subject::preface(reference, copies.len(), &s.actor, &s.now);
        for c in &copies {
            text.push_str(c);
        }
        out.write_all(escalate_core::domain::text::visible(&text).as_bytes())
    } else {
        copies.iter().try_for_each(|line| {
            out.write_all(escalate_core::domain::text::visible_json(line).as_bytes())
        })
    };
    crate::cli::sink::finish(&mut out, written)?;
    Ok(Output::Text(String::new()))
}

/// Whether two references are the same person's: trimmed, case ignored.
fn same(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// Read dispute `id` with its text opened where the caller holds its key, and
/// render its copy when it is about `reference`.
fn look(
    s: &Session,
    id: &DisputeId,
    reference: &str,
    md: bool,
    members: Option<&escalate_core::members::Members>,
) -> Result<Found> {
    // Its first line alone says whom it is about: only a dispute about the
    // subject is read and opened in full (and checked, signatures too).
    match s.subject_reference(id)? {
        None => return Ok(Found::Unsearchable),
        Some(found) if !same(&found, reference) => return Ok(Found::Other),
        Some(_) => {}
    }
    let (loaded, journal, key) = s.load_streaming_readable(id, |_| {})?;
    if loaded.text == Text::Sealed || loaded.dispute.erased.is_some() {
        return Ok(Found::Unsearchable);
    }
    if !same(&loaded.dispute.opened.child, reference) {
        return Ok(Found::Other);
    }
    let summary = loaded.summary(&s.calendar_for(&loaded.policy), &s.now);
    // Each line opened again with the one key unwrapped; the sealed copy of its
    // text is left off, as the copy holds the text itself.
    let open = move |mut r: Record| {
        if let Some(k) = &key {
            if escalate_core::privacy::open(&mut r, k).is_ok() {
                r.sealed = None;
            }
        }
        r
    };
    if md {
        let records = journal
            .replay()?
            .map(|r| r.map(&open))
            .collect::<Result<Vec<Record>>>()?;
        return Ok(Found::Copy(crate::render::subject::dispute(
            &summary,
            &loaded.dispute,
            &loaded.policy.policy,
            &records,
            members,
        )));
    }
    let head = match serde_json::to_value(&summary) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    let keys = crate::cli::commands::show::KeyMarks::of(&loaded.dispute, s.store.root());
    let whole = crate::cli::commands::show::WithEvents {
        head,
        lines: crate::cli::commands::show::Lines {
            dispute: &loaded.dispute,
            journal: &journal,
            keys: &keys,
            open: &open,
        },
    };
    let line = serde_json::to_string(&whole).map_err(|e| {
        Error::internal(format!(
            "internal error: a dispute could not be written as JSON ({e})"
        ))
    })?;
    Ok(Found::Copy(line + "\n"))
}
