import { z } from 'zod';
import { OperatorSessionSchema, StatusSchema } from './commands';
import { auditExplorerEvents } from './domains/audit-explorer';
import { auditVerifyEvents } from './domains/audit-verify';
import { bundleEvents } from './domains/bundle';
import { cacheEvents } from './domains/cache';
import { companionEvents } from './domains/companion';
import { policyAuthoringEvents } from './domains/policy-authoring';
import { policyLifecycleEvents } from './domains/policy-lifecycle';
import { reviewEvents } from './domains/review';
import { witnessEvents } from './domains/witness';

/** Events that main pushes to the renderer. Same rule as commands: one table, every adapter derived. */
export const events = {
  'status.changed': { payload: StatusSchema, summary: 'The control-plane or card state changed.' },
  'session.changed': { payload: OperatorSessionSchema.nullable(), summary: 'Login, lock, unlock or logout.' },
  ...policyAuthoringEvents,
  ...policyLifecycleEvents,
  ...auditVerifyEvents,
  ...auditExplorerEvents,
  ...reviewEvents,
  ...cacheEvents,
  ...companionEvents,
  ...bundleEvents,
  ...witnessEvents,
} as const satisfies Record<string, { payload: z.ZodType; summary: string }>;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<N extends EventName> = z.output<Events[N]['payload']>;
export const EVENT_NAMES = Object.keys(events) as EventName[];
export const isEventName = (name: unknown): name is EventName =>
  typeof name === 'string' && Object.prototype.hasOwnProperty.call(events, name);
