//! `rangebar`: the embeddable pipeline behind the `rangebar` command.
#![forbid(unsafe_code)]

pub mod generate;
