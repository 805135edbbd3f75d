import { utilityProcess } from 'electron';
import type { ChildLauncher } from '../workers/child-process';

/**
 * The card module's process under Electron: a utility process (the RunAsNode fuse is off, so
 * `child_process.fork` of the Electron binary would start a second console). Chromium ends it
 * when the browser process dies; the child also watches its parent (workers/child-serve.ts).
 */
export const utilityProcessLauncher: ChildLauncher = (spawn) => {
  const child = utilityProcess.fork(spawn.script, [], {
    env: spawn.env,
    execArgv: spawn.execArgv,
    stdio: ['ignore', 'ignore', 'inherit'],
    serviceName: spawn.name,
  });
  return {
    get pid() {
      return child.pid;
    },
    send: (message) => child.postMessage(message),
    onMessage: (listener) => void child.on('message', listener),
    onExit: (listener) => void child.once('exit', (code) => listener(`exit code ${code}`)),
    kill: () => {
      // SIGKILL, which a process blocked in native code cannot delay; kill() sends SIGTERM.
      if (child.pid === undefined || !signal(child.pid)) child.kill();
    },
    // The app's lifetime is Electron's, not the event loop's.
    ref: () => {},
    unref: () => {},
  };
};

function signal(pid: number): boolean {
  try {
    process.kill(pid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}
