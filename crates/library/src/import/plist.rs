//! A streaming reader of XML property lists (Apple's `plist` format, which iTunes and Music
//! export their library in), over quick-xml: one value at a time, so a library of 50,000
//! songs is read without building a tree of it.
//!
//! The file is untrusted: a value's text is bounded ([`MAX_TEXT`]), every element must be one
//! the format has, and anything else is [`Malformed`] with the byte offset where it was found.
//! Strings are handed out by reference to one reused buffer, so keys cost no allocation.

use quick_xml::Reader;
use quick_xml::escape::resolve_xml_entity;
use quick_xml::events::Event;
use std::io::BufRead;

/// The longest text a value may have, in bytes (a song's location or name is far shorter;
/// smart playlists' criteria, the longest values iTunes writes, are a few KiB).
pub const MAX_TEXT: usize = 1 << 20;

/// One step through a property list. `Key` and `String` leave their text in
/// [`PlistReader::text`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Item {
    StartDict,
    EndDict,
    StartArray,
    EndArray,
    Key,
    String,
    Integer(i64),
    Real(f64),
    /// Unix milliseconds.
    Date(i64),
    Bool(bool),
    /// Base64 data, skipped (the library has no use for it).
    Data,
    /// The end of the document.
    End,
}

/// Why the file is not a property list, and where (a byte offset).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub offset: u64,
    pub reason: String,
}

/// Reads a property list one [`Item`] at a time.
#[derive(Debug)]
pub struct PlistReader<R: BufRead> {
    xml: Reader<R>,
    buf: Vec<u8>,
    text: String,
}

impl<R: BufRead> PlistReader<R> {
    pub fn new(source: R) -> Self {
        let mut xml = Reader::from_reader(source);
        let config = xml.config_mut();
        config.trim_text(false);
        config.check_end_names = true;
        config.expand_empty_elements = true;
        Self {
            xml,
            buf: Vec::with_capacity(4096),
            text: String::with_capacity(256),
        }
    }

    /// The text of the last `Key` or `String`.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The byte offset reached, for errors found above this reader.
    pub fn offset(&self) -> u64 {
        self.xml.buffer_position()
    }

    fn malformed(&self, reason: impl Into<String>) -> Malformed {
        Malformed {
            offset: self.xml.buffer_position(),
            reason: reason.into(),
        }
    }

    fn xml_error(&self, error: &quick_xml::Error) -> Malformed {
        Malformed {
            offset: self.xml.error_position(),
            reason: format!("not well-formed XML ({error})"),
        }
    }

    /// The next item.
    pub fn next_item(&mut self) -> Result<Item, Malformed> {
        loop {
            self.buf.clear();
            let event = match self.xml.read_event_into(&mut self.buf) {
                Ok(event) => event,
                Err(error) => return Err(self.xml_error(&error)),
            };
            let element = match event {
                Event::Start(start) => start.name().as_ref().to_owned(),
                Event::End(end) => match end.name().as_ref() {
                    "dict" => return Ok(Item::EndDict),
                    "array" => return Ok(Item::EndArray),
                    _ => continue,
                },
                Event::Text(text) if text.trim_ascii().is_empty() => continue,
                Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => {
                    return Err(self.malformed("text where a value was expected"));
                }
                Event::Eof => return Ok(Item::End),
                Event::Empty(_)
                | Event::Comment(_)
                | Event::Decl(_)
                | Event::PI(_)
                | Event::DocType(_) => continue,
            };
            return match element.as_str() {
                "plist" => continue,
                "dict" => Ok(Item::StartDict),
                "array" => Ok(Item::StartArray),
                "key" => self.read_text().map(|()| Item::Key),
                "string" => self.read_text().map(|()| Item::String),
                "data" => self.read_text().map(|()| Item::Data),
                "integer" => {
                    self.read_text()?;
                    parse_integer(self.text.trim())
                        .map(Item::Integer)
                        .ok_or_else(|| {
                            self.malformed(format!("`{}` is not an integer", self.shown()))
                        })
                }
                "real" => {
                    self.read_text()?;
                    self.text
                        .trim()
                        .parse()
                        .map(Item::Real)
                        .map_err(|_| self.malformed(format!("`{}` is not a number", self.shown())))
                }
                "date" => {
                    self.read_text()?;
                    parse_date(self.text.trim())
                        .map(Item::Date)
                        .ok_or_else(|| self.malformed(format!("`{}` is not a date", self.shown())))
                }
                "true" | "false" => {
                    self.read_text()?;
                    if self.text.trim().is_empty() {
                        Ok(Item::Bool(element == "true"))
                    } else {
                        Err(self.malformed(format!("<{element}/> holds text")))
                    }
                }
                other => Err(self.malformed(format!(
                    "<{}> is not an element of a property list",
                    bounded(other, 40)
                ))),
            };
        }
    }

