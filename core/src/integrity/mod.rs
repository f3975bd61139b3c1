//! What makes the record trustworthy: signing keys and signed lines, checkpoints
//! kept elsewhere, and `verify`, which checks every journal against them.

pub mod checkpoint;
pub mod signing;
pub mod verify;
