// Playlists. Empty until the library can hold them.
import { EmptyState } from "../components/EmptyState";

export function PlaylistsView() {
  return (
    <EmptyState icon="playlist" title="No playlists yet">
      Playlists you make here are mirrored to your cloud locker and can be edited on all your
      devices, even offline.
    </EmptyState>
  );
}
