// Calls that must reach what they control in the order they were made, though each answers
// later: the player's controls. "Pause" pressed just after "play all" must not be applied
// before it, whether the shell runs controls where Tauri keeps no order between calls (the
// desktop) or the web player waits on the server for the list to play.

/** `run`, each call started once every call made before it has settled (a failure too). */
export function oneAtATime<A, R>(run: (arg: A) => Promise<R>): (arg: A) => Promise<R> {
  let last: Promise<unknown> = Promise.resolve();
  return (arg) => {
    const call = last.then(() => run(arg));
    last = call.catch(() => undefined);
    return call;
  };
}

/**
 * A queue of changes (a rating, a playlist edit...): each `change` runs once every change made
 * before it has settled, so changes land in the order they were made although the calls that
 * carry them may be answered in any order. A change made of several calls is one `change`.
 */
export function changeQueue(): <T>(change: () => Promise<T>) => Promise<T> {
  const run = oneAtATime((change: () => Promise<unknown>) => change());
  return <T,>(change: () => Promise<T>) => run(change) as Promise<T>;
}
