//! U-Boot Flattened Image Trees (FIT, `.itb`): a device tree whose `/images` node holds one
//! child per image — kernel, ramdisk, device trees, firmware — each with its bytes either
//! embedded (`data`) or placed after the tree (`data-size` with `data-offset`, counted from the
//! end of the tree rounded up to 4 bytes, or `data-position`, counted from the start of the
//! file; `mkimage -E`). Each image is a member `images/<name>`; a compressed payload
//! (`compression = "gzip"`) is a stream the walker detects by itself, and a `flat_dt` image is a
//! device tree analysed as a file. `/configurations` only names images, so it yields nothing.

use super::{Corrupt, Member, Visit};
use crate::fdt::{self, Fdt, Node};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::{ControlFlow, Range};

/// The image nodes: the children of `/images`.
fn images<'t, 'a>(tree: &'t Fdt<'a>) -> impl Iterator<Item = &'t Node<'a>> + 't {
    tree.find("/images").into_iter().flat_map(move |n| tree.children(n))
}

fn has_payload(image: &Node<'_>) -> bool {
    image.property("data").is_some() || image.property("data-size").is_some()
}

/// A device tree with at least one image that carries data: a FIT rather than a plain `.dtb`.
pub fn is_fit(bytes: &[u8]) -> bool {
    fdt::parse(bytes).is_ok_and(|tree| images(&tree).any(has_payload))
}

/// How far a FIT reaches from its start: the end of the tree or of the last external image,
/// whichever is further; `None` when `bytes` does not start with one. A FIT carved out of a
/// raw dump must keep its external data, which lies after the tree.
pub fn extent(bytes: &[u8]) -> Option<usize> {
    let tree = fdt::parse(bytes).ok()?;
    let tree_size = tree.header.total_size as usize;
    let mut end = tree_size;
    let mut any = false;
    for image in images(&tree) {
        any |= has_payload(image);
        if let Ok(data) = payload(bytes, tree_size, image) {
            end = end.max(data.end);
        }
    }
    any.then_some(end)
}

/// What the tree says of itself, for the inventory: the root `description` and the number of
/// images. Empty when the tree does not parse.
pub fn details(bytes: &[u8]) -> BTreeMap<String, String> {
    let Ok(tree) = fdt::parse(bytes) else {
        return BTreeMap::new();
    };
    let mut details = BTreeMap::from([("images".to_string(), images(&tree).count().to_string())]);
    if let Some(d) = tree.root().property("description") {
        details.insert("description".to_string(), d.string().into_owned());
    }
    details
}

/// Where the bytes of one image lie in the file, every offset and size checked against it. External data must
/// lie after the tree itself, so an image can never be the FIT that holds it (no loops).
fn payload(bytes: &[u8], tree_size: usize, image: &Node<'_>) -> Result<Range<usize>, String> {
    if let Some(data) = image.property("data") {
        return Ok(data.offset..data.offset + data.value.len());
    }
    let number = |name: &str| -> Result<Option<usize>, String> {
        image.property(name).map_or(Ok(None), |p| {
            p.number()
                .and_then(|n| usize::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| format!("{name} is not a 4- or 8-byte number"))
        })
    };
    let size = number("data-size")?.ok_or("no data, no data-size")?;
    let start = match (number("data-position")?, number("data-offset")?) {
        (Some(position), _) if position < tree_size => {
            return Err(format!("data-position {position} lies inside the tree itself"));
        }
        (Some(position), _) => position,
        (None, Some(offset)) => offset
            .checked_add(tree_size.next_multiple_of(4))
            .ok_or_else(|| format!("data-offset {offset} overflows"))?,
        (None, None) => return Err("data-size without data-offset or data-position".to_string()),
    };
    start
        .checked_add(size)
        .filter(|&end| end <= bytes.len())
        .map(|end| start..end)
        .ok_or_else(|| format!("{size} bytes at {start} run past the end of the file"))
}

