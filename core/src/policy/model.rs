//! The policy model: what a partnership's escalation policy says, as data. Every rule
//! carries the sentence of the source document it encodes (`source`) and, where the
//! document is ambiguous, the reading chosen (`reading`). The keys are documented for
//! policy authors in `policies/README.md`; this file and that one change together.

use serde::{Deserialize, Serialize};

use crate::calendar::Division;
pub use crate::policy::condition::{Condition, Flag};

/// The newest policy file format this build reads. Format 1 files (the format
/// before steps, agreed deadlines, outcome duties, labels, new units and subject
/// kinds) stay valid and mean exactly what they meant; the new keys need format 2,
/// so an older escalate refuses a file it would misread instead of ignoring keys.
pub(crate) const FORMAT: u32 = 2;

/// Every format this build reads.
pub(crate) const FORMATS: std::ops::RangeInclusive<u32> = 1..=FORMAT;

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Format version of the file; must be 1.
    pub format: u32,
    /// Short id used on the command line (`--policy gscb`).
    pub id: String,
    /// Title of the policy document.
    pub name: String,
    /// The partnership (or organisation) whose policy this is.
    pub partnership: String,
    /// Year the source document was issued; left out when the document is undated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<u16>,
    /// Full citation of the source document.
    pub document: String,
    /// Bank-holiday division whose working days deadlines count, as the file gives
    /// it. The five built-ins state theirs; when a user policy leaves it out, the
    /// `division` setting decides (see `Policy::division_or`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub division: Option<Division>,
    /// Whom the procedure is about (format 2): children (the default), adults, or both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<SubjectScope>,
    #[serde(default, rename = "category", skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<Category>,
    /// Facts the partnership reports by, recorded at opening (format 2): a
    /// level of need, say. Reports break down by each, as by category.
    #[serde(default, rename = "field", skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Field>,
    #[serde(rename = "stage")]
    pub stages: Vec<Stage>,
    /// Limits that apply to every stage or to the whole dispute.
    #[serde(default, rename = "limit", skip_serializing_if = "Vec::is_empty")]
    pub limits: Vec<Limit>,
    #[serde(default, rename = "obligation", skip_serializing_if = "Vec::is_empty")]
    pub obligations: Vec<Obligation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgent: Option<Urgent>,
    #[serde(default, rename = "bypass", skip_serializing_if = "Vec::is_empty")]
    pub bypasses: Vec<Bypass>,
    /// Duties the document states that the tool shows but cannot enforce
    /// (e.g. "record in writing and share").
    #[serde(default, rename = "note", skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
}

impl Policy {
    /// The division whose working days count: the policy's own, else the user's
    /// `division` setting, else England and Wales (what a policy without one has
    /// always meant).
    pub fn division_or(&self, setting: Option<Division>) -> Division {
        self.division
            .or(setting)
            .unwrap_or(Division::EnglandAndWales)
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub id: String,
    pub name: String,
    pub source: String,
    /// The document says it does not cover this kind of disagreement.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub excluded: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reading: Option<String>,
}

/// A fact about a dispute the partnership reports by, with the values it may
/// take (`open --field ID=VALUE`, corrected with `amend --field`).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub id: String,
    /// What reports and prompts call it ("Level of need").
    pub label: String,
    /// The values it may take, in the order reports list them.
    pub values: Vec<String>,
    pub source: String,
    /// Ask for it at `open` when it is not given and a person is there.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ask: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reading: Option<String>,
}

