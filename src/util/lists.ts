/**
 * Lists that are almost always empty, on the per-event hot path: a step starts with the shared
 * frozen `NONE` and gets its own array only when something is added. Most events are taken,
 * dropped or decided on by nothing, so this saves the arrays (and the 17-slot backing store the
 * first push allocates) that every event would otherwise leave for the young-generation GC.
 * `NONE` is frozen: a push that bypasses `append` throws instead of corrupting every step.
 */
export const NONE: never[] = Object.freeze([]) as never[];

/** `list` with `item` at its end: a new one-element array when `list` is NONE, else `list` itself. */
export function append<T>(list: T[], item: T): T[] {
  if (list === NONE) return [item];
  list.push(item);
  return list;
}
