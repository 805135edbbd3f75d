import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import type { ArxConfig } from '../config/config';
import {
  enrolMissingTestLogins,
  provisionTestCards,
  registerTestOperators,
  SOFTHSM2_MODULE,
  type ProvisionedTestCards,
} from '../card/test-cards';
import { DEMO_CARD_SPECS } from './demo-policy';

/**
 * The demo card of the embedded default: SoftHSM2 test tokens (`arx card provision-test`) under
 * the data directory, their test PKI as the trust anchors, and their operators enrolled in the
 * demo tenants. Used only when no trust anchors are configured and SoftHSM2 is installed; the
 * configuration in memory is pointed at it (module, anchors, CRLs, the test policy arc).
 */
export async function prepareDemoCard(
  config: ArxConfig,
  admin: pg.Pool,
  log: (line: string) => void,
): Promise<ProvisionedTestCards | null> {
  if (config.card.trustAnchors || !existsSync(SOFTHSM2_MODULE)) return null;
  const dir = join(config.dataDir, 'demo-card');
  const saved = join(dir, 'test-cards.json');
  let cards: ProvisionedTestCards;
  if (existsSync(saved)) {
    cards = JSON.parse(readFileSync(saved, 'utf8')) as ProvisionedTestCards;
    const enrolled = await enrolMissingTestLogins(admin, cards);
    if (enrolled) log(`demo card: enrolled ${enrolled} operator database login(s)`);
  } else {
    cards = await provisionTestCards(dir, { specs: DEMO_CARD_SPECS, onProgress: log });
    await registerTestOperators(admin, cards);
  }
  // SoftHSM2 reads its configuration from the environment of the process that loads the module.
  process.env.SOFTHSM2_CONF = cards.softhsm2Conf;
  config.card.module = cards.module;
  config.card.trustAnchors = cards.trustAnchors;
  config.card.intermediates = cards.intermediates;
  config.card.crls = cards.crls;
  // In place: the login policy holds this very array.
  config.card.policyArcs.splice(0, config.card.policyArcs.length, cards.policyArc);
  return cards;
}
