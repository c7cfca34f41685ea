//! Position keys of playlist entries. The rules (what a key is, a key between two others,
//! re-spacing) are the wire's, shared with the server, so they live in `tonearm-protocol`; this
//! module is where the library takes them from.

pub use tonearm_protocol::position::{
    MAX_LEN, NoRoom, Placement, PositionError, PositionKey, RESPACE_LEN, between, place, spread,
};
