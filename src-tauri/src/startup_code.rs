//! Giving back the pages of the app's own code that only start-up ran.
//!
//! The kernel maps a program's code into memory as it runs, and not page by page: it maps the
//! whole block of cached file around each page touched (64 KB or a large folio, 128 KB here).
//! Start-up runs code from all over the shell's binary once (Tauri's and GTK's setup, the
//! database opened and checked, the first reads of each kind), so with 100,000 songs the
//! binary held 18 of its 28 MB of code resident after browsing, and which blocks happened to
//! be touched moved its share by 4 MB from one build to the next (docs/benchmarks.md).
//!
//! A few seconds after start, `madvise(MADV_DONTNEED)` unmaps the binary's code. The pages
//! stay in the system's file cache, so nothing is read from disk: the code that runs later
//! maps its block back on its first run (a minor fault, microseconds), and what only start-up
//! ran stays out. The shell then held 7 MB less after the UI benchmark's browsing.
//!
//! Only the binary's executable mapping is touched: it is private, read-only and never
//! written (its relocations live in the data segments), so the file holds exactly the pages
//! unmapped. The shared libraries' code is left alone: the web processes map most of the same
//! pages, so unmapping the shell's copies moved their share onto those processes, and the
//! total stayed where the binary alone left it. Linux only; other systems page code their own
//! ways.

use std::time::Duration;

/// How long after start the code is given back: start-up and the first page drawn are over.
const AFTER: Duration = Duration::from_secs(5);

/// Gives back the start-up code's pages once, on a thread of its own, a while after start.
pub fn release_later() {
    if !cfg!(target_os = "linux") {
        return;
    }
    let spawned = std::thread::Builder::new()
        .name("startup-code".into())
        .spawn(|| {
            std::thread::sleep(AFTER);
            match release() {
                Ok(bytes) => {
                    tracing::debug!("start-up code given back ({} KB mapped)", bytes >> 10)
                }
                Err(error) => tracing::warn!("could not give back the start-up code: {error}"),
            }
        });
    if let Err(error) = spawned {
        tracing::warn!("cannot start the start-up code releaser: {error}");
    }
}

/// Unmaps the pages of this program's executable mapping; returns its size in bytes.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
pub fn release() -> std::io::Result<usize> {
    let exe = std::env::current_exe()?;
    let maps = std::fs::read_to_string("/proc/self/maps")?;
    let mut released = 0;
    for (start, end) in code_mappings(&maps, &exe) {
        // SAFETY: the range is one whole mapping of the program's own file, private,
        // read-only and executable (checked by `code_mappings`), so its pages hold nothing
        // but the file's bytes. `MADV_DONTNEED` only unmaps them; the next access maps the
        // same bytes again from the file. No Rust reference points into code.
        let result =
            unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_DONTNEED) };
        if result != 0 {
            return Err(std::io::Error::last_os_error());
        }
        released += end - start;
    }
    Ok(released)
}

#[cfg(not(target_os = "linux"))]
pub fn release() -> std::io::Result<usize> {
    Ok(0)
}

/// The address ranges in `/proc/self/maps` text that map `exe` private, read-only and
/// executable.
#[cfg(any(target_os = "linux", test))]
fn code_mappings(maps: &str, exe: &std::path::Path) -> Vec<(usize, usize)> {
    maps.lines()
        .filter_map(|line| {
            // address perms offset device inode path (the path may hold spaces).
            let mut fields = line.splitn(6, ' ');
            let range = fields.next()?;
            let perms = fields.next()?;
            let path = fields.nth(3)?.trim_start();
            if perms != "r-xp" || std::path::Path::new(path) != exe {
                return None;
            }
            let (start, end) = range.split_once('-')?;
            let start = usize::from_str_radix(start, 16).ok()?;
            let end = usize::from_str_radix(end, 16).ok()?;
            (start < end).then_some((start, end))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_only_the_programs_private_code_mapping() {
        let maps = "\
55d0c0a00000-55d0c0b00000 r--p 00000000 fd:01 42 /opt/tonearm/tonearm desktop
55d0c0b00000-55d0c2b00000 r-xp 00100000 fd:01 42 /opt/tonearm/tonearm desktop
55d0c2b00000-55d0c2c00000 rw-p 02100000 fd:01 42 /opt/tonearm/tonearm desktop
7f0000000000-7f0000100000 r-xp 00000000 fd:01 77 /usr/lib/libwebkit2gtk-4.1.so.0
7f0000200000-7f0000300000 r-xs 00000000 fd:01 42 /opt/tonearm/tonearm desktop
7ffd00000000-7ffd00002000 r-xp 00000000 00:00 0 [vdso]
";
        assert_eq!(
            code_mappings(maps, std::path::Path::new("/opt/tonearm/tonearm desktop")),
            vec![(0x55d0c0b00000, 0x55d0c2b00000)]
        );
    }

    /// Resident kilobytes of this test program's code mapping.
    #[cfg(target_os = "linux")]
    fn resident_code_kb() -> u64 {
        let exe = std::env::current_exe().expect("exe");
        let smaps = std::fs::read_to_string("/proc/self/smaps").expect("smaps");
        let mut in_code = false;
        let mut total = 0;
        for line in smaps.lines() {
            if line
                .split(' ')
                .next()
                .is_some_and(|first| first.contains('-'))
            {
                in_code = !code_mappings(line, &exe).is_empty();
            } else if let Some(kb) = line.strip_prefix("Rss:").filter(|_| in_code) {
                total += kb
                    .trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .expect("kB");
            }
        }
        total
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn unmaps_the_code_and_the_program_runs_on() {
        let before = resident_code_kb();
        assert!(before > 0, "the test's code is resident");
        let released = release().expect("released");
        assert!(released > 0, "found the code mapping");
        // This code runs on, mapping back only the blocks it touches.
        let after = resident_code_kb();
        assert!(
            after < before,
            "{after} KB resident after, {before} KB before"
        );
    }
}
