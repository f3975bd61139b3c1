//! `escalate erase` and `escalate retention`: a sealed dispute's text made
//! unreadable for everyone by destroying its key (the partnership's admins
//! only, in a shared directory), one at a time or every dispute past the
//! partnership's retention period. The dispute stays: it still verifies and
//! still counts in every report; `show` says who erased it, when and why.

use clap::{Args, Subcommand};

use crate::cli::{after_change, Ctx, Output};
use escalate_core::domain::text::{required, MAX_LONG};
use escalate_core::error::{Error, Result};
use escalate_core::privacy::erase::Why;
use escalate_core::privacy::retention::Period;

#[derive(Debug, Args)]
pub(crate) struct EraseArgs {
    /// Dispute ID (any unique start of it)
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(crate::cli::complete::dispute_ids))]
    pub id: String,
    /// Why its text is erased (a person's request, a court order): recorded in clear
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
}

pub(crate) fn run(args: EraseArgs, ctx: &Ctx) -> Result<Output> {
    let reason = crate::cli::input::long_text(&ctx.ui, "--reason", Some(args.reason), None)?
        .unwrap_or_default();
    let reason = required("--reason", &reason, MAX_LONG)?;
    let loaded = ctx.session()?.erase(&args.id, Why::Asked(reason))?;
    let headline = format!(
        "Erased dispute {}'s text: its key is destroyed here{}. The dispute still counts in every report.",
        loaded.dispute.id,
        if shared(ctx) {
            ", and in every other clone at its next sync"
        } else {
            ""
        }
    );
    after_change(ctx, &loaded, headline)
}

fn shared(ctx: &Ctx) -> bool {
    escalate_core::store::layout::git_dir(ctx.root.as_path()).is_dir()
}

#[derive(Debug, Args)]
pub(crate) struct RetentionArgs {
    #[command(subcommand)]
    pub action: RetentionAction,
}

#[derive(Debug, Subcommand)]
pub(crate) enum RetentionAction {
    /// Set the partnership's retention period ("6 years after resolution")
    Set {
        /// A number and a unit (days, weeks, months, years), then "after resolution"
        #[arg(value_name = "PERIOD")]
        period: String,
    },
    /// Show the retention period in force and who set it
    Show,
    /// Erase the text of every dispute resolved before a date (default: today less the period)
    Apply {
        /// Erase disputes resolved before this date (YYYY-MM-DD) instead of the period's date
        #[arg(long, value_name = "DATE")]
        resolved_before: Option<chrono::NaiveDate>,
    },
}

impl RetentionAction {
    /// Whether it appends to journals (`apply`).
    pub(crate) fn records(&self) -> bool {
        matches!(self, RetentionAction::Apply { .. })
    }
}

pub(crate) fn retention(args: RetentionArgs, ctx: &Ctx) -> Result<Output> {
    let s = ctx.session()?;
    match args.action {
        RetentionAction::Set { period } => {
            let period = Period::parse(&period).map_err(Error::usage)?;
            let setting = s.set_retention(period)?;
            if ctx.json {
                return Ok(Output::json(serde_json::json!({
                    "period": setting.period.words(),
                    "set_by": setting.set_by,
                })));
            }
            Ok(Output::Text(format!(
                "Retention period set: {}. `escalate retention apply` erases the text of disputes resolved before {}.\n",
                setting.period.words(),
                escalate_core::domain::clock::human_date(
                    setting.period.resolved_before(escalate_core::domain::clock::london_date(&s.now))
                )
            )))
        }
        RetentionAction::Show => {
            let setting = escalate_core::privacy::retention::read(&s.store)?;
            if ctx.json {
                return Ok(Output::json(setting.map(|st| {
                    serde_json::json!({
                        "period": st.period.words(),
                        "set_by": st.set_by,
                        "set_at": st.set_at.to_rfc3339(),
                        "resolved_before": st.period.resolved_before(escalate_core::domain::clock::london_date(&s.now)).to_string(),
                    })
                })));
            }
            Ok(Output::Text(match setting {
                None => "No retention period is set. An admin sets one with `escalate retention set \"6 years after resolution\"`.\n".to_owned(),
                Some(st) => format!(
                    "Retention period: {} (set by {} on {}). Today that erases disputes resolved before {}.\n",
                    st.period.words(),
                    escalate_core::domain::text::one_line(&st.set_by),
                    escalate_core::domain::clock::human_instant(&st.set_at),
                    escalate_core::domain::clock::human_date(
                        st.period.resolved_before(escalate_core::domain::clock::london_date(&s.now))
                    )
                ),
            }))
        }
        RetentionAction::Apply { resolved_before } => {
            let setting = escalate_core::privacy::retention::read(&s.store)?;
            let (before, period) = match (resolved_before, &setting) {
                (Some(d), st) => (
                    d,
                    st.as_ref()
                        .map(|st| st.period.words())
                        .unwrap_or_else(|| format!("resolved before {d}")),
                ),
                (None, Some(st)) => (
                    st.period.resolved_before(escalate_core::domain::clock::london_date(&s.now)),
                    st.period.words(),
                ),
                (None, None) => {
                    return Err(Error::usage(
                        "no retention period is set, so `retention apply` cannot tell which disputes are past it; nothing was written",
                    )
                    .with_hint(escalate_core::error::Hint::Said(
                        "Set one with `escalate retention set \"6 years after resolution\"`, or give `--resolved-before DATE`.".into(),
                    )))
                }
            };
            let cutoff = escalate_core::domain::clock::start_of_day(before);
            let reason = format!(
                "retention: resolved before {}",
                escalate_core::domain::clock::human_date(before)
            );
            let done = s.apply_retention(&cutoff, &period, &reason)?;
            for (id, e) in &done.unreadable {
                ctx.ui.warn(&format!(
                    "dispute {id} could not be read, so it was not erased: {e}"
                ));
            }
            if ctx.json {
                return Ok(Output::json(serde_json::json!({
                    "resolved_before": before.to_string(),
                    "period": period,
                    "erased": done.erased.iter().map(|i| i.as_str()).collect::<Vec<_>>(),
                    "not_sealed": done.unsealed.iter().map(|i| i.as_str()).collect::<Vec<_>>(),
                })));
            }
            let mut out = format!(
                "Erased the text of {} dispute{} resolved before {} ({period}){}\n",
                done.erased.len(),
                if done.erased.len() == 1 { "" } else { "s" },
                escalate_core::domain::clock::human_date(before),
                if done.erased.is_empty() { "." } else { ":" },
            );
            for id in &done.erased {
                out.push_str(&format!("  {id}\n"));
            }
            if !done.unsealed.is_empty() {
                out.push_str(&format!(
                    "Not erased: {} dispute{} recorded before escalate sealed disputes' text (their text is in their journals' lines, which escalate never changes): {}\n",
                    done.unsealed.len(),
                    if done.unsealed.len() == 1 { "" } else { "s" },
                    done.unsealed.iter().map(|i| i.as_str()).collect::<Vec<_>>().join(", ")
                ));
            }
            if !done.erased.is_empty() && shared(ctx) {
                out.push_str("Every other clone destroys these keys at its next sync.\n");
            }
            Ok(Output::Text(out))
        }
    }
}
