//! Reading a policy file and checking it strictly. A policy decides what advice the
//! tool gives about a child, so anything the tool cannot interpret exactly is an
//! error with the file, the line and what to change, never a silent default.

use std::collections::HashSet;

use serde::Deserialize;

use super::model::{Condition, Deadline, Flag, Policy, Trigger, FORMAT, FORMATS};

/// The years a source document can plausibly carry; anything else is a typing slip.
const YEARS: std::ops::RangeInclusive<u16> = 1989..=2100;

/// One thing wrong with a policy file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Where each array-of-tables entry starts, so semantic problems can name a line.
#[derive(Deserialize, Default)]
struct Spans {
    #[serde(default)]
    stage: Vec<toml::Spanned<StageSpans>>,
    #[serde(default)]
    obligation: Vec<toml::Spanned<toml::Value>>,
    #[serde(default)]
    category: Vec<toml::Spanned<toml::Value>>,
    #[serde(default)]
    limit: Vec<toml::Spanned<toml::Value>>,
    #[serde(default)]
    bypass: Vec<toml::Spanned<toml::Value>>,
    #[serde(default)]
    note: Vec<toml::Spanned<toml::Value>>,
    #[serde(default)]
    field: Vec<toml::Spanned<toml::Value>>,
}

/// A stage's deadlines and steps have their own tables, so a problem with one can
/// name its line.
#[derive(Deserialize, Default)]
struct StageSpans {
    #[serde(default)]
    deadline: Vec<toml::Spanned<toml::Value>>,
    #[serde(default)]
    step: Vec<toml::Spanned<toml::Value>>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The line of a top-level `key = ...` in policy text, for problems found after
/// parsing (such as an id that is already taken).
pub(crate) fn line_of_key(text: &str, key: &str) -> Option<usize> {
    let top: std::collections::BTreeMap<String, toml::Spanned<toml::Value>> =
        toml::from_str(text).ok()?;
    top.get(key).map(|v| line_of(text, v.span().start))
}

/// Parse and validate policy text. All problems are returned, not just the first.
pub fn parse(text: &str) -> Result<Policy, Vec<Problem>> {
    let policy: Policy = toml::from_str(text).map_err(|e| syntax_problems(text, &e))?;
    let lines = Lines {
        text,
        spans: toml::from_str(text).unwrap_or_default(),
    };
    let conditions = Conditions::of(&policy);
    let known = |c: &Condition| conditions.known(c);
    let help = || conditions.help();
    let mut problems = Vec::new();
    let say = &mut |line: Option<usize>, message: String| problems.push(Problem { line, message });
    check_header(&policy, &lines, say);
    check_categories(&policy, &lines, say);
    check_stages(&policy, &lines, &known, &help, say);
    check_limits(&policy, &lines, &known, &help, say);
    check_obligations(&policy, &lines, &known, &help, say);
    check_branches(&policy, &lines, say);
    check_bypasses(&policy, &lines, say);
    check_step_ids(&policy, &lines, say);
    check_notes_and_urgent(&policy, &lines, say);
    check_fields(&policy, &lines, say);
    if problems.is_empty() {
        Ok(policy)
    } else {
        Err(problems)
    }
}

/// What `say` reports a problem to: the line it is on (if known) and the message.
type Say<'a> = &'a mut dyn FnMut(Option<usize>, String);
type Known<'a> = &'a dyn Fn(&Condition) -> bool;
type Help<'a> = &'a dyn Fn() -> String;

/// The text and where its tables start, so a problem can name its line.
struct Lines<'a> {
    text: &'a str,
    spans: Spans,
}

impl Lines<'_> {
    fn entry(&self, list: &[toml::Spanned<toml::Value>], i: usize) -> Option<usize> {
        list.get(i).map(|s| line_of(self.text, s.span().start))
    }

    fn stage(&self, i: usize) -> Option<usize> {
        self.spans
            .stage
            .get(i)
            .map(|s| line_of(self.text, s.span().start))
    }

    fn deadline(&self, stage: usize, i: usize) -> Option<usize> {
        self.spans
            .stage
            .get(stage)
            .and_then(|s| s.get_ref().deadline.get(i))
            .map(|d| line_of(self.text, d.span().start))
            .or_else(|| self.stage(stage))
    }

    fn step(&self, stage: usize, i: usize) -> Option<usize> {
        self.spans
            .stage
            .get(stage)
            .and_then(|s| s.get_ref().step.get(i))
            .map(|d| line_of(self.text, d.span().start))
            .or_else(|| self.stage(stage))
    }

    /// The line of `key = ...` in the table whose header is on line `from`
    /// (inline tables such as `due = { key = ... }` included), else `from`: a
    /// problem with one key names that key's line, not its table's.
    fn key(&self, from: Option<usize>, key: &str) -> Option<usize> {
        let start = from?;
        let found = self
            .text
            .lines()
            .enumerate()
            .skip(start)
            .take_while(|(_, l)| !l.trim_start().starts_with('['))
            .find(|(_, l)| assigns(l, key))
            .map(|(i, _)| i + 1);
        found.or(from)
    }

    /// The line of a sub-table header (`[stage.agree]`) after line `from`, before
    /// the next `[[stage]]`.
    fn header(&self, from: Option<usize>, header: &str) -> Option<usize> {
        let start = from?;
        let found = self
            .text
            .lines()
            .enumerate()
            .skip(start)
            .take_while(|(_, l)| l.trim() != "[[stage]]")
            .find(|(_, l)| l.trim() == header)
            .map(|(i, _)| i + 1);
        found.or(from)
    }
}

