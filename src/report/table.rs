//! A plain aligned text table, measured in terminal columns so CJK names line up.

use unicode_width::UnicodeWidthStr;

pub struct Table {
    headers: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: Vec<&'static str>) -> Self {
        Table {
            headers,
            rows: Vec::new(),
        }
    }

    /// Adds a row; cells must already be escaped for the terminal.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn render(&self) -> String {
        let cols = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.width()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(cols) {
                widths[i] = widths[i].max(cell.width());
            }
        }
        let mut out = String::new();
        let mut line = |cells: &mut dyn Iterator<Item = &str>| {
            let mut l = String::new();
            for (i, cell) in cells.enumerate().take(cols) {
                l.push_str(cell);
                if i + 1 < cols {
                    l.push_str(&" ".repeat(widths[i] - cell.width() + 2));
                }
            }
            out.push_str(l.trim_end());
            out.push('\n');
        };
        line(&mut self.headers.iter().copied());
        for row in &self.rows {
            line(&mut row.iter().map(String::as_str));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::Table;

    #[test]
    fn aligns_by_display_width() {
        let mut t = Table::new(vec!["NAME", "SUPPLIER"]);
        t.row(vec!["华为".into(), "x".into()]);
        t.row(vec!["abcdef".into(), "y".into()]);
        assert_eq!(t.render(), "NAME    SUPPLIER\n华为    x\nabcdef  y\n");
    }
}
