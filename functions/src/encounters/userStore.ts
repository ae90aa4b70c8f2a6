import type { Collection, Document } from 'mongodb';
import { AppError } from '../host/appError';
import { collectionNames } from '../settings/settingNames';
import type { Database } from '../storage/mongoDatabase';
import type { EncounterUser, GeoPoint, PhoneStatus, ProfileInput } from './encounterUser';
import { userLimits } from './encounterUser';

/** A candidate found for a user, as the matcher ranks them. */
export interface Match {
  readonly username: string;
  readonly screenName: string;
  readonly sharedInterests: number;
  readonly distanceMeters: number;
}

/** Users never accumulate more remembered matches than this; the oldest are forgotten first. */
export const maxMatchHistory = 1000;

/** Matching needs at least this many shared interests, as the seed required. */
export const minSharedInterests = 2;

/** The `users` collection: profiles, locations, encounter settings and match history. */
export class UserStore {
  constructor(private readonly database: Database) {}

  private async users(): Promise<Collection<EncounterUser>> {
    return (await this.database()).collection<EncounterUser>(collectionNames.users);
  }

  /**
   * Creates or updates a profile; a new user starts opted out, with a clean phone status. The
   * first write claims the username for `claim.owner`; after that only the owner (or, with
   * `anyOwner`, a back end acting for users) may write it, and anyone else gets 409.
   */
  async putProfile(
    username: string,
    profile: ProfileInput,
    now: Date,
    claim: { readonly owner: string; readonly anyOwner: boolean },
  ): Promise<EncounterUser> {
    const users = await this.users();
    const existing = await users.findOne({ username }, { projection: { phone: 1, owner: 1 } });
    if (!claim.anyOwner) {
      // Made before sign-in existed: nobody may take it over until an administrator names its owner.
      if (existing && typeof existing.owner !== 'string')
        throw new AppError(
          'forbidden',
          `user ${username} has no owner yet: an administrator (Users.Manage) assigns it with PUT /api/users/${username}/owner`,
        );
      // One username per account; back ends acting for many users (Users.Manage) are exempt.
      const other = await users.findOne(
        { owner: claim.owner, username: { $ne: username } },
        { projection: { _id: 0, username: 1 } },
      );
      if (other)
        throw new AppError(
          'conflict',
          `this account already has the username ${String(other.username)}: one username per account`,
        );
    }
    // A changed number gets a fresh chance at delivery; the same number keeps its status.
    const phoneChanged = existing !== null && existing.phone !== profile.phone;
    // One conditional upsert: when someone else owns the name, the filter misses, the upsert's
    // insert meets the unique username index, and the duplicate-key error becomes 409.
    const filter = claim.anyOwner ? { username } : { username, owner: claim.owner };
    const user = await users
      .findOneAndUpdate(
        filter,
        {
          $set: {
            ...profile,
            updatedAt: now,
            // A new number is unverified until a code sent to it comes back.
            ...(phoneChanged ? { phoneStatus: 'ok' as const, phoneVerified: false } : {}),
            ...(claim.anyOwner ? {} : { owner: claim.owner }),
          },
          $setOnInsert: {
            ...(claim.anyOwner ? { owner: claim.owner } : {}),
            username,
            encounter: {
              enabled: false,
              radiusMeters: userLimits.defaultRadiusMeters,
              queuedWindow: 0,
            },
            matchHistory: [],
            ...(phoneChanged ? {} : { phoneStatus: 'ok' as const, phoneVerified: false }),
            createdAt: now,
          },
        },
        { upsert: true, returnDocument: 'after', projection: { _id: 0, owner: 0 } },
      )
      .catch((error: unknown) => {
        if ((error as { code?: unknown }).code === 11000)
          throw new AppError('conflict', `the username ${username} is taken; choose another`);
        throw error;
      });
    return user as EncounterUser;
  }

  /** Gives an existing user an owner (an issuer-qualified subject): the administrator's unlock. */
  async assignOwner(username: string, owner: string): Promise<boolean> {
    const result = await (await this.users()).updateOne({ username }, { $set: { owner } });
    return result.matchedCount > 0;
  }

  /** Who claimed `username` (an issuer-qualified subject); `null` if unclaimed, `undefined` if no such user. */
  async ownerOf(username: string): Promise<string | null | undefined> {
    const user = await (await this.users()).findOne(
      { username },
      { projection: { _id: 0, owner: 1 } },
    );
    if (!user) return undefined;
    return typeof user.owner === 'string' ? user.owner : null;
  }

  /**
   * Opt-out is kept per phone number, not per user: a number that sent STOP stays opted out
   * whichever user lists it, until it sends START.
   */
  async setOptOut(phone: string, optedOut: boolean, now: Date): Promise<void> {
    const optOuts = (await this.database()).collection<{ _id: string; at: Date }>(
      collectionNames.smsOptOuts,
    );
    if (optedOut) await optOuts.updateOne({ _id: phone }, { $set: { at: now } }, { upsert: true });
    else await optOuts.deleteOne({ _id: phone });
    await this.setPhoneStatus(
      phone,
      optedOut ? 'opted_out' : 'ok',
      optedOut ? undefined : 'opted_out',
    );
  }

  async isOptedOut(phone: string): Promise<boolean> {
    const optOuts = (await this.database()).collection<{ _id: string }>(collectionNames.smsOptOuts);
    return (await optOuts.findOne({ _id: phone })) !== null;
  }