/// Whether `line` sets `key`: `key = ...` at its start, or inside an inline table.
fn assigns(line: &str, key: &str) -> bool {
    let code = line.split('#').next().unwrap_or("");
    code.match_indices(key).any(|(at, _)| {
        let before = code[..at].trim_end();
        let after = code[at + key.len()..].trim_start();
        (before.is_empty() || before.ends_with('{') || before.ends_with(','))
            && after.starts_with('=')
    })
}

/// The conditions a `when` may name: the flags, and the categories a dispute can
/// have. An excluded category can never be a dispute's category (`open` refuses
/// it), so a condition naming one would silently never apply.
struct Conditions {
    usable: Vec<String>,
    excluded: Vec<String>,
}

impl Conditions {
    fn of(p: &Policy) -> Conditions {
        let ids = |excluded: bool| {
            p.categories
                .iter()
                .filter(|c| c.excluded == excluded)
                .map(|c| c.id.clone())
                .collect()
        };
        Conditions {
            usable: ids(false),
            excluded: ids(true),
        }
    }

    fn known(&self, c: &Condition) -> bool {
        match c {
            Condition::Flag(_) => true,
            Condition::Category(id) => self.usable.contains(id),
            Condition::Unknown(_) => false,
        }
    }

    fn help(&self) -> String {
        let mut names: Vec<String> = Flag::ALL.iter().map(Flag::to_string).collect();
        names.extend(self.usable.iter().map(|id| format!("category:{id}")));
        let mut help = names.join(", ");
        if !self.excluded.is_empty() {
            help.push_str(&format!(
                " (excluded categories cannot be used, because no dispute can have them: {})",
                self.excluded.join(", ")
            ));
        }
        help
    }
}

/// The problems of a file the TOML reader refuses: the reader's own error names
/// the exact line; the table-by-table check finds the others (at their table's
/// line).
fn syntax_problems(text: &str, e: &toml::de::Error) -> Vec<Problem> {
    if let Some(misplaced) = part_before_its_stage(text) {
        // The reader's own words ("duplicate key", at the [[stage]] that follows)
        // say nothing an author can act on.
        return vec![misplaced];
    }
    let line = e.span().map(|s| line_of(text, s.start));
    let said = authors_words(e.message().trim());
    let mut first = Problem {
        line,
        message: said.clone(),
    };
    let at = e.span().map(|s| s.start);
    let mut problems: Vec<Problem> = Vec::new();
    for found in element_problems(text) {
        // The reader and the table-by-table check found the same mistake: one
        // problem, at the reader's exact line, in the words that name its table.
        if found.said == said {
            first.message = found.problem.message;
            continue;
        }
        if at.is_some_and(|a| found.range.as_ref().is_some_and(|r| r.contains(&a))) {
            continue;
        }
        if found.problem.message != first.message {
            problems.push(found.problem);
        }
    }
    problems.push(first);
    problems.sort_by_key(|p| p.line.unwrap_or(0));
    problems
}

/// Format, id, year and the document's names.
fn check_header(p: &Policy, lines: &Lines, say: Say) {
    if !FORMATS.contains(&p.format) {
        say(
            None,
            format!(
                "format = {} is not supported; this version of escalate reads format = 1 or {FORMAT}",
                p.format
            ),
        );
    } else if p.format == 1 {
        for (key, line) in format2_keys(p, lines) {
            say(line, format!("{key} needs format = 2 (format 1 files keep their old meaning); change the first line to `format = 2`"));
        }
    }
    if p.id.is_empty()
        || p.id.len() > 32
        || !p
            .id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        say(
            None,
            format!(
                "id {:?} must be 1 to 32 lower-case letters, digits or hyphens",
                p.id
            ),
        );
    }
    if let Some(year) = p.year.filter(|y| !YEARS.contains(y)) {
        say(
            None,
            format!(
                "year = {year} is not a year a policy could be issued in; give the four-digit year of the source document ({}-{}), or leave `year` out if it is undated",
                YEARS.start(),
                YEARS.end()
            ),
        );
    }
    for (key, value) in [
        ("name", &p.name),
        ("partnership", &p.partnership),
        ("document", &p.document),
    ] {
        if value.trim().is_empty() {
            say(None, format!("{key} must not be empty"));
        }
    }
}

