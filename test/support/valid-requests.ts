import type { CommandName, RequestOf } from '../../shared/contract';

/**
 * One valid request per contract command. Typed so that adding a command without a sample here
 * fails the typecheck: the contract tests then mutate each sample field by field.
 */
export const VALID_REQUESTS: { [N in CommandName]: RequestOf<N> } = {
  'app.info': {},
  'session.state': {},
  'session.acknowledgeConsent': { accept: true },
  'status.get': {},
  'settings.get': {},
  'card.readers': {},
  'card.certificates': { slot: '0x1' },
  'card.login': { slot: '0x1', certificateId: null, pin: '123456', confirmFinalTry: false },
  'card.session': {},
  'card.lock': {},
  'card.unlock': { pin: '123456' },
  'card.logout': {},
};
