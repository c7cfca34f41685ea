//! The heap trimmer gives freed memory back to the system (Linux with glibc, where the shell
//! trims; elsewhere there is nothing to test).

/// The process's resident anonymous memory, in bytes.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn resident_anonymous() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("status");
    let line = status
        .lines()
        .find(|line| line.starts_with("RssAnon:"))
        .expect("RssAnon");
    let kb: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("a number");
    kb * 1024
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn memory_freed_in_the_middle_of_a_heap_goes_back_to_the_system() {
    const BLOCKS: usize = 64 * 1024;
    const SIZE: usize = 1024;
    // On a thread of its own, as the shell's IPC handlers and readers allocate: 64 MB in small
    // blocks, then all freed but every 256th, so the heap's free memory lies between blocks
    // still in use, where malloc keeps it.
    let kept = std::thread::spawn(|| {
        let mut blocks: Vec<Vec<u8>> = (0..BLOCKS).map(|i| vec![i as u8; SIZE]).collect();
        let mut kept = Vec::new();
        for (i, block) in blocks.drain(..).enumerate() {
            if i % 256 == 0 {
                kept.push(block);
            }
        }
        kept
    })
    .join()
    .expect("allocating thread");

    let before = resident_anonymous();
    tonearm_desktop::heap_trim::trim();
    let after = resident_anonymous();
    // Other tests run meanwhile; what they allocate in the instant of the trim is far less.
    assert!(
        before.saturating_sub(after) >= (BLOCKS * SIZE / 2) as u64,
        "resident anonymous memory went from {before} to {after} bytes"
    );
    assert_eq!(kept.len(), BLOCKS / 256);
    assert!(
        kept.iter()
            .enumerate()
            .all(|(i, b)| b[0] == (i * 256) as u8)
    );
}
