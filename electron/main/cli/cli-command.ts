/** What a CLI command gets: its arguments and where to write. Exit codes: 0 ok, 1 a check failed, 2 could not run. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readStdin(): Promise<string>;
  /** Asks for a secret on the terminal without echo; null when stdin is not a terminal (absent: never a terminal). */
  promptSecret?(prompt: string): Promise<string | null>;
  /** Asks a question on the terminal (with echo); absent when stdin is not a terminal. */
  ask?(prompt: string): Promise<string | null>;
  env: NodeJS.ProcessEnv;
}

export interface CliCommand {
  /** Words after `arx`, e.g. ['chain', 'verify']. */
  name: readonly string[];
  summary: string;
  usage: string;
  run(args: string[], io: CliIo): Promise<number>;
}

export const EXIT_OK = 0;
export const EXIT_CHECK_FAILED = 1;
export const EXIT_CANNOT_RUN = 2;
