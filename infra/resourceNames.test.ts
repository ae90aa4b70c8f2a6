import { describe, expect, it } from 'vitest';
import { resourceNames, stableSuffix } from './resourceNames';

describe('resourceNames', () => {
  it('gives the longest stage names that still fit every limit', () => {
    const names = resourceNames('abcdefghij', stableSuffix('sub', 'abcdefghij'));
    expect(names.storageAccount).toMatch(/^[a-z0-9]{3,24}$/);
    expect(names.keyVault.length).toBeLessThanOrEqual(24);
    expect(names.keyVault).toMatch(/^[a-z][a-z0-9-]*[a-z0-9]$/);
    expect(names.cosmosAccount.length).toBeLessThanOrEqual(44);
  });

  it('is stable for a subscription and stage, and differs across them', () => {
    expect(stableSuffix('sub-1', 'dev')).toBe(stableSuffix('sub-1', 'dev'));
    expect(stableSuffix('sub-1', 'dev')).not.toBe(stableSuffix('sub-2', 'dev'));
    expect(stableSuffix('sub-1', 'dev')).toMatch(/^[a-z0-9]{6}$/);
  });
});
