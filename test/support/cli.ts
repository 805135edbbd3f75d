import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const CLI_MAIN = join(process.cwd(), 'electron/main/cli/main.ts');

export interface CliRun {
  code: number | null;
  out: string;
  err: string;
}

/** `arx` in a process of its own, as a terminal runs it; `env` is read at each run (tests fill it in beforeAll). */
export function cliRunner(env: () => Record<string, string>) {
  return (args: string[], opts: { env?: Record<string, string>; input?: string } = {}): CliRun => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', CLI_MAIN, ...args], {
      env: { ...env(), ...opts.env },
      input: opts.input ?? '',
      encoding: 'utf8',
      timeout: 180_000,
    });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
}
