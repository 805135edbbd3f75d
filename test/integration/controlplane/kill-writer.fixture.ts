// Child process for the kill test: appends batches of 200 events forever, printing "ok" after each.
import pg from 'pg';
import { ChainWriter } from '../../../electron/main/controlplane/chain-writer';

const pool = new pg.Pool({ max: 2 });
const w = new ChainWriter(pool, process.env.ARX_TEST_TENANT!, { source: '/arx/gateway/doomed' });
let n = 0;
for (;;) {
  await w.append(
    Array.from({ length: 200 }, () => ({
      type: 'com.arx.cost.recorded' as const,
      data: {
        requestId: `k-${n++}`,
        user: 'u',
        team: 't',
        provider: 'groq',
        model: 'llama-70b',
        costCents: 1,
        promptTokens: 1,
        completionTokens: 1,
      },
    })),
  );
  process.stdout.write('ok\n');
}
