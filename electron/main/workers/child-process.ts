import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fromSource, type WorkerEntry } from './entry';

/**
 * A child process as its parent sees it: one message channel (the IPC pipe of `fork`, or an
 * Electron utility process's port), its exit, and SIGKILL. Nothing else reaches the child: no
 * socket, no stdin, no arguments but its script.
 */
export interface ChildChannel {
  readonly pid: number | undefined;
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called once when the process has ended (exit code, or the signal that ended it). */
  onExit(listener: (why: string) => void): void;
  /** SIGKILL: works while the child is blocked in native code, which SIGTERM handlers and exit do not. */
  kill(): void;
  /** Keep the parent's event loop alive for this child (while a call is pending) or not. */
  ref(): void;
  unref(): void;
}

export interface ChildSpawn {
  /** The script the child runs (a bundled .mjs, or a .ts from source). */
  script: string;
  /** Node options the child needs (from source: the tsx loader). */
  execArgv: string[];
  /** The child's whole environment (nothing is inherited). */
  env: Record<string, string>;
  /** Shown by the OS tools and Electron's process metrics. */
  name: string;
}

/** Starts a child process; `forkChild` under Node, Electron's utility process in the app. */
export type ChildLauncher = (spawn: ChildSpawn) => ChildChannel;

const here = fileURLToPath(import.meta.url);

/** The script and loader options of `entry` as a child process (same layout as worker threads). */
export function childScript(entry: WorkerEntry): Pick<ChildSpawn, 'script' | 'execArgv'> {
  if (!fromSource) return { script: join(dirname(here), entry.bundled), execArgv: [] };
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return { script: fileURLToPath(entry.source), execArgv: ['--import', tsx] };
}

/**
 * `child_process.fork` with structured-clone serialization (Uint8Array crosses as bytes), stdin
 * and stdout closed (a module printing to stdout must not corrupt the CLI's `--json`), stderr
 * shared for the module's own diagnostics.
 */
export const forkChild: ChildLauncher = (spawn) => {
  const child = fork(spawn.script, [], {
    execArgv: spawn.execArgv,
    env: spawn.env,
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  // An IPC write to a child that just died fails asynchronously; its exit is reported on its own.
  child.on('error', () => {});
  return {
    pid: child.pid,
    send: (message) => {
      if (child.connected) child.send(message as never, undefined, undefined, () => {});
    },
    onMessage: (listener) => void child.on('message', listener),
    onExit: (listener) =>
      void child.once('exit', (code, signal) => listener(signal ? `signal ${signal}` : `exit code ${code}`)),
    kill: () => void child.kill('SIGKILL'),
    ref: () => {
      child.ref();
      child.channel?.ref();
    },
    unref: () => {
      child.unref();
      child.channel?.unref();
    },
  };
};
