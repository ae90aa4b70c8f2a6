import { createHmac, timingSafeEqual } from 'node:crypto';
import { parseConnectionString } from '@fieldline/emulator-kit';

/** The parts of an IoT Hub connection string that fieldline uses. */
export interface IotHubConnectionString {
  readonly hostName: string;
  readonly sharedAccessKeyName?: string;
  readonly sharedAccessKey: string;
  readonly deviceId?: string;
}

/** Parses `HostName=...;SharedAccessKeyName=...;SharedAccessKey=...` (or `DeviceId=...` for a device). */
export function parseIotHubConnectionString(connectionString: string): IotHubConnectionString {
  const fields = parseConnectionString(connectionString, {
    kind: 'an IoT Hub',
    required: ['HostName', 'SharedAccessKey'],
    example: 'HostName=...;SharedAccessKeyName=...;SharedAccessKey=...',
  });
  const hostName = fields.get('hostname') as string;
  const sharedAccessKey = fields.get('sharedaccesskey') as string;
  const keyName = fields.get('sharedaccesskeyname');
  const deviceId = fields.get('deviceid');
  return {
    hostName,
    sharedAccessKey,
    ...(keyName ? { sharedAccessKeyName: keyName } : {}),
    ...(deviceId ? { deviceId } : {}),
  };
}

/** `base64(HMAC-SHA256(key, urlencode(resourceUri) + "\n" + expiry))`, as IoT Hub documents it. */
export function sasSignature(
  encodedResourceUri: string,
  expiry: number,
  base64Key: string,
): string {
  return createHmac('sha256', Buffer.from(base64Key, 'base64'))
    .update(`${encodedResourceUri}\n${expiry}`)
    .digest('base64');
}

/**
 * A `SharedAccessSignature sr=...&sig=...&se=...[&skn=...]` token for a resource such as
 * `myhub.azure-devices.net/devices/dev-1` (device) or `myhub.azure-devices.net` (service policy).
 */
export function createSasToken(options: {
  resourceUri: string;
  key: string;
  policyName?: string;
  expiresAt: number;
}): string {
  const sr = encodeURIComponent(options.resourceUri);
  const sig = encodeURIComponent(sasSignature(sr, options.expiresAt, options.key));
  const skn = options.policyName ? `&skn=${encodeURIComponent(options.policyName)}` : '';
  return `SharedAccessSignature sr=${sr}&sig=${sig}&se=${options.expiresAt}${skn}`;
}

export interface ParsedSasToken {
  /** The resource URI, decoded. */
  readonly resourceUri: string;
  readonly encodedResourceUri: string;
  readonly signature: string;
  readonly expiry: number;
  readonly policyName?: string;
}

export function parseSasToken(header: string | undefined): ParsedSasToken | undefined {
  const match = /^SharedAccessSignature\s+(.+)$/.exec(header?.trim() ?? '');
  if (!match?.[1]) return undefined;
  const fields = new Map<string, string>();
  for (const pair of match[1].split('&')) {
    const at = pair.indexOf('=');
    if (at > 0) fields.set(pair.slice(0, at), pair.slice(at + 1));
  }
  const sr = fields.get('sr');
  const sig = fields.get('sig');
  const se = Number(fields.get('se'));
  if (!sr || !sig || !Number.isInteger(se)) return undefined;
  const skn = fields.get('skn');
  try {
    return {
      resourceUri: decodeURIComponent(sr),
      encodedResourceUri: sr,
      signature: decodeURIComponent(sig),
      expiry: se,
      ...(skn ? { policyName: decodeURIComponent(skn) } : {}),
    };
  } catch {
    return undefined; // a malformed percent-escape: no token at all
  }
}

/** Constant-time check of a token's signature against one key. */
export function signatureMatches(token: ParsedSasToken, base64Key: string): boolean {
  const expected = Buffer.from(sasSignature(token.encodedResourceUri, token.expiry, base64Key));
  const actual = Buffer.from(token.signature);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
