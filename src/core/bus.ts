/**
 * The typed event bus: components announce what happened (`emit`), and the journal, the run
 * statistics and any later listener (metrics, a status view) subscribe, so none of them has to
 * be threaded through the code that emits. Delivery is synchronous and in subscription order:
 * when `emit` returns, every listener has seen the event — the journal's line is written, and a
 * write failure has already halted trading (journal.ts). A listener's exception reaches the
 * emitter, as a direct call's would. `emit` allocates nothing: the hot path (a decision) costs
 * one loop over the listeners.
 */
import type { EventName, EventOf, RunEvent } from './events.js';

type Listener = (event: RunEvent) => void;

export class Bus {
  // Copy-on-write lists: a listener that unsubscribes (or subscribes) during an emit changes the
  // next emit, never the one in progress.
  private all: readonly Listener[] = [];
  private readonly named = new Map<EventName, readonly Listener[]>();

  /** Every event, in emit order. Returns the unsubscribe. */
  subscribe(listener: Listener): () => void {
    this.all = [...this.all, listener];
    return () => {
      this.all = this.all.filter((l) => l !== listener);
    };
  }

  /** One event kind, its payload typed. Returns the unsubscribe. */
  on<K extends EventName>(name: K, listener: (event: EventOf<K>) => void): () => void {
    // Only events named K are delivered to this list (emit looks it up by the event's own name).
    const l = listener as Listener;
    this.named.set(name, [...(this.named.get(name) ?? []), l]);
    return () => {
      this.named.set(name, (this.named.get(name) ?? []).filter((x) => x !== l));
    };
  }

  emit(event: RunEvent): void {
    for (const l of this.all) l(event);
    const list = this.named.get(event.name);
    if (list) for (const l of list) l(event);
  }
}
