//! iCalendar (RFC 5545) for every due item, so a user can subscribe in Outlook or
//! Google Calendar: one VEVENT per stage deadline and per outstanding obligation with
//! a deadline (a resolved dispute's too). A deadline at the end of a working day is
//! an all-day event; one in clock hours is timed, starting at the deadline. The UID
//! stays the same while it is the same due item (the dispute's stage, or the
//! obligation and the journal line it arose on), so re-importing updates events
//! instead of duplicating them; SEQUENCE rises as the journal grows.
//! Events carry the dispute ID, stage and agencies, never the child's reference or
//! the summary: calendars are synced and shared far more widely than journals.

use std::fmt::Write;

use escalate_core::domain::clock::Instant;
use escalate_core::domain::deadline::Due;
use escalate_core::domain::summary::Summary;

pub(crate) fn calendar(rows: &[Summary], now: &Instant) -> String {
    let mut out = String::new();
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "PRODID:-//escalate//escalate deadlines//EN");
    line(&mut out, "CALSCALE:GREGORIAN");
    line(&mut out, "METHOD:PUBLISH");
    line(&mut out, "X-WR-CALNAME:escalate deadlines");
    let stamp = now.naive_utc().format("%Y%m%dT%H%M%SZ").to_string();
    for s in rows {
        if let Some(due) = &s.due {
            let title = format!(
                "Stage {} due: dispute {} ({} → {})",
                s.stage_label, s.id, s.from, s.with
            );
            let body = format!(
                "{} policy, stage {} ({}). Run: escalate show {}",
                s.policy, s.stage_label, s.stage_name, s.id
            );
            event(
                &mut out,
                &format!("{}-stage-{}@escalate", s.id, s.stage),
                &stamp,
                s.events,
                due,
                &title,
                &body,
            );
        }
        for o in &s.obligations {
            let Some(due) = &o.due else {
                continue;
            };
            let title = format!("{}: dispute {}", o.action, s.id);
            let body = format!(
                "{} — {} (policy {}, stage {}). Run: escalate show {}",
                o.who, o.action, s.policy, o.stage, s.id
            );
            let uid = format!("{}-{}-line{}@escalate", s.id, o.id, o.arose_line);
            event(&mut out, &uid, &stamp, s.events, due, &title, &body);
        }
    }
    line(&mut out, "END:VCALENDAR");
    out
}

fn event(
    out: &mut String,
    uid: &str,
    stamp: &str,
    sequence: usize,
    due: &Due,
    title: &str,
    body: &str,
) {
    line(out, "BEGIN:VEVENT");
    line(out, &format!("UID:{}", escape(uid)));
    line(out, &format!("DTSTAMP:{stamp}"));
    line(out, &format!("SEQUENCE:{sequence}"));
    if due.time.is_some() {
        let utc = |t: chrono::DateTime<chrono::Utc>| t.format("%Y%m%dT%H%M%SZ").to_string();
        let start = due.by.with_timezone(&chrono::Utc);
        line(out, &format!("DTSTART:{}", utc(start)));
        line(
            out,
            &format!("DTEND:{}", utc(start + chrono::Duration::minutes(15))),
        );
    } else {
        let date = due.date;
        line(
            out,
            &format!("DTSTART;VALUE=DATE:{}", date.format("%Y%m%d")),
        );
        let end = date.succ_opt().unwrap_or(date);
        line(out, &format!("DTEND;VALUE=DATE:{}", end.format("%Y%m%d")));
    }
    line(out, &format!("SUMMARY:{}", escape(title)));
    line(out, &format!("DESCRIPTION:{}", escape(body)));
    line(out, "TRANSP:TRANSPARENT");
    line(out, "END:VEVENT");
}

/// TEXT escaping per RFC 5545 §3.3.11, after control and invisible characters
/// are shown as `<U+XXXX>` (`text::visible`): a calendar shows them as every
/// other output does rather than losing them.
fn escape(text: &str) -> String {
    let text = escalate_core::domain::text::visible(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            // Only a CR before a line feed is left by `visible`: the line break
            // is written once.
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Append a content line folded at 75 octets (never inside a UTF-8 character),
/// ending in CRLF.
fn line(out: &mut String, content: &str) {
    let mut width = 0;
    for c in content.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    let _ = out.write_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_characters() {
        let mut out = String::new();
        line(&mut out, &format!("SUMMARY:{}", "é".repeat(60)));
        for l in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(l.len() <= 75, "{l:?} is {} octets", l.len());
        }
        let unfolded = out.replace("\r\n ", "");
        assert_eq!(unfolded, format!("SUMMARY:{}\r\n", "é".repeat(60)));
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
        assert_eq!(escape("x\x1b[2K\r\ny\rz"), "x<U+001B>[2K\\ny<U+000D>z");
    }
}
