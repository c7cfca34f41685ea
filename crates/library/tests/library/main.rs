//! Integration tests of the library: real fixture files, real SQLite databases in temp dirs.
//! Nothing about scanning is mocked.

mod artwork;
mod browse;
mod bulk;
mod cloud;
mod damaged;
mod discover;
mod feed;
mod fuzz;
mod identity;
mod itunes;
mod migrations;
mod playlists;
mod preferences;
mod scan;
mod search;
mod support;
mod tags;
mod watch;
