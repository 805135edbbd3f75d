import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES } from '../../../shared/contract';

describe('contract', () => {
  it('lists commands', () => {
    expect(COMMAND_NAMES).toContain('app.info');
  });
});
