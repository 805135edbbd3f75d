import { ArxFailure } from '../../../shared/contract';
import type { Handlers } from '../core/registry';
import type { OperatorAuth } from './operator-auth';
import { noReader } from './reader-hints';

type CardHandlerNames =
  | 'card.readers'
  | 'card.certificates'
  | 'card.precheck'
  | 'card.login'
  | 'card.session'
  | 'card.lock'
  | 'card.unlock'
  | 'card.logout';

/** The contract's card commands over OperatorAuth; a module that cannot load is reported, not thrown. */
export function createCardHandlers(auth: () => OperatorAuth): Pick<Handlers, CardHandlerNames> {
  return {
    'card.readers': async () => {
      try {
        const readers = await auth().readers();
        if (readers.length > 0) return { module: 'ready' as const, code: null, detail: '', readers };
        return { module: 'ready' as const, ...noReader(), readers };
      } catch (err) {
        if (err instanceof ArxFailure && err.code === 'CARD_MODULE_UNAVAILABLE')
          return {
            module: 'unavailable' as const,
            code: 'CARD_MODULE_UNAVAILABLE' as const,
            detail: err.message,
            readers: [],
          };
        throw err;
      }
    },
    'card.certificates': (req) => auth().certificates(req.slot),
    'card.precheck': async (req) => ({ problem: await auth().precheck(req.slot, req.certificateId) }),
    'card.login': (req) => auth().login(req),
    'card.session': () => auth().session(),
    'card.lock': () => auth().lock('user'),
    'card.unlock': (req) => auth().unlock(req.pin),
    'card.logout': async () => {
      await auth().logout();
      return { loggedOut: true as const };
    },
  };
}
