//! Integration tests of the locker server: the real server on 127.0.0.1:0 with its storage in a
//! temporary folder, driven over HTTP by reqwest. One binary with themed modules links once.

#![allow(clippy::unwrap_used)]

mod support;

mod artwork;
mod auth;
mod conformance;
mod hostile;
mod isolation;
mod library;
mod marks;
mod matching;
mod openapi;
mod playlists;
mod replicas;
mod store;
mod streaming;
mod subsonic;
mod subsonic_interop;
mod tls;
mod tracks;
mod tus_interop;
mod uploads;
mod web;
mod web_app;

/// The largest cover the server takes.
pub fn artwork_limit() -> usize {
    tonearm_server::artwork::MAX_BYTES
}
