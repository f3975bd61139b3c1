//! The one integration-test binary: every test drives the real `escalate` executable
//! in a temporary data directory with a pinned clock (see `support`).

mod support;

mod architecture;
mod attacks;
mod boardpack;
mod calendar;
mod checkpoint;
mod core;
mod crash;
mod due;
mod fidelity;
mod format;
mod history;
mod hostile;
mod hostile_text;
mod integrity;
mod newcomer;
mod partnerships;
mod policies;
mod readme;
mod reports;
mod scale;
mod share;
mod show_stream;
mod speed;
mod stage_order;
mod terminal;
mod trial;
mod unverified;