  async setLocation(username: string, location: GeoPoint, now: Date): Promise<EncounterUser> {
    return this.updateExisting(username, {
      $set: { location, 'encounter.locationUpdatedAt': now, updatedAt: now },
    });
  }

  async setEncounter(
    username: string,
    settings: { enabled: boolean; radiusMeters?: number },
    now: Date,
  ): Promise<EncounterUser> {
    return this.updateExisting(username, {
      $set: {
        'encounter.enabled': settings.enabled,
        ...(settings.radiusMeters === undefined
          ? {}
          : { 'encounter.radiusMeters': settings.radiusMeters }),
        updatedAt: now,
      },
    });
  }

  private async updateExisting(username: string, update: Document): Promise<EncounterUser> {
    const user = await (await this.users()).findOneAndUpdate({ username }, update, {
      returnDocument: 'after',
      projection: { _id: 0, owner: 0 },
    });
    if (!user)
      throw new AppError(
        'not_found',
        `no user ${username}; create it with PUT /api/users/${username}`,
      );
    return user as EncounterUser;
  }

  async get(username: string): Promise<EncounterUser | undefined> {
    return (
      (await (await this.users()).findOne({ username }, { projection: { _id: 0 } })) ?? undefined
    );
  }

  /** Sets the delivery status of every user with this number; returns how many changed. */
  async setPhoneStatus(
    phone: string,
    status: PhoneStatus,
    onlyFrom?: PhoneStatus,
  ): Promise<number> {
    const result = await (await this.users()).updateMany(
      { phone, ...(onlyFrom ? { phoneStatus: onlyFrom } : { phoneStatus: { $ne: status } }) },
      { $set: { phoneStatus: status } },
    );
    return result.modifiedCount;
  }

  /**
   * Claims every opted-in user with a location updated since `freshSince` that has not been queued
   * in `window`, by one conditional update that stamps them with `runId`. A second run in the
   * same window (a timer that fired twice, or another instance) finds nothing left to claim.
   */
  async claimDue(window: number, runId: string, freshSince: Date): Promise<number> {
    const result = await (await this.users()).updateMany(
      {
        'encounter.enabled': true,
        'encounter.locationUpdatedAt': { $gte: freshSince },
        'encounter.queuedWindow': { $lt: window },
      },
      { $set: { 'encounter.queuedWindow': window, 'encounter.queuedBy': runId } },
    );
    return result.modifiedCount;
  }

  /** The usernames a run claimed, in pages of `pageSize`. */
  async *claimed(window: number, runId: string, pageSize: number): AsyncGenerator<string[]> {
    const cursor = (await this.users()).find(
      { 'encounter.queuedBy': runId, 'encounter.queuedWindow': window },
      { projection: { _id: 0, username: 1 }, batchSize: pageSize },
    );
    let page: string[] = [];
    for await (const user of cursor) {
      page.push(user.username);
      if (page.length === pageSize) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
  }

  /** Gives a claim back (its message could not be queued), so that the next run retries it. */
  async releaseClaim(username: string, window: number, runId: string): Promise<void> {
    await (await this.users()).updateOne(
      { username, 'encounter.queuedBy': runId, 'encounter.queuedWindow': window },
      { $set: { 'encounter.queuedWindow': window - 1 } },
    );
  }

  /**
   * One `$geoNear` aggregation: people within the user's radius who are opted in with a fresh
   * location, are not the user, are not in the user's match history, and share at least two
   * interests; ranked by shared interests, then distance.
   */
  async findMatches(
    user: EncounterUser,
    options: { limit: number; freshSince: Date },
  ): Promise<Match[]> {
    if (!user.location) return [];
    const interests = [...user.interests];
    const pipeline: Document[] = [
      {
        $geoNear: {
          near: user.location,
          distanceField: 'distanceMeters',
          // A radius stored before the minimum rose is read as the minimum.
          maxDistance: Math.max(user.encounter.radiusMeters, userLimits.minRadiusMeters),
          spherical: true,
          query: {
            'encounter.enabled': true,
            'encounter.locationUpdatedAt': { $gte: options.freshSince },
            username: { $nin: [user.username, ...user.matchHistory] },
            interests: { $in: interests },
          },
        },
      },
      {
        $project: {
          _id: 0,
          username: 1,
          screenName: 1,
          distanceMeters: 1,
          // $literal: interests are user text, and one starting with "$" must not read as a path.
          sharedInterests: { $size: { $setIntersection: ['$interests', { $literal: interests }] } },
        },
      },
      { $match: { sharedInterests: { $gte: minSharedInterests } } },
      { $sort: { sharedInterests: -1, distanceMeters: 1 } },
      { $limit: options.limit },
    ];
    return (await this.users()).aggregate<Match>(pipeline).toArray();
  }

  async matchHistory(username: string): Promise<readonly string[]> {
    const user = await (await this.users()).findOne(
      { username },
      { projection: { _id: 0, matchHistory: 1 } },
    );
    if (!user) throw new AppError('not_found', `no user ${username}`);
    return user.matchHistory ?? [];
  }

  /**
   * Appends one notification's matches to the history, keeping the newest {@link maxMatchHistory}.
   * The condition makes a repeat (a redelivered message) change nothing: the names are recorded
   * together, so either none or all of them are already there.
   */
  async appendHistory(username: string, matched: readonly string[]): Promise<void> {
    await (await this.users()).updateOne(
      { username, matchHistory: { $nin: [...matched] } },
      { $push: { matchHistory: { $each: [...matched], $slice: -maxMatchHistory } } },
    );
  }
}
