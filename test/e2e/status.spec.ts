import type { Status } from '../../shared/contract';
import { acknowledgeConsent, expect, test } from './support/console-fixture';

test.describe('status bar', () => {
  test('says "Not connected" when there is no control plane and no card service', async ({ openConsole }) => {
    const { page } = await openConsole();
    await acknowledgeConsent(page);
    const bar = page.getByRole('status', { name: 'Connection status' });
    await expect(bar).toBeVisible();
    // It sits in the page footer, just above the bottom banner.
    await expect(page.getByRole('contentinfo')).toContainText('Control plane');

    const cp = bar.getByRole('group', { name: 'Control plane' });
    await expect(cp).toContainText('Control plane: Not connected');
    await expect(cp).toContainText('No control plane configured');
    await expect(cp).toContainText('mode: none');
    const card = bar.getByRole('group', { name: 'Card' });
    await expect(card).toContainText('Card: Not connected');
    await expect(card).toContainText('No operator logged in');
    // Never pretends: no "Connected" state, no "Logged in".
    await expect(bar).not.toContainText(/:\s*Connected/);
    await expect(bar).not.toContainText('Logged in');

    const barBox = (await bar.boundingBox())!;
    const bottomBanner = (await page
      .getByRole('note', { name: /^Classification/ })
      .last()
      .boundingBox())!;
    expect(Math.round(barBox.y + barBox.height)).toBeLessThanOrEqual(Math.round(bottomBanner.y));
  });

  test('follows status.changed from main, word for word', async ({ openConsole }) => {
    const { page, services } = await openConsole();
    await acknowledgeConsent(page);
    const bar = page.getByRole('status', { name: 'Connection status' });
    await expect(bar).toContainText('Control plane: Not connected');

    const unreachable: Status = {
      controlPlane: {
        state: 'unreachable',
        mode: 'external',
        detail: 'The control-plane database is unreachable: connection refused',
      },
      card: { state: 'no-card', detail: 'Reader present, no card inserted' },
    };
    services.hub.publish('status.changed', unreachable);
    await expect(bar.getByRole('group', { name: 'Control plane' })).toContainText('Control plane: Unreachable');
    await expect(bar).toContainText('connection refused');
    await expect(bar.getByRole('group', { name: 'Card' })).toContainText('Card: No card');

    services.hub.publish('status.changed', {
      controlPlane: { state: 'connected', mode: 'external', detail: 'db.arx.local:5432/arx' },
      card: { state: 'locked', detail: 'PIN blocked after too many attempts' },
    });
    await expect(bar.getByRole('group', { name: 'Control plane' })).toContainText('Control plane: Connected');
    await expect(bar).toContainText('db.arx.local:5432/arx');
    await expect(bar.getByRole('group', { name: 'Card' })).toContainText('Card: Locked');
  });
});
