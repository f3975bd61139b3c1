//! Presenting a policy to people: timescales and conditions in words, the text view
//! of `escalate policy show` (tables for the stages, categories, obligations and
//! bypasses; every reading with the sentence it interprets), and the flowcharts
//! (mermaid, Graphviz dot). It only presents a checked policy; it decides nothing.

use comfy_table::{presets, ColumnConstraint, ContentArrangement, Table, Width};

use escalate_core::policy::{
    Anchor, Condition, Deadline, Flag, LimitScope, LoadedPolicy, Policy, Trigger,
};

/// Width used for tables and wrapped prose when stdout is not a terminal, so a
/// policy printed to a file or e-mail stays readable.
const PIPE_WIDTH: u16 = 100;

/// A condition (`when` entry) as a phrase: "the child has a child protection plan".
fn condition_words(policy: &Policy, condition: &Condition) -> String {
    match condition {
        Condition::Flag(Flag::CpPlan) => "the child has a child protection plan".to_owned(),
        Condition::Flag(Flag::LookedAfter) => "the child is looked after".to_owned(),
        Condition::Flag(Flag::ImmediateHarm) => "the child is at risk of immediate harm".to_owned(),
        Condition::Category(id) => match policy.category(id) {
            Some(c) => format!("the disagreement is about {}", lower_first(&c.name)),
            None => format!("the category is {id}"),
        },
        Condition::Unknown(other) => other.clone(),
    }
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        // Keep acronyms and proper names ("CAF", "Initial Child ...") as written.
        Some(c) if chars.clone().next().is_some_and(|n| n.is_lowercase()) => {
            c.to_lowercase().chain(chars).collect()
        }
        _ => s.to_owned(),
    }
}

fn conditions_words(policy: &Policy, when: &[Condition]) -> String {
    when.iter()
        .map(|c| condition_words(policy, c))
        .collect::<Vec<_>>()
        .join(" or ")
}

/// A timescale in words, e.g. "24 hours or 2 working days, whichever is earlier,
/// counted from when the disagreement arose, if the child is at risk of immediate
/// harm". `default_from` names what `from = "entered"` means where it is used.
pub(crate) fn deadline_words(policy: &Policy, d: &Deadline, default_from: &str) -> String {
    deadline_phrase(policy, d, default_from, false)
}

/// `deadline_words`, or a shorter form for flowchart labels.
fn deadline_phrase(policy: &Policy, d: &Deadline, default_from: &str, short: bool) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let (Some(h), Some(n)) = (d.stated_hours, d.working_days) {
        parts.push(format!(
            "{h} hours, which the document equates to {n} working day{}",
            if n == 1 { "" } else { "s" }
        ));
    }
    if let Some(n) = d.calendar_days {
        parts.push(format!("{n} calendar day{}", if n == 1 { "" } else { "s" }));
    }
    if d.without_delay {
        parts.push("without delay (by the end of the working day)".to_owned());
    }
    if let Some(h) = d.hours {
        parts.push(format!("{h} hour{}", if h == 1 { "" } else { "s" }));
    }
    if let Some(n) = d.working_days.filter(|_| d.stated_hours.is_none()) {
        parts.push(format!("{n} working day{}", if n == 1 { "" } else { "s" }));
    }
    if d.same_working_day {
        parts.push("the same working day".to_owned());
    }
    if d.immediately {
        parts.push("immediately (by the end of the working day)".to_owned());
    }
    let mut out = if d.none && short {
        "no fixed timescale".to_owned()
    } else if d.none {
        "no fixed timescale (the age in working days is shown)".to_owned()
    } else {
        let mut s = parts.join(" or ");
        if parts.len() > 1 {
            s.push_str(", whichever is earlier");
        }
        let from = match d.from {
            Anchor::Entered => default_from,
            Anchor::Opened => "opening the dispute",
            Anchor::Arose => "when the disagreement arose",
            Anchor::Discussed => "the stage's first recorded discussion",
        };
        if !from.is_empty() {
            s.push_str(", counted from ");
            s.push_str(from);
        }
        s
    };
    if !d.when.is_empty() {
        out.push_str(", if ");
        out.push_str(&conditions_words(policy, &d.when));
    }
    out
}

