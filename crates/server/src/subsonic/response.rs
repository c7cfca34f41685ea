//! Subsonic answers: the `subsonic-response` envelope in JSON or XML, and the spec's errors.
//!
//! Handlers build the payload once, as a [`Node`] tree: small answers as JSON values, songs
//! as the catalog's own records, which are written out directly (a page of 500 songs built as
//! JSON values first cost more than its query: 30 keys and a dozen strings allocated per
//! song, then freed). XML is derived by the rule the spec's two forms follow: a scalar field
//! is an attribute, an object a child element, an array repeated child elements of the
//! field's name, and a field named `value` the element's text. Errors are answered with HTTP
//! 200 and `status="failed"`, as clients expect.

use super::views::{self, Field};
use crate::catalog::Song;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value, json};
use std::borrow::Cow;
use std::fmt::Write as _;

/// The Subsonic API version implemented.
pub const API_VERSION: &str = "1.16.1";

/// What `type` says in every answer.
pub const SERVER_TYPE: &str = "tonearm";

/// A Subsonic error: its code and a message for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub code: u16,
    pub message: String,
}

impl Failure {
    /// Code 0: a generic error (a malformed value, an unsupported request).
    pub fn generic(message: impl Into<String>) -> Self {
        Self {
            code: 0,
            message: message.into(),
        }
    }

    /// Code 10: a required parameter is missing.
    pub fn missing(name: &str) -> Self {
        Self {
            code: 10,
            message: format!("required parameter is missing: {name}"),
        }
    }

    /// Code 40: wrong username or password (also for unknown users: which is not said).
    pub fn wrong_credentials() -> Self {
        Self {
            code: 40,
            message: "wrong username or password".into(),
        }
    }

    /// Code 70: the requested data was not found (also for another user's).
    pub fn not_found(what: &str) -> Self {
        Self {
            code: 70,
            message: format!("{what} not found"),
        }
    }

    /// Code 50: the user may not do this.
    pub fn not_authorized(message: impl Into<String>) -> Self {
        Self {
            code: 50,
            message: message.into(),
        }
    }
}

impl From<crate::error::Error> for Failure {
    fn from(error: crate::error::Error) -> Self {
        use crate::error::Error;
        match error {
            Error::NotFound(what) => Self::not_found(what),
            Error::BadRequest(message) | Error::Conflict(message) => Self::generic(message),
            Error::Throttled { .. } | Error::Busy { .. } => Self::generic(error.to_string()),
            other => {
                tracing::error!(error = %other, source = ?std::error::Error::source(&other), "subsonic request failed");
                Self::generic("internal server error")
            }
        }
    }
}

/// How the client asked to be answered (`f`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    Xml,
    Json,
    /// JSON wrapped in a call of this function.
    Jsonp(String),
}

impl Format {
    /// From the `f` and `callback` parameters; XML is the spec's default.
    pub fn from_params(f: Option<&str>, callback: Option<&str>) -> Self {
        match (f, callback) {
            (Some("json"), _) => Self::Json,
            (Some("jsonp"), Some(callback))
                if !callback.is_empty()
                    && callback.len() <= 64
                    && callback
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '$')) =>
            {
                Self::Jsonp(callback.to_owned())
            }
            (Some("jsonp"), _) => Self::Json,
            _ => Self::Xml,
        }
    }
}

/// A piece of an answer.
#[derive(Debug)]
pub enum Node {
    /// Built as a JSON value.
    Json(Value),
    /// An object, its fields in order.
    Object(Fields),
    /// A list of songs (`Child`).
    Songs(Vec<Song>),
    /// One song.
    Song(Box<Song>),
}

