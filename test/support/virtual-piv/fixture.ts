/**
 * Shared set-up for tests on the real card stack: the test PKI, virtual PIV cards for the demo
 * operators of `arx card provision-test` (same persons, same CA, software keys), and the pcscd
 * stack they sit in.
 */
import 'reflect-metadata';
import { TEST_CARDS } from '../../../electron/main/card/test-cards';
import { createTestPki, type TestPki } from '../../../electron/main/pki/test-pki';
import { makeVirtualCardData, type VirtualCardData, type VirtualKeyType } from './card-data';
import { startPcscStack, type PcscStack } from './pcsc-stack';

export { OPENSC_MODULE } from './pcsc-stack';

/** A demo operator of TEST_CARDS by its label, with the key type the virtual card should carry. */
export async function demoCard(pki: TestPki, label: string, keyType?: VirtualKeyType): Promise<VirtualCardData> {
  const spec = TEST_CARDS.find((c) => c.label === label);
  if (!spec) throw new Error(`no test card "${label}"`);
  return makeVirtualCardData(pki, { person: spec.person, keyType: keyType ?? spec.keyType, case: spec.case });
}

export interface OpenscFixture {
  pki: TestPki;
  cards: VirtualCardData[];
  stack: PcscStack;
}

/** Starts pcscd with the given demo cards inserted in reader 00 00 and 00 01. */
export async function startOpenscFixture(
  cards: readonly { label: string; keyType?: VirtualKeyType }[],
): Promise<OpenscFixture> {
  const pki = await createTestPki();
  const data = await Promise.all(cards.map((c) => demoCard(pki, c.label, c.keyType)));
  const stack = await startPcscStack(data);
  return { pki, cards: data, stack };
}
