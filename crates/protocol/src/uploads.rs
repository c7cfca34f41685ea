//! Names of the tus 1.0 protocol as Tonearm uses it at `/api/v1/uploads`. The bodies are raw
//! bytes, so only header names, metadata keys and the extension list are shared.

/// The tus protocol version the server speaks.
pub const TUS_VERSION: &str = "1.0.0";
/// The tus extensions the server implements.
pub const TUS_EXTENSIONS: &str = "creation,checksum,termination";
/// The checksum algorithms accepted in `Upload-Checksum`.
pub const TUS_CHECKSUM_ALGORITHMS: &str = "sha1,sha256";
/// `Upload-Metadata` key carrying the whole file's BLAKE3 (lowercase hex).
pub const METADATA_BLAKE3: &str = "blake3";
/// `Upload-Metadata` key carrying the original file name (informational).
pub const METADATA_FILENAME: &str = "filename";
/// Response header on a completed upload (HEAD or final PATCH): the blob's BLAKE3.
pub const HEADER_BLOB_HASH: &str = "Tonearm-Blob-Hash";
