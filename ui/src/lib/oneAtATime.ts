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
