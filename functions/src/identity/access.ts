import type { AppRole } from './appRoles';

/**
 * Who may call an HTTP function, declared in its definition. Only `roles` and `user` take a bearer
 * token; the others are anonymous to the platform and prove themselves another way.
 */
export type Access =
  /** Anyone. Every public function is listed, with its reason, in docs/features/identity.md. */
  | { readonly kind: 'public'; readonly reason: string }
  /** A device, by the SAS token IoT Hub checks when the message is forwarded. */
  | { readonly kind: 'deviceSas' }
  /** Twilio, by the request's X-Twilio-Signature. */
  | { readonly kind: 'twilioSignature' }
  /** A token carrying any one of these app roles. */
  | { readonly kind: 'roles'; readonly anyOf: readonly AppRole[] }
  /**
   * The app user named by the route's `{username}`, with a user token whose subject claimed it
   * (the handler checks the claim), or a caller with `Users.Manage`.
   */
  | { readonly kind: 'user' }
  /**
   * Anyone signed in, operator or app user. The handler scopes what it returns to the caller (a
   * room's state only to its members).
   */
  | { readonly kind: 'signedIn' };
