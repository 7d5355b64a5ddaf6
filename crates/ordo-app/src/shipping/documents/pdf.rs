//! A small PDF 1.4 writer: pages of text in the standard Helvetica fonts, lines and filled
//! rectangles. Enough for labels, packing slips and pick lists, which need nothing embedded.

use std::fmt::Write as _;

/// One page; coordinates are points from the bottom-left corner.
pub struct Page {
    pub width: f64,
    pub height: f64,
    ops: String,
}

impl Page {
    pub fn new(width: f64, height: f64) -> Page {
        Page { width, height, ops: String::new() }
    }

    /// Text at (x, y), the baseline's start. Characters outside Latin-1 print as `?`.
    pub fn text(&mut self, x: f64, y: f64, size: f64, bold: bool, text: &str) {
        let font = if bold { "F2" } else { "F1" };
        let _ = writeln!(self.ops, "BT /{font} {size:.1} Tf {x:.2} {y:.2} Td ({}) Tj ET", escape(text));
    }

    /// A filled rectangle.
    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64) {
        let _ = writeln!(self.ops, "{x:.3} {y:.3} {w:.3} {h:.3} re f");
    }

    pub fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, width: f64) {
        let _ = writeln!(self.ops, "{width:.2} w {x1:.2} {y1:.2} m {x2:.2} {y2:.2} l S");
    }

    /// Bars of `module` points each, from `x`, `height` tall, for `true` modules.
    pub fn bars(&mut self, x: f64, y: f64, module: f64, height: f64, modules: &[bool]) {
        let mut i = 0;
        while i < modules.len() {
            if modules[i] {
                let start = i;
                while i < modules.len() && modules[i] {
                    i += 1;
                }
                self.rect(x + start as f64 * module, y, (i - start) as f64 * module, height);
            } else {
                i += 1;
            }
        }
    }
}

/// Escapes text for a PDF string in WinAnsi (Latin-1 for the printable range).
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '(' | ')' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            '\u{a0}'..='\u{ff}' => {
                let _ = write!(out, "\\{:03o}", c as u32);
            }
            _ => out.push('?'),
        }
    }
    out
}

/// Writes the pages as a complete PDF document.
pub fn render(pages: &[Page]) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::new();
    let mut offsets: Vec<usize> = Vec::new();
    out.extend_from_slice(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n");
    let mut object = |out: &mut Vec<u8>, body: &[u8]| {
        offsets.push(out.len());
        let n = offsets.len();
        out.extend_from_slice(format!("{n} 0 obj\n").as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    };
    // 1 catalog, 2 pages, 3 and 4 fonts, then per page: page and contents.
    let kids: Vec<String> = (0..pages.len()).map(|i| format!("{} 0 R", 5 + 2 * i)).collect();
    object(&mut out, b"<< /Type /Catalog /Pages 2 0 R >>");
    object(&mut out, format!("<< /Type /Pages /Kids [{}] /Count {} >>", kids.join(" "), pages.len()).as_bytes());
    object(&mut out, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>");
    object(&mut out, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>");
    for (i, p) in pages.iter().enumerate() {
        let contents = 6 + 2 * i;
        object(
            &mut out,
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {:.2} {:.2}] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {contents} 0 R >>",
                p.width, p.height
            )
            .as_bytes(),
        );
        let mut stream = format!("<< /Length {} >>\nstream\n", p.ops.len()).into_bytes();
        stream.extend_from_slice(p.ops.as_bytes());
        stream.extend_from_slice(b"\nendstream");
        object(&mut out, &stream);
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", offsets.len() + 1).as_bytes());
    for o in &offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", offsets.len() + 1).as_bytes(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_the_cross_reference_points_at_each_object() {
        assert_eq!(escape("a(b)c\\"), "a\\(b\\)c\\\\");
        assert_eq!(escape("Zürich €"), "Z\\374rich ?");
        let mut p = Page::new(100.0, 100.0);
        p.text(10.0, 10.0, 12.0, false, "Hello");
        let pdf = render(&[p]);
        assert!(pdf.starts_with(b"%PDF-1.4"));
        assert!(pdf.ends_with(b"%%EOF\n"));
        let tail = String::from_utf8(pdf[pdf.len() - 40..].to_vec()).unwrap();
        let xref_at: usize = tail.lines().rev().nth(1).unwrap().parse().unwrap();
        assert!(pdf[xref_at..].starts_with(b"xref"));
        let table = String::from_utf8(pdf[xref_at..].to_vec()).unwrap();
        for (n, line) in table.lines().skip(3).take(6).enumerate() {
            let offset: usize = line[..10].parse().unwrap();
            assert!(pdf[offset..].starts_with(format!("{} 0 obj", n + 1).as_bytes()), "object {}", n + 1);
        }
    }
}
