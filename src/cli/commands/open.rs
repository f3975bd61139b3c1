//! `escalate open`: start a dispute under a policy.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Args;

use crate::cli::{after_change, parse_date_arg, parse_instant_arg, Ctx, Output};
use escalate_core::domain::clock::Instant;
use escalate_core::domain::event::Opened;
use escalate_core::domain::text::{optional, required, MAX_LONG, MAX_SHORT};
use escalate_core::error::Result;
use escalate_core::ops::OpenRequest;
use escalate_core::policy::{Flag, LoadedPolicy};
use std::sync::Arc;

#[derive(Debug, Args)]
pub(crate) struct OpenArgs {
    /// Policy to follow (see `escalate policy list`)
    #[arg(long, value_name = "ID", add = clap_complete::engine::ArgValueCompleter::new(crate::cli::complete::policy_ids))]
    pub policy: Option<String>,
    /// Follow a policy from a file instead of a known one
    #[arg(long, value_name = "PATH", conflicts_with = "policy")]
    pub policy_file: Option<PathBuf>,
    /// The child's reference in your own records (not a name)
    #[arg(long, value_name = "REF", visible_alias = "subject")]
    pub child: Option<String>,
    /// Whom the dispute is about, where the policy covers adults too: child or adult
    #[arg(long, value_name = "KIND", value_parser = ["child", "adult"])]
    pub subject_kind: Option<String>,
    /// Your agency: the one raising the disagreement
    #[arg(long, value_name = "AGENCY", add = clap_complete::engine::ArgValueCompleter::new(crate::cli::complete::agency_names))]
    pub from: Option<String>,
    /// The agency whose decision you disagree with
    #[arg(long, value_name = "AGENCY", add = clap_complete::engine::ArgValueCompleter::new(crate::cli::complete::agency_names))]
    pub with: Option<String>,
    /// What the disagreement is about (up to 20,000 characters; `-` reads standard input)
    #[arg(long, value_name = "TEXT", conflicts_with = "summary_file")]
    pub summary: Option<String>,
    /// Read the summary from a file (`-`: standard input)
    #[arg(long, value_name = "PATH")]
    pub summary_file: Option<PathBuf>,
    /// Kind of disagreement, from the policy's list (`escalate policy show ID`)
    #[arg(long, value_name = "ID")]
    pub category: Option<String>,
    /// A field the policy reports by, as ID=VALUE (repeatable; `escalate policy
    /// show ID` lists them and their values)
    #[arg(long = "field", value_name = "ID=VALUE", value_parser = parse_field)]
    pub fields: Vec<(String, String)>,
    /// The child has a child protection plan
    #[arg(long)]
    pub cp_plan: bool,
    /// The child is looked after
    #[arg(long)]
    pub looked_after: bool,
    /// The child is thought to be at risk of immediate harm
    #[arg(long)]
    pub immediate_harm: bool,
    /// An earlier deadline for the first stage, to protect the child (later only where the policy lets the parties agree one, with --due-reason)
    #[arg(long, value_name = "DATE", value_parser = parse_date_arg)]
    pub due: Option<NaiveDate>,
    /// Why this date: what makes an earlier one necessary, or who agreed a later one
    #[arg(long, value_name = "TEXT", requires = "due")]
    pub due_reason: Option<String>,
    /// When the dispute was really opened, if earlier than now
    #[arg(long, value_name = "DATETIME", value_parser = parse_instant_arg)]
    pub at: Option<Instant>,
    /// When the disagreement first arose, if earlier than it was opened
    #[arg(long, value_name = "DATETIME", value_parser = parse_instant_arg)]
    pub arose: Option<Instant>,
    /// Start at a later stage, by number or label (only where the policy allows it)
    #[arg(long, value_name = "N")]
    pub stage: Option<String>,
    /// The named role opening at a later stage (a bypass the policy allows)
    #[arg(long = "as", value_name = "ROLE", requires = "stage")]
    pub role: Option<String>,
    /// Why the dispute starts at a later stage
    #[arg(long, value_name = "TEXT", requires = "stage")]
    pub reason: Option<String>,
}

