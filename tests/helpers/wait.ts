/** Polls `cond` until it holds; fails with what it waited for. No sleeps in tests, only this. */
export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`waitFor: condition not met within ${timeoutMs} ms: ${cond.toString().slice(0, 200)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
