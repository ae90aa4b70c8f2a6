import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The host's own key. HTTP functions do not use keys (each declares who may call it, and tokens
 * prove it); only the admin API (`POST /admin/functions/{name}`) takes the master key, as in Azure.
 */
export interface FunctionKeys {
  readonly masterKey: string;
}

const newKey = () => randomBytes(32).toString('base64url');

/** Reads the local keys file, creating it with a fresh key the first time, like the host's key store. */
export async function loadOrCreateKeys(file: string): Promise<FunctionKeys> {
  try {
    const keys = JSON.parse(await readFile(file, 'utf8')) as Partial<FunctionKeys>;
    if (typeof keys.masterKey === 'string' && keys.masterKey !== '')
      return { masterKey: keys.masterKey };
  } catch {
    // Missing or unreadable: make a new key below.
  }
  const keys = generateKeys();
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  return keys;
}

export function generateKeys(): FunctionKeys {
  return { masterKey: newKey() };
}

/** Whether the presented key is the master key, compared in constant time. */
export function isMasterKey(presented: string | undefined, keys: FunctionKeys): boolean {
  if (!presented) return false;
  // Equal-length digests, so neither the comparison nor its length check leaks where they differ.
  const digest = (key: string) => createHash('sha256').update(key).digest();
  return timingSafeEqual(digest(presented), digest(keys.masterKey));
}
