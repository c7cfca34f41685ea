//! The wire format between the Tonearm cloud client (`crates/sync`) and the locker server.
//!
//! Every request and response body of the JSON API is declared here once, as serde types with
//! `utoipa` schemas, so the client and server cannot drift and the OpenAPI document is generated
//! from the same code. This crate does no I/O; the only computation it holds is the
//! proof-of-ownership answer, because both sides must compute it identically.

pub mod changes;
pub mod error;
pub mod ids;
pub mod library;
pub mod loudness;
pub mod marks;
pub mod matching;
pub mod names;
mod object;
pub mod playlists;
pub mod position;
pub mod sessions;
pub mod time;
pub mod tracks;
pub mod uploads;

pub use changes::{Change, ChangeEvent, ChangesResponse};
pub use error::{ErrorBody, ErrorCode, ErrorDetail};
pub use ids::{BlobHash, ChallengeId, EntryId, IdError, OpId, PlaylistId, SessionId, TrackId};
pub use loudness::ReplayGainTags;
pub use marks::{MarksPatch, Play, PlayId, PlaysRequest, PlaysResponse, TrackMarks};
pub use matching::{ByteRange, ChallengeAnswer, MatchRequest, MatchResponse, answer_challenge};
pub use names::{DeviceName, NameError, Username};
pub use playlists::{
    OpResult, OpStatus, Playlist, PlaylistAction, PlaylistEntry, PlaylistOp, PlaylistOpsRequest,
    PlaylistOpsResponse, PlaylistSummary, PlaylistsResponse,
};
pub use position::{NoRoom, PositionError, PositionKey};
pub use sessions::{
    ApiKeyCreated, ApiKeyInfo, ApiKeyRequest, ApiKeysResponse, LoginRequest, LoginResponse,
    Password, PasswordTooLong, SessionInfo, SessionsResponse, StorageUsage, WebLoginRequest,
    WebSession,
};
pub use tracks::{
    AudioFormat, CloudTrack, CreateTrackRequest, MetadataPatch, PatchField, StreamUrlResponse,
    TrackMetadata, TracksResponse, UpdateTrackRequest,
};
