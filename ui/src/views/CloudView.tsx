// The cloud panel. Until an account is connected it explains what the cloud locker does.
import { EmptyState } from "../components/EmptyState";

export function CloudView() {
  return (
    <EmptyState icon="cloud" title="Not connected to a cloud locker">
      Connect Tonearm to your own server to back up your library, keep playlists in sync across
      devices, and stream songs that are not on this computer.
    </EmptyState>
  );
}
