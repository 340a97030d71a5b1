//! placeholder

pub mod callback;