    /// The last text, shortened for a message.
    fn shown(&self) -> &str {
        bounded(self.text.trim(), 40)
    }

    /// Reads the text of the element just opened, up to its end tag, into `text`.
    fn read_text(&mut self) -> Result<(), Malformed> {
        self.text.clear();
        loop {
            self.buf.clear();
            let event = match self.xml.read_event_into(&mut self.buf) {
                Ok(event) => event,
                Err(error) => return Err(self.xml_error(&error)),
            };
            match event {
                Event::Text(text) => self.text.push_str(&text),
                Event::CData(data) => self.text.push_str(&data),
                Event::GeneralRef(reference) => {
                    let name = reference.to_string();
                    match reference.resolve_char_ref() {
                        Ok(Some(c)) => self.text.push(c),
                        Ok(None) => match resolve_xml_entity(&name) {
                            Some(entity) => self.text.push_str(entity),
                            None => {
                                return Err(self.malformed(format!(
                                    "unknown entity `&{};`",
                                    bounded(&name, 20)
                                )));
                            }
                        },
                        Err(_) => {
                            return Err(self.malformed(format!(
                                "`&{};` is not a character",
                                bounded(&name, 20)
                            )));
                        }
                    }
                }
                Event::End(_) => return Ok(()),
                Event::Start(start) => {
                    let name = start.name().as_ref().to_owned();
                    return Err(self.malformed(format!("<{}> inside a value", bounded(&name, 40))));
                }
                Event::Eof => return Err(self.malformed("the file ends inside a value")),
                Event::Empty(_)
                | Event::Comment(_)
                | Event::Decl(_)
                | Event::PI(_)
                | Event::DocType(_) => {}
            }
            if self.text.len() > MAX_TEXT {
                return Err(self.malformed(format!("a value longer than {} KiB", MAX_TEXT / 1024)));
            }
        }
    }

    /// Skips the value that starts with `first` (a whole dict or array, nested ones included).
    pub fn skip_value(&mut self, first: Item) -> Result<(), Malformed> {
        let mut depth: usize = match first {
            Item::StartDict | Item::StartArray => 1,
            Item::EndDict | Item::EndArray | Item::End => {
                return Err(self.malformed("a key without a value"));
            }
            _ => return Ok(()),
        };
        while depth > 0 {
            match self.next_item()? {
                Item::StartDict | Item::StartArray => depth += 1,
                Item::EndDict | Item::EndArray => depth -= 1,
                Item::End => return Err(self.malformed("the file ends inside a value")),
                _ => {}
            }
        }
        Ok(())
    }
}

/// At most `max` bytes of `text`, cut at a character boundary.
pub fn bounded(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// A plist integer: decimal, optionally signed, or `0x` hexadecimal; values beyond `i64` are
/// clamped (iTunes writes none).
fn parse_integer(text: &str) -> Option<i64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (radix, digits) = match digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        Some(hex) => (16, hex),
        None => (10, digits),
    };
    if digits.is_empty() || digits.len() > 40 {
        return None;
    }
    let magnitude = u128::from_str_radix(digits, radix).ok()?;
    let value = i128::try_from(magnitude).ok()?;
    let value = if negative { -value } else { value };
    Some(value.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
}