fn stage_deadlines_words(policy: &Policy, deadlines: &[Deadline]) -> String {
    let mut out = deadlines
        .iter()
        .map(|d| deadline_words(policy, d, "entering the stage"))
        .collect::<Vec<_>>()
        .join(";\n");
    // A stage with no timescale of its own may still be bounded by a limit; saying
    // only "no fixed timescale" would understate what is due.
    if !policy.limits.is_empty() {
        out.push_str(";\nand the limits below");
    }
    out
}

fn trigger_words(policy: &Policy, on: Trigger, stage: Option<u32>) -> String {
    let label = |n: u32| policy.label(n);
    match (on, stage) {
        (Trigger::Open, _) => "on opening".to_owned(),
        (Trigger::Enter, Some(n)) => format!("on entering stage {}", label(n)),
        (Trigger::Enter, None) => "on entering a stage".to_owned(),
        (Trigger::Resolve, Some(n)) => format!("on resolving at stage {} or later", label(n)),
        (Trigger::Resolve, None) => "on resolving".to_owned(),
        (Trigger::ResolveAt, Some(n)) => format!("on resolving at stage {} exactly", label(n)),
        (Trigger::ResolveAt, None) => "on resolving".to_owned(),
    }
}

fn new_table(width: Option<u16>) -> Table {
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_HORIZONTAL_ONLY)
        .set_content_arrangement(ContentArrangement::Dynamic);
    table.set_width(width.unwrap_or(PIPE_WIDTH));
    table
}

/// Ids are typed back at the tool, so their column is never broken mid-word.
fn keep_whole(table: &mut Table, column: usize) {
    if let Some(c) = table.column_mut(column) {
        c.set_constraint(ColumnConstraint::ContentWidth);
    }
}

/// The longest word a column may be given room for whole; longer ones (a path)
/// may break.
const LONGEST_WORD: usize = 24;

fn finish(table: &mut Table) -> String {
    // However narrow the terminal, a column is never narrower than its longest
    // word: comfy-table would otherwise split "supervisor" as "supervi sor".
    let mut longest: Vec<usize> = Vec::new();
    let rows = table.header().into_iter().chain(table.row_iter());
    for row in rows {
        for (i, cell) in row.cell_iter().enumerate() {
            let word = cell
                .content()
                .split_whitespace()
                .map(super::wrap::columns)
                .max()
                .unwrap_or(0);
            if longest.len() <= i {
                longest.resize(i + 1, 0);
            }
            longest[i] = longest[i].max(word.min(LONGEST_WORD));
        }
    }
    // Three columns of padding and rule a column.
    let needed: usize = longest.iter().map(|w| w + 3).sum();
    if let Some(width) = table.width().map(usize::from) {
        if needed > width && table.column_count() > 2 {
            return stacked(table, width);
        }
    }
    for (column, word) in table.column_iter_mut().zip(longest) {
        if column.constraint().is_none() {
            // A constraint's width includes the cell's padding (one space a side).
            let word = u16::try_from(word + 2).unwrap_or(u16::MAX);
            column.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(word)));
        }
    }
    let mut out: String = table
        .to_string()
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n");
    out.push('\n');
    out
}

/// A table too wide for `width` columns with every word whole, as one block a
/// row: its first cell, then each other cell under its heading, wrapped between
/// words (as the narrow `status` list is).
fn stacked(table: &Table, width: usize) -> String {
    let header: Vec<String> = table
        .header()
        .map(|h| h.cell_iter().map(|c| c.content()).collect())
        .unwrap_or_default();
    let mut out = String::new();
    for row in table.row_iter() {
        out.push('\n');
        for (i, cell) in row.cell_iter().enumerate() {
            let text = cell
                .content()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            if text.is_empty() {
                continue;
            }
            let line = match header.get(i) {
                Some(h) if !h.is_empty() => format!("{h}: {text}"),
                _ => text,
            };
            let (first, rest) = if i == 0 {
                ("", "    ")
            } else {
                ("  ", "      ")
            };
            out.push_str(&hang(&line, first, rest, width));
        }
    }
    out
}

