//! Integration tests of the audio engine on the real fixture files, decoded for real.

mod decode;
mod engine;
mod output;
mod support;
