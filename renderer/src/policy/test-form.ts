import type { PolicyTest } from '../../../shared/contract/domains/policy-lifecycle';
import { DEMO_DIRECTORY } from '../../../shared/policy/demo-directory';
import { testFromGatewayRequest } from '../../../shared/policy/policy-tests';

export interface TestForm {
  name: string;
  user: string;
  team: string;
  model: string;
  classification: string;
  jurisdiction: string;
  cost: number;
  tokens: number;
  time: string;
  justification: string;
  decision: 'permit' | 'deny';
  determining: string[];
}

export const directoryUsers = Object.keys(DEMO_DIRECTORY.users);
export const directoryModels = Object.keys(DEMO_DIRECTORY.models);
export const teamsOf = (user: string): string[] => [...(DEMO_DIRECTORY.users[user]?.teams ?? [])];

export function emptyForm(): TestForm {
  return {
    name: '',
    user: directoryUsers[0]!,
    team: teamsOf(directoryUsers[0]!)[0]!,
    model: directoryModels[0]!,
    classification: 'internal',
    jurisdiction: 'US',
    cost: 50,
    tokens: 1000,
    time: '2025-03-04T14:15:00Z',
    justification: '',
    decision: 'permit',
    determining: [],
  };
}

/** The Cedar test for a filled form, or the message saying what is wrong with it. */
export function testFromForm(
  f: TestForm,
  taken: Set<string>,
): { ok: true; test: PolicyTest } | { ok: false; message: string } {
  const name = f.name.trim();
  if (!name) return { ok: false, message: 'Give the test a name.' };
  if (taken.has(name)) return { ok: false, message: `A test is already named “${name}”.` };
  const [provider, ...rest] = f.model.split('/');
  const made = testFromGatewayRequest(
    name,
    {
      user: f.user,
      team: f.team,
      provider: provider as never,
      model: rest.join('/'),
      classification: f.classification as never,
      jurisdiction: f.jurisdiction,
      purpose: 'policy-test',
      promptTokens: f.tokens,
      estimatedCostCents: f.cost,
      time: f.time,
      utcOffsetMinutes: -300,
      ...(f.justification.trim() ? { breakGlass: { justification: f.justification } } : {}),
    },
    DEMO_DIRECTORY,
    { decision: f.decision, ...(f.determining.length ? { determiningPolicies: f.determining } : {}) },
  );
  if (!made.ok) return { ok: false, message: made.error.message };
  return { ok: true, test: made.value as PolicyTest };
}
