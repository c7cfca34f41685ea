// A song's rating as five stars: click a star to give that many, click the current one to
// clear the rating. Each star is a button (Tab, then Enter or Space); the chosen one is
// pressed, so screen readers say the rating and that pressing it again takes it away.
import { STAR, starsLabel, starsOf } from "../lib/rating";
import { Icon } from "./Icon";

export function StarRating({ rating, onRate, label = "Rating", disabled = false }: {
  /** 0..100, or null for none. */
  rating: number | null;
  /** The new rating: 20 per star, or null to clear it. */
  onRate: (rating: number | null) => void;
  label?: string;
  disabled?: boolean;
}) {
  const stars = starsOf(rating);
  return (
    <span className="stars" role="group" aria-label={label} data-stars={stars}>
      {[1, 2, 3, 4, 5].map((n) => (
        <button
          key={n}
          type="button"
          className={`stars__star${n <= stars ? " is-on" : ""}`}
          aria-label={starsLabel(n)}
          aria-pressed={n === stars}
          title={n === stars ? "Clear the rating" : `Rate ${starsLabel(n)}`}
          disabled={disabled}
          onClick={() => onRate(n === stars ? null : n * STAR)}
        >
          <Icon name="star" size={16} />
        </button>
      ))}
    </span>
  );
}
