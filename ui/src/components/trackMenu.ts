// The songs context menu: what can be done with the selected songs, depending on what they
// are (on this computer, in the cloud, only in the cloud, kept offline) and where the list
// is (a playlist can remove its entries). Every action goes through the IPC hooks.
import {
  capabilities,
  describeError,
  useAddToPlaylist,
  useCloudStatus,
  useControlPlayer,
  useCreatePlaylist,
  useDeleteFromCloud,
  useDownloadSongs,
  useFreeUp,
  usePlanFreeUp,
  usePinTracks,
  usePlaylists,
  useQueueUploads,
  useRevealTrack,
  useSetLoved,
  useSetRating,
  useUnpinTracks,
  type TrackRow,
} from "@data";
import { formatSize, plural } from "../lib/format";
import { STAR, starsLabel, starsOf, starsText } from "../lib/rating";
import { useOverlays, type MenuItem } from "./Overlays";
import { useToast } from "./Toast";

export interface MenuTarget {
  /** The selected rows that are loaded (what the menu's choices depend on). */
  tracks: TrackRow[];
  /** All the selected rows' track ids (fetched for a large selection). */
  ids: () => Promise<string[]>;
  /** How many rows are selected. */
  count: number;
  /** Set in a playlist: removing takes the entries out of it. */
  removeFromList?: { label: string; run: () => void };
}

