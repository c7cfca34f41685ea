// Uploads a file to tonearm-server with tus-js-client, the standard JavaScript tus client.
//
// Driven by crates/server/tests/server/tus_interop.rs. Prints the upload URL on success.
// Usage: node tus_js_upload.mjs ENDPOINT TOKEN FILE CHUNK_SIZE [--blake3 HEX] [--resume URL]

import { readFileSync } from 'node:fs';
import { argv, exit, stderr, stdout } from 'node:process';
import * as tus from 'tus-js-client';

const [endpoint, token, file, chunkSize, ...rest] = argv.slice(2);
const option = (name) => {
  const index = rest.indexOf(name);
  return index === -1 ? undefined : rest[index + 1];
};
const metadata = { filename: 'song.flac' };
if (option('--blake3')) metadata.blake3 = option('--blake3');

const upload = new tus.Upload(readFileSync(file), {
  endpoint,
  uploadUrl: option('--resume'),
  chunkSize: Number(chunkSize),
  metadata,
  headers: { Authorization: `Bearer ${token}` },
  retryDelays: null,
  onError: (error) => {
    stderr.write(`upload failed: ${error}\n`);
    exit(1);
  },
  onSuccess: () => {
    stdout.write(`${upload.url}\n`);
  },
});
upload.start();