fn check_categories(p: &Policy, lines: &Lines, say: Say) {
    let mut category_ids = HashSet::new();
    for (i, c) in p.categories.iter().enumerate() {
        if !category_ids.insert(c.id.as_str()) {
            say(
                lines.entry(&lines.spans.category, i),
                format!("category id {:?} is used twice", c.id),
            );
        }
        if c.id.trim().is_empty() || c.source.trim().is_empty() {
            say(
                lines.entry(&lines.spans.category, i),
                "a category needs an id and the source sentence it encodes".into(),
            );
        }
    }
}

/// The fields a partnership reports by (`[[field]]`): each needs an ID `open
/// --field ID=VALUE` can name, a label, the values it allows (none twice) and
/// the source sentence.
fn check_fields(p: &Policy, lines: &Lines, say: Say) {
    let mut ids = HashSet::new();
    for (i, f) in p.fields.iter().enumerate() {
        let line = lines.entry(&lines.spans.field, i);
        let id = f.id.trim();
        if id.is_empty() || id.contains(['=', ' ', ',']) {
            say(
                line,
                format!("field id {:?} must be one word (letters, digits, - or _), as `open --field ID=VALUE` names it", f.id),
            );
        } else if !ids.insert(id.to_lowercase()) {
            say(line, format!("field id {:?} is used twice", f.id));
        }
        if ["category", "policy", "agency", "stage"].contains(&id.to_lowercase().as_str()) {
            say(
                line,
                format!("field id {:?} is a name reports already use; choose another (for example \"level-of-need\")", f.id),
            );
        }
        if f.label.trim().is_empty() || f.source.trim().is_empty() {
            say(
                line,
                format!("field {:?} needs a label (what reports call it) and the source sentence it encodes", f.id),
            );
        }
        if f.values.is_empty() {
            say(
                line,
                format!(
                    "field {:?} needs values = [...]: the values it may take",
                    f.id
                ),
            );
        }
        let mut seen = HashSet::new();
        for v in &f.values {
            if v.trim().is_empty() {
                say(line, format!("field {:?} has an empty value", f.id));
            } else if !seen.insert(v.trim().to_lowercase()) {
                say(
                    line,
                    format!("field {:?} lists the value {v:?} twice", f.id),
                );
            }
        }
    }
}

/// Stage numbers, labels, branches' conditions, steps and deadlines.
fn check_stages(p: &Policy, lines: &Lines, known: Known, help: Help, say: Say) {
    if p.stages.is_empty() {
        say(
            None,
            "the policy has no [[stage]] tables; it needs at least one".into(),
        );
    }
    let mut expected = 1;
    let mut labels = HashSet::new();
    for (i, stage) in p.stages.iter().enumerate() {
        let line = lines.stage(i);
        let label = p.label(stage.number);
        if stage.label.as_deref().is_some_and(|l| {
            l.trim().is_empty()
                || l.chars().count() > 20
                || l.trim() != l
                || l.chars().any(char::is_control)
        }) {
            say(line, format!("stage {}: label {label:?} must be 1 to 20 characters, without spaces at either end (e.g. \"0\", \"4a\")", stage.number));
        }
        if !labels.insert(label.to_lowercase()) {
            say(
                line,
                format!(
                    "stage {label}: two stages are called {label:?}; give each its own `label`"
                ),
            );
        }
        check_steps(stage, &|j| lines.step(i, j), known, help, say);
        if stage
            .agree
            .as_ref()
            .is_some_and(|a| a.source.trim().is_empty())
        {
            say(line, format!("stage {label}: [stage.agree] quotes the sentence that lets the parties agree a later date in `source`"));
        }
        check_when(
            &stage.when,
            &format!("stage {label}"),
            line,
            known,
            help,
            say,
        );
        if !stage.when.is_empty() && stage.branch.is_none() {
            say(line, format!("stage {label}: `when` on a stage chooses between branches; add `branch = \"...\"` to this stage and its alternatives, or remove `when`"));
        }
        if stage.number == 0 {
            say(line, "stage numbers count the stages from 1 in the order they happen; for a document's \"Stage 0\" write `number = 1` and `label = \"0\"`".into());
            expected = 1;
            continue;
        }
        if stage.number != expected {
            if stage.number < expected {
                say(
                    line,
                    format!(
                        "stage numbers must increase: stage {} comes after stage {}",
                        stage.number,
                        expected - 1
                    ),
                );
            } else {
                say(line, format!("stage {expected} is missing: stages are numbered 1, 2, 3 ... without gaps, but this one is {}", stage.number));
            }
        }
        expected = stage.number.max(expected) + 1;
        for (key, value) in [
            ("name", &stage.name),
            ("who", &stage.who),
            ("action", &stage.action),
            ("source", &stage.source),
        ] {
            if value.trim().is_empty() {
                say(
                    line,
                    format!("stage {}: {key} must not be empty", stage.number),
                );
            }
        }
        if stage.deadlines.is_empty() {
            say(line, format!("stage {}: add a [[stage.deadline]] (use `none = true` and quote the text when the document sets no timescale)", stage.number));
        } else if stage.deadlines.iter().all(|d| !d.when.is_empty()) {
            say(line, format!("stage {}: every deadline has a `when` condition, so a dispute that meets none of them would have no deadline at all; add one without `when` (`none = true` with the quoted text if the document sets no timescale otherwise)", stage.number));
        }
        for (j, d) in stage.deadlines.iter().enumerate() {
            only_steps_count_from_a_discussion(
                d,
                &format!("stage {}", stage.number),
                lines.deadline(i, j),
                say,
            );
            check_deadline(
                d,
                true,
                &format!("stage {}", stage.number),
                lines.deadline(i, j),
                known,
                help,
                say,
            );
        }
    }
}