/// An object's fields.
pub type Fields = Vec<(Cow<'static, str>, Node)>;

impl From<Value> for Node {
    fn from(value: Value) -> Self {
        Self::Json(value)
    }
}

impl Node {
    /// The fields of a JSON object (of nothing, for another value), to add to.
    pub fn fields_of(value: Value) -> Fields {
        match value {
            Value::Object(map) => map
                .into_iter()
                .map(|(key, value)| (Cow::Owned(key), Self::Json(value)))
                .collect(),
            _ => Fields::new(),
        }
    }

    /// An object of these fields.
    pub fn object<const N: usize>(fields: [(&'static str, Node); N]) -> Self {
        Self::Object(
            fields
                .into_iter()
                .map(|(key, node)| (Cow::Borrowed(key), node))
                .collect(),
        )
    }
}

/// The payload of a successful answer: fields added to the envelope (`{"album": {...}}`), or
/// nothing (ping).
pub type Payload = Fields;

/// A payload of one field.
pub fn payload(name: &'static str, value: impl Into<Node>) -> Payload {
    vec![(Cow::Borrowed(name), value.into())]
}

/// An object of `fields`, moved in. `json!` copies every value it is given (it serializes a
/// reference to it), so a list built as values and then put into `json!` was built twice: for
/// the 2,500 artists of `getArtists` or 500 songs of a `search3` page, the copies (three deep
/// for the artist index) cost more than the query.
pub fn object<const N: usize>(fields: [(&str, Value); N]) -> Value {
    Value::Object(
        fields
            .into_iter()
            .map(|(key, value)| (key.to_owned(), value))
            .collect(),
    )
}

/// The envelope around `fields`: its own fields first, in name order (as its XML always was).
fn envelope(status: &'static str, fields: Payload) -> Fields {
    let mut body: Fields = vec![
        (Cow::Borrowed("openSubsonic"), json!(true).into()),
        (
            Cow::Borrowed("serverVersion"),
            json!(env!("CARGO_PKG_VERSION")).into(),
        ),
        (Cow::Borrowed("status"), json!(status).into()),
        (Cow::Borrowed("type"), json!(SERVER_TYPE).into()),
        (Cow::Borrowed("version"), json!(API_VERSION).into()),
    ];
    body.extend(fields);
    body
}

/// A successful answer.
pub fn ok(format: &Format, fields: Payload) -> Response {
    render(format, &envelope("ok", fields))
}

/// A failed answer (HTTP 200, as the spec's clients expect).
pub fn failed(format: &Format, failure: &Failure) -> Response {
    let error = json!({ "code": failure.code, "message": failure.message });
    render(format, &envelope("failed", payload("error", error)))
}

fn render(format: &Format, body: &Fields) -> Response {
    let (content_type, body) = match format {
        Format::Json => ("application/json; charset=utf-8", to_json(body)),
        Format::Jsonp(callback) => (
            "application/javascript; charset=utf-8",
            format!("{callback}({});", to_json(body)),
        ),
        Format::Xml => ("application/xml; charset=utf-8", to_xml(body)),
    };
    let mut response = (StatusCode::OK, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// The JSON form of an envelope.
fn to_json(body: &Fields) -> String {
    let document = Pairs(&[("subsonic-response", Pairs(body))]);
    serde_json::to_string(&document).expect("an answer always serializes")
}

/// Pairs written as a JSON object.
struct Pairs<'a, K, T>(&'a [(K, T)]);

impl<K: AsRef<str>, T: Serialize> Serialize for Pairs<'_, K, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in self.0 {
            map.serialize_entry(key.as_ref(), value)?;
        }
        map.end()
    }
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Json(value) => value.serialize(serializer),
            Self::Object(fields) => Pairs(fields).serialize(serializer),
            Self::Songs(songs) => {
                let mut seq = serializer.serialize_seq(Some(songs.len()))?;
                for song in songs {
                    seq.serialize_element(&SongJson(song))?;
                }
                seq.end()
            }
            Self::Song(song) => SongJson(song).serialize(serializer),
        }
    }
}

/// A song written as JSON, field by field from the record.
struct SongJson<'a>(&'a Song);

impl Serialize for SongJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        let mut failed = None;
        views::song_fields(self.0, |key, field| {
            if failed.is_none() {
                failed = map.serialize_entry(key, &field).err();
            }
        });
        if let Some(error) = failed {
            return Err(error);
        }
        if let Some(gains) = views::replay_gain(self.0) {
            map.serialize_entry("replayGain", &Pairs(&gains))?;
        }
        let genres: Vec<[(&str, &str); 1]> =
            views::genres(self.0).map(|name| [("name", name)]).collect();
        let genres: Vec<_> = genres.iter().map(|genre| Pairs(genre)).collect();
        map.serialize_entry("genres", &genres)?;
        map.end()
    }
}

impl Serialize for Field<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Field::Text(text) => serializer.serialize_str(text),
            Field::Owned(text) => serializer.serialize_str(text),
            Field::UInt(n) => serializer.serialize_u64(*n),
            Field::Int(n) => serializer.serialize_i64(*n),
            Field::Bool(b) => serializer.serialize_bool(*b),
        }
    }
}

