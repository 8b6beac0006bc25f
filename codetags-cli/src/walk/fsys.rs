//! File-system primitives relative to an open folder: list it, stat and open its entries by
//! name. On Unix through `rustix` (safe wrappers of `openat`, `fstatat`, `getdents64`), so a
//! file in a folder already open costs no path lookup from the scan root; elsewhere by path
//! through `std`, with the same behaviour.
//!
//! Nothing here follows a symbolic link at the last component unless asked, and files are
//! opened without blocking (`O_NONBLOCK`): a FIFO in a file's place cannot hang a scan.

use std::ffi::OsStr;
use std::io;

/// What kind of file a name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A regular file.
    File,
    /// A folder.
    Dir,
    /// A symbolic link (not followed).
    Symlink,
    /// A FIFO, socket or device.
    Other,
}

/// The stat data the walk and the scan state use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    /// The kind of file.
    pub kind: Kind,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, ns since the Unix epoch.
    pub mtime_ns: i64,
    /// Status-change time, ns since the Unix epoch (the mtime where there is none).
    pub ctime_ns: i64,
    /// The mode bits (`st_mode`, type bits included; 0 where there are none).
    pub mode: u32,
    /// The inode number (0 where there is none).
    pub ino: u64,
    /// The device (0 where there is none).
    pub dev: u64,
}

impl Stat {
    /// The stat data of `metadata` (as `std` reports it).
    pub fn of(metadata: &std::fs::Metadata) -> Stat {
        let file_type = metadata.file_type();
        let kind = if file_type.is_file() {
            Kind::File
        } else if file_type.is_dir() {
            Kind::Dir
        } else if file_type.is_symlink() {
            Kind::Symlink
        } else {
            Kind::Other
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Stat {
                kind,
                size: metadata.len(),
                mtime_ns: metadata
                    .mtime()
                    .saturating_mul(1_000_000_000)
                    .saturating_add(metadata.mtime_nsec()),
                ctime_ns: metadata
                    .ctime()
                    .saturating_mul(1_000_000_000)
                    .saturating_add(metadata.ctime_nsec()),
                mode: metadata.mode(),
                ino: metadata.ino(),
                dev: metadata.dev(),
            }
        }
        #[cfg(not(unix))]
        {
            let mtime_ns =
                metadata
                    .modified()
                    .map_or(0, |t| match t.duration_since(std::time::UNIX_EPOCH) {
                        Ok(d) => i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
                        Err(e) => -i64::try_from(e.duration().as_nanos()).unwrap_or(i64::MAX),
                    });
            Stat {
                kind,
                size: metadata.len(),
                mtime_ns,
                ctime_ns: mtime_ns,
                mode: u32::from(metadata.permissions().readonly()),
                ino: 0,
                dev: 0,
            }
        }
    }
}

/// One entry of a folder listing: its name's place in [`Listing::names`] and, when the listing
/// tells it (`d_type`), its kind.
#[derive(Debug, Clone, Copy)]
pub struct ListedEntry {
    start: u32,
    end: u32,
    /// The kind, if the folder listing gave it.
    pub kind: Option<Kind>,
}

/// A folder's entries (without `.` and `..`), their names in one buffer: no allocation per
/// entry. Reused from folder to folder.
#[derive(Debug, Default)]
pub struct Listing {
    names: Vec<u8>,
    /// The entries, in the order the file system gave them.
    pub entries: Vec<ListedEntry>,
    #[cfg(target_os = "linux")]
    buffer: Vec<std::mem::MaybeUninit<u8>>,
}

impl Listing {
    /// The name of `entry`.
    pub fn name(&self, entry: &ListedEntry) -> &OsStr {
        os_str(&self.names[entry.start as usize..entry.end as usize])
    }

    fn clear(&mut self) {
        self.names.clear();
        self.entries.clear();
    }

    fn push(&mut self, name: &[u8], kind: Option<Kind>) -> io::Result<()> {
        if name == b"." || name == b".." {
            return Ok(());
        }
        let start = u32::try_from(self.names.len()).map_err(|_| too_many())?;
        self.names.extend_from_slice(name);
        let end = u32::try_from(self.names.len()).map_err(|_| too_many())?;
        self.entries.push(ListedEntry { start, end, kind });
        Ok(())
    }
}