fn check_limits(p: &Policy, lines: &Lines, known: Known, help: Help, say: Say) {
    for (i, limit) in p.limits.iter().enumerate() {
        only_steps_count_from_a_discussion(
            &limit.deadline,
            "limit",
            lines.entry(&lines.spans.limit, i),
            say,
        );
        check_deadline(
            &limit.deadline,
            true,
            "limit",
            lines.entry(&lines.spans.limit, i),
            known,
            help,
            say,
        );
        if limit.deadline.none {
            say(
                lines.entry(&lines.spans.limit, i),
                "a [[limit]] with `none = true` says nothing; remove it".into(),
            );
        }
    }
}

fn check_obligations(p: &Policy, lines: &Lines, known: Known, help: Help, say: Say) {
    let mut obligation_ids = HashSet::new();
    for (i, o) in p.obligations.iter().enumerate() {
        let line = lines.entry(&lines.spans.obligation, i);
        let what = format!("obligation {:?}", o.id);
        if !obligation_ids.insert(o.id.as_str()) {
            say(line, format!("{what}: the id is used twice"));
        }
        if o.id.trim().is_empty()
            || o.who.trim().is_empty()
            || o.action.trim().is_empty()
            || o.source.trim().is_empty()
        {
            say(
                line,
                format!("{what}: id, who, action and source must not be empty"),
            );
        }
        match (o.on, o.stage) {
            (Trigger::Enter, None) => {
                say(line, format!("{what}: on = \"enter\" needs `stage = N`"))
            }
            (Trigger::ResolveAt, None) => say(
                line,
                format!("{what}: on = \"resolve-at\" needs `stage = N` (use on = \"resolve\" for any stage)"),
            ),
            (Trigger::Open, Some(_)) => say(
                line,
                format!("{what}: on = \"open\" takes no stage (use on = \"enter\" for a stage)"),
            ),
            (_, Some(n)) if p.stage(n).is_none() => say(line, format!("{what}: there is no stage {n}")),
            _ => {}
        }
        check_when(&o.when, &what, line, known, help, say);
        if let Some(due) = &o.due {
            only_steps_count_from_a_discussion(due, &what, line, say);
            check_deadline(due, false, &what, line, known, help, say);
        }
    }
}

/// A branch group's stages must follow one another, or "the stage after the
/// group" would be another of its branches.
fn check_branches(p: &Policy, lines: &Lines, say: Say) {
    let mut closed: HashSet<&str> = HashSet::new();
    for (pair, i) in p.stages.windows(2).zip(1..) {
        if let Some(g) = pair[1].branch.as_deref() {
            if closed.contains(g) {
                say(
                    lines.stage(i),
                    format!(
                        "stage {}: the stages of branch {g:?} must be written one after the other",
                        p.label(pair[1].number)
                    ),
                );
            }
        }
        if let Some(g) = pair[0].branch.as_deref() {
            if pair[1].branch.as_deref() != Some(g) {
                closed.insert(g);
            }
        }
    }
}