/// The XML form of an envelope (see the module docs for the mapping).
fn to_xml(body: &Fields) -> String {
    let mut out = String::from(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    element(&mut out, "subsonic-response", Item::fields(body), true);
    out
}

/// A field's value on its way to XML: a JSON value, or a node that is not one.
#[derive(Clone, Copy)]
enum Item<'a> {
    Value(&'a Value),
    Node(&'a Node),
}

impl<'a> Item<'a> {
    fn of(node: &'a Node) -> Self {
        match node {
            Node::Json(value) => Item::Value(value),
            other => Item::Node(other),
        }
    }

    fn fields(fields: &'a Fields) -> impl Iterator<Item = (&'a str, Item<'a>)> + Clone {
        fields.iter().map(|(k, v)| (k.as_ref(), Item::of(v)))
    }

    fn map(map: &'a Map<String, Value>) -> impl Iterator<Item = (&'a str, Item<'a>)> + Clone {
        map.iter().map(|(k, v)| (k.as_str(), Item::Value(v)))
    }

    /// Its text, when it is a scalar (an attribute).
    fn scalar(self) -> Option<String> {
        match self {
            Item::Value(Value::String(s)) => Some(s.clone()),
            Item::Value(Value::Number(n)) => Some(n.to_string()),
            Item::Value(Value::Bool(b)) => Some(b.to_string()),
            _ => None,
        }
    }

    /// Writes it as elements named `name`: one for an object, one per item for a list.
    fn children(self, out: &mut String, name: &str) {
        match self {
            Item::Value(Value::Object(map)) => element(out, name, Item::map(map), false),
            Item::Value(Value::Array(items)) => {
                for item in items {
                    match item {
                        Value::Object(map) => element(out, name, Item::map(map), false),
                        Value::Null | Value::Array(_) => {}
                        scalar => {
                            let only = [("value", Item::Value(scalar))];
                            element(out, name, only.into_iter(), false);
                        }
                    }
                }
            }
            Item::Node(Node::Object(fields)) => element(out, name, Item::fields(fields), false),
            Item::Node(Node::Songs(songs)) => {
                for song in songs {
                    song_element(out, name, song);
                }
            }
            Item::Node(Node::Song(song)) => song_element(out, name, song),
            _ => {}
        }
    }
}

fn element<'a>(
    out: &mut String,
    name: &str,
    fields: impl Iterator<Item = (&'a str, Item<'a>)> + Clone,
    root: bool,
) {
    out.push('<');
    out.push_str(name);
    if root {
        out.push_str(r#" xmlns="http://subsonic.org/restapi""#);
    }
    let mut text = None;
    for (key, value) in fields.clone() {
        match (key, value.scalar()) {
            ("value", Some(scalar)) => text = Some(scalar),
            (_, Some(scalar)) => attribute(out, key, &scalar),
            _ => {}
        }
    }
    out.push('>');
    if let Some(text) = text {
        escape(out, &text);
    }
    for (key, value) in fields {
        value.children(out, key);
    }
    close(out, name);
}

/// A song as an element, field by field from the record.
fn song_element(out: &mut String, name: &str, song: &Song) {
    out.push('<');
    out.push_str(name);
    views::song_fields(song, |key, field| match field {
        Field::Text(text) => attribute(out, key, text),
        Field::Owned(text) => attribute(out, key, &text),
        Field::UInt(n) => number(out, key, n),
        Field::Int(n) => number(out, key, n),
        Field::Bool(b) => attribute(out, key, if b { "true" } else { "false" }),
    });
    out.push('>');
    if let Some(gains) = views::replay_gain(song) {
        out.push_str("<replayGain");
        for (key, gain) in gains {
            if let Some(number) = serde_json::Number::from_f64(gain) {
                attribute(out, key, &number.to_string());
            }
        }
        out.push_str("></replayGain>");
    }
    for genre in views::genres(song) {
        out.push_str("<genres");
        attribute(out, "name", genre);
        out.push_str("></genres>");
    }
    close(out, name);
}

fn attribute(out: &mut String, key: &str, value: &str) {
    out.push(' ');
    out.push_str(key);
    out.push_str("=\"");
    escape(out, value);
    out.push('"');
}

fn number(out: &mut String, key: &str, n: impl std::fmt::Display) {
    let _ = write!(out, " {key}=\"{n}\"");
}

fn close(out: &mut String, name: &str) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

fn escape(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 cannot carry most control characters, even escaped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_follows_the_json_form() {
        let fields = payload(
            "album",
            json!({"id": "al-1", "name": "A & <B>", "songCount": 2,
                   "song": [{"id": "s1", "title": "x"}, {"id": "s2", "title": "y"}],
                   "genres": [{"name": "Rock"}], "moods": ["calm"]}),
        );
        let xml = to_xml(&envelope("ok", fields));
        assert!(xml.starts_with(r#"<?xml version="1.0" encoding="UTF-8"?><subsonic-response xmlns="http://subsonic.org/restapi" openSubsonic="true" serverVersion=""#), "{xml}");
        assert!(
            xml.contains(r#" status="ok" type="tonearm" version="1.16.1">"#),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<album id="al-1" name="A &amp; &lt;B&gt;" songCount="2">"#),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<song id="s1" title="x"></song><song id="s2" title="y"></song>"#),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<genres name="Rock"></genres><moods>calm</moods>"#),
            "{xml}"
        );
        let genre = to_xml(&envelope(
            "ok",
            payload(
                "genres",
                json!({"genre": [{"value": "Rock", "songCount": 1}]}),
            ),
        ));
        assert!(
            genre.contains(r#"<genre songCount="1">Rock</genre>"#),
            "{genre}"
        );
    }

    fn song(n: u8, full: bool) -> Song {
        use crate::catalog::{AlbumId, ArtistId, Stats};
        use tonearm_protocol::{BlobHash, ReplayGainTags, TrackId};
        Song {
            id: TrackId(uuid::Uuid::from_u128(u128::from(n))),
            title: format!("Song \"{n}\" & <more>"),
            artist: full.then(|| "Ann".to_owned()),
            album: full.then(|| "Live".to_owned()),
            album_id: AlbumId::of("Ann", "Live"),
            album_artist: full.then(|| "Ann".to_owned()),
            artist_id: ArtistId::of("Ann"),
            genre: full.then(|| "Jazz".to_owned()),
            year: full.then_some(1999),
            track_number: full.then_some(3),
            disc_number: full.then_some(1),
            duration_ms: Some(if full { 180_500 } else { 0 }),
            composer: None,
            comment: full.then(|| "café".to_owned()),
            format: if full { "flac" } else { "xyz" }.to_owned(),
            size: 8_000_000,
            hash: BlobHash::of(&[n]),
            added_at: 951_782_400,
            stats: Stats {
                starred_at: full.then_some(0),
                rating: Some(if full { 4 } else { 9 }),
                play_count: u64::from(n),
                played_at: None,
            },
            artwork: full.then(|| BlobHash::of(b"cover")),
            replaygain: if full {
                ReplayGainTags::from_tags(Some(-6.5), Some(0.98), None, None)
            } else {
                ReplayGainTags::default()
            },
        }
    }

    #[test]
    fn songs_are_written_from_their_records_in_both_forms() {
        let fields = payload(
            "searchResult3",
            Node::object([("song", Node::Songs(vec![song(1, true), song(2, false)]))]),
        );
        let body = envelope("ok", fields);
        let json: Value = serde_json::from_str(&to_json(&body)).expect("parsed");
        let songs = &json["subsonic-response"]["searchResult3"]["song"];
        let full = &songs[0];
        assert_eq!(full["id"], "00000000-0000-0000-0000-000000000001");
        assert_eq!(full["coverArt"], full["id"]);
        assert_eq!(full["title"], "Song \"1\" & <more>");
        assert_eq!(full["bitRate"], 8_000_000 * 8 / 1000 / 181);
        assert_eq!(full["duration"], 181);
        assert_eq!(full["path"], "Ann/Live/03 - Song \"1\" & <more>.flac");
        assert_eq!(full["created"], "2000-02-29T00:00:00Z");
        assert_eq!(full["starred"], "1970-01-01T00:00:00Z");
        assert_eq!(full["userRating"], 4);
        assert_eq!(full["genres"], json!([{ "name": "Jazz" }]));
        assert_eq!(
            full["replayGain"],
            json!({ "trackGain": -6.5, "trackPeak": 0.98 })
        );
        assert_eq!(full["isDir"], false);
        let bare = &songs[1];
        assert_eq!(bare["suffix"], "");
        assert_eq!(bare["contentType"], "application/octet-stream");
        assert_eq!(bare["duration"], 0);
        for absent in [
            "bitRate",
            "album",
            "coverArt",
            "userRating",
            "replayGain",
            "year",
        ] {
            assert!(bare.get(absent).is_none(), "{absent} in {bare}");
        }
        assert_eq!(bare["genres"], json!([]));
        assert_eq!(bare["displayArtist"], "");

        let xml = to_xml(&body);
        assert!(
            xml.contains(r#"<song id="00000000-0000-0000-0000-000000000001" parent="al-"#),
            "{xml}"
        );
        assert!(
            xml.contains(r#" title="Song &quot;1&quot; &amp; &lt;more&gt;" album="Live""#),
            "{xml}"
        );
        assert!(xml.contains(r#" size="8000000" "#), "{xml}");
        assert!(xml.contains(r#" comment="café" "#), "{xml}");
        assert!(
            xml.contains(
                r#"><replayGain trackGain="-6.5" trackPeak="0.98"></replayGain><genres name="Jazz"></genres></song><song id="00000000-0000-0000-0000-000000000002""#
            ),
            "{xml}"
        );
        assert!(
            xml.ends_with("</song></searchResult3></subsonic-response>"),
            "{xml}"
        );
    }

    #[test]
    fn the_format_is_chosen_safely() {
        assert_eq!(Format::from_params(None, None), Format::Xml);
        assert_eq!(Format::from_params(Some("json"), None), Format::Json);
        assert_eq!(
            Format::from_params(Some("jsonp"), Some("cb")),
            Format::Jsonp("cb".into())
        );
        assert_eq!(
            Format::from_params(Some("jsonp"), Some("alert(1)//")),
            Format::Json
        );
    }
}