impl Field {
    /// The allowed value `typed` names (any case), if it names one.
    pub fn value(&self, typed: &str) -> Option<&str> {
        let t = typed.trim();
        self.values
            .iter()
            .find(|v| v.eq_ignore_ascii_case(t))
            .map(String::as_str)
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    pub number: u32,
    pub name: String,
    /// Who acts at this stage.
    pub who: String,
    /// What must be recorded (with `escalate discuss`) before the dispute may leave the stage.
    pub action: String,
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reading: Option<String>,
    /// Every deadline that applies; the earliest one that applies wins.
    #[serde(rename = "deadline")]
    pub deadlines: Vec<Deadline>,
    /// The document's own name for the stage ("0", "4a") where it is not its
    /// position (format 2). The position stays what journals store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Stages sharing a `branch` are alternatives: the dispute enters one of them
    /// (`escalate --to LABEL`), and leaves the group for the stage after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    /// A branch taken, without `--to`, when these conditions hold ("4a, urgent").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub when: Vec<Condition>,
    /// Duties inside the stage, each with its own deadline (format 2).
    #[serde(default, rename = "step", skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Step>,
    /// The parties may agree a later date for this stage (format 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agree: Option<Agree>,
}

/// Whom a procedure covers.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum SubjectScope {
    #[default]
    Children,
    Adults,
    ChildrenAndAdults,
}

/// A duty inside a stage, timed from something recorded: opening, the
/// disagreement arising, entering the stage, the stage's first discussion, or an
/// earlier step being met (`after`). Met with `escalate notify ID --who STEP`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub id: String,
    pub who: String,
    pub action: String,
    /// The step of the same stage whose being met starts this one's clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    pub due: Deadline,
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reading: Option<String>,
}

/// "Within a timescale acceptable to both": the parties may agree a later date.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Agree {
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reading: Option<String>,
}

/// A timescale. Several keys in one table are alternatives: the earliest applies
/// ("48 hours (two working days)"). `none` says the document sets no fixed timescale.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Deadline {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<u32>,
    /// Calendar days ("within 1 day"): the end of the Nth day after the anchor day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar_days: Option<u32>,
    /// The hours the document writes where it equates them itself to
    /// `working_days` ("48 hours (two working days)"): counted as the working days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stated_hours: Option<u32>,
    /// "without delay": as `immediately`, shown in the document's words.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub without_delay: bool,
    /// The end of the anchor day if it is a working day, else of the next working day.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub same_working_day: bool,
    /// "immediately", "without delay": counted as the same working day, shown as "immediately".
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub immediately: bool,
    /// No fixed timescale ("as speedily as possible"): no due date, the age is shown.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub none: bool,
    #[serde(default, skip_serializing_if = "Anchor::is_entered")]
    pub from: Anchor,
    /// Conditions under which this deadline applies (any one suffices); empty = always.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub when: Vec<Condition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reading: Option<String>,
}

/// What a deadline counts from.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Anchor {
    /// Entering the stage (or, for an obligation, the moment it arose).
    #[default]
    Entered,
    /// Opening the dispute.
    Opened,
    /// When the disagreement arose (`open --arose`; defaults to when it was opened).
    Arose,
    /// The first discussion recorded at the stage (steps only).
    Discussed,
}

impl Anchor {
    fn is_entered(&self) -> bool {
        *self == Anchor::Entered
    }
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum LimitScope {
    /// Applies to every stage, counted from entering it.
    EachStage,
    /// Applies to the dispute as a whole, counted from its `from`.
    WholeDispute,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    pub scope: LimitScope,
    #[serde(flatten)]
    pub deadline: Deadline,
}

/// When an obligation arises.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Trigger {
    /// On opening the dispute.
    Open,
    /// On entering `stage` (including opening at it).
    #[default]
    Enter,
    /// On resolving the dispute (at or after `stage`, if given).
    Resolve,
    /// On resolving the dispute at exactly `stage` (format 2).
    ResolveAt,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Obligation {
    pub id: String,
    /// The person or role to be told (what `escalate notify --who` names).
    pub who: String,
    pub action: String,
    #[serde(default)]
    pub on: Trigger,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub when: Vec<Condition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<Deadline>,
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reading: Option<String>,
}

/// What changes when the child is at immediate risk (`open --immediate-harm`).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Urgent {
    /// The dispute may be opened at any stage (with a recorded reason).
    #[serde(default)]
    pub start_at_any_stage: bool,
    /// The dispute may move on before the stage's action is recorded.
    #[serde(default)]
    pub skip_required_action: bool,
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reading: Option<String>,
}