fn check_bypasses(p: &Policy, lines: &Lines, say: Say) {
    let mut bypasses = HashSet::new();
    let second = p.next_stage(p.first_stage()).map(|s| s.number);
    for (i, b) in p.bypasses.iter().enumerate() {
        if p.stage(b.to_stage).is_none() {
            say(
                lines.entry(&lines.spans.bypass, i),
                format!("bypass for {:?}: there is no stage {}", b.role, b.to_stage),
            );
        } else if b.to_stage == p.first_stage()
            || (Some(b.to_stage) == second && !b.without_discussion)
        {
            say(
                lines.entry(&lines.spans.bypass, i),
                format!(
                    "bypass for {:?}: to_stage = {} skips no stage (every dispute may already move to the next stage); name a later stage",
                    b.role, b.to_stage
                ),
            );
        }
        if !bypasses.insert((b.role.trim().to_lowercase(), b.to_stage)) {
            say(
                lines.entry(&lines.spans.bypass, i),
                format!(
                    "bypass for {:?} to stage {} is listed twice; remove one",
                    b.role, b.to_stage
                ),
            );
        }
        if b.role.trim().is_empty() || b.source.trim().is_empty() {
            say(
                lines.entry(&lines.spans.bypass, i),
                "a bypass needs a role and the source sentence it encodes".into(),
            );
        }
    }
}

/// Step ids are unique, and no obligation shares one (`notify --who` names either).
fn check_step_ids(p: &Policy, lines: &Lines, say: Say) {
    let step_ids: Vec<&str> = p
        .stages
        .iter()
        .flat_map(|s| &s.steps)
        .map(|s| s.id.as_str())
        .collect();
    for (i, o) in p.obligations.iter().enumerate() {
        if step_ids.contains(&o.id.as_str()) {
            say(lines.entry(&lines.spans.obligation, i), format!("obligation {:?}: a step has the same id; `notify --who` could not tell them apart, so rename one", o.id));
        }
    }
    let mut seen_steps = HashSet::new();
    for (i, stage) in p.stages.iter().enumerate() {
        for (j, step) in stage.steps.iter().enumerate() {
            if !seen_steps.insert(step.id.as_str()) {
                say(
                    lines.step(i, j),
                    format!(
                        "step id {:?} is used twice; give each step its own id",
                        step.id
                    ),
                );
            }
        }
    }
}

fn check_notes_and_urgent(p: &Policy, lines: &Lines, say: Say) {
    for (i, n) in p.notes.iter().enumerate() {
        if n.text.trim().is_empty() || n.source.trim().is_empty() {
            say(
                lines.entry(&lines.spans.note, i),
                "a note needs its text and the source sentence it encodes".into(),
            );
        }
    }
    if let Some(u) = &p.urgent {
        if u.source.trim().is_empty() {
            say(None, "[urgent] needs the source sentence it encodes".into());
        }
        if !u.start_at_any_stage && !u.skip_required_action {
            say(None, "[urgent] changes nothing: set start_at_any_stage = true and/or skip_required_action = true, or remove it (faster deadlines for urgent cases are deadlines with `when = [\"immediate-harm\"]`)".into());
        }
    }
}

fn check_deadline(
    d: &Deadline,
    needs_source: bool,
    what: &str,
    line: Option<usize>,
    known_condition: &dyn Fn(&Condition) -> bool,
    condition_help: &dyn Fn() -> String,
    say: &mut dyn FnMut(Option<usize>, String),
) {
    let kinds = [
        d.working_days.is_some(),
        d.hours.is_some(),
        d.same_working_day,
        d.immediately,
        d.calendar_days.is_some(),
        d.without_delay,
    ];
    let any = kinds.iter().any(|&k| k);
    if !any && !d.none {
        say(line, format!("{what}: a deadline needs one of working_days, calendar_days, hours, same_working_day, immediately, without_delay, or none = true"));
    }
    if let Some(h) = d.stated_hours {
        match d.working_days {
            Some(n) if h == n * 24 => {}
            Some(n) => say(line, format!("{what}: stated_hours = {h} is not {n} working days of 24 hours; write the hours the document gives next to the working days it equates them to (\"48 hours (two working days)\": stated_hours = 48, working_days = 2)")),
            None => say(line, format!("{what}: stated_hours records the hours the document equates to working days; add the working_days it names, or use hours = {h} for clock hours")),
        }
    }
    if d.calendar_days.is_some_and(|n| n == 0 || n > 366) {
        say(
            line,
            format!("{what}: calendar_days must be between 1 and 366"),
        );
    }
    if any && d.none {
        say(
            line,
            format!("{what}: `none = true` cannot be combined with a timescale"),
        );
    }
    if d.working_days.is_some_and(|n| n == 0 || n > 260) {
        say(
            line,
            format!("{what}: working_days must be between 1 and 260 (use same_working_day for 0)"),
        );
    }
    if d.hours.is_some_and(|n| n == 0 || n > 24 * 366) {
        say(line, format!("{what}: hours must be between 1 and 8784"));
    }
    if needs_source && d.source.as_deref().is_none_or(|s| s.trim().is_empty()) {
        say(
            line,
            format!("{what}: every deadline quotes the sentence it encodes in `source`"),
        );
    }
    check_when(&d.when, what, line, known_condition, condition_help, say);
}

