//! The member list's rules, one at a time.