/// A named role that may take a dispute straight to a later stage.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Bypass {
    pub role: String,
    pub to_stage: u32,
    /// The role may leave a stage before its discussion is recorded (format 2).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub without_discussion: bool,
    /// The role may open a dispute at `to_stage` (format 2).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub may_open: bool,
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reading: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Note {
    pub text: String,
    pub source: String,
    /// Why this is a note rather than an enforced rule, or how it was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reading: Option<String>,
}

/// The facts about a dispute that conditions (`when`) test.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts {
    pub cp_plan: bool,
    pub looked_after: bool,
    pub immediate_harm: bool,
    pub category: Option<String>,
}

impl Facts {
    pub(crate) fn flag(&self, flag: Flag) -> bool {
        match flag {
            Flag::CpPlan => self.cp_plan,
            Flag::LookedAfter => self.looked_after,
            Flag::ImmediateHarm => self.immediate_harm,
        }
    }

    pub fn set(&mut self, flag: Flag, value: bool) {
        match flag {
            Flag::CpPlan => self.cp_plan = value,
            Flag::LookedAfter => self.looked_after = value,
            Flag::ImmediateHarm => self.immediate_harm = value,
        }
    }

    pub(crate) fn holds(&self, condition: &Condition) -> bool {
        match condition {
            Condition::Flag(flag) => self.flag(*flag),
            Condition::Category(id) => self.category.as_ref() == Some(id),
            Condition::Unknown(_) => false,
        }
    }

    /// Empty `when` always applies; otherwise any one condition suffices.
    pub(crate) fn any(&self, when: &[Condition]) -> bool {
        when.is_empty() || when.iter().any(|c| self.holds(c))
    }
}

impl Policy {
    pub fn stage(&self, number: u32) -> Option<&Stage> {
        self.stages.iter().find(|s| s.number == number)
    }

    pub fn first_stage(&self) -> u32 {
        self.stages.first().map_or(1, |s| s.number)
    }

    pub fn last_stage(&self) -> u32 {
        self.stages.last().map_or(1, |s| s.number)
    }

    /// The stage after `number`, if any: the first of a branch group (see
    /// `branch_choice`), never another branch of the group `number` is in.
    pub fn next_stage(&self, number: u32) -> Option<&Stage> {
        let group = self.stage(number).and_then(|s| s.branch.as_deref());
        self.stages
            .iter()
            .find(|s| s.number > number && (group.is_none() || s.branch.as_deref() != group))
    }

    /// The stages a dispute at `number` may enter next: the next stage, or every
    /// branch of the group it starts.
    pub fn next_choices(&self, number: u32) -> Vec<&Stage> {
        let Some(next) = self.next_stage(number) else {
            return Vec::new();
        };
        match &next.branch {
            None => vec![next],
            Some(g) => self
                .stages
                .iter()
                .filter(|s| s.branch.as_ref() == Some(g))
                .collect(),
        }
    }

    /// What people call stage `number`: its label, else its number.
    pub fn label(&self, number: u32) -> String {
        self.stage(number)
            .and_then(|s| s.label.clone())
            .unwrap_or_else(|| number.to_string())
    }

    /// The stage a user named, by label (any case) or by position.
    pub fn stage_named(&self, name: &str) -> Option<u32> {
        let n = name.trim();
        let n = n
            .strip_prefix("stage ")
            .or_else(|| n.strip_prefix("Stage "))
            .unwrap_or(n)
            .trim();
        self.stages
            .iter()
            .find(|s| {
                s.label
                    .as_deref()
                    .is_some_and(|l| l.eq_ignore_ascii_case(n))
            })
            .map(|s| s.number)
            .or_else(|| n.parse().ok().filter(|x| self.stage(*x).is_some()))
    }

    /// Whom disputes under this policy are about.
    pub fn subject_scope(&self) -> SubjectScope {
        self.subject.unwrap_or_default()
    }

    pub fn field(&self, id: &str) -> Option<&Field> {
        let id = id.trim();
        self.fields.iter().find(|f| f.id.eq_ignore_ascii_case(id))
    }

    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.id == id)
    }
}
