import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compilePolicySet, DEFAULT_POLICY_TEXT, DEMO_DIRECTORY, decideGatewayRequest } from '../../../shared/policy';
import { loadCedarWebSync } from '../../../shared/policy/cedar-web';
import { baseRequest, compile, unwrap } from './support';

describe('the web build of Cedar (what the renderer would load)', () => {
  it('instantiates from local bytes and decides exactly like the nodejs build', () => {
    const wasm = readFileSync(new URL('cedar_wasm_bg.wasm', import.meta.resolve('@cedar-policy/cedar-wasm/web')));
    const web = loadCedarWebSync(wasm);
    const viaWeb = unwrap(compilePolicySet(web, DEFAULT_POLICY_TEXT));
    const viaNode = compile(DEFAULT_POLICY_TEXT);
    for (const over of [{}, { user: 'dave' }, { estimatedCostCents: 900, time: '2025-03-08T17:00:00Z' }]) {
      const a = unwrap(decideGatewayRequest(viaWeb, { ...baseRequest, ...over }, DEMO_DIRECTORY));
      const b = unwrap(decideGatewayRequest(viaNode, { ...baseRequest, ...over }, DEMO_DIRECTORY));
      expect(a).toEqual(b);
    }
    expect(web.getCedarVersion()).toMatch(/^4\./);
  });
});
