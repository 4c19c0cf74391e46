/**
 * setTimeout for any duration. Node fires a timer longer than 2^31-1 ms (about 24.8 days) at
 * once, which turned `--duration 600h` into an immediate stop; this re-arms in steps no longer
 * than that until the deadline, measured on the monotonic clock, has passed.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

interface LongTimeout {
  cancel(): void;
}

export function setLongTimeout(ms: number, fire: () => void, monotonicNow: () => number = () => performance.now()): LongTimeout {
  const deadline = monotonicNow() + ms;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    const left = deadline - monotonicNow();
    if (left <= 0) {
      timer = undefined;
      fire();
      return;
    }
    timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
  };
  arm();
  return {
    cancel: () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