/// Every condition in a `when` list must be one the tool can test.
fn check_when(
    when: &[Condition],
    what: &str,
    line: Option<usize>,
    known_condition: &dyn Fn(&Condition) -> bool,
    condition_help: &dyn Fn() -> String,
    say: &mut dyn FnMut(Option<usize>, String),
) {
    for c in when.iter().filter(|c| !known_condition(c)) {
        say(
            line,
            format!(
                "{what}: unknown condition {:?} in `when`; known: {}",
                c.to_string(),
                condition_help()
            ),
        );
    }
}

/// Records a format-2 key: whether it is used, its name, and how to find its line.
type Add<'a> = dyn FnMut(bool, &'static str, &dyn Fn() -> Option<usize>) + 'a;

/// The format-2 keys a policy uses, by name, each with the line it is first used
/// on, for a file that says `format = 1`.
fn format2_keys(policy: &Policy, lines: &Lines) -> Vec<(&'static str, Option<usize>)> {
    let mut keys: Vec<(&'static str, Option<usize>)> = Vec::new();
    let mut add = |used: bool, key: &'static str, line: &dyn Fn() -> Option<usize>| {
        if used && !keys.iter().any(|(k, _)| *k == key) {
            keys.push((key, line()));
        }
    };
    add(policy.subject.is_some(), "subject", &|| {
        line_of_key(lines.text, "subject")
    });
    let deadline_keys = |d: &Deadline, at: Option<usize>, add: &mut Add| {
        add(d.calendar_days.is_some(), "calendar_days", &|| {
            lines.key(at, "calendar_days")
        });
        add(d.stated_hours.is_some(), "stated_hours", &|| {
            lines.key(at, "stated_hours")
        });
        add(d.without_delay, "without_delay", &|| {
            lines.key(at, "without_delay")
        });
        add(
            d.from == super::model::Anchor::Discussed,
            "from = \"discussed\"",
            &|| lines.key(at, "from"),
        );
    };
    for (i, s) in policy.stages.iter().enumerate() {
        let at = lines.stage(i);
        add(!s.steps.is_empty(), "[[stage.step]]", &|| lines.step(i, 0));
        add(s.agree.is_some(), "[stage.agree]", &|| {
            lines.header(at, "[stage.agree]")
        });
        add(s.label.is_some(), "label", &|| lines.key(at, "label"));
        add(s.branch.is_some(), "branch", &|| lines.key(at, "branch"));
        add(!s.when.is_empty(), "when on a stage", &|| {
            lines.key(at, "when")
        });
        for (j, d) in s.deadlines.iter().enumerate() {
            deadline_keys(d, lines.deadline(i, j), &mut add);
        }
        for (j, step) in s.steps.iter().enumerate() {
            deadline_keys(&step.due, lines.step(i, j), &mut add);
        }
    }
    for (i, l) in policy.limits.iter().enumerate() {
        deadline_keys(&l.deadline, lines.entry(&lines.spans.limit, i), &mut add);
    }
    for (i, o) in policy.obligations.iter().enumerate() {
        let at = lines.entry(&lines.spans.obligation, i);
        if let Some(d) = &o.due {
            deadline_keys(d, at, &mut add);
        }
        add(o.on == Trigger::ResolveAt, "on = \"resolve-at\"", &|| {
            lines.key(at, "on")
        });
    }
    for (i, b) in policy.bypasses.iter().enumerate() {
        let at = lines.entry(&lines.spans.bypass, i);
        add(b.without_discussion, "without_discussion", &|| {
            lines.key(at, "without_discussion")
        });
        add(b.may_open, "may_open", &|| lines.key(at, "may_open"));
    }
    add(!policy.fields.is_empty(), "[[field]]", &|| {
        lines.entry(&lines.spans.field, 0)
    });
    keys
}

/// A stage's steps: ids present, chains pointing back to an earlier step of the
/// same stage, and a timescale each.
fn check_steps(
    stage: &super::model::Stage,
    step_line: &dyn Fn(usize) -> Option<usize>,
    known_condition: &dyn Fn(&Condition) -> bool,
    condition_help: &dyn Fn() -> String,
    say: &mut dyn FnMut(Option<usize>, String),
) {
    let mut earlier: Vec<&str> = Vec::new();
    for (j, step) in stage.steps.iter().enumerate() {
        let line = step_line(j);
        let what = format!("stage {} step {:?}", stage.number, step.id);
        if step.id.trim().is_empty()
            || step.who.trim().is_empty()
            || step.action.trim().is_empty()
            || step.source.trim().is_empty()
        {
            say(
                line,
                format!("{what}: id, who, action and source must not be empty"),
            );
        }
        if let Some(before) = &step.after {
            if !earlier.contains(&before.as_str()) {
                say(line, format!("{what}: after = {before:?} names no earlier step of this stage; list the step it follows above it, with that id"));
            }
        }
        if step.due.none {
            say(line, format!("{what}: a step needs a timescale; if the document gives none, make it a [[note]]"));
        }
        check_deadline(
            &step.due,
            false,
            &what,
            line,
            known_condition,
            condition_help,
            say,
        );
        earlier.push(step.id.as_str());
    }
}

