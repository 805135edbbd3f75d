import { commands, type CommandName, type RequestOf, type ResponseOf } from '../../../shared/contract';
import type { DomainDeps } from '../../../electron/main/handlers/domain-deps';
import { createPolicyAuthoringHandlers } from '../../../electron/main/policy/authoring-handlers';

type AuthoringCommand = 'policy.validate' | 'policy.format' | 'policy.templates' | 'policy.test';

const handlers = createPolicyAuthoringHandlers({} as DomainDeps);

/**
 * Calls an authoring handler the way the registry does: the request through the contract's schema
 * first, and the answer checked against the response schema (a handler that answers outside its
 * contract fails the test, not the user).
 */
export async function call<N extends AuthoringCommand & CommandName>(
  name: N,
  request: RequestOf<N>,
): Promise<ResponseOf<N>> {
  const req = commands[name].request.parse(request);
  const handler = handlers[name] as (r: unknown, ctx: never) => unknown;
  const res = await handler(req, undefined as never);
  return commands[name].response.parse(res) as ResponseOf<N>;
}
