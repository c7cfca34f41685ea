//! Paths as bytes in the database, so file names that are not valid Unicode (common on Linux
//! disks written by old tools) are stored exactly and can be opened again.

use std::path::{Path, PathBuf};

/// The OS bytes of a path (UTF-16 code units, little-endian, on Windows).
#[cfg(unix)]
pub fn to_bytes(path: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    path.as_os_str().as_bytes().to_vec()
}

/// [`to_bytes`] without a copy where the OS bytes are the stored bytes.
#[cfg(unix)]
pub fn as_bytes(path: &Path) -> std::borrow::Cow<'_, [u8]> {
    use std::os::unix::ffi::OsStrExt;
    std::borrow::Cow::Borrowed(path.as_os_str().as_bytes())
}

/// The path stored by [`to_bytes`].
#[cfg(unix)]
pub fn from_bytes(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
}

#[cfg(windows)]
pub fn to_bytes(path: &Path) -> Vec<u8> {
    use std::os::windows::ffi::OsStrExt;
    path.as_os_str()
        .encode_wide()
        .flat_map(u16::to_le_bytes)
        .collect()
}

#[cfg(windows)]
pub fn as_bytes(path: &Path) -> std::borrow::Cow<'_, [u8]> {
    std::borrow::Cow::Owned(to_bytes(path))
}

#[cfg(windows)]
pub fn from_bytes(bytes: &[u8]) -> PathBuf {
    use std::os::windows::ffi::OsStringExt;
    let wide: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    PathBuf::from(std::ffi::OsString::from_wide(&wide))
}

/// The first byte string after every path that starts with `prefix` (for range queries over a
/// folder's files): `prefix` followed by the separator, and its successor.
pub fn folder_range(folder: &Path) -> (Vec<u8>, Vec<u8>) {
    let mut low = to_bytes(folder);
    let separator = to_bytes(Path::new(std::path::MAIN_SEPARATOR_STR));
    low.extend_from_slice(&separator);
    let mut high = low.clone();
    if let Some(last) = high.last_mut() {
        *last += 1;
    }
    (low, high)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn non_utf8_names_round_trip() {
        use std::os::unix::ffi::OsStrExt;
        let path = Path::new(std::ffi::OsStr::from_bytes(b"/music/caf\xe9.mp3"));
        assert_eq!(from_bytes(&to_bytes(path)), path);
    }

    #[test]
    fn a_folder_range_holds_its_files_and_not_its_siblings() {
        let (low, high) = folder_range(Path::new("/music/a"));
        let inside = to_bytes(Path::new("/music/a/x.mp3"));
        let sibling = to_bytes(Path::new("/music/ab/x.mp3"));
        assert!(low <= inside && inside < high);
        assert!(!(low <= sibling && sibling < high));
    }
}
