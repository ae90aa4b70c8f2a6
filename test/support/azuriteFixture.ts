import { afterAll, beforeAll } from 'vitest';
import { type RunningAzurite, startAzurite } from '../../dev/azurite';

/** Starts a private Azurite on free ports for this test file and stops it afterwards. */
export function useAzurite(): () => RunningAzurite {
  let azurite: RunningAzurite | undefined;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(async () => {
    await azurite?.stop();
  });
  return () => {
    if (!azurite) throw new Error('Azurite is not running yet: call inside a test or hook');
    return azurite;
  };
}
