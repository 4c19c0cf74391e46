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

export type Listener = (event: RunEvent) => void;

export class Bus {
  private readonly all: Listener[] = [];
  private readonly named = new Map<EventName, Listener[]>();

  /** Every event, in emit order. Returns the unsubscribe. */
  subscribe(listener: Listener): () => void {
    this.all.push(listener);
    return () => remove(this.all, listener);
  }

  /** One event kind, its payload typed. Returns the unsubscribe. */
  on<K extends EventName>(name: K, listener: (event: EventOf<K>) => void): () => void {
    let list = this.named.get(name);
    if (!list) {
      list = [];
      this.named.set(name, list);
    }
    // Only events named K are delivered to this list (emit looks it up by the event's own name).
    const l = listener as Listener;
    list.push(l);
    const owned = list;
    return () => remove(owned, l);
  }

  emit(event: RunEvent): void {
    for (const l of this.all) l(event);
    const list = this.named.get(event.name);
    if (list) for (const l of list) l(event);
  }
}

function remove(list: Listener[], listener: Listener): void {
  const i = list.indexOf(listener);
  if (i >= 0) list.splice(i, 1);
}
