//! Firmware and filesystem walking: a directory or an image in, every file found out, with a
//! virtual path that says how it was reached. Pure Rust; nothing external is run, nothing is
//! written to disk (streams are parsed as they decode, large filesystem images read in place), and
//! every expansion is bounded.
//!
//! Read today: directories, tar, zip, cpio (newc, crc, odc), ar (.deb), SquashFS 4, ext2/3/4,
//! FAT, ISO 9660 (Rock Ridge, Joliet), GPT and MBR disks, U-Boot uImage and FIT images (a FIT's
//! `/images` are its members), Android boot, vendor_boot and sparse images, and gzip, xz, lzma,
//! bzip2, zstd and lz4 streams, to any depth within the limits; a blob of no known type is carved
//! for containers at any offset. A flattened device tree is a file the analysers read.
//! Recognised and reported as not unpacked: UBI, JFFS2.

pub mod analyser;
pub mod carve;
pub mod containers;
pub mod detect;
pub mod limits;
pub mod scope;
pub mod vpath;
pub mod walk;

pub use analyser::FactsCache;
pub use limits::Limits;
pub use scope::{Exclude, Scope};
pub use walk::{
    sha256_of, walk, walk_cached, walk_focused, walk_scoped, Focus, Layer, LayerWalker, Progress, WalkError, Walked,
};