/// Translate the TOML reader's "invalid type: X, expected Y" into a policy
/// author's terms: what was written, and what belongs there instead.
fn authors_words(message: &str) -> String {
    if let Some((head, allowed)) = message.split_once(", expected one of ") {
        if let Some(value) = head.strip_prefix("unknown variant ") {
            return format!("{value} is not one of the values allowed here: {allowed}");
        }
        if head.starts_with("unknown field ") {
            return format!("{head}; the keys allowed here are {allowed} (check the spelling)");
        }
    }
    let Some(rest) = message.strip_prefix("invalid type: ") else {
        return message.to_owned();
    };
    let Some((given, wanted)) = rest.split_once(", expected ") else {
        return message.to_owned();
    };
    let given = match given.split_once(' ') {
        Some(("string", text)) => format!("{text} is text in quotes"),
        Some(("integer", n)) => format!("{n} is a number"),
        Some(("boolean", b)) => format!("{b} is true or false"),
        _ => match given {
            "sequence" => "a list in square brackets was given".to_owned(),
            "map" => "a table was given".to_owned(),
            other => other.to_owned(),
        },
    };
    let wanted = match wanted {
        "u32" | "u16" | "u64" => "a whole number such as 5 belongs here (write it without quotes)",
        "a sequence" => "a list in square brackets belongs here, e.g. when = [\"cp-plan\"]",
        "a boolean" => "true or false belongs here (without quotes)",
        "a string" => "text in double quotes belongs here",
        other => other,
    };
    format!("{given}, but {wanted}")
}

/// One problem `element_problems` found: where its table is, the problem, and
/// what the reader said of it (without the table's name), to tell when the
/// reader's own error is the same mistake.
struct ElementProblem {
    range: Option<std::ops::Range<usize>>,
    problem: Problem,
    said: String,
}

/// A `[[stage.step]]`, `[[stage.deadline]]` or `[stage.agree]` written before any
/// `[[stage]]`: it belongs to the stage above it, and there is none.
fn part_before_its_stage(text: &str) -> Option<Problem> {
    for (i, line) in text.lines().enumerate() {
        let head = line.split('#').next().unwrap_or("").trim();
        if head == "[[stage]]" {
            return None;
        }
        let part = head
            .strip_prefix("[[stage.")
            .and_then(|r| r.strip_suffix("]]"))
            .or_else(|| {
                head.strip_prefix("[stage.")
                    .and_then(|r| r.strip_suffix(']'))
            });
        if let Some(part) = part {
            return Some(Problem {
                line: Some(i + 1),
                message: format!(
                    "{head} comes before any [[stage]]; it belongs to the [[stage]] written above it, so move it below the stage whose {part} it is"
                ),
            });
        }
    }
    None
}

