/**
 * Reads a secret (the card PIN) from a terminal without echo. Hand-written on purpose: it is a few
 * lines over Node's raw mode, and a dependency for it would see the PIN. The terminal's input is
 * taken in raw mode (no echo, no line editing by the terminal), so this handles Enter, Backspace,
 * Ctrl-U (erase the line), Ctrl-C and Ctrl-D (abort); raw mode is restored on every outcome.
 */

export interface TtyInput {
  isTTY?: boolean;
  setRawMode?(raw: boolean): unknown;
  isRaw?: boolean;
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  on(event: 'end' | 'close', listener: () => void): unknown;
  off(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  off(event: 'end' | 'close', listener: () => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

export interface TtyOutput {
  write(text: string): unknown;
}

export class PromptAborted extends Error {}

/** True when `input` is an interactive terminal whose echo can be switched off. */
export const canPrompt = (input: TtyInput): boolean => input.isTTY === true && typeof input.setRawMode === 'function';

/** Asks `prompt` on `output` (stderr: stdout may be a pipe) and resolves with the line typed, echoing nothing. */
export function promptHidden(input: TtyInput, output: TtyOutput, prompt: string, maxLength = 64): Promise<string> {
  if (!canPrompt(input)) return Promise.reject(new Error('not a terminal'));
  return new Promise((resolve, reject) => {
    const wasRaw = input.isRaw === true;
    let value = '';
    const finish = (err: Error | null) => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('close', onEnd);
      input.setRawMode!(wasRaw);
      input.pause();
      output.write('\n');
      if (err) reject(err);
      else resolve(value);
      value = '';
    };
    const onEnd = () => finish(new PromptAborted('the terminal closed before the PIN was entered'));
    const onData = (chunk: Buffer | string) => {
      const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      for (const ch of text) {
        if (ch === '\r' || ch === '\n') return finish(null);
        if (ch === '\u0003') return finish(new PromptAborted('cancelled (Ctrl-C)'));
        if (ch === '\u0004') return finish(new PromptAborted('cancelled (Ctrl-D)'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch === '\u0015') value = '';
        else if (ch >= ' ' && value.length < maxLength) value += ch;
      }
    };
    // Echo off before the prompt shows: nothing typed after the prompt can be echoed.
    input.setRawMode!(true);
    output.write(prompt);
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('close', onEnd);
    input.resume();
  });
}
