import { AppError } from '../host/appError';
import { freeTextProblem } from '../host/freeText';

export type PhoneStatus = 'ok' | 'invalid' | 'opted_out';

export interface GeoPoint {
  readonly type: 'Point';
  /** [longitude, latitude], GeoJSON order. */
  readonly coordinates: readonly [number, number];
}

/** A user as the `users` collection holds it. */
export interface EncounterUser {
  readonly username: string;
  readonly screenName: string;
  /** E.164, e.g. +447700900123. */
  readonly phone: string;
  readonly interests: readonly string[];
  readonly location?: GeoPoint;
  readonly encounter: {
    readonly enabled: boolean;
    readonly radiusMeters: number;
    readonly locationUpdatedAt?: Date;
    /** The last scheduler window this user was queued in, claimed by a conditional update. */
    readonly queuedWindow?: number;
    readonly queuedBy?: string;
  };
  /** Usernames this user has already been told about; they are never matched again. */
  readonly matchHistory: readonly string[];
  readonly phoneStatus: PhoneStatus;
  /** True once a code sent to the phone came back (PhoneVerification); match SMS need it. */
  readonly phoneVerified?: boolean;
  /** The issuer-qualified token subject that claimed the username; never returned by the API. */
  readonly owner?: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export const userLimits = {
  maxInterests: 20,
  maxInterestLength: 40,
  maxScreenNameLength: 50,
  /**
   * No finer than the step distances are rounded to (`distanceStepMeters`, 250 m): with a smaller
   * radius, probe accounts on a grid would locate someone to the radius, whatever the rounding.
   */
  minRadiusMeters: 250,
  maxRadiusMeters: 50_000,
  defaultRadiusMeters: 1_000,
} as const;

const usernamePattern = /^[a-z0-9_]{3,30}$/;
const e164Pattern = /^\+[1-9]\d{7,14}$/;

/** A username from a route: 3-30 lower-case letters, digits or underscores. */
export function readUsername(raw: string | undefined): string {
  const username = (raw ?? '').trim().toLowerCase();
  if (!usernamePattern.test(username))
    throw new AppError(
      'validation_failed',
      'username must be 3-30 characters: letters, digits or underscores',
    );
  return username;
}

export interface ProfileInput {
  readonly screenName: string;
  readonly phone: string;
  readonly interests: string[];
}

export function readProfile(body: unknown): ProfileInput {
  const value = asObject(body);
  const screenName = typeof value.screenName === 'string' ? value.screenName.trim() : '';
  if (screenName.length < 1 || screenName.length > userLimits.maxScreenNameLength)
    throw invalid(`screenName must be 1-${userLimits.maxScreenNameLength} characters`);
  const unprintable = freeTextProblem('screenName', screenName);
  if (unprintable) throw invalid(unprintable);
  if (typeof value.phone !== 'string' || !e164Pattern.test(value.phone))
    throw invalid('phone must be an E.164 number such as +447700900123');
  if (!Array.isArray(value.interests)) throw invalid('interests must be an array of strings');
  if (value.interests.length > userLimits.maxInterests)
    throw invalid(`interests may hold at most ${userLimits.maxInterests} entries`);
  const interests: string[] = [];
  for (const interest of value.interests) {
    if (typeof interest !== 'string' || interest.trim() === '')
      throw invalid('each interest must be a non-empty string');
    const normalised = interest.trim().toLowerCase();
    if (normalised.length > userLimits.maxInterestLength)
      throw invalid(`each interest must be at most ${userLimits.maxInterestLength} characters`);
    if (!interests.includes(normalised)) interests.push(normalised);
  }
  return { screenName, phone: value.phone, interests };
}

export function readLocation(body: unknown): GeoPoint {
  const value = asObject(body);
  const { lat, lng } = value;
  if (typeof lat !== 'number' || !Number.isFinite(lat) || lat < -90 || lat > 90)
    throw invalid('lat must be a number from -90 to 90');
  if (typeof lng !== 'number' || !Number.isFinite(lng) || lng < -180 || lng > 180)
    throw invalid('lng must be a number from -180 to 180');
  return { type: 'Point', coordinates: [lng, lat] };
}

export function readEncounterSettings(body: unknown): { enabled: boolean; radiusMeters?: number } {
  const value = asObject(body);
  if (typeof value.enabled !== 'boolean') throw invalid('enabled must be true or false');
  if (value.radiusMeters === undefined) return { enabled: value.enabled };
  const radius = value.radiusMeters;
  if (
    typeof radius !== 'number' ||
    !Number.isFinite(radius) ||
    radius < userLimits.minRadiusMeters ||
    radius > userLimits.maxRadiusMeters
  )
    throw invalid(
      `radiusMeters must be a number from ${userLimits.minRadiusMeters} to ${userLimits.maxRadiusMeters}`,
    );
  return { enabled: value.enabled, radiusMeters: radius };
}

function asObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw invalid('body must be a JSON object');
  return body as Record<string, unknown>;
}

function invalid(message: string): AppError {
  return new AppError('validation_failed', message);
}

/** The SMS text, as the seed worded it. */
export function matchMessage(screenName: string, usernames: readonly string[]): string {
  return `${screenName}, we've found matches for you: ${usernames.map((u) => `@${u}`).join(', ')}!`;
}