/// Hands each image over as `images/<name>`, in the order of the tree. An image whose data
/// cannot be found is a damaged member, and the others are still read.
pub fn read<'a>(bytes: &'a [u8], limit: u64, visit: &mut Visit<'_, 'a>) -> Result<(), Corrupt> {
    let tree = fdt::parse(bytes).map_err(|e| Corrupt(e.to_string()))?;
    let tree_size = tree.header.total_size as usize;
    for image in images(&tree) {
        let name = format!("images/{}", image.name).into_bytes();
        let located = payload(bytes, tree_size, image).and_then(|r| {
            let (start, end) = (r.start, r.end);
            bytes
                .get(r)
                .ok_or_else(|| format!("bytes {start} to {end} lie outside the file"))
        });
        let data = match located {
            Ok(data) => data,
            Err(message) => {
                if let ControlFlow::Break(()) = visit(Member::Damaged { name, message }) {
                    return Ok(());
                }
                continue;
            }
        };
        let member = if data.len() as u64 > limit {
            Member::TooBig {
                name,
                size: data.len() as u64,
            }
        } else {
            Member::File {
                name,
                data: Cow::Borrowed(data),
            }
        };
        if let ControlFlow::Break(()) = visit(member) {
            return Ok(());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firmware::detect::{detect, Kind};
    use crate::model::Fact;

    const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/analyse/dtb/");
    const EMBEDDED: &[u8] = include_bytes!("../../../fixtures/analyse/dtb/fit-embedded.itb");
    const EXTERNAL: &[u8] = include_bytes!("../../../fixtures/analyse/dtb/fit-external.itb");
    const POSITION: &[u8] = include_bytes!("../../../fixtures/analyse/dtb/fit-position.itb");
    const BOARD: &[u8] = include_bytes!("../../../fixtures/analyse/dtb/board.dtb");

    /// A member as (name, size, first four bytes; none when too big).
    type Seen = (String, u64, Vec<u8>);

    /// Every member, and the error.
    fn members(bytes: &[u8], limit: u64) -> (Vec<Seen>, Option<String>) {
        let mut out = Vec::new();
        let result = read(bytes, limit, &mut |m| {
            out.push(match m {
                Member::File { name, data } => (
                    String::from_utf8_lossy(&name).into_owned(),
                    data.len() as u64,
                    data[..4].to_vec(),
                ),
                Member::TooBig { name, size } => (String::from_utf8_lossy(&name).into_owned(), size, vec![]),
                Member::Damaged { name, message } => (
                    format!("{} damaged: {message}", String::from_utf8_lossy(&name)),
                    0,
                    vec![],
                ),
                _ => unreachable!("a FIT has files only"),
            });
            ControlFlow::Continue(())
        });
        (out, result.err().map(|c| c.0))
    }

    #[test]
    fn embedded_external_and_positioned_data_give_the_same_members() {
        let expected = vec![
            ("images/kernel".to_string(), 84, b"\x1f\x8b\x08\x00".to_vec()),
            ("images/ramdisk".to_string(), 512, b"0707".to_vec()),
            ("images/fdt-1".to_string(), 699, b"\xd0\x0d\xfe\xed".to_vec()),
        ];
        for fit in [EMBEDDED, EXTERNAL, POSITION] {
            assert_eq!(detect(fit), Kind::Fit);
            assert_eq!(members(fit, 1 << 20), (expected.clone(), None));
        }
        // the device tree image is the board fixture, byte for byte: at its data-position, and
        // at its data-offset (0x254) past the tree's 968 bytes
        assert_eq!(&POSITION[0xa54..0xa54 + 699], BOARD);
        assert_eq!(&EXTERNAL[968 + 0x254..968 + 0x254 + 699], BOARD);
        assert_eq!(detect(BOARD), Kind::Fdt);
    }

    #[test]
    fn an_image_over_the_limit_is_too_big() {
        let (got, error) = members(EXTERNAL, 100);
        assert_eq!(error, None);
        assert_eq!(got[0], ("images/kernel".to_string(), 84, b"\x1f\x8b\x08\x00".to_vec()));
        assert_eq!(got[1], ("images/ramdisk".to_string(), 512, vec![]));
        assert_eq!(got[2], ("images/fdt-1".to_string(), 699, vec![]));
    }

    #[test]
    fn details_give_the_description_and_image_count() {
        assert_eq!(
            details(EXTERNAL),
            BTreeMap::from([
                ("description".to_string(), "Test FIT image".to_string()),
                ("images".to_string(), "3".to_string()),
            ])
        );
        assert!(details(b"not a tree").is_empty());
    }

    /// Overwrites the 4-byte value of the `nth` property called `name` in a FIT.
    fn patch(fit: &[u8], name: &str, nth: usize, value: u32) -> Vec<u8> {
        let tree = fdt::parse(fit).unwrap();
        let at = tree
            .nodes()
            .iter()
            .flat_map(|n| &n.properties)
            .filter(|p| p.name == name)
            .nth(nth)
            .unwrap()
            .offset;
        let mut out = fit.to_vec();
        out[at..at + 4].copy_from_slice(&value.to_be_bytes());
        out
    }

    #[test]
    fn data_pointing_back_into_the_tree_or_past_the_end_is_corrupt() {
        // each image whose data cannot be found is a damaged member; the others are read
        let damaged = |fit: &[u8]| -> Vec<String> {
            let (got, error) = members(fit, 1 << 20);
            assert_eq!((got.len(), error), (3, None));
            got.into_iter()
                .map(|g| g.0)
                .filter(|n| n.contains(" damaged: "))
                .collect()
        };
        // the kernel's data-position at 0: the FIT itself, which would loop
        assert_eq!(
            damaged(&patch(POSITION, "data-position", 0, 0)),
            ["images/kernel damaged: data-position 0 lies inside the tree itself"]
        );
        // a size running past the end
        assert_eq!(
            damaged(&patch(EXTERNAL, "data-size", 2, 0xffff_fff0)),
            ["images/fdt-1 damaged: 4294967280 bytes at 1564 run past the end of the file"]
        );
        // an offset far past the end
        let far = damaged(&patch(EXTERNAL, "data-offset", 0, 0xffff_ffff));
        assert!(far[0].starts_with("images/kernel damaged: 84 bytes at "), "{far:?}");
        // the external data cut off
        let cut = damaged(&EXTERNAL[..1564 + 698]);
        assert!(cut[0].starts_with("images/fdt-1 damaged: 699 bytes at 1564"), "{cut:?}");
        // a truncated tree is corrupt as a whole
        let (got, error) = members(&EMBEDDED[..1000], 1 << 20);
        assert!(got.is_empty());
        assert!(error.is_some());
        assert_eq!(detect(&EMBEDDED[..1000]), Kind::Fdt);
    }

    #[test]
    fn a_fit_carved_out_of_a_dump_keeps_its_external_images() {
        // the last image (fdt-1, 699 bytes at 1564) ends one byte before mkimage's padding
        assert_eq!((extent(EXTERNAL), EXTERNAL.len()), (Some(1564 + 699), 2264));
        assert_eq!(extent(EMBEDDED), Some(EMBEDDED.len()));
        let mut dump = vec![0x5a; 0x101];
        dump.extend_from_slice(EXTERNAL);
        dump.extend_from_slice(&[0xa5; 64]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dump.bin");
        std::fs::write(&path, &dump).unwrap();
        let walked = crate::firmware::walk(&path, &crate::firmware::Limits::default(), &(), &()).unwrap();
        let root = path.display().to_string();
        let files: Vec<&str> = walked.files.iter().map(|f| &f.path[root.len()..]).collect();
        assert_eq!(
            files,
            [
                "",
                "!/0x101:fit!/images/fdt-1",
                "!/0x101:fit!/images/kernel!gzip",
                "!/0x101:fit!/images/ramdisk!/etc/hostname",
            ]
        );
        assert!(walked.warnings.is_empty(), "{:?}", walked.warnings);
    }

    #[test]
    fn a_visitor_that_stops_ends_the_read() {
        let mut n = 0;
        let result = read(EMBEDDED, 1 << 20, &mut |_| {
            n += 1;
            ControlFlow::Break(())
        });
        assert!(result.is_ok());
        assert_eq!(n, 1);
    }

    #[test]
    fn the_walker_opens_the_fit_and_analyses_its_device_tree() {
        for file in ["fit-embedded.itb", "fit-external.itb"] {
            let path = format!("{DIR}{file}");
            let walked = crate::firmware::walk(
                std::path::Path::new(&path),
                &crate::firmware::Limits::default(),
                &(),
                &crate::analyse::dtb::DeviceTree,
            )
            .unwrap();
            let files: Vec<(&str, &str)> = walked
                .files
                .iter()
                .map(|f| (f.path.strip_prefix(DIR).unwrap(), f.kind.as_str()))
                .collect();
            let p = |s: &str| format!("{file}{s}");
            assert_eq!(
                files,
                [
                    (p("!/images/fdt-1").as_str(), "fdt"),
                    (p("!/images/kernel!gzip").as_str(), "text"),
                    (p("!/images/ramdisk!/etc/hostname").as_str(), "text"),
                ]
            );
            let containers: Vec<(&str, &str)> = walked
                .containers
                .iter()
                .map(|c| (c.path.strip_prefix(DIR).unwrap(), c.kind.as_str()))
                .collect();
            assert_eq!(
                containers,
                [
                    (file, "fit"),
                    (p("!/images/kernel").as_str(), "gzip"),
                    (p("!/images/ramdisk").as_str(), "cpio"),
                ]
            );
            assert_eq!(walked.containers[0].details["description"], "Test FIT image");
            assert_eq!(walked.containers[0].details["images"], "3");
            let facts = walked.files[0].facts.as_deref().unwrap();
            let root: Vec<&Fact> = facts.evidence.iter().filter(|f| f.field == "dt-compatible").collect();
            assert_eq!(root.len(), 2);
            assert_eq!(
                (root[0].value.as_str(), root[0].offset, root[0].place.as_str()),
                ("hisilicon,hi3798cv200-test", Some(76), "/compatible")
            );
            assert_eq!(
                (root[1].value.as_str(), root[1].offset),
                ("hisilicon,hi3798cv200", Some(103))
            );
        }
    }
}
