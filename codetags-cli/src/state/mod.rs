//! The scan state: what is cached between scans, how it is keyed, and where it is stored.
//!
//! One cache entry per scan root holds a record per folder and per file ([`ScanState`], in the
//! compact rows of [`table`]): a file's name, size, mtime (ns), mode, the SHA-256 of its bytes
//! when known, and its encoded tags and diagnostics; a folder's name, mtime, inode and ignore
//! files, so that the next walk need not list a folder that did not change. The entry's key is the SHA-256 of a function name
//! ([`STATE_FUNCTION`]) and its arguments ([`StateKey`]): the canonical root, a fingerprint of
//! every setting that changes results ([`ResultSettings`]), the cache format
//! ([`STATE_FORMAT`]) and the tool version. A warm scan of an unchanged tree therefore loads
//! one entry, stats every file and reads none.
//!
//! With a remote (shared) cache the key is portable instead ([`PORTABLE_STATE_FUNCTION`]): its
//! paths are relative to the project folder and the project is named, so every checkout of a
//! project shares its states wherever it sits on disk.
//!
//! A record is trusted only when size, mtime and mode all match **and** the file's mtime is
//! older than the start of the scan that wrote the record by more than
//! [`RACY_GRANULARITY_NS`] (git's "racily clean" rule); [`crate::scan`](mod@crate::scan) applies the rule.
//!
//! This layer sits under [`crate::scan`](mod@crate::scan) and knows nothing of it: [`StateStore`] is the
//! interface a scan request carries, [`CoreStateStore`] the implementation over cache-core,
//! and [`LastScan`] the `last-scan.json` record written beside the entries. Building a
//! [`ResultSettings`] from a request is the scan's job ([`ResultSettings::of`] is defined in
//! `scan`), so that the key's type stays here while its exhaustive construction stays next to
//! the request it destructures.
mod key;
mod portable;
mod record;
mod store;
pub mod table;

pub use key::{ResultSettings, STATE_FORMAT, STATE_FUNCTION, StateKey};
pub use portable::PORTABLE_STATE_FUNCTION;
pub(crate) use record::system_time_ns;
pub use record::{FileStat, RACY_GRANULARITY_NS, ScanState, ScanStats};
pub use store::{CoreStateStore, LAST_SCAN_FILE, LastScan, StateStore, read_last_scan};