fn too_many() -> io::Error {
    io::Error::other("folder listing larger than 4 GiB of names")
}

#[cfg(unix)]
fn os_str(bytes: &[u8]) -> &OsStr {
    use std::os::unix::ffi::OsStrExt;
    OsStr::from_bytes(bytes)
}

#[cfg(not(unix))]
fn os_str(bytes: &[u8]) -> &OsStr {
    // Names are stored from `OsStr::as_encoded_bytes` of this platform.
    OsStr::new(std::str::from_utf8(bytes).unwrap_or(""))
}

#[cfg(unix)]
pub use unix::Dir;

#[cfg(not(unix))]
pub use portable::Dir;

#[cfg(unix)]
mod unix {
    use super::{Kind, Listing, Stat};
    use rustix::fd::OwnedFd;
    use rustix::fs::{AtFlags, FileType, Mode, OFlags};
    use std::ffi::OsStr;
    use std::io;
    use std::path::Path;

    /// An open folder.
    #[derive(Debug)]
    pub struct Dir {
        fd: OwnedFd,
        /// Whether the descriptor's listing position has moved (it was listed).
        listed: std::sync::atomic::AtomicBool,
    }

    fn kind_of(file_type: FileType) -> Option<Kind> {
        match file_type {
            FileType::RegularFile => Some(Kind::File),
            FileType::Directory => Some(Kind::Dir),
            FileType::Symlink => Some(Kind::Symlink),
            FileType::Unknown => None,
            _ => Some(Kind::Other),
        }
    }

    // Field types differ between targets (`c_ulong`, `u64`, `i64`): each cast is the identity
    // or a widening on the targets we build for.
    #[allow(clippy::unnecessary_cast, clippy::cast_possible_wrap)]
    fn stat_of(st: &rustix::fs::Stat) -> Stat {
        let mode = st.st_mode as u32;
        Stat {
            kind: kind_of(FileType::from_raw_mode(mode as _)).unwrap_or(Kind::Other),
            size: u64::try_from(st.st_size).unwrap_or(0),
            mtime_ns: (st.st_mtime as i64)
                .saturating_mul(1_000_000_000)
                .saturating_add(st.st_mtime_nsec as i64),
            ctime_ns: (st.st_ctime as i64)
                .saturating_mul(1_000_000_000)
                .saturating_add(st.st_ctime_nsec as i64),
            mode,
            ino: st.st_ino as u64,
            dev: st.st_dev as u64,
        }
    }

    const DIR_FLAGS: OFlags = OFlags::RDONLY
        .union(OFlags::DIRECTORY)
        .union(OFlags::CLOEXEC);

    impl Dir {
        /// Opens the folder at `path` (a symbolic link there is followed: a scan root may be
        /// one).
        pub fn open(path: &Path) -> io::Result<Dir> {
            let fd = rustix::fs::open(path, DIR_FLAGS, Mode::empty())?;
            Ok(Dir {
                fd,
                listed: false.into(),
            })
        }

        /// Opens the sub-folder `name`; a symbolic link is followed only when `follow` is set.
        pub fn open_dir(&self, name: &OsStr, follow: bool) -> io::Result<Dir> {
            let flags = if follow {
                DIR_FLAGS
            } else {
                DIR_FLAGS | OFlags::NOFOLLOW
            };
            let fd = rustix::fs::openat(&self.fd, name, flags, Mode::empty())?;
            Ok(Dir {
                fd,
                listed: false.into(),
            })
        }

        /// The folder's own stat data.
        pub fn stat(&self) -> io::Result<Stat> {
            Ok(stat_of(&rustix::fs::fstat(&self.fd)?))
        }

        /// The stat data of `name` in this folder (of a link itself unless `follow`).
        pub fn stat_at(&self, name: &OsStr, follow: bool) -> io::Result<Stat> {
            let flags = if follow {
                AtFlags::empty()
            } else {
                AtFlags::SYMLINK_NOFOLLOW
            };
            Ok(stat_of(&rustix::fs::statat(&self.fd, name, flags)?))
        }

