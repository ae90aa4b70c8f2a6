import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The host's own keys. HTTP functions do not use keys (each declares who may call it, and tokens
 * prove it); the admin API (`POST /admin/functions/{name}`) takes the master key, and the SignalR
 * extension's webhook (`/runtime/webhooks/signalr`) its system key, `signalr_extension`, as in Azure.
 */
export interface FunctionKeys {
  readonly masterKey: string;
  readonly systemKeys: { readonly signalr_extension: string };
}

const newKey = () => randomBytes(32).toString('base64url');

/** Reads the local keys file, creating it (or the keys it lacks) the first time, like the host's key store. */
export async function loadOrCreateKeys(file: string): Promise<FunctionKeys> {
  let stored: Partial<FunctionKeys> = {};
  try {
    stored = JSON.parse(await readFile(file, 'utf8')) as Partial<FunctionKeys>;
  } catch {
    // Missing or unreadable: make new keys below.
  }
  const usable = (key: unknown): key is string => typeof key === 'string' && key !== '';
  const keys: FunctionKeys = {
    masterKey: usable(stored.masterKey) ? stored.masterKey : newKey(),
    systemKeys: {
      signalr_extension: usable(stored.systemKeys?.signalr_extension)
        ? stored.systemKeys.signalr_extension
        : newKey(),
    },
  };
  if (JSON.stringify(keys) !== JSON.stringify(stored)) {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  }
  return keys;
}

export function generateKeys(): FunctionKeys {
  return { masterKey: newKey(), systemKeys: { signalr_extension: newKey() } };
}

/** Whether the presented key is `expected`, compared in constant time. */
export function isKey(presented: string | undefined, expected: string): boolean {
  if (!presented) return false;
  // Equal-length digests, so neither the comparison nor its length check leaks where they differ.
  const digest = (key: string) => createHash('sha256').update(key).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

/** Whether the presented key is the master key. */
export function isMasterKey(presented: string | undefined, keys: FunctionKeys): boolean {
  return isKey(presented, keys.masterKey);
}
