// Playlist position keys, as `crates/protocol/src/position.rs` mints them: a base-62 fraction
// after an implied "0.", never ending in 0, so string order is playlist order and there is a
// key between any two. The server parses every key it is sent; this is the same arithmetic,
// so an entry placed in the browser lands where the desktop would have put it.

const DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BASE = DIGITS.length;
/** The longest key the server accepts. */
export const MAX_LEN = 64;
/** Past this length a playlist is re-spaced instead (as the desktop does). */
export const RESPACE_LEN = 24;

const digitsOf = (key: string) => [...key].map((c) => DIGITS.indexOf(c));
const keyOf = (digits: readonly number[]) => digits.map((d) => DIGITS[d]).join("");

export function isKey(text: string): boolean {
  return text.length > 0 && text.length <= MAX_LEN && [...text].every((c) => DIGITS.includes(c)) && !text.endsWith("0");
}

function midpoint(a: readonly number[], b: readonly number[] | null): number[] {
  if (b) {
    let shared = 0;
    while (shared < b.length && (a[shared] ?? 0) === b[shared]) shared++;
    if (shared > 0) return [...b.slice(0, shared), ...midpoint(a.slice(shared), b.slice(shared))];
  }
  const digitA = a[0] ?? 0;
  const digitB = b?.[0] ?? BASE;
  if (digitB - digitA > 1) return [Math.ceil((digitA + digitB) / 2)];
  if (b && b.length > 1) return [b[0] as number];
  return [digitA, ...midpoint(a.slice(1), null)];
}

/** A key after `before` and before `after` (null: open), or null when none fits. */
export function between(before: string | null, after: string | null): string | null {
  const upper = after !== null && (before === null || after > before) ? after : null;
  const digits = midpoint(before ? digitsOf(before) : [], upper ? digitsOf(upper) : null);
  return digits.length > MAX_LEN ? null : keyOf(digits);
}

/** `count` keys spread evenly over the whole range: a re-spaced playlist. */
export function spread(count: number): string[] {
  const slots = BigInt(count + 1);
  const base = BigInt(BASE);
  let width = 1;
  while (base ** BigInt(width) < slots * 2n) width++;
  const range = base ** BigInt(width);
  const keys: string[] = [];
  for (let i = 1n; i < slots; i++) {
    let value = (i * range) / slots;
    const digits = new Array<number>(width).fill(0);
    for (let d = width - 1; d >= 0; d--) {
      digits[d] = Number(value % base);
      value /= base;
    }
    while (digits.at(-1) === 0) digits.pop();
    keys.push(keyOf(digits));
  }
  return keys;
}

/** Keys for `count` entries inserted before index `at` of `existing` (list order), and the
 * entries that must move to make room (none unless the playlist is re-spaced). */
export function place(existing: readonly string[], at: number, count: number): { inserted: string[]; moved: [number, string][] } {
  const index = Math.max(0, Math.min(at, existing.length));
  let before = index > 0 ? (existing[index - 1] ?? null) : null;
  const after = existing[index] ?? null;
  const disordered = before !== null && after !== null && before >= after;
  if (!disordered) {
    const inserted: string[] = [];
    for (let i = 0; i < count; i++) {
      const key = between(before, after);
      if (key === null || key.length > RESPACE_LEN) break;
      inserted.push(key);
      before = key;
    }
    if (inserted.length === count) return { inserted, moved: [] };
  }
  const keys = spread(existing.length + count);
  const inserted = keys.slice(index, index + count);
  const moved: [number, string][] = [];
  existing.forEach((key, i) => {
    const fresh = keys[i < index ? i : i + count] as string;
    if (fresh !== key) moved.push([i, fresh]);
  });
  return { inserted, moved };
}