/// A plist date, `YYYY-MM-DDTHH:MM:SSZ` (always UTC), as unix milliseconds.
pub fn parse_date(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() != 20
        || bytes[4] != b'-'
        || bytes[7] != b'-'
        || bytes[10] != b'T'
        || bytes[13] != b':'
        || bytes[16] != b':'
        || bytes[19] != b'Z'
    {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    if second > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(xml: &str) -> Result<Vec<(Item, String)>, Malformed> {
        let mut reader = PlistReader::new(xml.as_bytes());
        let mut out = Vec::new();
        loop {
            let item = reader.next_item()?;
            if item == Item::End {
                return Ok(out);
            }
            let text = match item {
                Item::Key | Item::String => reader.text().to_owned(),
                _ => String::new(),
            };
            out.push((item, text));
        }
    }

    #[test]
    fn values_are_read_in_order_with_entities_resolved() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple Computer//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Name</key><string>Rock &amp; Roll &#233;t&#xE9;</string>
	<key>Count</key><integer>-42</integer>
	<key>When</key><date>2019-05-02T20:13:44Z</date>
	<key>Loved</key><true/>
	<key>Empty</key><string></string>
	<key>List</key><array><integer>1</integer><dict/></array>
	<key>Blob</key><data>AAEC</data>
	<key>Ratio</key><real>0.5</real>
</dict>
</plist>"#;
        let read = items(xml).expect("well-formed");
        let kinds: Vec<Item> = read.iter().map(|(item, _)| *item).collect();
        assert_eq!(
            kinds,
            vec![
                Item::StartDict,
                Item::Key,
                Item::String,
                Item::Key,
                Item::Integer(-42),
                Item::Key,
                Item::Date(1_556_828_024_000),
                Item::Key,
                Item::Bool(true),
                Item::Key,
                Item::String,
                Item::Key,
                Item::StartArray,
                Item::Integer(1),
                Item::StartDict,
                Item::EndDict,
                Item::EndArray,
                Item::Key,
                Item::Data,
                Item::Key,
                Item::Real(0.5),
                Item::EndDict,
            ]
        );
        assert_eq!(read[2].1, "Rock & Roll été");
        assert_eq!(read[10].1, "");
    }

    #[test]
    fn broken_files_say_what_and_where() {
        for (xml, reason) in [
            (
                "<plist><dict><key>A</key><integer>x1</integer></dict></plist>",
                "not an integer",
            ),
            (
                "<plist><dict><key>A</key><date>yesterday</date></dict></plist>",
                "not a date",
            ),
            (
                "<plist><dict><key>A</key><string>open",
                "ends inside a value",
            ),
            (
                "<plist><dict><key>A</key><string>a</strin></dict></plist>",
                "not well-formed",
            ),
            (
                "<plist><dict><song>A</song></dict></plist>",
                "<song> is not an element",
            ),
            (
                "<plist><dict>loose text</dict></plist>",
                "text where a value",
            ),
            (
                "<plist><dict><key>A&bogus;</key></dict></plist>",
                "unknown entity",
            ),
        ] {
            let error = items(xml).expect_err(xml);
            assert!(error.reason.contains(reason), "{xml}: {error:?}");
            assert!(error.offset > 0, "{xml}: {error:?}");
        }
        let long = format!(
            "<plist><string>{}</string></plist>",
            "a".repeat(MAX_TEXT + 10)
        );
        assert!(
            items(&long)
                .expect_err("too long")
                .reason
                .contains("longer than")
        );
    }

    #[test]
    fn dates_and_integers_follow_the_plist_rules() {
        assert_eq!(parse_date("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_date("2000-02-29T12:00:01Z"), Some(951_825_601_000));
        assert_eq!(parse_date("1969-12-31T23:59:59Z"), Some(-1000));
        for bad in [
            "2019-13-01T00:00:00Z",
            "2019-05-02 20:13:44",
            "2019-05-02T20:13:44",
            "２019-05-02T20:13:44Z",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        assert_eq!(parse_integer("0x1F"), Some(31));
        assert_eq!(parse_integer("99999999999999999999999"), Some(i64::MAX));
        assert_eq!(parse_integer("-"), None);
        assert_eq!(bounded("Åsa", 2), "Å");
    }
}
