import { existsSync, readdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ArxFailure } from '../../../shared/contract';
import { clusterDirFor, runningPostmaster } from '../controlplane/embedded';
import { EXIT_OK, type CliCommand, type CliIo } from './cli-command';

/** What marks a directory as an ARX data directory: reset removes nothing else. */
const MARKERS = ['embedded-pg.json', 'pg', 'cache', 'demo-card', 'config.json'];

/** The directories `arx reset` would remove for `dataDir`, refusing anything that is not plainly ours or still in use. */
export function resetPlan(dataDir: string): { dataDir: string; clusterDir: string; remove: string[] } {
  const dir = resolve(dataDir);
  const clusterDir = clusterDirFor(dir);
  if (existsSync(dir) && readdirSync(dir).length > 0 && !MARKERS.some((m) => existsSync(resolve(dir, m))))
    throw new ArxFailure(
      'RESET_NOT_A_DATA_DIR',
      `${dir} does not look like an ARX Console data directory (none of ${MARKERS.join(', ')}): nothing was removed.`,
      { dataDir: dir },
    );
  const holder = runningPostmaster(clusterDir);
  if (holder !== null)
    throw new ArxFailure(
      'DB_IN_USE',
      `The embedded database of ${dir} is running (process ${holder}): close the console or arx command using it first.`,
      { dataDir: dir, clusterDir, pid: holder },
    );
  return { dataDir: dir, clusterDir, remove: [clusterDir, dir].filter((d) => existsSync(d)) };
}

async function confirmed(io: CliIo, yes: boolean, what: string[]): Promise<boolean> {
  if (yes) return true;
  if (!io.ask)
    throw new ArxFailure('RESET_NOT_CONFIRMED', 'Not confirmed: run it on a terminal to be asked, or pass --yes.');
  const answer = await io.ask(
    `This deletes ${what.join(' and ')}, with every draft, cached item and the embedded control plane's data. Type "reset" to confirm: `,
  );
  return answer?.trim() === 'reset';
}

export const resetCommand: CliCommand = {
  name: ['reset'],
  summary: 'Remove a data directory and the embedded database it owns (asks first, or --yes).',
  usage: 'arx reset --data-dir DIR [--yes]',
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: { 'data-dir': { type: 'string' }, yes: { type: 'boolean' } },
      strict: true,
    });
    if (!values['data-dir'])
      throw new ArxFailure('INVALID_REQUEST', 'Name the data directory: arx reset --data-dir DIR', {
        path: 'data-dir',
      });
    const plan = resetPlan(values['data-dir']);
    if (plan.remove.length === 0) {
      io.out(`Nothing to remove: neither ${plan.dataDir} nor ${plan.clusterDir} exists.`);
      return EXIT_OK;
    }
    if (!(await confirmed(io, values.yes === true, plan.remove)))
      throw new ArxFailure('RESET_NOT_CONFIRMED', 'Not confirmed: nothing was removed.');
    for (const d of plan.remove) {
      rmSync(d, { recursive: true, force: true });
      io.out(`removed ${d}`);
    }
    return EXIT_OK;
  },
};
