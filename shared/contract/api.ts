import { commands, type CommandName, type RequestOf, type ResponseOf } from './commands';
import type { EventName, EventPayload } from './events';
import type { Result } from './result';

/**
 * The shape of `window.arx`: one named async function per command, grouped by the part before the
 * dot (`arx.status.get({})`), plus `subscribe` for events. Derived from the contract table so that
 * the preload, the Chromium bridge and the renderer can never disagree.
 */
type Split<S extends string> = S extends `${infer A}.${infer B}` ? [A, B] : never;
type Group<N extends CommandName> = Split<N>[0];

export type ArxApi = {
  [G in Group<CommandName>]: {
    [N in CommandName as Split<N>[0] extends G ? Split<N>[1] : never]: (
      request: RequestOf<N>,
    ) => Promise<Result<ResponseOf<N>>>;
  };
} & {
  /** Returns an unsubscribe function. */
  subscribe<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
};

/** Builds the api object from one transport function; used by the preload and the bridge's page script. */
export function buildApi(
  invoke: (name: CommandName, request: unknown) => Promise<Result<unknown>>,
  subscribe: (event: EventName, listener: (payload: unknown) => void) => () => void,
): ArxApi {
  const api: Record<string, unknown> = { subscribe };
  for (const name of Object.keys(commands) as CommandName[]) {
    const [group, method] = name.split('.') as [string, string];
    const target = (api[group] ??= {}) as Record<string, unknown>;
    target[method] = (request: unknown) => invoke(name, request);
  }
  return api as ArxApi;
}
