import { createHmac, timingSafeEqual } from 'node:crypto';

// The hub's side of SAS: parse and verify, never sign. Clients sign with their own code (the
// app's `sasToken`, or the Azure SDKs), so one mistake cannot pass on both sides.

/** `base64(HMAC-SHA256(key, urlencode(resourceUri) + "\n" + expiry))`, as IoT Hub documents it. */
function sasSignature(encodedResourceUri: string, expiry: number, base64Key: string): string {
  return createHmac('sha256', Buffer.from(base64Key, 'base64'))
    .update(`${encodedResourceUri}\n${expiry}`)
    .digest('base64');
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
