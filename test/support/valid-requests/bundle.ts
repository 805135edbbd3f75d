import type { RequestOf } from '../../../shared/contract';
import type { bundleCommands } from '../../../shared/contract/domains/bundle';

/** One valid request per command of shared/contract/domains/bundle.ts (see ../valid-requests.ts). */
export const BUNDLE_SAMPLES: { [N in keyof typeof bundleCommands]: RequestOf<N> } = {
  'bundle.export': {
    tenant: 'alpha-command',
    from: 0,
    to: 99,
    review: null,
    pin: '123456',
    out: null,
    encryptTo: [],
    recipientFiles: [],
    recoveryKey: null,
    recoveryKeyFile: null,
  },
  'bundle.list': {},
  'bundle.open': {
    path: 'example.arxbundle',
    maxEvents: 200,
    trust: null,
    allowUnpinnedGatewayKeys: false,
    card: false,
    kemKeyFile: null,
    recoveryKeyFile: null,
    recoveryPassphrase: null,
  },
};
