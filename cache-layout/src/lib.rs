//! Work in progress: see this crate's README for what it will hold.