/// Word-wrap `text` to `width` columns, every line starting with `indent`.
fn wrap(text: &str, indent: &str, width: usize) -> String {
    hang(text, indent, indent, width)
}

/// Word-wrap with a hanging indent: the first line starts with `first`, the rest
/// with `rest`, so a numbered or bulleted paragraph reads as one item.
fn hang(text: &str, first: &str, rest: &str, width: usize) -> String {
    let words = super::wrap::words(text);
    if words.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    for line in super::wrap::fill(&words, first, rest, width) {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// One row of `escalate policy list`, and its `--json` element (the table leaves
/// out the hash, which is for scripts).
#[derive(serde::Serialize)]
pub(crate) struct ListRow<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub partnership: &'a str,
    pub stages: usize,
    pub year: Option<u16>,
    pub origin: String,
    pub hash: &'a str,
}

pub(crate) fn list(rows: &[ListRow<'_>], width: Option<u16>) -> String {
    let mut table = new_table(width);
    if width.is_none() {
        // Piped: plain columns, a policy a line, as `status` prints, not a box
        // drawn to an imagined 100-column terminal.
        table
            .load_style(presets::NOTHING)
            .set_content_arrangement(ContentArrangement::Disabled);
    }
    table.set_header(vec!["ID", "Partnership", "Stages", "Year", "From", "Name"]);
    keep_whole(&mut table, 0);
    for r in rows {
        table.add_row(vec![
            r.id.to_owned(),
            r.partnership.to_owned(),
            r.stages.to_string(),
            r.year
                .map_or_else(|| "undated".to_owned(), |y| y.to_string()),
            r.origin.clone(),
            r.name.to_owned(),
        ]);
    }
    finish(&mut table)
}

/// The text of `escalate policy show`.
pub(crate) fn show(
    policy: &Policy,
    division: escalate_core::calendar::Division,
    hash: &str,
    origin: &str,
    width: Option<u16>,
) -> String {
    let prose = usize::from(width.unwrap_or(PIPE_WIDTH));
    let mut out = String::new();
    out.push_str(&wrap(&format!("{}: {}", policy.id, policy.name), "", prose));
    out.push_str(&wrap(
        &format!(
            "{} ({})",
            policy.partnership,
            policy
                .year
                .map_or_else(|| "undated".to_owned(), |y| y.to_string())
        ),
        "",
        prose,
    ));
    out.push_str(&wrap(&format!("Source: {}", policy.document), "", prose));
    out.push_str(&wrap(
        &format!(
            "Working days: {} bank holidays. From: {origin}. Hash: {hash}",
            division.title()
        ),
        "",
        prose,
    ));
    if let Some(scope) = policy.subject {
        let whom = match scope {
            escalate_core::policy::SubjectScope::Children => "children",
            escalate_core::policy::SubjectScope::Adults => "adults (`open --subject-kind adult`)",
            escalate_core::policy::SubjectScope::ChildrenAndAdults => {
                "children and adults (`open --subject-kind adult` for an adult)"
            }
        };
        out.push_str(&format!("Covers disagreements about {whom}.\n"));
    }

    out.push('\n');
    out.push_str(&wrap(
        "Stages (each needs a discussion recorded with `escalate discuss` before it may be left)",
        "",
        prose,
    ));
    let mut table = new_table(width);
    table.set_header(vec!["Stage", "Name", "Who", "Required action", "Deadline"]);
    for s in &policy.stages {
        let mut deadline = if !s.steps.is_empty() && s.deadlines.iter().all(|d| d.none) {
            "the dates of its steps (below)".to_owned()
        } else {
            stage_deadlines_words(policy, &s.deadlines)
        };
        if s.agree.is_some() {
            deadline.push_str(";\nor a later date the parties agree (`escalate agree`)");
        }
        let mut name = s.name.clone();
        if let Some(b) = &s.branch {
            name.push_str(&format!(" (branch {b}"));
            if !s.when.is_empty() {
                name.push_str(&format!(", taken if {}", conditions_words(policy, &s.when)));
            }
            name.push(')');
        }
        table.add_row(vec![
            policy.label(s.number),
            name,
            s.who.clone(),
            s.action.clone(),
            deadline,
        ]);
    }
    out.push_str(&finish(&mut table));
    out.push_str(&steps_section(policy, width));

    if !policy.limits.is_empty() {
        out.push_str("\nLimits (the earliest of a stage's deadlines and these applies)\n");
        for l in &policy.limits {
            let (scope, from) = match l.scope {
                LimitScope::EachStage => ("Every stage", "entering the stage"),
                LimitScope::WholeDispute => ("The whole dispute", "opening the dispute"),
            };
            out.push_str(&hang(
                &format!("{scope}: {}", deadline_words(policy, &l.deadline, from)),
                "- ",
                "  ",
                prose,
            ));
        }
    }

    if let Some(u) = &policy.urgent {
        out.push_str("\nChild at risk of immediate harm (`open --immediate-harm`)\n");
        if u.start_at_any_stage {
            out.push_str(&hang(
                "The dispute may start at any stage: `open --immediate-harm --stage N --reason \"...\"`.",
                "- ",
                "  ",
                prose,
            ));
        }
        if u.skip_required_action {
            out.push_str(&hang(
                "A stage may be left before its discussion is recorded; the stages still follow in order.",
                "- ",
                "  ",
                prose,
            ));
        }
    }

    if !policy.bypasses.is_empty() {
        out.push_str("\nBypasses (`escalate escalate ID --to N --as ROLE`)\n");
        let mut table = new_table(width);
        table.set_header(vec!["Role", "May go straight to"]);
        for b in &policy.bypasses {
            let name = policy.stage(b.to_stage).map_or("", |s| s.name.as_str());
            let mut to = format!("stage {} ({name})", policy.label(b.to_stage));
            if b.without_discussion {
                to.push_str(", with or without the current stage's discussion");
            }
            if b.may_open {
                to.push_str("; may open a dispute there (`open --stage N --as ROLE`)");
            }
            table.add_row(vec![b.role.clone(), to]);
        }
        out.push_str(&finish(&mut table));
    }

    if !policy.obligations.is_empty() {
        out.push_str("\nObligations (record each with `escalate notify ID --who ID`)\n");
        let mut table = new_table(width);
        table.set_header(vec!["ID", "Who", "When", "Action", "Due"]);
        keep_whole(&mut table, 0);
        for o in &policy.obligations {
            let mut when = trigger_words(policy, o.on, o.stage);
            if !o.when.is_empty() {
                when.push_str(", if ");
                when.push_str(&conditions_words(policy, &o.when));
            }
            let due = o.due.as_ref().map_or_else(
                || "no time limit".to_owned(),
                |d| {
                    let words = deadline_words(policy, d, "when it arises");
                    // A conditional time limit leaves the duty standing without one.
                    if d.when.is_empty() {
                        words
                    } else {
                        words + "; otherwise no time limit"
                    }
                },
            );
            table.add_row(vec![
                o.id.clone(),
                o.who.clone(),
                when,
                o.action.clone(),
                due,
            ]);
        }
        out.push_str(&finish(&mut table));
    }

    if !policy.categories.is_empty() {
        out.push_str("\nCategories (`open --category ID`)\n");
        let mut table = new_table(width);
        table.set_header(vec!["ID", "Disagreements about", "Covered"]);
        keep_whole(&mut table, 0);
        for c in &policy.categories {
            table.add_row(vec![
                c.id.clone(),
                c.name.clone(),
                if c.excluded {
                    "EXCLUDED: the policy does not cover it".to_owned()
                } else {
                    "yes".to_owned()
                },
            ]);
        }
        out.push_str(&finish(&mut table));
    }

    if !policy.fields.is_empty() {
        out.push_str("\nFields reported by (`open --field ID=VALUE`)\n");
        let mut table = new_table(width);
        table.set_header(vec!["ID", "Field", "Values", "Asked at open"]);
        keep_whole(&mut table, 0);
        for f in &policy.fields {
            table.add_row(vec![
                f.id.clone(),
                f.label.clone(),
                f.values.join(", "),
                if f.ask { "yes" } else { "no" }.to_owned(),
            ]);
        }
        out.push_str(&finish(&mut table));
    }

    if !policy.notes.is_empty() {
        out.push_str("\nNotes (duties the tool shows but cannot enforce)\n");
        for n in &policy.notes {
            out.push_str(&hang(&n.text, "- ", "  ", prose));
        }
    }

    let readings = readings(policy);
    if !readings.is_empty() {
        out.push_str("\nReadings (how this file interprets the document where it is ambiguous)\n");
        for (i, (what, reading, source)) in readings.iter().enumerate() {
            let number = format!("{}. ", i + 1);
            let rest = " ".repeat(number.len());
            out.push_str(&hang(&format!("{what}: {reading}"), &number, &rest, prose));
            if let Some(source) = source {
                out.push_str(&wrap(
                    &format!("Source: \u{201c}{source}\u{201d}"),
                    &rest,
                    prose,
                ));
            }
        }
    }
    out
}

/// The steps inside stages, each with its own deadline and what it counts from.
fn steps_section(policy: &Policy, width: Option<u16>) -> String {
    if policy.stages.iter().all(|s| s.steps.is_empty()) {
        return String::new();
    }
    let mut out =
        String::from("\nSteps inside stages (record each with `escalate notify ID --who STEP`)\n");
    let mut table = new_table(width);
    table.set_header(vec!["Stage", "Step", "Who", "Action", "Due"]);
    keep_whole(&mut table, 1);
    for s in &policy.stages {
        for step in &s.steps {
            let from = match &step.after {
                Some(before) => format!("step {before} being recorded"),
                None => "entering the stage".to_owned(),
            };
            table.add_row(vec![
                policy.label(s.number),
                step.id.clone(),
                step.who.clone(),
                step.action.clone(),
                deadline_words(policy, &step.due, &from),
            ]);
        }
    }
    out.push_str(&finish(&mut table));
    out
}

/// Every `reading` in the policy with what it belongs to and the sentence it reads.
pub(crate) fn readings(policy: &Policy) -> Vec<(String, String, Option<String>)> {
    let mut out = Vec::new();
    let mut push = |what: String, reading: &Option<String>, source: Option<&str>| {
        if let Some(r) = reading {
            out.push((what, r.clone(), source.map(str::to_owned)));
        }
    };
    for c in &policy.categories {
        push(format!("Category {}", c.id), &c.reading, Some(&c.source));
    }
    for f in &policy.fields {
        push(format!("Field {}", f.id), &f.reading, Some(&f.source));
    }
    for s in &policy.stages {
        push(format!("Stage {}", s.number), &s.reading, Some(&s.source));
        for d in &s.deadlines {
            push(
                format!("Stage {} deadline", s.number),
                &d.reading,
                d.source.as_deref(),
            );
        }
        for step in &s.steps {
            push(
                format!("Stage {} step {}", s.number, step.id),
                &step.reading,
                Some(&step.source),
            );
        }
        if let Some(a) = &s.agree {
            push(
                format!("Stage {} agreed date", s.number),
                &a.reading,
                Some(&a.source),
            );
        }
    }
    for l in &policy.limits {
        let scope = match l.scope {
            LimitScope::EachStage => "Limit on every stage",
            LimitScope::WholeDispute => "Limit on the whole dispute",
        };
        push(
            scope.to_owned(),
            &l.deadline.reading,
            l.deadline.source.as_deref(),
        );
    }
    if let Some(u) = &policy.urgent {
        push("Immediate harm".to_owned(), &u.reading, Some(&u.source));
    }
    for b in &policy.bypasses {
        push(format!("Bypass by {}", b.role), &b.reading, Some(&b.source));
    }
    for o in &policy.obligations {
        push(format!("Obligation {}", o.id), &o.reading, Some(&o.source));
        if let Some(d) = &o.due {
            push(
                format!("Obligation {} due", o.id),
                &d.reading,
                d.source.as_deref(),
            );
        }
    }
    for n in &policy.notes {
        push("Note".to_owned(), &n.reading, Some(&n.source));
    }
    out
}

/// Text for a mermaid label inside `["..."]` or `|...|`: mermaid reads entity codes
/// (`#quot;`) there, so characters that would end the label or start markup are
/// written as codes, and line breaks as `<br/>`.
pub(crate) fn mermaid_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '&' => out.push_str("#amp;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '|' => out.push_str("#124;"),
            '`' => out.push_str("#96;"),
            '[' => out.push_str("#91;"),
            ']' => out.push_str("#93;"),
            '{' => out.push_str("#123;"),
            '}' => out.push_str("#125;"),
            '\n' => out.push_str("<br/>"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Text for a Graphviz double-quoted string: backslash and quote escaped, line
/// breaks as `\n` (centred lines).
pub(crate) fn dot_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// What a flowchart draws: the stages with their deadlines, the urgent paths and
/// the bypasses. Shared by both formats so they never disagree.
struct Chart {
    stages: Vec<(u32, String)>,
    /// (from, to, label, dashed), between node ids.
    edges: Vec<(String, String, String, bool)>,
    extra_nodes: Vec<(String, String)>,
}

fn chart(policy: &Policy) -> Chart {
    let mut stages = Vec::new();
    for s in &policy.stages {
        let deadlines = s
            .deadlines
            .iter()
            .map(|d| deadline_phrase(policy, d, "", true))
            .collect::<Vec<_>>()
            .join("\n");
        let mut label = format!("{}. {}\n{deadlines}", policy.label(s.number), s.name);
        for step in &s.steps {
            let from = step
                .after
                .as_ref()
                .map_or_else(String::new, |b| format!("step {b} being recorded"));
            label.push_str(&format!(
                "\nstep {}: {}",
                step.id,
                deadline_phrase(policy, &step.due, &from, true)
            ));
        }
        if s.agree.is_some() {
            label.push_str("\nor a later date agreed");
        }
        stages.push((s.number, label));
    }
    let mut edges = Vec::new();
    let mut extra_nodes = vec![("opened".to_owned(), "Disagreement opened".to_owned())];
    edges.push((
        "opened".to_owned(),
        format!("s{}", policy.first_stage()),
        String::new(),
        false,
    ));
    for s in &policy.stages {
        let choices = policy.next_choices(s.number);
        for next in &choices {
            let label = match (&next.branch, choices.len()) {
                (Some(_), n) if n > 1 && !next.when.is_empty() => {
                    format!("not resolved, if {}", conditions_words(policy, &next.when))
                }
                (Some(_), n) if n > 1 && choices.iter().any(|c| !c.when.is_empty()) => {
                    format!(
                        "not resolved, otherwise (--to {})",
                        policy.label(next.number)
                    )
                }
                (Some(_), n) if n > 1 => {
                    format!("not resolved: --to {}", policy.label(next.number))
                }
                _ => "not resolved".to_owned(),
            };
            edges.push((
                format!("s{}", s.number),
                format!("s{}", next.number),
                label,
                false,
            ));
        }
    }
    let outcome_duties: Vec<String> = policy
        .obligations
        .iter()
        .filter(|o| matches!(o.on, Trigger::Resolve | Trigger::ResolveAt))
        .map(|o| format!("{} {}", o.who, trigger_words(policy, o.on, o.stage)))
        .collect();
    if !outcome_duties.is_empty() {
        extra_nodes.push((
            "outcome".to_owned(),
            format!("On resolving:\n{}", outcome_duties.join("\n")),
        ));
    }
    if let Some(u) = &policy.urgent {
        extra_nodes.push((
            "urgent".to_owned(),
            "Child at risk of immediate harm".to_owned(),
        ));
        edges.push((
            "opened".to_owned(),
            "urgent".to_owned(),
            "--immediate-harm".to_owned(),
            true,
        ));
        if u.start_at_any_stage {
            for s in policy.stages.iter().skip(1) {
                edges.push((
                    "urgent".to_owned(),
                    format!("s{}", s.number),
                    "may start here".to_owned(),
                    true,
                ));
            }
        }
        if u.skip_required_action {
            edges.push((
                "urgent".to_owned(),
                format!("s{}", policy.first_stage()),
                "stages in quick succession".to_owned(),
                true,
            ));
        }
    }
    if !policy.limits.is_empty() {
        let lines: Vec<String> = policy
            .limits
            .iter()
            .map(|l| match l.scope {
                LimitScope::EachStage => format!(
                    "Every stage: {}",
                    deadline_phrase(policy, &l.deadline, "", true)
                ),
                LimitScope::WholeDispute => format!(
                    "Whole dispute: {}",
                    deadline_phrase(policy, &l.deadline, "opening", true)
                ),
            })
            .collect();
        extra_nodes.push(("limits".to_owned(), lines.join("\n")));
    }
    for (i, b) in policy.bypasses.iter().enumerate() {
        let node = format!("bypass{}", i + 1);
        let mut label = format!("{} (--as)", b.role);
        if b.without_discussion {
            label.push_str(", from any stage");
        }
        extra_nodes.push((node.clone(), label));
        edges.push((
            node,
            format!("s{}", b.to_stage),
            "may go straight to".to_owned(),
            true,
        ));
    }
    Chart {
        stages,
        edges,
        extra_nodes,
    }
}

/// A mermaid flowchart (renders in GitHub markdown inside a ```mermaid block).
pub(crate) fn mermaid(policy: &Policy) -> String {
    let c = chart(policy);
    let mut out = String::from("flowchart TD\n");
    for (id, label) in &c.extra_nodes {
        out.push_str(&format!("    {id}([\"{}\"])\n", mermaid_escape(label)));
    }
    for (n, label) in &c.stages {
        out.push_str(&format!("    s{n}[\"{}\"]\n", mermaid_escape(label)));
    }
    for (from, to, label, dashed) in &c.edges {
        let arrow = if *dashed { "-.->" } else { "-->" };
        if label.is_empty() {
            out.push_str(&format!("    {from} {arrow} {to}\n"));
        } else {
            out.push_str(&format!(
                "    {from} {arrow}|\"{}\"| {to}\n",
                mermaid_escape(label)
            ));
        }
    }
    out
}

/// A Graphviz digraph (`dot -Tsvg`).
pub(crate) fn dot(policy: &Policy) -> String {
    let c = chart(policy);
    let mut out = format!(
        "digraph \"{}\" {{\n    rankdir=TB;\n    node [shape=box, fontname=\"Helvetica\"];\n    edge [fontname=\"Helvetica\", fontsize=10];\n",
        dot_escape(&policy.id)
    );
    for (id, label) in &c.extra_nodes {
        out.push_str(&format!(
            "    {id} [shape=ellipse, label=\"{}\"];\n",
            dot_escape(label)
        ));
    }
    for (n, label) in &c.stages {
        out.push_str(&format!("    s{n} [label=\"{}\"];\n", dot_escape(label)));
    }
    for (from, to, label, dashed) in &c.edges {
        let mut attrs = Vec::new();
        if !label.is_empty() {
            attrs.push(format!("label=\"{}\"", dot_escape(label)));
        }
        if *dashed {
            attrs.push("style=dashed".to_owned());
        }
        if attrs.is_empty() {
            out.push_str(&format!("    {from} -> {to};\n"));
        } else {
            out.push_str(&format!("    {from} -> {to} [{}];\n", attrs.join(", ")));
        }
    }
    out.push_str("}\n");
    out
}

/// What `policy check` says of a valid policy: what it holds, in one paragraph,
/// and how to use it (`install_dir` is the user's policies folder).
pub(crate) fn check_summary(
    path: &std::path::Path,
    loaded: &LoadedPolicy,
    install_dir: &str,
) -> String {
    let p = &loaded.policy;
    let excluded = p.categories.iter().filter(|c| c.excluded).count();
    let readings = readings(p).len();
    let stage_names: Vec<String> = p
        .stages
        .iter()
        .map(|s| format!("{} {}", s.number, s.name))
        .collect();
    let urgent = match &p.urgent {
        Some(u) if u.start_at_any_stage && u.skip_required_action => {
            "for a child at risk of immediate harm it may start at any stage and move on before a stage's discussion is recorded"
        }
        Some(u) if u.start_at_any_stage => {
            "for a child at risk of immediate harm it may start at any stage"
        }
        Some(_) => {
            "for a child at risk of immediate harm it may move on before a stage's discussion is recorded"
        }
        None => "",
    };
    // Without an [urgent] table, urgency can still change the path (an urgent
    // branch) or the timescales: say which, never "the same stages" of a policy
    // with an urgent branch.
    let urgent_stage = |s: &&escalate_core::policy::Stage| {
        s.branch.is_some()
            && s.when.contains(&escalate_core::policy::Condition::Flag(
                escalate_core::policy::Flag::ImmediateHarm,
            ))
    };
    let branches: Vec<String> = p
        .stages
        .iter()
        .filter(urgent_stage)
        .map(|s| format!("stage {} ({})", p.label(s.number), s.name))
        .collect();
    let urgent = match (urgent, branches.as_slice()) {
        ("", []) => "it has no [urgent] rules, so urgent cases follow the same stages".to_owned(),
        ("", _) => format!(
            "it has no [urgent] table, but a child at risk of immediate harm takes the urgent branch: {}",
            branches.join(", ")
        ),
        (u, []) => u.to_owned(),
        (u, _) => format!(
            "{u}, and takes the urgent branch: {}",
            branches.join(", ")
        ),
    };
    format!(
        "{file} is a valid policy: {id} ({name}), {partnership}, {year}. It has {n} stage{s} ({stages}); \
         {cats} categor{ies}{excluded}; {limits} limit{ls}; {obl} obligation{os}; {byp} bypass{bs}; {notes} note{ns}; \
         and {readings} reading{rs}. Working days follow {division}, and {urgent}. \
         To use it, copy it into {install_dir} and run `escalate open --policy {id} ...`, \
         or run `escalate open --policy-file {file} ...`.",
        file = path.display(),
        id = p.id,
        name = p.name,
        partnership = p.partnership,
        year = p.year.map_or_else(|| "undated".to_owned(), |y| y.to_string()),
        n = p.stages.len(),
        s = plural(p.stages.len()),
        stages = stage_names.join(", "),
        cats = p.categories.len(),
        ies = if p.categories.len() == 1 { "y" } else { "ies" },
        excluded = if excluded > 0 {
            format!(" ({excluded} excluded)")
        } else {
            String::new()
        },
        limits = p.limits.len(),
        ls = plural(p.limits.len()),
        obl = p.obligations.len(),
        os = plural(p.obligations.len()),
        byp = p.bypasses.len(),
        bs = if p.bypasses.len() == 1 { "" } else { "es" },
        notes = p.notes.len(),
        ns = plural(p.notes.len()),
        rs = plural(readings),
        division = match p.division {
            Some(d) => format!("{} bank holidays", d.title()),
            None => "the bank holidays of your `division` setting (England and Wales when it is not set)".to_owned(),
        },
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_cannot_break_out_of_their_quotes() {
        assert_eq!(
            mermaid_escape("a \"b\" | <c> #d\n[e]"),
            "a #quot;b#quot; #124; #lt;c#gt; #35;d<br/>#91;e#93;"
        );
        assert_eq!(dot_escape("a \"b\" \\ c\nd"), "a \\\"b\\\" \\\\ c\\nd");
    }

    #[test]
    fn wrap_keeps_words_whole() {
        assert_eq!(wrap("aaa bbb ccc", "  ", 8), "  aaa\n  bbb\n  ccc\n");
        assert_eq!(wrap("aaa bbb ccc", "  ", 9), "  aaa bbb\n  ccc\n");
        assert_eq!(wrap("one two", "", 80), "one two\n");
    }
}
