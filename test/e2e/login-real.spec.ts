import { expect, saveScreenshot, test } from './support/console-fixture';
import { DEMO_OPERATORS, switchOperator } from './support/demo-console';

/**
 * Operator login for real: the demo control plane (embedded PostgreSQL, demo tenants) and the
 * demo SoftHSM2 cards behind main's card service (pkcs11js in its worker), offline path
 * validation and the operator lookup; the UI is driven as a person drives it.
 */
test.describe('real card login (SoftHSM2, embedded control plane)', () => {
  test('EC card (ADAMS) logs in through the UI; then the RSA card (BAKER) in the same console', async ({ openConsole }) => {
    const { page } = await openConsole({ controlPlane: 'demo', login: 'adams' });
    const operator = page.getByRole('group', { name: 'Operator' });
    await expect(operator).toContainText(`${DEMO_OPERATORS.adams.displayName} (EDIPI 1000000001)`);
    await expect(operator).toContainText('alpha-command: ');
    await saveScreenshot(page, 'login-real-adams');
    await switchOperator(page, 'baker');
    await expect(operator).toContainText(`${DEMO_OPERATORS.baker.displayName} (EDIPI 1000000002)`);
    await saveScreenshot(page, 'login-real-baker');
  });
});
