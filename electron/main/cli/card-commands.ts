import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { provisionTestCards, registerTestOperators, type RegisteredOperators } from '../card/test-cards';
import { ArxFailure } from '../../../shared/contract';
import { loadConfig, type ArxConfig } from '../config/config';
import { ControlPlane } from '../controlplane/control-plane';
import { resolveTenant } from '../controlplane/tenants';
import { EXIT_OK, type CliCommand } from './cli-command';

/**
 * Test operators (known PINs, roles in every tenant) belong only in the embedded demo: a control
 * plane reached by URL, or one with real trust anchors configured, is refused before anything is
 * made or written.
 */
export function refuseUnlessDemo(config: ArxConfig): void {
  const { mode } = config.controlPlane;
  if (mode === 'none') return;
  if (mode === 'external' || config.card.trustAnchors) {
    throw new ArxFailure(
      'PROVISION_NOT_DEMO',
      `arx card provision-test registers test operators only in the embedded demo control plane (no trust anchors configured); this one is ${mode === 'external' ? 'an on-prem database' : 'configured with trust anchors'}. To make test cards without registering them, run it with ARX_CONTROL_PLANE=none.`,
    );
  }
}

export const cardProvisionTest: CliCommand = {
  name: ['card', 'provision-test'],
  summary:
    'Create the test PKI and SoftHSM2 test cards (EC and RSA, plus revoked/expired/untrusted/wrong-EKU/no-UPN), and register their operators in the embedded demo (refused on any other control plane).',
  usage: 'arx card provision-test [--dir D] [--tenant T] [--json]   (default D: ~/.arx/test-cards; T: every tenant)',
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: { dir: { type: 'string' }, tenant: { type: 'string' }, json: { type: 'boolean' } },
      strict: true,
    });
    const config = loadConfig(io.env);
    refuseUnlessDemo(config);
    const dir = values.dir ?? join(homedir(), '.arx', 'test-cards');
    const result = await provisionTestCards(dir, { onProgress: (l) => !values.json && io.err(l) });

    // Register the operators in the embedded demo's control plane (none configured: the cards only).
    let registered: RegisteredOperators | null = null;
    if (config.controlPlane.mode === 'embedded') {
      const cp = new ControlPlane(
        config,
        () => {},
        (l) => io.env.ARX_DEBUG && io.err(l),
      );
      try {
        await cp.start();
        const admin = cp.requireAdminPool();
        const tenants = values.tenant ? [(await resolveTenant(admin, values.tenant, admin)).id] : undefined;
        registered = await registerTestOperators(admin, result, tenants);
      } finally {
        await cp.stop();
      }
    }

    if (values.json) {
      io.out(JSON.stringify({ ...result, registered }, null, 2));
      return EXIT_OK;
    }
    const lines = [
      `Test cards in ${result.dir} (test data only; PINs shown on purpose).`,
      `  PKCS#11 module:  ${result.module}`,
      `  SOFTHSM2_CONF:   ${result.softhsm2Conf}`,
      `  trust anchors:   ${result.trustAnchors}`,
      `  intermediates:   ${result.intermediates}`,
      `  CRLs:            ${result.crls}`,
      `  policy arc:      ${result.policyArc}`,
      '',
      ...result.cards.map(
        (c) =>
          `  ${c.label.padEnd(20)} ${c.keyType.toUpperCase().padEnd(3)} PIN ${c.pin}  EDIPI ${c.edipi}  ${c.expect ? `refused: ${c.expect}` : 'valid'}  PIV Auth sha256 ${c.certificates[0]!.sha256.slice(0, 16)}…`,
      ),
      '',
      registered
        ? `Registered ${registered.operators} operators, ${registered.certificates} certificates and ${registered.grants} role grants in ${registered.tenants.length} tenant(s)${registered.tenants.length ? '' : ' (no tenants yet: run again after creating one to grant roles)'}.`
        : 'No control plane configured (ARX_CONTROL_PLANE=none): operators not registered.',
      `Use: export SOFTHSM2_CONF=${result.softhsm2Conf}`,
    ];
    io.out(lines.join('\n'));
    return EXIT_OK;
  },
};