export function useTrackMenu() {
  const overlays = useOverlays();
  const toast = useToast();
  const control = useControlPlayer();
  const playlists = usePlaylists();
  const addToPlaylist = useAddToPlaylist();
  const createPlaylist = useCreatePlaylist();
  const reveal = useRevealTrack();
  const queueUploads = useQueueUploads();
  const pin = usePinTracks();
  const unpin = useUnpinTracks();
  const deleteFromCloud = useDeleteFromCloud();
  const planFreeUp = usePlanFreeUp();
  const download = useDownloadSongs();
  const freeUp = useFreeUp();
  const setLoved = useSetLoved();
  const setRating = useSetRating();
  const cloud = useCloudStatus();
  const connected = Boolean(cloud.data?.status.account);

  /** Runs an action, telling the user what happened or what went wrong. */
  const run = (work: () => Promise<unknown>, done?: string) => {
    work().then(
      () => done && toast(done),
      (error: unknown) => toast(describeError(error), "error"),
    );
  };

  /** "Remove download": the space it frees first, then each file to the trash once the server confirms it has it. */
  async function removeDownloads(ids: string[]) {
    try {
      const plan = await planFreeUp.mutateAsync(ids);
      if (plan.tracks.length === 0) {
        toast("None of these can be removed: they are not all safely in the cloud yet, or are kept offline.", "error");
        return;
      }
      const what = plan.tracks.length === 1 ? `“${plan.tracks[0]?.title}”` : `${plan.tracks.length.toLocaleString()} songs`;
      const yes = await overlays.confirm(
        `Remove the download of ${what}?`,
        `This frees ${formatSize(plan.total_bytes)}. ${plan.tracks.length === 1 ? "It stays" : "They stay"} in your library and play from the cloud; the files go to the trash once the cloud confirms it holds the same bytes.`,
        "Remove download",
      );
      if (!yes) return;
      const report = await freeUp.mutateAsync(plan.tracks.map((t) => t.track_id));
      const kept = report.refused.length > 0 ? ` ${report.refused.length.toLocaleString()} kept: ${report.refused[0]?.title} (${refusalText(report.refused[0]?.reason)})${report.refused.length > 1 ? " and others" : ""}.` : "";
      toast(`Freed ${formatSize(report.freed_bytes)}.${kept}`, report.refused.length > 0 ? "error" : undefined);
    } catch (error) {
      toast(describeError(error), "error");
    }
  }

  return function items(target: MenuTarget): MenuItem[] {
    const { tracks, ids, count } = target;
    const songs = count === 1 ? "1 song" : `${count.toLocaleString()} songs`;
    const single = count === 1 && tracks.length === 1 ? tracks[0] : null;
    const local = tracks.filter((t) => t.state !== "cloud");
    const cloudOnly = tracks.filter((t) => t.state === "cloud");
    const notUploaded = local.filter((t) => t.state === "present" && ["local_only", "failed", "paused"].includes(t.upload_state));
    const inCloud = tracks.filter((t) => t.state === "cloud" || t.upload_state === "in_cloud");

    const addTo = async (playlist: string, name: string) => {
      await addToPlaylist.mutateAsync({ id: playlist, tracks: await ids() });
      return name;
    };
    const playlistItems: MenuItem[] = [
      {
        label: "New playlist…",
        action: () =>
          void overlays.prompt("New playlist", "Name").then((name) => {
            if (!name) return;
            run(async () => addTo(await createPlaylist.mutateAsync(name), name), `Added ${songs} to “${name}”`);
          }),
      },
      ...(playlists.data ?? []).map((playlist, index) => ({
        label: playlist.name || "Untitled playlist",
        separated: index === 0,
        action: () => run(() => addTo(playlist.id, playlist.name), `Added ${songs} to “${playlist.name}”`),
      })),
    ];

    const menu: MenuItem[] = [
      { label: "Play next", action: () => run(async () => control.mutateAsync({ kind: "play_next", track_ids: await ids() }), `${songs} will play next`) },
      { label: "Add to queue", action: () => run(async () => control.mutateAsync({ kind: "add", track_ids: await ids() }), `Added ${songs} to the queue`) },
      { label: "Add to playlist", submenu: playlistItems },
    ];
    if (target.removeFromList) menu.push({ label: target.removeFromList.label, action: target.removeFromList.run });

    // "Unlove" only when every selected song is known to be loved; rows not loaded yet count
    // as not loved, so a large selection is loved as a whole.
    const allLoved = count > 0 && tracks.length === count && tracks.every((t) => t.loved);
    menu.push({
      label: allLoved ? "Unlove" : "Love",
      separated: true,
      disabled: count === 0,
      action: () =>
        run(async () => setLoved.mutateAsync({ ids: await ids(), loved: !allLoved }), count > 1 ? `${allLoved ? "Unloved" : "Loved"} ${songs}` : undefined),
    });
    // The stars every selected song has, when they all have the same (0: none).
    const ratings = new Set(tracks.map((t) => starsOf(t.rating)));
    const shared = tracks.length === count && ratings.size === 1 ? [...ratings][0] : undefined;
    const rate = (stars: number) =>
      run(
        async () => setRating.mutateAsync({ ids: await ids(), rating: stars === 0 ? null : stars * STAR }),
        count > 1 ? (stars === 0 ? `Cleared the rating of ${songs}` : `Rated ${songs} ${starsLabel(stars)}`) : undefined,
      );
    menu.push({
      label: "Rating",
      disabled: count === 0,
      submenu: [
        ...[5, 4, 3, 2, 1].map((stars) => ({
          label: starsLabel(stars),
          hint: starsText(stars),
          checked: shared === stars,
          action: () => rate(stars),
        })),
        { label: "No rating", separated: true, checked: shared === 0, action: () => rate(0) },
      ],
    });
    if (capabilities.files) menu.push({
      label: "Show in folder",
      separated: true,
      disabled: !single || single.state === "cloud",
      action: () => single && run(() => reveal.mutateAsync(single.id)),
    });
    if (connected) {
      if (notUploaded.length > 0 || (tracks.length < count && local.length > 0)) {
        menu.push({
          label: notUploaded.some((t) => t.upload_state === "failed") && notUploaded.length === 1 ? "Retry upload" : "Upload now",
          action: () => run(async () => queueUploads.mutateAsync(await ids()), `Uploading ${songs}`),
        });
      }
      if (capabilities.files && cloudOnly.length > 0) {
        menu.push({
          label: "Download to this computer",
          action: () => {
            toast(`Downloading ${cloudOnly.length === 1 ? "1 song" : `${cloudOnly.length.toLocaleString()} songs`} into your music folder…`);
            download.mutateAsync({ ids: cloudOnly.map((t) => t.id) }).then(
              (report) =>
                report.failed.length > 0
                  ? toast(`${plural(report.failed.length, "song")} could not be downloaded: ${report.failed[0]?.error}. Try again to resume.`, "error")
                  : toast(`Downloaded ${plural(report.downloaded.length, "song")}: files of this computer now`),
              (error: unknown) => toast(describeError(error), "error"),
            );
          },
        });
      }
      if (cloudOnly.some((t) => !t.kept_offline)) {
        menu.push({
          label: "Keep offline",
          action: () => {
            const wanted = cloudOnly.filter((t) => !t.kept_offline).map((t) => t.id);
            toast(`Downloading ${wanted.length === 1 ? "1 song" : `${wanted.length} songs`} to keep offline…`);
            run(() => pin.mutateAsync(wanted), "Kept offline: they play without a connection");
          },
        });
      }
      if (cloudOnly.some((t) => t.kept_offline)) {
        menu.push({
          label: "Stop keeping offline",
          action: () => run(() => unpin.mutateAsync(cloudOnly.filter((t) => t.kept_offline).map((t) => t.id))),
        });
      }
      // Songs here and safely in the cloud (kept-offline ones are never removed).
      const downloaded = tracks.filter((t) => t.state === "present" && t.upload_state === "in_cloud");
      if (capabilities.files && downloaded.length > 0) {
        menu.push({
          label: "Remove download…",
          action: () => void removeDownloads(downloaded.map((t) => t.id)),
        });
      }
      if (inCloud.length > 0) {
        menu.push({
          label: "Remove from cloud…",
          action: () => {
            const what = inCloud.length === 1 ? `“${inCloud[0]?.title}”` : `${inCloud.length} songs`;
            void overlays
              .confirm(
                `Remove ${what} from the cloud?`,
                "Other devices will no longer see or stream them. Copies on this computer stay.",
                "Remove from cloud",
              )
              .then((yes) => yes && run(() => deleteFromCloud.mutateAsync(inCloud.map((t) => t.id)), `Removed ${what} from the cloud`));
          },
        });
      }
    }
    if (capabilities.files) menu.push({
      label: "Properties",
      separated: true,
      disabled: count === 0,
      action: () => void ids().then((all) => overlays.editTags(all), (error: unknown) => toast(describeError(error), "error")),
    });
    return menu;
  };
}

/** Why "Remove download" kept a file, in a few words. */
function refusalText(reason: string | undefined): string {
  switch (reason) {
    case "pinned":
      return "kept offline";
    case "file_changed":
      return "the file changed since it was uploaded";
    case "not_on_server":
      return "the cloud no longer has it";
    case "server_differs":
      return "the cloud holds other bytes";
    case "offline":
      return "the cloud could not be reached";
    case "no_trash":
      return "no trash found for this user";
    default:
      return "it could not be moved";
  }
}
