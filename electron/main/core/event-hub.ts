import { events, type EventName, type EventPayload } from '../../../shared/contract';

type Listener = (event: EventName, payload: unknown) => void;

/** Main-side publisher for contract events; adapters subscribe and forward to their windows. */
export class EventHub {
  private readonly listeners = new Set<Listener>();

  publish<E extends EventName>(event: E, payload: EventPayload<E>): void {
    // Validate on the way out too: a malformed event is a bug here, not something to forward.
    const checked = events[event].payload.parse(payload);
    for (const l of this.listeners) l(event, checked);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
