import * as cedar from '../../../electron/main/policy/cedar-node';
import { expect } from 'vitest';
import {
  compilePolicySet,
  type CompileOptions,
  type GatewayRequest,
  type PolicyEngine,
  type PolicyResult,
} from '../../../shared/policy';

/** Tests run under Node: the nodejs build reads its .wasm with fs, nothing is fetched. */
export { cedar };

export function unwrap<T>(r: PolicyResult<T>): T {
  if (!r.ok) expect.fail(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

export const compile = (text: string, options?: CompileOptions): PolicyEngine =>
  unwrap(compilePolicySet(cedar, text, options));

/** A weekday, working hours in New York (UTC-5): 09:15 local on Tuesday 2025-03-04. */
export const baseRequest: GatewayRequest = {
  requestId: 'req-1',
  user: 'bob',
  team: 'operations',
  provider: 'anthropic',
  model: 'claude-sonnet-4',
  classification: 'cui',
  jurisdiction: 'US',
  purpose: 'summarise',
  promptTokens: 1200,
  estimatedCostCents: 40,
  time: '2025-03-04T14:15:00Z',
  utcOffsetMinutes: -300,
};
