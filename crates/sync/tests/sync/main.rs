//! The cloud client against the real `tonearm-server` on 127.0.0.1, with several "devices"
//! (separate data directories and libraries) scanning real audio files.

mod artwork;
mod background;
mod connection;
mod devices;
mod download;
mod first_sync;
mod free_up;
mod marks;
mod playlists;
mod properties;
mod streaming;
mod support;
mod tags;
mod uploads;
