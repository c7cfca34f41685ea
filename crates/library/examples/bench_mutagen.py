#!/usr/bin/env python3
"""The yardstick of the library benchmark's first scan: a bare Python loop over the same files
with mutagen, the tag reader most Python music tools are built on.

`cargo xtask bench library` runs it (from a virtual environment with the mutagen that
`xtask/requirements-mutagen.txt` pins) right after the benchmark's first scan, on the same
folder, with the page cache just as warm, and prints the scan's rate beside it:

    python bench_mutagen.py MUSIC_DIR

The loop walks the folder (`os.walk`, the extensions the scanner reads, hidden entries
skipped), and for each file does what the scanner asks of lofty, minus the database: opens it
with `mutagen.File(path, easy=True)`, takes the audio properties (duration, bitrate, sample
rate, channels, bit depth) and every tag the scanner has a column for (title, artists, album,
album artists, track and disc numbers, dates, genres, composers, compilation, comment,
MusicBrainz ids, ReplayGain), first value or every value as the scanner keeps them. One
thread, as such a loop is written. It prints one line:

    mutagen: N files, T s, R files/s (E unreadable)
"""

import os
import sys
import time

import mutagen

SUPPORTED = {
    ".mp3", ".flac", ".ogg", ".oga", ".opus", ".m4a", ".m4b", ".mp4", ".aac", ".wav", ".aif",
    ".aiff", ".aifc", ".wv", ".ape", ".mpc",
}

# mutagen's "easy" names of the fields the scanner has columns for.
ALL_VALUES = ("artist", "artists", "albumartist", "genre", "composer")
FIRST_VALUE = (
    "title", "album", "tracknumber", "discnumber", "date", "originaldate", "compilation",
    "comment", "musicbrainz_trackid", "musicbrainz_releasetrackid", "musicbrainz_albumid",
    "musicbrainz_artistid", "musicbrainz_albumartistid", "replaygain_track_gain",
    "replaygain_track_peak", "replaygain_album_gain", "replaygain_album_peak",
)


def files(root):
    for folder, dirs, names in os.walk(root, followlinks=True):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if not name.startswith(".") and os.path.splitext(name)[1].lower() in SUPPORTED:
                yield os.path.join(folder, name)


def values(tags, key):
    try:
        return tags.get(key) or []
    except (KeyError, ValueError):
        return []


def read(path):
    audio = mutagen.File(path, easy=True)
    if audio is None:
        raise ValueError("not a format mutagen knows")
    info = audio.info
    record = {
        "duration": getattr(info, "length", None),
        "bitrate": getattr(info, "bitrate", None),
        "sample_rate": getattr(info, "sample_rate", None),
        "channels": getattr(info, "channels", None),
        "bit_depth": getattr(info, "bits_per_sample", None),
    }
    tags = audio.tags
    if tags is not None:
        for key in ALL_VALUES:
            record[key] = [value.strip() for value in values(tags, key)]
        for key in FIRST_VALUE:
            found = values(tags, key)
            record[key] = found[0].strip() if found else None
    return record


def main():
    root = sys.argv[1]
    started = time.perf_counter()
    count = unreadable = 0
    for path in files(root):
        count += 1
        try:
            read(path)
        except Exception:  # mutagen raises many kinds; each is one unreadable file
            unreadable += 1
    took = time.perf_counter() - started
    print(f"mutagen: {count} files, {took:.2f} s, {count / took:.0f} files/s "
          f"({unreadable} unreadable)")


if __name__ == "__main__":
    main()
