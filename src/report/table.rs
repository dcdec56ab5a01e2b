//! A plain aligned text table, measured in terminal columns so CJK names line up.

use unicode_width::UnicodeWidthStr;

pub struct Table {
    headers: Vec<&'static str>,
    rows: Vec<(Vec<String>, Option<anstyle::Style>)>,
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
        self.rows.push((cells, None));
    }

    /// Adds a row whose first cell is printed in `style` (aligned by its text, not its escape
    /// codes).
    pub fn row_styled(&mut self, cells: Vec<String>, style: Option<anstyle::Style>) {
        self.rows.push((cells, style));
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn render(&self) -> String {
        let cols = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.width()).collect();
        for (row, _) in &self.rows {
            for (i, cell) in row.iter().enumerate().take(cols) {
                widths[i] = widths[i].max(cell.width());
            }
        }
        let mut out = String::new();
        let mut line = |cells: &mut dyn Iterator<Item = &str>, style: Option<anstyle::Style>| {
            let mut l = String::new();
            for (i, cell) in cells.enumerate().take(cols) {
                match style.filter(|_| i == 0) {
                    Some(s) => l.push_str(&format!("{}{cell}{}", s.render(), s.render_reset())),
                    None => l.push_str(cell),
                }
                if i + 1 < cols {
                    l.push_str(&" ".repeat(widths[i] - cell.width() + 2));
                }
            }
            out.push_str(l.trim_end());
            out.push('\n');
        };
        line(&mut self.headers.iter().copied(), None);
        for (row, style) in &self.rows {
            line(&mut row.iter().map(String::as_str), *style);
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
