import type { GatewayDirectory } from './gateway-request';

/**
 * Users, teams and models of the demo, matching the ids the default policies name
 * (templates.ts). Model names and accreditations are invented for the demo.
 */
export const DEMO_DIRECTORY: GatewayDirectory = {
  teams: {
    research: { organisation: 'arx-demo' },
    'intel-analysis': { organisation: 'arx-demo' },
    operations: { organisation: 'arx-demo' },
  },
  users: {
    alice: { clearance: 'secret', breakGlassEligible: true, teams: ['research', 'intel-analysis'] },
    bob: { clearance: 'cui', breakGlassEligible: false, teams: ['operations'] },
    carol: { clearance: 'internal', breakGlassEligible: false, teams: ['research'] },
    dave: { clearance: 'public', breakGlassEligible: false, teams: ['operations'] },
  },
  models: {
    'anthropic/claude-sonnet-4': { maxClassification: 'cui', jurisdictions: ['US'], maxTokensPerRequest: 200_000 },
    'openai/gpt-4o': { maxClassification: 'internal', jurisdictions: ['US', 'IE'], maxTokensPerRequest: 128_000 },
    'google-vertex/gemini-2.5-pro': {
      maxClassification: 'cui',
      jurisdictions: ['US', 'DE'],
      maxTokensPerRequest: 1_000_000,
    },
    'mistral/mistral-large-enclave': {
      maxClassification: 'secret',
      jurisdictions: ['US', 'FR'],
      maxTokensPerRequest: 128_000,
    },
    'groq/llama-3.3-70b': { maxClassification: 'public', jurisdictions: ['US'], maxTokensPerRequest: 32_000 },
  },
};
