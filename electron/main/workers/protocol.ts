import type { ArxError } from '../../../shared/contract';

/**
 * The envelope every worker of this module speaks. A request with id 0 is a one-way message (no
 * reply); any other id is answered exactly once, with a value or an ArxError. The worker says
 * `ready` once its start-up (WebAssembly, Cedar, …) is done, or `fatal` if it failed.
 */
export interface Envelope<Req> {
  id: number;
  req: Req;
}

export type WorkerMessage<Res> =
  | { kind: 'ready' }
  | { kind: 'fatal'; error: ArxError }
  | { kind: 'reply'; id: number; ok: true; value: Res }
  | { kind: 'reply'; id: number; ok: false; error: ArxError };
