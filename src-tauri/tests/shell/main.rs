//! Integration tests of the desktop shell on Tauri's mock runtime: the IPC contract and the
//! commands behind it, with no window and no WebKit needed at run time.

mod bindings;
mod cloud;
mod commands;
mod demo;
mod edit;
mod heap;
mod locker;
mod player;
mod settings;
mod support;
