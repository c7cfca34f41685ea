// Drives tonearm-server's OpenSubsonic API (/rest) with npm `subsonic-api`, a TypeScript client
// apps use: once with an API key over GET `.view` URLs, once with a password (token auth) over
// form POSTs.
//
// Run by crates/server/tests/server/subsonic_interop.rs with the same JSON on stdin as
// subsonic_clients.py: {"url", "username", "password", "apiKey", "other", "songs": [CloudTrack
// + "data"]} for the library `seed` makes. It browses to an album, searches, and creates and
// edits a playlist, asserting the seeded titles and ids. The library never throws on a
// `status: failed` answer, so every answer is checked for `ok`. Exits 1 naming the call.

import { SubsonicAPI } from "subsonic-api";
import assert from "node:assert/strict";

const input = JSON.parse(await new Promise((resolve) => {
  let text = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk) => (text += chunk));
  process.stdin.on("end", () => resolve(text));
}));
const songs = input.songs;
const byTitle = Object.fromEntries(songs.map((s) => [s.metadata.title, s]));
const albumSongs = (name) =>
  songs
    .filter((s) => s.metadata.album === name)
    .sort((a, b) => (a.metadata.track_number ?? 0) - (b.metadata.track_number ?? 0))
    .map((s) => s.id);

/** The answer of `call`, which must be `ok`. */
async function ok(what, call) {
  const answer = await call;
  assert.equal(answer?.status, "ok", `${what}: ${JSON.stringify(answer)}`);
  assert.equal(answer.openSubsonic, true, `${what}: openSubsonic`);
  return answer;
}

async function drive(label, api) {
  await ok(`${label} ping`, api.ping());

  const extensions = await ok(`${label} getOpenSubsonicExtensions`, api.getOpenSubsonicExtensions());
  const names = extensions.openSubsonicExtensions.map((e) => e.name);
  assert.ok(names.includes("apiKeyAuthentication"), `${label} extensions: ${names}`);

  const artists = await ok(`${label} getArtists`, api.getArtists());
  const all = artists.artists.index.flatMap((i) => i.artist);
  const sigur = all.find((a) => a.name === "Sigur Rós");
  assert.ok(sigur, `${label} getArtists: ${all.map((a) => a.name)}`);
  assert.equal(sigur.albumCount, 2, `${label} getArtists albumCount`);

  const artist = await ok(`${label} getArtist`, api.getArtist({ id: sigur.id }));
  const first = artist.artist.album.find((a) => a.name === "Ágætis byrjun");
  const album = await ok(`${label} getAlbum`, api.getAlbum({ id: first.id }));
  assert.deepEqual(album.album.song.map((s) => s.id), albumSongs("Ágætis byrjun"), `${label} getAlbum songs`);
  assert.ok(album.album.created instanceof Date && !isNaN(album.album.created), `${label} getAlbum created`);

  const found = await ok(`${label} search3`, api.search3({ query: "hoppipolla" }));
  assert.deepEqual(found.searchResult3.song.map((s) => s.id), [byTitle["Hoppípolla"].id], `${label} search3`);

  const name = `subsonic-api ${label}`;
  const ids = [byTitle["Something"].id, byTitle["Loose Song"].id];
  const created = await ok(`${label} createPlaylist`, api.createPlaylist({ name, songId: ids }));
  const playlist = created.playlist.id;
  assert.deepEqual(created.playlist.entry.map((e) => e.id), ids, `${label} createPlaylist entries`);
  await ok(`${label} updatePlaylist`, api.updatePlaylist({
    playlistId: playlist, name: `${name} 2`, songIdToAdd: [byTitle["Starálfur"].id], songIndexToRemove: [0],
  }));
  const listed = await ok(`${label} getPlaylists`, api.getPlaylists());
  const mine = listed.playlists.playlist.find((p) => p.id === playlist);
  assert.equal(mine?.name, `${name} 2`, `${label} getPlaylists name`);
  assert.equal(mine.songCount, 2, `${label} getPlaylists songCount`);
  assert.ok(mine.changed instanceof Date, `${label} getPlaylists changed`);
  const got = await ok(`${label} getPlaylist`, api.getPlaylist({ id: playlist }));
  assert.deepEqual(got.playlist.entry.map((e) => e.id), [ids[1], byTitle["Starálfur"].id], `${label} getPlaylist`);
  await ok(`${label} deletePlaylist`, api.deletePlaylist({ id: playlist }));

  const wrong = await api.getAlbum({ id: "al-nothing" });
  assert.equal(wrong.error?.code, 70, `${label} getAlbum of nothing: ${JSON.stringify(wrong)}`);
}

try {
  await drive("apiKey", new SubsonicAPI({ url: input.url, auth: { apiKey: input.apiKey } }));
  // Its other transport: the same calls as form POSTs.
  await drive("password", new SubsonicAPI({
    url: input.url, auth: { username: input.username, password: input.password }, post: true,
  }));
  const denied = await new SubsonicAPI({
    url: input.url, auth: { username: input.username, password: "not the password" },
  }).ping();
  assert.equal(denied.error?.code, 40, `wrong password: ${JSON.stringify(denied)}`);
  console.log("subsonic-api: every call answered as expected (apiKey and password)");
} catch (error) {
  console.error(error.message ?? error);
  process.exit(1);
}
