// What is being dragged between lists (songs onto a playlist, rows within one). Kept here
// rather than in the drag event's data: the ids of a large selection may still have to be
// fetched, which a synchronous `dragstart` cannot wait for. One webview, one drag at a time.

export interface DragPayload {
  /** Which list the rows came from ("library", "playlist:<id>", "queue"). */
  source: string;
  /** Their positions in that list. */
  indices: number[];
  /** Their track ids (fetched if needed). */
  trackIds: () => Promise<string[]>;
}

let current: DragPayload | null = null;

export function setDragPayload(payload: DragPayload | null) {
  current = payload;
}

export function dragPayload(): DragPayload | null {
  return current;
}
