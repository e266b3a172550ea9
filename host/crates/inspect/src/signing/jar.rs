//! JAR manifest and signature file (`MANIFEST.MF`, `*.SF`) parsing.
//!
//! A port of apksig's `ManifestParser`, byte for byte in what it accepts:
//! lines end with CR, LF or CRLF; a line starting with a space continues the
//! previous one; an empty line ends a section; `Name: value` splits at the
//! first `": "`. Each section remembers where it lies in the file because
//! `.SF` files sign manifest sections by the digest of their exact bytes.

/// One section of a manifest or signature file.
#[derive(Debug, Clone)]
pub struct Section {
    /// Byte range in the file, the terminating empty line included.
    pub start: usize,
    pub len: usize,
    attrs: Vec<(String, String)>,
}

impl Section {
    /// The first attribute if it is `Name` (case-insensitive).
    pub fn name(&self) -> Option<&str> {
        self.attrs
            .first()
            .filter(|(k, _)| k.eq_ignore_ascii_case("Name"))
            .map(|(_, v)| v.as_str())
    }

    /// The value of attribute `key` (case-insensitive), the first if repeated.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }
}

/// A parsed file: its main section, then the individual ones.
#[derive(Debug, Clone)]
pub struct Manifest {
    pub main: Option<Section>,
    pub sections: Vec<Section>,
}

impl Manifest {
    pub fn parse(data: &[u8]) -> Manifest {
        let mut p = Parser {
            data,
            pos: 0,
            buffered: None,
        };
        let main = p.section();
        let mut sections = Vec::new();
        while let Some(s) = p.section() {
            sections.push(s);
        }
        Manifest { main, sections }
    }
}

/// What `read_attribute` found.
enum Attr {
    /// End of input.
    Eof,
    /// End of section (an empty line).
    End,
    Line(Vec<u8>),
}

struct Parser<'a> {
    data: &'a [u8],
    pos: usize,
    /// A line read ahead: `Some(empty)` means "end of section" is pending.
    buffered: Option<Vec<u8>>,
}

impl Parser<'_> {
    fn section(&mut self) -> Option<Section> {
        // Skip empty lines before the section.
        let (start, first) = loop {
            let start = self.pos;
            match self.read_attribute() {
                Attr::Eof => return None,
                Attr::End => continue,
                Attr::Line(l) => break (start, l),
            }
        };
        let mut attrs = vec![split(&first)];
        while let Attr::Line(l) = self.read_attribute() {
            attrs.push(split(&l));
        }
        Some(Section {
            start,
            len: self.pos - start,
            attrs,
        })
    }

    fn read_attribute(&mut self) -> Attr {
        if matches!(&self.buffered, Some(b) if b.is_empty()) {
            self.buffered = None;
            return Attr::End;
        }
        let Some(line) = self.read_line() else {
            return match self.buffered.take() {
                Some(b) => Attr::Line(b),
                None => Attr::Eof,
            };
        };
        if line.is_empty() {
            return match self.buffered.take() {
                Some(b) => {
                    self.buffered = Some(Vec::new());
                    Attr::Line(b)
                }
                None => Attr::End,
            };
        }
        let mut attr = match self.buffered.take() {
            None => line,
            Some(b) => {
                if line.first() != Some(&b' ') {
                    self.buffered = Some(line);
                    return Attr::Line(b);
                }
                let mut b = b;
                b.extend_from_slice(line.get(1..).unwrap_or_default());
                b
            }
        };
        loop {
            let Some(line) = self.read_line() else {
                return Attr::Line(attr);
            };
            if line.is_empty() {
                self.buffered = Some(Vec::new());
                return Attr::Line(attr);
            }
            if line.first() == Some(&b' ') {
                attr.extend_from_slice(line.get(1..).unwrap_or_default());
            } else {
                self.buffered = Some(line);
                return Attr::Line(attr);
            }
        }
    }

    /// The next line without its terminator; `None` at end of input.
    fn read_line(&mut self) -> Option<Vec<u8>> {
        let rest = self.data.get(self.pos..).filter(|r| !r.is_empty())?;
        let (len, term) = match rest.iter().position(|b| *b == b'\r' || *b == b'\n') {
            Some(i) => {
                let crlf = rest.get(i) == Some(&b'\r') && rest.get(i + 1) == Some(&b'\n');
                (i, if crlf { 2 } else { 1 })
            }
            None => (rest.len(), 0),
        };
        let line = rest.get(..len).unwrap_or_default().to_vec();
        self.pos += len + term;
        Some(line)
    }
}

fn split(line: &[u8]) -> (String, String) {
    let text = String::from_utf8_lossy(line);
    match text.find(": ") {
        Some(i) => (
            text.get(..i).unwrap_or_default().to_string(),
            text.get(i + 2..).unwrap_or_default().to_string(),
        ),
        None => (text.into_owned(), String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_and_offsets() {
        let mf = b"Manifest-Version: 1.0\r\nCreated-By: x\r\n\r\nName: a/b.txt\r\nSHA-256-Dige\r\n st: AAA=\r\n\r\nName: c\nSHA1-Digest: BBB=\n";
        let m = Manifest::parse(mf);
        let main = m.main.unwrap();
        assert_eq!(main.get("manifest-version"), Some("1.0"));
        assert_eq!((main.start, main.len), (0, 40));
        assert_eq!(m.sections.len(), 2);
        let a = &m.sections[0];
        assert_eq!(a.name(), Some("a/b.txt"));
        assert_eq!(a.get("SHA-256-Digest"), Some("AAA="));
        assert_eq!(
            &mf[a.start..a.start + a.len],
            b"Name: a/b.txt\r\nSHA-256-Dige\r\n st: AAA=\r\n\r\n"
        );
        let c = &m.sections[1];
        assert_eq!(c.name(), Some("c"));
        assert_eq!(c.start + c.len, mf.len());
    }

    #[test]
    fn unnamed_and_empty() {
        let m = Manifest::parse(b"");
        assert!(m.main.is_none());
        let m = Manifest::parse(b"A: 1\n\n\n\nB: 2\n");
        assert_eq!(m.sections.len(), 1);
        assert_eq!(m.sections[0].name(), None);
    }
}
