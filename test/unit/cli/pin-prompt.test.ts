import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { BUNDLE_PIN } from '../../../electron/main/cli/bundle-commands';
import { readPin as readAnyPin } from '../../../electron/main/cli/operator-login';
import type { CliIo } from '../../../electron/main/cli/cli-command';
import { canPrompt, promptHidden, PromptAborted, type TtyInput } from '../../../electron/main/cli/pin-prompt';

/** A terminal stand-in: records raw-mode switches; what is "typed" is emitted as data. */
class FakeTty extends EventEmitter implements TtyInput {
  isTTY = true;
  isRaw = false;
  rawHistory: boolean[] = [];
  setRawMode(raw: boolean) {
    this.isRaw = raw;
    this.rawHistory.push(raw);
    return this;
  }
  resume() {
    return this;
  }
  pause() {
    return this;
  }
  type(text: string) {
    this.emit('data', Buffer.from(text, 'utf8'));
  }
}

const sink = () => {
  const out = { text: '', write: (t: string) => (out.text += t) };
  return out;
};

describe('promptHidden (the CLI PIN prompt)', () => {
  it('reads the line typed in raw mode, echoes nothing of it, and restores the terminal', async () => {
    const tty = new FakeTty();
    const out = sink();
    const p = promptHidden(tty, out, 'Card PIN: ');
    expect(tty.isRaw).toBe(true);
    tty.type('12');
    tty.type('x\u007f34'); // a typo erased with Backspace
    tty.type('56\r');
    await expect(p).resolves.toBe('123456');
    expect(out.text).toBe('Card PIN: \n');
    expect(out.text).not.toContain('1');
    expect(tty.rawHistory).toEqual([true, false]);
    expect(tty.listenerCount('data')).toBe(0);
  });

  it('Ctrl-U erases the line; Ctrl-C and a closed terminal abort, restoring the terminal', async () => {
    const a = new FakeTty();
    const pa = promptHidden(a, sink(), '> ');
    a.type('999\u0015');
    a.type('1234\n');
    await expect(pa).resolves.toBe('1234');
    const b = new FakeTty();
    const pb = promptHidden(b, sink(), '> ');
    b.type('12\u0003');
    await expect(pb).rejects.toBeInstanceOf(PromptAborted);
    expect(b.isRaw).toBe(false);
    const c = new FakeTty();
    const pc = promptHidden(c, sink(), '> ');
    c.emit('end');
    await expect(pc).rejects.toThrow(/closed/);
    expect(c.isRaw).toBe(false);
  });

  it('is not offered when stdin is not a terminal', async () => {
    const pipe = new FakeTty();
    pipe.isTTY = false;
    expect(canPrompt(pipe)).toBe(false);
    await expect(promptHidden(pipe, sink(), '> ')).rejects.toThrow(/not a terminal/);
  });
});

describe('readPin (arx bundle export)', () => {
  const readPin = (io: CliIo, pinStdin: boolean) => readAnyPin(io, pinStdin, BUNDLE_PIN);
  const io = (over: Partial<CliIo>): CliIo => ({
    out: () => {},
    err: () => {},
    env: {},
    readStdin: async () => '',
    ...over,
  });

  it('--pin-stdin first, then ARX_PIN, then the terminal prompt', async () => {
    let asked = 0;
    const promptSecret = async () => {
      asked++;
      return '777777';
    };
    await expect(
      readPin(io({ readStdin: async () => '111111\nrest', env: { ARX_PIN: '222222' }, promptSecret }), true),
    ).resolves.toBe('111111');
    await expect(readPin(io({ env: { ARX_PIN: '222222' }, promptSecret }), false)).resolves.toBe('222222');
    expect(asked).toBe(0);
    await expect(readPin(io({ promptSecret }), false)).resolves.toBe('777777');
    expect(asked).toBe(1);
  });

  it('no terminal and neither --pin-stdin nor ARX_PIN: BUNDLE_PIN_REQUIRED; an empty or aborted entry too', async () => {
    await expect(readPin(io({ promptSecret: async () => null }), false)).rejects.toMatchObject({
      code: 'BUNDLE_PIN_REQUIRED',
    });
    await expect(readPin(io({}), false)).rejects.toMatchObject({
      code: 'BUNDLE_PIN_REQUIRED',
      message: expect.stringContaining('--pin-stdin'),
    });
    await expect(readPin(io({ promptSecret: async () => '' }), false)).rejects.toMatchObject({
      code: 'BUNDLE_PIN_REQUIRED',
    });
    await expect(
      readPin(io({ promptSecret: () => Promise.reject(new PromptAborted('cancelled (Ctrl-C)')) }), false),
    ).rejects.toMatchObject({ code: 'BUNDLE_PIN_REQUIRED' });
    await expect(readPin(io({ readStdin: async () => '' }), true)).rejects.toMatchObject({
      code: 'BUNDLE_PIN_REQUIRED',
    });
  });
});
