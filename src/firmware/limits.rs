//! Bounds on what one target may cost. The inputs are hostile: a zip bomb, a tar member that
//! declares 2 GB, a thousand nested archives or a million empty entries must each end in a
//! warning and a result, not an exhausted machine.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Containers inside containers, counted from the target.
    pub max_depth: usize,
    /// Bytes produced by decompressing and unpacking, summed over the whole target.
    pub max_total_bytes: u64,
    /// Bytes one member, decompressed stream or file read whole may have; it is held in memory
    /// while analysed. A file on disk is read whole when it says it is small — and through this
    /// bound whatever it says, since a `/proc` or `/sys` file says it is empty and may stream
    /// without end. (A large file on a real filesystem is mapped or streamed instead, not held.)
    pub max_member_bytes: u64,
    /// Output over input of one decompression; a higher ratio is a bomb.
    pub max_ratio: u64,
    /// Files and members, summed over the whole target.
    pub max_entries: u64,
    /// Bytes in one virtual path.
    pub max_path_len: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 16,
            max_total_bytes: 64 << 30,
            max_member_bytes: 1 << 30,
            max_ratio: 1000,
            max_entries: 2_000_000,
            max_path_len: 4096,
        }
    }
}