/// Every table of a file that reads as TOML, checked one by one, so a file with
/// several mistyped values hears of all of them in one run, each with the lines
/// its table spans. Empty when the file is not TOML at all (the reader's one
/// error is then all there is to say).
fn element_problems(text: &str) -> Vec<ElementProblem> {
    use super::model::{Bypass, Category, Field, Limit, Note, Obligation, Stage, Step};
    use serde::de::DeserializeOwned;
    use toml::{Spanned, Value};

    #[derive(Deserialize, Default)]
    struct Elements {
        #[serde(default)]
        stage: Vec<Spanned<Value>>,
        #[serde(default)]
        obligation: Vec<Spanned<Value>>,
        #[serde(default)]
        category: Vec<Spanned<Value>>,
        #[serde(default)]
        limit: Vec<Spanned<Value>>,
        #[serde(default)]
        bypass: Vec<Spanned<Value>>,
        #[serde(default)]
        note: Vec<Spanned<Value>>,
        #[serde(default)]
        field: Vec<Spanned<Value>>,
    }
    #[derive(Deserialize, Default)]
    struct Parts {
        #[serde(default)]
        deadline: Vec<Spanned<Value>>,
        #[serde(default)]
        step: Vec<Spanned<Value>>,
    }
    #[derive(Deserialize, Default)]
    struct Stages {
        #[serde(default)]
        stage: Vec<Parts>,
    }
    type Found = Vec<ElementProblem>;
    fn check<T: DeserializeOwned>(value: &Spanned<Value>, what: &str, text: &str, out: &mut Found) {
        if let Err(e) = value.get_ref().clone().try_into::<T>() {
            let said = authors_words(e.message().trim());
            out.push(ElementProblem {
                range: Some(value.span()),
                problem: Problem {
                    line: Some(line_of(text, value.span().start)),
                    message: format!("{what}: {said}"),
                },
                said,
            });
        }
    }

    let Ok(top) = toml::from_str::<toml::Table>(text) else {
        return Vec::new();
    };
    let elements: Elements = toml::from_str(text).unwrap_or_default();
    let stages: Stages = toml::from_str(text).unwrap_or_default();
    let mut out = Vec::new();
    for (i, stage) in elements.stage.iter().enumerate() {
        let what = format!("[[stage]] table {}", i + 1);
        let parts = stages.stage.get(i);
        for d in parts.map_or(&[][..], |p| &p.deadline) {
            check::<Deadline>(d, &format!("{what}, a deadline"), text, &mut out);
        }
        for st in parts.map_or(&[][..], |p| &p.step) {
            check::<Step>(st, &format!("{what}, a step"), text, &mut out);
        }
        // The stage's own keys, its deadlines and steps set aside (checked above).
        let mut own = stage.get_ref().clone();
        if let Some(t) = own.as_table_mut() {
            t.insert("deadline".into(), Value::Array(Vec::new()));
            t.remove("step");
        }
        let span = stage.span();
        let head = span.start
            ..parts
                .and_then(|p| {
                    p.deadline
                        .iter()
                        .chain(&p.step)
                        .map(|d| d.span().start)
                        .min()
                })
                .unwrap_or(span.end);
        check::<Stage>(&Spanned::new(head, own), &what, text, &mut out);
    }
    for o in &elements.obligation {
        check::<Obligation>(o, "an obligation", text, &mut out);
    }
    for c in &elements.category {
        check::<Category>(c, "a category", text, &mut out);
    }
    for l in &elements.limit {
        check::<Limit>(l, "a limit", text, &mut out);
    }
    for b in &elements.bypass {
        check::<Bypass>(b, "a bypass", text, &mut out);
    }
    for n in &elements.note {
        check::<Note>(n, "a note", text, &mut out);
    }
    for f in &elements.field {
        check::<Field>(f, "a field", text, &mut out);
    }
    // The top of the file, key by key, so one mistyped value does not hide
    // another (a bad `division` hid a bad `subject`).
    let spans: std::collections::BTreeMap<String, Spanned<Value>> =
        toml::from_str(text).unwrap_or_default();
    let tables = [
        "stage",
        "obligation",
        "category",
        "limit",
        "bypass",
        "note",
        "field",
    ];
    for (key, value) in &spans {
        let what = key.as_str();
        match what {
            "format" => check::<u32>(value, what, text, &mut out),
            "year" => check::<u16>(value, what, text, &mut out),
            "id" | "name" | "partnership" | "document" => {
                check::<String>(value, what, text, &mut out)
            }
            "division" => check::<crate::calendar::Division>(value, what, text, &mut out),
            "subject" => check::<super::model::SubjectScope>(value, what, text, &mut out),
            "urgent" => check::<super::model::Urgent>(value, "[urgent]", text, &mut out),
            _ if tables.contains(&what) => {}
            _ => {
                // The reader's own words for it, so that it and this are one problem.
                let alone: toml::Table = [(key.clone(), value.get_ref().clone())]
                    .into_iter()
                    .collect();
                let Err(e) = Value::Table(alone).try_into::<Policy>() else {
                    continue;
                };
                let said = authors_words(e.message().trim());
                out.push(ElementProblem {
                    range: Some(value.span()),
                    problem: Problem {
                        line: Some(line_of(text, value.span().start)),
                        message: said.clone(),
                    },
                    said,
                });
            }
        }
    }
    for key in ["format", "id", "name", "partnership", "document", "stage"] {
        if !top.contains_key(key) {
            let said = format!("missing field `{key}`");
            out.push(ElementProblem {
                range: None,
                problem: Problem {
                    line: None,
                    message: said.clone(),
                },
                said,
            });
        }
    }
    out
}

/// `from = "discussed"` names the stage's first discussion, which only a step
/// inside the stage can wait for; anywhere else it would silently mean "entered".
fn only_steps_count_from_a_discussion(
    d: &Deadline,
    what: &str,
    line: Option<usize>,
    say: &mut dyn FnMut(Option<usize>, String),
) {
    if d.from == super::model::Anchor::Discussed {
        say(line, format!("{what}: from = \"discussed\" times a step inside a stage ([[stage.step]]); count this from \"entered\", \"opened\" or \"arose\""));
    }
}
