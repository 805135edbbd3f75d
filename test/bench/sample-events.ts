import type { NewEvent } from '../../electron/main/controlplane/chain-writer';
import { compileEngine, requestEvents, simulatorDirectory } from '../../electron/main/simulator/simulate';
import { Rng } from '../../electron/main/simulator/population';
import { gatewayTraffic } from '../../electron/main/simulator/traffic';

/**
 * The benches' sample of gateway traffic (seed 3, 2,000 requests over 14 days from 1 Nov 2026,
 * decided by the default policy): the same events in every bench that cycles them into a chain,
 * so their figures compare.
 */
export function sampleGatewayEvents(): NewEvent[] {
  const engine = compileEngine();
  const dir = simulatorDirectory(3);
  const rng = new Rng(99);
  const out: NewEvent[] = [];
  for (const req of gatewayTraffic({ seed: 3, start: new Date('2026-11-01T00:00:00Z'), spanDays: 14, requests: 2000 }))
    out.push(...requestEvents(req, engine, dir, rng));
  return out;
}
