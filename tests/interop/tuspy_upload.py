"""Uploads a file to tonearm-server with tuspy, the standard Python tus client.

Driven by crates/server/tests/server/tus_interop.rs. Prints the upload URL on success.
Usage: tuspy_upload.py ENDPOINT TOKEN FILE CHUNK_SIZE [--blake3 HEX] [--resume URL]
"""

import argparse
import sys

from tusclient import client


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("endpoint")
    parser.add_argument("token")
    parser.add_argument("file")
    parser.add_argument("chunk_size", type=int)
    parser.add_argument("--blake3")
    parser.add_argument("--resume")
    args = parser.parse_args()

    tus = client.TusClient(args.endpoint, headers={"Authorization": f"Bearer {args.token}"})
    metadata = {"filename": "song.flac"}
    if args.blake3:
        metadata["blake3"] = args.blake3
    uploader = tus.uploader(
        args.file,
        chunk_size=args.chunk_size,
        metadata=metadata,
        upload_checksum=True,
        url=args.resume,
    )
    uploader.upload()
    print(uploader.url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