        /// Opens the file `name` for reading, without blocking and (unless `follow`) without
        /// following a link; the caller checks what it opened with `File::metadata`.
        pub fn open_file(&self, name: &OsStr, follow: bool) -> io::Result<std::fs::File> {
            let mut flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC | OFlags::NOCTTY;
            if !follow {
                flags |= OFlags::NOFOLLOW;
            }
            let fd = rustix::fs::openat(&self.fd, name, flags, Mode::empty())?;
            Ok(std::fs::File::from(fd))
        }

        /// Lists the folder into `out` (replacing what it held).
        pub fn list(&self, out: &mut Listing) -> io::Result<()> {
            out.clear();
            self.list_into(out)
        }

        #[cfg(target_os = "linux")]
        fn list_into(&self, out: &mut Listing) -> io::Result<()> {
            use std::mem::MaybeUninit;
            if out.buffer.is_empty() {
                out.buffer = vec![MaybeUninit::uninit(); 32 * 1024];
            }
            // `getdents64` continues from the descriptor's position: the first listing reads
            // the descriptor itself, a later one a fresh descriptor of the same folder.
            let again = self.listed.swap(true, std::sync::atomic::Ordering::Relaxed);
            let reopened = if again {
                Some(rustix::fs::openat(
                    &self.fd,
                    c".",
                    DIR_FLAGS,
                    Mode::empty(),
                )?)
            } else {
                None
            };
            let fd = reopened.as_ref().unwrap_or(&self.fd);
            let mut buffer = std::mem::take(&mut out.buffer);
            let mut raw = rustix::fs::RawDir::new(fd, &mut buffer);
            let mut result = Ok(());
            while let Some(entry) = raw.next() {
                match entry {
                    Ok(entry) => {
                        let kind = kind_of(entry.file_type());
                        if let Err(err) = out.push(entry.file_name().to_bytes(), kind) {
                            result = Err(err);
                            break;
                        }
                    }
                    Err(err) => {
                        result = Err(err.into());
                        break;
                    }
                }
            }
            out.buffer = buffer;
            result
        }

        #[cfg(not(target_os = "linux"))]
        fn list_into(&self, out: &mut Listing) -> io::Result<()> {
            let mut dir = rustix::fs::Dir::read_from(&self.fd)?;
            while let Some(entry) = dir.read() {
                let entry = entry?;
                out.push(entry.file_name().to_bytes(), kind_of(entry.file_type()))?;
            }
            Ok(())
        }
    }
}

#[cfg(not(unix))]
mod portable {
    use super::{Kind, Listing, Stat};
    use std::ffi::OsStr;
    use std::io;
    use std::path::{Path, PathBuf};

    /// A folder, by path (no `openat` here).
    #[derive(Debug)]
    pub struct Dir {
        path: PathBuf,
    }

    impl Dir {
        /// The folder at `path`.
        pub fn open(path: &Path) -> io::Result<Dir> {
            let metadata = std::fs::metadata(path)?;
            if !metadata.is_dir() {
                return Err(io::Error::other("not a directory"));
            }
            Ok(Dir {
                path: path.to_path_buf(),
            })
        }

        /// The sub-folder `name`.
        pub fn open_dir(&self, name: &OsStr, follow: bool) -> io::Result<Dir> {
            let path = self.path.join(name);
            let metadata = if follow {
                std::fs::metadata(&path)?
            } else {
                std::fs::symlink_metadata(&path)?
            };
            if !metadata.is_dir() {
                return Err(io::Error::other("not a directory"));
            }
            Ok(Dir { path })
        }

        /// The folder's own stat data.
        pub fn stat(&self) -> io::Result<Stat> {
            Ok(Stat::of(&std::fs::metadata(&self.path)?))
        }

