import { useState, type ReactNode } from 'react';
import type { Result } from '../app/arx-client';
import { SignDialog } from '../signing/SignDialog';

/** One administration change waiting for the card: what the dialog shows and the command it sends. */
export interface SignedAction {
  title: string;
  purpose: string;
  details: readonly (readonly [string, string])[];
  run: (pin: string) => Promise<Result<unknown>>;
  /** After the change was made (e.g. reload the lists, say what happened). */
  done: (value: unknown) => void;
  review?: ReactNode;
}

/** The signing dialog of a panel: `ask` opens it for one change; the PIN stays inside SignDialog. */
export function useSignedAction(): [ReactNode, (a: SignedAction) => void] {
  const [action, setAction] = useState<SignedAction | null>(null);
  const dialog = action && (
    <SignDialog
      opened
      title={action.title}
      purpose={action.purpose}
      details={action.details}
      review={action.review}
      onSign={action.run}
      onSigned={(v) => {
        setAction(null);
        action.done(v);
      }}
      onCancel={() => setAction(null)}
    />
  );
  return [dialog, setAction];
}
