//! A progress bar for commands that can take more than a second (verify, report
//! over many disputes), drawn on standard error only when both output streams are
//! a terminal and neither --json nor --quiet was given: never in a pipe, a cron
//! job's mail or a script's JSON. It appears only once a second has passed, so
//! quick runs never flash one.

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::Ctx;

/// How long a command runs before its bar appears. Tests shorten it with
/// `ESCALATE_PROGRESS_DELAY_MS` so a small data directory shows one.
const DELAY: Duration = Duration::from_secs(1);

pub(super) struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
    delay: Duration,
    shown: bool,
}

impl Progress {
    /// A bar counting `len` disputes, labelled `what` ("Checking").
    pub(super) fn new(ctx: &Ctx, len: usize, what: &str) -> Progress {
        let bar = Progress::wanted(ctx).then(|| {
            let bar = ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::hidden());
            if let Ok(style) =
                ProgressStyle::with_template("{msg} {wide_bar} {pos}/{len} disputes, {eta} left")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(what.to_owned());
            bar
        });
        let delay = std::env::var("ESCALATE_PROGRESS_DELAY_MS")
            .ok()
            .and_then(|ms| ms.parse().ok())
            .map_or(DELAY, Duration::from_millis);
        Progress {
            bar,
            started: Instant::now(),
            delay,
            shown: false,
        }
    }

    /// Whether a bar could be shown at all (so counting for it is worth doing).
    pub(super) fn wanted(ctx: &Ctx) -> bool {
        !ctx.json && !ctx.quiet && ctx.ui.can_show_progress()
    }

    /// One more dispute done.
    pub(super) fn inc(&mut self) {
        let Some(bar) = &self.bar else { return };
        if !self.shown && self.started.elapsed() >= self.delay {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            self.shown = true;
        }
        bar.inc(1);
    }

    /// Run `f` (which prints) with the bar out of the way.
    pub(super) fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.bar {
            Some(bar) if self.shown => bar.suspend(f),
            _ => f(),
        }
    }

    pub(super) fn active(&self) -> bool {
        self.shown
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
