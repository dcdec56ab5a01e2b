//! What the XML readers (CycloneDX XML, SPDX RDF/XML) share: parsing with roxmltree under one
//! rule for DTDs, syntax errors placed at line:column, and the line an element starts on.
//!
//! A DTD is allowed only when the text declares no entity (`<!ENTITY` appears nowhere, not even
//! in a comment): such a DTD cannot expand into anything, and `<!DOCTYPE bom>` is valid XML. Any
//! entity declaration refuses the DTD, so an entity bomb ("billion laughs") is a syntax error,
//! never an expansion. roxmltree builds the tree without recursion; readers that recurse over it
//! bound their own depth.

use super::{Place, SbomError};

/// The text (past a UTF-8 byte-order mark) and its tree.
pub(crate) fn parse<'t>(file: &str, bytes: &'t [u8]) -> Result<(&'t str, roxmltree::Document<'t>), SbomError> {
    let body = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let text = std::str::from_utf8(body).map_err(|e| SbomError::invalid_utf8(file, body, e))?;
    let options = roxmltree::ParsingOptions {
        allow_dtd: memchr::memmem::find(body, b"<!ENTITY").is_none(),
        ..roxmltree::ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(text, options).map_err(|e| syntax_error(file, text, &e))?;
    Ok((text, doc))
}

/// A roxmltree error as `file:line:column: message`. Errors roxmltree places at 1:1 for want of
/// a better place are placed where they are: a DTD at its `<!DOCTYPE`, an unclosed root at the
/// end of the text.
fn syntax_error(file: &str, text: &str, err: &roxmltree::Error) -> SbomError {
    let at_offset = |offset: usize| SbomError::line_column(text.as_bytes(), offset);
    let pos = err.pos();
    let (place, message) = match err {
        roxmltree::Error::DtdDetected => (
            at_offset(text.find("<!DOCTYPE").unwrap_or(0)),
            "XML with a DTD (<!DOCTYPE>); DTDs and entity declarations are refused".to_string(),
        ),
        roxmltree::Error::UnclosedRootNode | roxmltree::Error::UnexpectedEndOfStream => {
            (at_offset(text.len()), err.to_string())
        }
        _ => (
            Place::LineColumn {
                line: pos.row as usize,
                column: pos.col as usize,
            },
            // roxmltree puts " at L:C" into its messages; the place goes in front instead.
            err.to_string().replace(&format!(" at {pos}"), ""),
        ),
    };
    SbomError::Syntax {
        file: file.to_string(),
        place,
        message,
    }
}

/// The byte offset of every newline, so an element's line is a binary search, not a rescan of
/// the text (roxmltree's `text_pos_at` counts from the start every time).
pub(crate) struct LineIndex {
    newlines: Vec<usize>,
}

impl LineIndex {
    pub(crate) fn new(text: &str) -> LineIndex {
        let newlines = text
            .bytes()
            .enumerate()
            .filter(|&(_, b)| b == b'\n')
            .map(|(i, _)| i)
            .collect();
        LineIndex { newlines }
    }

    /// The 1-based line of a byte offset.
    pub(crate) fn line(&self, offset: usize) -> u32 {
        let line = self.newlines.partition_point(|&n| n < offset) + 1;
        u32::try_from(line).unwrap_or(u32::MAX)
    }
}
