import type { CommandName, RequestOf } from '../../shared/contract';
import { POLICY_AUTHORING_SAMPLES } from './valid-requests/policy-authoring';
import { POLICY_LIFECYCLE_SAMPLES } from './valid-requests/policy-lifecycle';
import { AUDIT_VERIFY_SAMPLES } from './valid-requests/audit-verify';
import { AUDIT_EXPLORER_SAMPLES } from './valid-requests/audit-explorer';
import { REVIEW_SAMPLES } from './valid-requests/review';
import { CACHE_SAMPLES } from './valid-requests/cache';
import { BUNDLE_SAMPLES } from './valid-requests/bundle';
import { ADMIN_SAMPLES } from './valid-requests/admin';
import { COMPANION_SAMPLES } from './valid-requests/companion';
import { WITNESS_SAMPLES } from './valid-requests/witness';
import { ADMIN_GATEWAY_KEY_SAMPLES } from './valid-requests/admin-gateway-keys';
import { ADMIN_ACCESS_REVIEW_SAMPLES } from './valid-requests/admin-access-review';

/**
 * One valid request per contract command. Typed so that adding a command without a sample here
 * fails the typecheck: the contract tests then mutate each sample field by field.
 */
export const VALID_REQUESTS: { [N in CommandName]: RequestOf<N> } = {
  'app.info': {},
  'session.state': {},
  'session.acknowledgeConsent': { accept: true },
  'status.get': {},
  'controlPlane.retry': {},
  'settings.get': {},
  'card.readers': {},
  'card.certificates': { slot: '0x1' },
  'card.precheck': { slot: '0x1', certificateId: null },
  'card.login': { slot: '0x1', certificateId: null, pin: '123456', confirmFinalTry: false },
  'card.session': {},
  'card.lock': {},
  'card.unlock': { pin: '123456' },
  'card.logout': {},
  ...POLICY_AUTHORING_SAMPLES,
  ...POLICY_LIFECYCLE_SAMPLES,
  ...AUDIT_VERIFY_SAMPLES,
  ...AUDIT_EXPLORER_SAMPLES,
  ...REVIEW_SAMPLES,
  ...CACHE_SAMPLES,
  ...BUNDLE_SAMPLES,
  ...ADMIN_SAMPLES,
  ...COMPANION_SAMPLES,
  ...WITNESS_SAMPLES,
  ...ADMIN_GATEWAY_KEY_SAMPLES,
  ...ADMIN_ACCESS_REVIEW_SAMPLES,
};
