// The now-playing bar. Until the audio engine is wired in, it shows that nothing is playing
// and its controls are disabled, rather than pretending to work.
import { Icon } from "./Icon";

export function NowPlayingBar() {
  return (
    <footer className="now-playing" aria-label="Now playing">
      <div className="now-playing__track">
        <div className="now-playing__cover" aria-hidden="true">
          <Icon name="note" size={22} />
        </div>
        <div>
          <div className="now-playing__title">Nothing playing</div>
          <div className="now-playing__artist">Choose a song to start listening</div>
        </div>
      </div>
      <div className="now-playing__transport">
        <div className="now-playing__buttons">
          <button type="button" className="icon-button" aria-label="Shuffle" disabled>
            <Icon name="shuffle" />
          </button>
          <button type="button" className="icon-button" aria-label="Previous" disabled>
            <Icon name="previous" />
          </button>
          <button type="button" className="icon-button icon-button--primary" aria-label="Play" disabled>
            <Icon name="play" size={20} />
          </button>
          <button type="button" className="icon-button" aria-label="Next" disabled>
            <Icon name="next" />
          </button>
          <button type="button" className="icon-button" aria-label="Repeat" disabled>
            <Icon name="repeat" />
          </button>
        </div>
        <div className="now-playing__seek">
          <span className="time">0:00</span>
          <input type="range" aria-label="Seek" min={0} max={100} value={0} disabled readOnly />
          <span className="time">0:00</span>
        </div>
      </div>
      <div className="now-playing__volume">
        <Icon name="volume" />
        <input type="range" aria-label="Volume" min={0} max={100} value={80} disabled readOnly />
      </div>
    </footer>
  );
}