pub(crate) fn run(mut args: OpenArgs, ctx: &Ctx) -> Result<Output> {
    args.summary = crate::cli::input::long_text(
        &ctx.ui,
        "--summary",
        args.summary.take(),
        args.summary_file.take(),
    )?;
    let s = ctx.session()?;
    let p = &ctx.prompter;
    let config = ctx.config()?;
    let policy_id = args.policy.clone().or_else(|| config.policy.clone());
    let from = args.from.clone().or_else(|| config.organisation.clone());
    let mut missing = Vec::new();
    if policy_id.is_none() && args.policy_file.is_none() {
        missing.push("--policy");
    }
    for (value, flag) in [
        (&args.child, "--child"),
        (&from, "--from"),
        (&args.with, "--with"),
        (&args.summary, "--summary"),
    ] {
        if value.is_none() {
            missing.push(flag);
        }
    }
    p.require("open", &missing)?;
    // Prompting at all means the person is answering questions rather than typing
    // flags: then every fact the policy's duties depend on is asked for too.
    let asking = !missing.is_empty() && p.interactive();

    let policy: Arc<LoadedPolicy> = match (&policy_id, &args.policy_file) {
        (_, Some(path)) => Arc::new(s.catalogue.admit(LoadedPolicy::from_file(path)?)?),
        (Some(id), None) => s.catalogue.get(id)?.clone(),
        (None, None) => {
            let policies = s.catalogue.policies();
            let items: Vec<String> = policies
                .iter()
                .map(|l| {
                    format!(
                        "{} — {} ({}{})",
                        l.policy.id,
                        l.policy.partnership,
                        l.policy.name,
                        l.policy.year.map(|y| format!(" {y}")).unwrap_or_default()
                    )
                })
                .collect();
            let i = p.select("Which escalation policy applies?", &items)?;
            Arc::clone(policies[i])
        }
    };
    let earlier = if args.from.is_none() || args.with.is_none() {
        agencies_used(s)
    } else {
        Vec::new()
    };
    let child = match args.child {
        Some(c) => c,
        None => p.line(match policy.policy.subject_scope() {
            escalate_core::policy::SubjectScope::Children => {
                "Child's reference in your records (not a name)"
            }
            escalate_core::policy::SubjectScope::Adults => {
                "Adult's reference in your records (not a name)"
            }
            escalate_core::policy::SubjectScope::ChildrenAndAdults => {
                "Reference of the child or adult in your records (not a name)"
            }
        })?,
    };
    let from = match from {
        Some(f) => f,
        None => p.choose_or_type("Your agency (raising the disagreement)", &earlier)?,
    };
    let with = match args.with {
        Some(w) => w,
        None => {
            // Not the agency just chosen: a disagreement is between two.
            let others: Vec<String> = earlier
                .iter()
                .filter(|a| !a.trim().eq_ignore_ascii_case(from.trim()))
                .cloned()
                .collect();
            p.choose_or_type("The agency whose decision you disagree with", &others)?
        }
    };
    let summary = match args.summary {
        Some(t) => t,
        None => p.long_text("What is the disagreement about?", "--summary")?,
    };
    let mut facts = escalate_core::policy::Facts {
        cp_plan: args.cp_plan,
        looked_after: args.looked_after,
        immediate_harm: args.immediate_harm,
        category: args.category.clone(),
    };
    if asking {
        ask_facts(
            p,
            &policy.policy,
            &mut facts,
            (args.cp_plan, args.looked_after, args.immediate_harm),
        )?;
    }
    let fields = fields(p, &policy.policy, &args.fields)?;
    let opened = Opened {
        fields,
        policy: policy.policy.id.clone(),
        policy_hash: policy.hash.clone(),
        child: required("--child", &child, MAX_SHORT)?,
        from: required("--from", &from, MAX_SHORT)?,
        with: required("--with", &with, MAX_SHORT)?,
        summary: required(&p.field("--summary"), &summary, MAX_LONG)?,
        category: optional("--category", facts.category.as_deref(), MAX_SHORT)?,
        cp_plan: facts.cp_plan,
        looked_after: facts.looked_after,
        immediate_harm: facts.immediate_harm,
        stage: match &args.stage {
            Some(name) => crate::cli::stage_arg(&policy.policy, name)?,
            None => policy.policy.first_stage(),
        },
        due: args.due,
        arose: args.arose,
        start_reason: optional("--reason", args.reason.as_deref(), MAX_LONG)?,
        due_reason: optional("--due-reason", args.due_reason.as_deref(), MAX_LONG)?,
        subject_kind: args.subject_kind.clone(),
        opened_as: optional("--as", args.role.as_deref(), MAX_SHORT)?,
        // `Session::open` gives every new dispute its own key.
        seal_to: None,
    };
    let loaded = s.open(OpenRequest {
        policy,
        opened,
        at: args.at,
    })?;
    if ctx.quiet && !ctx.json {
        return Ok(Output::Text(format!("{}\n", loaded.dispute.id)));
    }
    let headline = format!(
        "Opened dispute {} under {} ({}).",
        loaded.dispute.id, loaded.policy.policy.id, loaded.policy.policy.partnership
    );
    after_change(ctx, &loaded, headline)
}

