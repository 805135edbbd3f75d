import { ArxFailure } from '../../shared/contract';
import { runConsole } from './launcher';

runConsole().then(
  (code) => process.exit(code),
  (err) => {
    console.error(
      err instanceof ArxFailure
        ? `${err.code}: ${err.message}`
        : `ARX Console could not start: ${(err as Error).message}`,
    );
    process.exit(2);
  },
);
