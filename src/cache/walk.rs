//! A target walked through the cache: a file target is hashed first and, when a walk of the
//! same content (within the same limits and scope, through the same analysers) is stored, not
//! walked at all; otherwise it is walked with every file's facts looked up before they are
//! computed, and the walk is stored.

use crate::firmware::{self, WalkError, Walked};
use crate::source::Options;
use std::path::Path;

/// Walks `target` as `firmware::walk_scoped` does, through `options.cache` when there is one.
pub fn walk(target: &Path, options: &Options<'_>) -> Result<Walked, WalkError> {
    let Some(cache) = options.cache.filter(|c| c.usable()) else {
        return firmware::walk_scoped(
            target,
            &options.walk_limits,
            &options.scope,
            options.progress,
            options.analyser,
        );
    };
    let root = target.display().to_string();
    // only a regular file off pseudo filesystems is a blob whose content decides the walk
    let whole = std::fs::metadata(target)
        .ok()
        .filter(|m| m.is_file() && firmware::scope::pseudo_filesystem(target).is_none())
        .and_then(|_| hash_file(target).ok());
    let key = whole
        .as_ref()
        .map(|sha256| cache.walk_key(sha256, &root, options.analyser, &options.walk_limits, &options.scope));
    if let Some(walked) = key.as_ref().and_then(|k| cache.get_walked(k)) {
        return Ok(walked);
    }
    let facts = cache.facts_for(options.analyser);
    let walked = firmware::walk_cached(
        target,
        &options.walk_limits,
        &options.scope,
        options.progress,
        options.analyser,
        Some(&facts),
    )?;
    if let (Some(key), Some(sha256)) = (&key, &whole) {
        // kept only when what was walked is what was hashed (the file did not change meanwhile)
        if root_sha256(&walked, &root) == Some(sha256.as_str()) {
            cache.put_walked(key, &walked);
        }
    }
    Ok(walked)
}

/// The SHA-256 the walk gives the target itself: as a container, or as a plain file.
fn root_sha256<'w>(walked: &'w Walked, root: &str) -> Option<&'w str> {
    walked
        .containers
        .iter()
        .find(|c| c.path == root)
        .map(|c| c.sha256.as_str())
        .or_else(|| {
            walked
                .files
                .iter()
                .find(|f| f.path == root)
                .and_then(|f| f.sha256.as_deref())
        })
}

/// SHA-256 of a file's content, as lower-case hex.
fn hash_file(path: &Path) -> std::io::Result<String> {
    firmware::sha256_of(std::fs::File::open(path)?)
}
