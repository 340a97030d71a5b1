//! placeholder

pub mod flow;
