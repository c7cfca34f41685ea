// The now-playing bar: what plays (with a heart to love it), the transport, the position and
// the volume. Everything it shows comes from the audio engine's events; everything it does is
// a player command, except the heart, which loves the song.
import { useEffect, useState } from "react";
import { describeError, useControlPlayer, usePlayer, useSetLoved, type Repeat } from "@data";
import { Cover } from "./Cover";
import { Icon } from "./Icon";

function formatTime(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

/**
 * An error in the bar stays on one line whatever its length: cut with an ellipsis, the whole
 * sentence in the tooltip. Inline so it holds without the stylesheet (and in the unit test).
 */
const ONE_LINE = { whiteSpace: "nowrap", overflow: "hidden", textOverflow: "ellipsis" } as const;

const NEXT_REPEAT: Record<Repeat, Repeat> = { off: "all", all: "one", one: "off" };
const REPEAT_LABEL: Record<Repeat, string> = { off: "Repeat: off", all: "Repeat: all", one: "Repeat: one" };

export function NowPlayingBar() {
  const player = usePlayer();
  const control = useControlPlayer();
  // While the seek slider is dragged, it shows where the user is pointing, not the engine.
  const [seeking, setSeeking] = useState<number | null>(null);
  const view = player.data;
  const current = view?.current ?? null;
  const status = view?.status;
  const playing = status?.state === "playing";
  const duration = current?.duration_ms ?? 0;
  const position = seeking ?? view?.position_ms ?? 0;
  const volume = status?.volume ?? 1;
  const send = control.mutate;
  const setLoved = useSetLoved();
  const loved = current?.track.loved ?? false;

  useEffect(() => setSeeking(null), [current?.entry]);
  // A heart that failed for one song says nothing of the next.
  const resetLove = setLoved.reset;
  useEffect(() => resetLove(), [current?.entry, resetLove]);

  const message = control.isError
    ? describeError(control.error)
    : setLoved.isError
      ? describeError(setLoved.error)
      : player.lastError;
  return (
    <footer className="now-playing" aria-label="Now playing">
      <div className="now-playing__track">
        {current ? (
          <Cover artwork={current.track.artwork_id} size="small" label={current.track.album ?? current.track.title} />
        ) : (
          <div className="now-playing__cover" aria-hidden="true">
            <Icon name="note" size={22} />
          </div>
        )}
        <div style={{ minWidth: 0 }}>
          <div className="now-playing__title" data-testid="now-playing-title">
            {current ? current.track.title : "Nothing playing"}
          </div>
          <div className="now-playing__artist">
            {current ? (current.track.artist ?? "Unknown artist") : `${touchScreen() ? "Double-tap" : "Double-click"} a song to start listening`}
          </div>
          {message && (
            <div className="now-playing__error" role="status" title={message} style={ONE_LINE}>
              {message}
            </div>
          )}
        </div>
        {current && (
          <button
            type="button"
            className={`icon-button now-playing__love${loved ? " is-loved" : ""}`}
            aria-label={loved ? "Unlove" : "Love"}
            aria-pressed={loved}
            onClick={() => setLoved.mutate({ ids: [current.track.id], loved: !loved })}
          >
            <Icon name="heart" size={16} filled={loved} />
          </button>
        )}
      </div>
      <div className="now-playing__transport">
        <div className="now-playing__buttons">
          <button
            type="button"
            className="icon-button"
            aria-label="Shuffle"
            aria-pressed={status?.shuffle ?? false}
            disabled={!status}
            onClick={() => send({ kind: "set_shuffle", on: !status?.shuffle })}
          >
            <Icon name="shuffle" />
          </button>
          <button type="button" className="icon-button" aria-label="Previous" disabled={!current} onClick={() => send({ kind: "previous" })}>
            <Icon name="previous" />
          </button>
          <button
            type="button"
            className="icon-button icon-button--primary"
            aria-label={playing ? "Pause" : "Play"}
            disabled={!current && !view?.queue_length}
            onClick={() => send({ kind: "toggle_pause" })}
          >
            <Icon name={playing ? "pause" : "play"} size={20} />
          </button>
          <button type="button" className="icon-button" aria-label="Next" disabled={!current} onClick={() => send({ kind: "next" })}>
            <Icon name="next" />
          </button>
          <button
            type="button"
            className="icon-button"
            aria-label={REPEAT_LABEL[status?.repeat ?? "off"]}
            aria-pressed={(status?.repeat ?? "off") !== "off"}
            disabled={!status}
            onClick={() => send({ kind: "set_repeat", repeat: NEXT_REPEAT[status?.repeat ?? "off"] })}
          >
            <Icon name="repeat" />
          </button>
        </div>
        <div className="now-playing__seek">
          <span className="time" data-testid="position">{formatTime(position)}</span>
          <input
            type="range"
            aria-label="Seek"
            min={0}
            max={Math.max(duration, 1)}
            step={1000}
            value={Math.min(position, duration)}
            disabled={!current || duration === 0}
            onChange={(event) => setSeeking(Number(event.target.value))}
            onPointerUp={() => {
              if (seeking !== null) send({ kind: "seek", position_ms: seeking });
              setSeeking(null);
            }}
            onKeyUp={() => {
              if (seeking !== null) send({ kind: "seek", position_ms: seeking });
              setSeeking(null);
            }}
          />
          <span className="time">{formatTime(duration)}</span>
        </div>
      </div>
      <div className="now-playing__volume">
        <button
          type="button"
          className="icon-button"
          aria-label={status?.muted ? "Unmute" : "Mute"}
          aria-pressed={status?.muted ?? false}
          disabled={!status}
          onClick={() => send({ kind: "set_muted", muted: !status?.muted })}
        >
          <Icon name="volume" />
        </button>
        <input
          type="range"
          aria-label="Volume"
          min={0}
          max={100}
          value={Math.round(volume * 100)}
          disabled={!status}
          onChange={(event) => send({ kind: "set_volume", volume: Number(event.target.value) / 100 })}
        />
      </div>
    </footer>
  );
}

/** A phone or tablet: its songs are tapped, not clicked. */
function touchScreen(): boolean {
  return typeof window !== "undefined" && typeof window.matchMedia === "function" && window.matchMedia("(pointer: coarse)").matches;
}
