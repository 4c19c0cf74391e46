/**
 * The stdout of a long-running command (`trader run`, `trader ingest`): a closed pipe
 * (`trader run | head`, a log shipper that exits) stops the echo and nothing else — the process
 * goes on with its feed, its files and, for ingest, every shard's data.
 */
export interface OperatorStdout {
  /** Writes `text` (masked) while stdout is open; nothing once it closed. */
  say(text: string): void;
  /** At the end of the command: later writes (main's final flush) must not throw on a closed pipe either. */
  close(): void;
}

export function operatorStdout(redact: (text: string) => string): OperatorStdout {
  let open = true;
  const onError = (): void => {
    open = false;
  };
  process.stdout.on('error', onError);
  return {
    say: (text) => {
      if (open && !process.stdout.destroyed) process.stdout.write(redact(text));
    },
    close: () => {
      process.stdout.off('error', onError);
      if (!open) process.stdout.on('error', () => undefined);
    },
  };
}