/// `ID=VALUE`, as `--field` takes it (checked against the policy later).
pub(crate) fn parse_field(text: &str) -> std::result::Result<(String, String), String> {
    match text.split_once('=') {
        Some((id, value)) if !id.trim().is_empty() && !value.trim().is_empty() => {
            Ok((id.trim().to_owned(), value.trim().to_owned()))
        }
        _ => Err(format!(
            "{text:?} is not ID=VALUE (for example level-of-need=3); `escalate policy show` lists a policy's fields"
        )),
    }
}

/// The policy's fields as given with `--field`, each checked and spelled as the
/// policy spells it; a field marked `ask = true` and not given is asked for
/// when a person is at the terminal.
fn fields(
    p: &crate::cli::prompt::Prompter,
    policy: &escalate_core::policy::Policy,
    given: &[(String, String)],
) -> Result<std::collections::BTreeMap<String, String>> {
    let mut out = std::collections::BTreeMap::new();
    for (id, value) in given {
        let (id, value) = escalate_core::domain::plan::field_value(policy, id, value)?;
        if out.insert(id.clone(), value).is_some() {
            return Err(
                escalate_core::error::Error::usage(format!("--field {id} is given twice"))
                    .with_hint("Give each field once."),
            );
        }
    }
    if p.interactive() {
        let asked: Vec<&escalate_core::policy::Field> = policy
            .fields
            .iter()
            .filter(|f| f.ask && !out.contains_key(&f.id))
            .collect();
        for f in asked {
            let mut items = f.values.clone();
            items.push("Not known yet".to_owned());
            let i = p.select(&format!("{}?", f.label), &items)?;
            if let Some(v) = f.values.get(i) {
                out.insert(f.id.clone(), v.clone());
            }
        }
    }
    Ok(out)
}

/// Agencies to offer at the prompt: those named in earlier disputes, most used
/// first, each under its name in the partnership's agency list (an alias counts
/// as the agency it stands for), then the rest of that list.
fn agencies_used(s: &escalate_core::ops::Session) -> Vec<String> {
    let known = escalate_core::store::agencies::Agencies::read(s.store.root()).unwrap_or_default();
    let mut counts: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let _ = s.each(|_, loaded| {
        if let Ok(l) = loaded {
            for a in [&l.dispute.opened.from, &l.dispute.opened.with] {
                *counts.entry(known.canonical(a).into_owned()).or_default() += 1;
            }
        }
    });
    let mut list: Vec<(String, usize)> = counts.into_iter().collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut names: Vec<String> = list.into_iter().map(|(a, _)| a).take(15).collect();
    for a in &known.agencies {
        if !names.contains(&a.name) {
            names.push(a.name.clone());
        }
    }
    names
}

/// Ask for the category (from the policy's list) and, as yes/no questions, each
/// condition the policy's rules depend on that was not given as a flag; then show
/// the duties the answers create, so nothing a policy requires is lost to someone
/// who answers prompts instead of typing flags.
fn ask_facts(
    p: &crate::cli::prompt::Prompter,
    policy: &escalate_core::policy::Policy,
    facts: &mut escalate_core::policy::Facts,
    (cp_plan, looked_after, immediate_harm): (bool, bool, bool),
) -> Result<()> {
    let categories: Vec<&escalate_core::policy::Category> =
        policy.categories.iter().filter(|c| !c.excluded).collect();
    if facts.category.is_none() && !categories.is_empty() {
        let mut items: Vec<String> = categories.iter().map(|c| c.name.clone()).collect();
        items.push("None of these".to_owned());
        let i = p.select("What kind of disagreement is it?", &items)?;
        facts.category = categories.get(i).map(|c| c.id.clone());
    }
    for flag in escalate_core::domain::dispute::conditions_used(policy) {
        let given = match flag {
            Flag::CpPlan => cp_plan,
            Flag::LookedAfter => looked_after,
            Flag::ImmediateHarm => immediate_harm,
        };
        if !given {
            facts.set(flag, p.yes_no(&question(policy, flag))?);
        }
    }
    let duties = escalate_core::domain::dispute::duties_from_facts(policy, facts);
    if !duties.is_empty() {
        let mut text = "Your answers create these duties:\n".to_owned();
        for d in duties {
            text.push_str(&format!("  {d}\n"));
        }
        p.tell(&text);
    }
    Ok(())
}

/// The question for a condition, with what the policy says follows from it, in its
/// own words.
fn question(policy: &escalate_core::policy::Policy, flag: Flag) -> String {
    let base = match flag {
        Flag::CpPlan => "Does the child have a child protection plan?",
        Flag::LookedAfter => "Is the child looked after?",
        Flag::ImmediateHarm => "Is the child thought to be at risk of immediate harm?",
    };
    let rules: Vec<String> = escalate_core::domain::dispute::rules_for(policy, flag);
    match rules.first() {
        Some(r) => format!("{base} ({}: {r})", policy.id),
        None => base.to_owned(),
    }
}