        /// The stat data of `name` in this folder.
        pub fn stat_at(&self, name: &OsStr, follow: bool) -> io::Result<Stat> {
            let path = self.path.join(name);
            let metadata = if follow {
                std::fs::metadata(path)?
            } else {
                std::fs::symlink_metadata(path)?
            };
            Ok(Stat::of(&metadata))
        }

        /// Opens the file `name` for reading.
        pub fn open_file(&self, name: &OsStr, follow: bool) -> io::Result<std::fs::File> {
            let path = self.path.join(name);
            if !follow && std::fs::symlink_metadata(&path)?.file_type().is_symlink() {
                return Err(io::Error::other("a symbolic link"));
            }
            std::fs::File::open(path)
        }

        /// Lists the folder into `out`.
        pub fn list(&self, out: &mut Listing) -> io::Result<()> {
            out.clear();
            for entry in std::fs::read_dir(&self.path)? {
                let entry = entry?;
                let kind = entry.file_type().ok().map(|t| {
                    if t.is_file() {
                        Kind::File
                    } else if t.is_dir() {
                        Kind::Dir
                    } else if t.is_symlink() {
                        Kind::Symlink
                    } else {
                        Kind::Other
                    }
                });
                out.push(entry.file_name().as_encoded_bytes(), kind)?;
            }
            Ok(())
        }
    }
}

/// Whether an open failed because the last component is a symbolic link refused by
/// `O_NOFOLLOW` (`ELOOP`, or `EMLINK` on some BSDs).
pub fn is_link_refusal(err: &io::Error) -> bool {
    #[cfg(unix)]
    {
        err.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error())
            || err.raw_os_error() == Some(rustix::io::Errno::MLINK.raw_os_error())
    }
    #[cfg(not(unix))]
    {
        let _ = err;
        false
    }
}

/// Whether `name` starts with a `.` (hidden on Unix, as the `ignore` crate decides it).
pub fn is_hidden(name: &OsStr) -> bool {
    name.as_encoded_bytes().first() == Some(&b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_is_listed_and_its_entries_stat_ed_and_opened_by_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.py"), "x = 1\n").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let open = Dir::open(dir.path()).unwrap();
        let mut listing = Listing::default();
        open.list(&mut listing).unwrap();
        let mut names: Vec<_> = listing
            .entries
            .iter()
            .map(|e| (listing.name(e).to_owned(), e.kind))
            .collect();
        names.sort();
        assert_eq!(names[0].0, "a.py");
        assert_eq!(names[1].0, "sub");
        assert!(matches!(names[1].1, Some(Kind::Dir) | None));
        let stat = open.stat_at(OsStr::new("a.py"), false).unwrap();
        assert_eq!((stat.kind, stat.size), (Kind::File, 6));
        assert_eq!(open.stat().unwrap().kind, Kind::Dir);
        let file = open.open_file(OsStr::new("a.py"), false).unwrap();
        assert_eq!(file.metadata().unwrap().len(), 6);
        let sub = open.open_dir(OsStr::new("sub"), false).unwrap();
        sub.list(&mut listing).unwrap();
        assert!(listing.entries.is_empty());
        // Listing the same folder twice gives the same entries both times.
        open.list(&mut listing).unwrap();
        assert_eq!(listing.entries.len(), 2);
        open.list(&mut listing).unwrap();
        assert_eq!(listing.entries.len(), 2);
    }

    #[cfg(unix)]
    #[test]
    fn links_are_not_followed_unless_asked() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("real.py"), "x\n").unwrap();
        std::os::unix::fs::symlink("real.py", dir.path().join("link.py")).unwrap();
        std::os::unix::fs::symlink(".", dir.path().join("here")).unwrap();
        let open = Dir::open(dir.path()).unwrap();
        let link = OsStr::new("link.py");
        assert_eq!(open.stat_at(link, false).unwrap().kind, Kind::Symlink);
        assert_eq!(open.stat_at(link, true).unwrap().kind, Kind::File);
        assert!(open.open_file(link, false).is_err());
        assert!(open.open_file(link, true).is_ok());
        assert!(open.open_dir(OsStr::new("here"), false).is_err());
        assert!(open.open_dir(OsStr::new("here"), true).is_ok());
    }
}
