import { createHash } from 'node:crypto';
import { type Caller, ownerKey } from '../identity/caller';

/**
 * Who someone is in rooms: their SignalR user id and member id. A `sub` is unique only within its
 * issuer, and app users may come from a second issuer, so the id is the issuer-qualified subject
 * (`issuer#sub`, as encounters store owners), hashed so that neither the issuer nor the subject
 * shows in what members see of each other.
 */
export function roomUserId(caller: Caller): string {
  return createHash('sha256').update(ownerKey(caller)).digest('base64url').slice(0, 22);
}
