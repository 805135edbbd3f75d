import type { AppInfo } from '../../../shared/contract';
import { StartupProblem } from '../app/StartupProblem';
import { ConsoleShell } from '../shell/ConsoleShell';
import { TenantPicker } from '../tenant/TenantPicker';
import { TenantProvider } from '../tenant/tenant-context';
import { LockScreen } from './LockScreen';
import { LoginScreen } from './LoginScreen';
import { OperatorActions } from './OperatorActions';
import { SessionProblem } from './SessionProblem';
import { useOperatorSession } from './use-operator-session';

/**
 * After the notice: the login screen until main reports an operator session, the lock screen
 * while it is locked (the shell is not rendered then), and the console otherwise.
 */
export function OperatorGate({ info, acknowledgedAt }: { info: AppInfo; acknowledgedAt: string | null }) {
  const [session, setSession, reload] = useOperatorSession();
  if (session.state === 'loading') return <StartupProblem error={null} />;
  // Not StartupProblem: that one says app.info failed, and app.info did answer.
  if (session.state === 'error') return <SessionProblem info={info} error={session.error} onRetry={reload} />;
  const s = session.value;
  if (!s) return <LoginScreen info={info} onLoggedIn={setSession} />;
  if (s.locked) return <LockScreen info={info} session={s} onChanged={setSession} />;
  return (
    // Keyed by operator: the next operator at the workstation starts from their own tenant.
    <TenantProvider key={s.operatorId} session={s}>
      <ConsoleShell
        info={info}
        acknowledgedAt={acknowledgedAt}
        operator={
          <>
            <TenantPicker />
            <OperatorActions session={s} onChanged={setSession} />
          </>
        }
      />
    </TenantProvider>
  );
}
