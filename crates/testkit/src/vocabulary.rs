//! Names and words for synthetic catalogs: the benchmarks that fill an account or a library
//! with 100,000 songs (the server's catalog, a new device's first sync) draw their artists,
//! titles, genres and covers from here, so their libraries read alike and search finds what
//! a real library would (accents in about half the names, titles from common song words).

use crate::rng::Rng;

#[rustfmt::skip]
pub const FIRST_NAMES: [&str; 40] = [
    "Anna", "Ben", "Chloé", "David", "Élodie", "Frank", "Greta", "Håkan", "Iris", "Jürgen",
    "Karen", "Léa", "Marco", "Noël", "Olivia", "Pedro", "Quinn", "Renée", "Søren", "Tom",
    "Ulla", "Victor", "Wanda", "Xavier", "Yasmin", "Zoë", "Ólafur", "Łukasz", "Amélie", "Mateo",
    "Nina", "Oscar", "Paul", "Rosa", "Sam", "Tess", "Hugo", "Inès", "Jonas", "Kate",
];
#[rustfmt::skip]
pub const LAST_NAMES: [&str; 40] = [
    "Andersen", "Brown", "Costa", "Dvořák", "Eriksson", "Fontaine", "García", "Hansen", "Ibáñez",
    "Jensen", "Kowalski", "López", "Müller", "Novak", "O'Brien", "Petrović", "Quintero", "Rossi",
    "Schröder", "Tanaka", "Ulrich", "Vega", "Weber", "Xu", "Yılmaz", "Zimmermann", "Núñez",
    "Björklund", "Lefèvre", "Moreau", "Silva", "Walsh", "Young", "Kim", "Singh", "Okafor",
    "Haddad", "Larsson", "Nakamura", "Côté",
];
#[rustfmt::skip]
pub const ADJECTIVES: [&str; 30] = [
    "Velvet", "Electric", "Silver", "Golden", "Neon", "Paper", "Quiet", "Wild", "Crimson",
    "Hollow", "Northern", "Midnight", "Crystal", "Lonely", "Broken", "Sonic", "Blue", "Black",
    "Frozen", "Burning", "Sigur", "Mötley", "Naïve", "Crème", "Señor", "Dúo", "Fjörd", "Café",
    "Amber", "Iron",
];
#[rustfmt::skip]
pub const NOUNS: [&str; 30] = [
    "Wolves", "Rivers", "Engines", "Lights", "Ghosts", "Tigers", "Satellites", "Owls",
    "Strangers", "Mirrors", "Hearts", "Machines", "Gardens", "Parade", "Society", "Orchestra",
    "Collective", "Quartet", "Brothers", "Sisters", "Ensemble", "Club", "Rós", "Échos",
    "Señoritas", "Kraftwérk", "Ñandú", "Sound System", "Foxes", "Pilots",
];
#[rustfmt::skip]
pub const GENRES: [&str; 24] = [
    "Rock", "Pop", "Électronique", "Jazz", "Hip-Hop", "Música Latina", "Post-Rock", "Ambient",
    "Folk", "Classique", "R&B", "Metal", "Indie", "Punk", "Soul", "Blues", "Country", "Reggae",
    "Funk", "Disco", "House", "Techno", "Chanson", "Bossa Nova",
];
/// Words of titles (songs and albums), so that search finds what a real library would.
#[rustfmt::skip]
pub const WORDS: &[&str] = &[
    "love", "night", "heart", "dream", "fire", "rain", "summer", "winter", "river", "light",
    "shadow", "dance", "blue", "gold", "silver", "midnight", "morning", "evening", "sun", "moon",
    "star", "stars", "sky", "ocean", "sea", "waves", "road", "home", "city", "lights", "girl",
    "boy", "baby", "time", "forever", "tonight", "alone", "together", "away", "back", "down",
    "run", "running", "falling", "rise", "burning", "cold", "warm", "wild", "free", "broken",
    "lost", "found", "hold", "hands", "eyes", "soul", "blood", "tears", "kiss", "song", "sweet",
    "little", "last", "first", "new", "old", "young", "days", "years", "world", "paradise",
    "heaven", "angel", "devil", "ghost", "echoes", "mirror", "glass", "paper", "stone", "iron",
    "velvet", "electric", "neon", "crystal", "diamond", "shine", "bright", "dark", "secret",
    "hidden", "silent", "quiet", "crazy", "happy", "sad", "lonely", "beautiful", "strange",
    "highway", "train", "station", "garden", "flowers", "roses", "wine", "whiskey", "sugar",
    "honey", "thunder", "lightning", "storm", "wind", "island", "desert", "mountain", "valley",
    "north", "south", "east", "west", "memories", "story", "letters", "promise", "goodbye",
    "hello", "yesterday", "tomorrow", "always", "never", "again", "still", "alive", "heavy",
    "slow", "fast", "high", "low", "deep", "far", "open", "door", "window", "room", "house",
    "street", "avenue", "boulevard", "birds", "wolves", "horses", "tiger", "queen", "king",
    "golden", "daylight", "sunset", "sunrise", "harbour", "shore", "tide", "fever", "magic",
    "machine", "radio", "telephone", "television", "motel", "hotel", "america", "london",
    "paris", "berlin", "tokyo", "café", "corazón", "mañana", "été", "noël", "déjà", "über",
    "señor", "niña", "amor", "canción", "lumière", "chérie", "soleil", "nuit", "fiesta", "vida",
    "sueño", "fjärran", "kärlek", "hjärta", "hoppípolla", "jóga", "ágætis", "smörgås",
];

/// One to `most` words of `list`, each capitalised.
pub fn words(rng: &mut Rng, list: &[&str], most: usize) -> String {
    (0..1 + rng.below(most))
        .map(|_| {
            let word = list[rng.below(list.len())];
            let mut chars = word.chars();
            let first = chars.next().expect("no empty word");
            first.to_uppercase().chain(chars).collect::<String>()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The cover of album `index`, `side` pixels square, as a JPEG: gradients, stripes and a
/// little noise, about as hard to compress as a photo (a 1000-pixel one is about 300 KB).
pub fn cover_jpeg(index: usize, side: u32) -> Vec<u8> {
    let mut rng = Rng::new(index as u64 + 1);
    let (a, b, c) = (
        rng.below(7) as u32 + 1,
        rng.below(5) as u32 + 1,
        rng.below(256) as u32,
    );
    let image = image::RgbImage::from_fn(side, side, |x, y| {
        let noise = rng.below(6) as u32;
        image::Rgb([
            ((x * a / 4 + c + noise) % 256) as u8,
            ((y * b / 4 + noise + (x / 50 % 2) * 60) % 256) as u8,
            (((x + y) / 8 + c * 3 + noise) % 256) as u8,
        ])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&image)
        .expect("a JPEG of an RGB image");
    out
}
