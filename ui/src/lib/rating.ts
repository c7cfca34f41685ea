// Ratings as the user sees them: whole stars, one to five. The library keeps 0 to 100 and the
// cloud keeps whole stars, 20 per star, so a rating set here is always a multiple of 20.

/** What one star is worth in a track's 0..100 rating. */
export const STAR = 20;

/** A track's rating in whole stars, 0 when it has none. */
export function starsOf(rating: number | null): number {
  if (rating === null) return 0;
  return Math.max(0, Math.min(5, Math.round(rating / STAR)));
}

/** "1 star", "4 stars". */
export function starsLabel(stars: number): string {
  return stars === 1 ? "1 star" : `${stars} stars`;
}

/** "★★★★☆", for the eye (screen readers get `starsLabel`). */
export function starsText(stars: number): string {
  return "★".repeat(stars) + "☆".repeat(5 - stars);
}
