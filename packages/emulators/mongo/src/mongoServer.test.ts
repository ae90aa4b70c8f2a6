import {
  type CommandStartedEvent,
  type Document,
  MongoClient,
  MongoServerError,
  ObjectId,
} from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningMongo, startMongoServer } from './mongoServer';
import { earthRadiusMeters } from './state/aggregation';

// These tests speak to the stand-in only through the official driver, as fieldline does.
let server: RunningMongo;
let client: MongoClient;
const commands: CommandStartedEvent[] = [];
beforeAll(async () => {
  server = await startMongoServer(0);
  client = new MongoClient(server.uri, { monitorCommands: true, serverSelectionTimeoutMS: 2000 });
  client.on('commandStarted', (event) => commands.push(event));
  await client.connect();
});
afterAll(async () => {
  await client?.close();
  await server?.stop();
});

let sequence = 0;
// biome-ignore lint/suspicious/noExplicitAny: each test stores its own shapes
const collection = <T extends Document = any>() => client.db().collection<T>(`c${++sequence}`);
const degreesNorth = (metres: number) => (metres / earthRadiusMeters) * (180 / Math.PI);

describe('the MongoDB stand-in, through the official driver', () => {
  it('completes the handshake and answers hello, ping and buildInfo', async () => {
    const admin = client.db('admin');
    expect(await admin.command({ ping: 1 })).toMatchObject({ ok: 1 });
    expect(await admin.command({ hello: 1 })).toMatchObject({ isWritablePrimary: true, ok: 1 });
    expect((await admin.command({ buildInfo: 1 })).version).toMatch(/^\d+\.\d+/);
    // A second client connecting afresh goes through the legacy OP_QUERY handshake again.
    const other = new MongoClient(server.uri);
    await other.connect();
    expect(await other.db().collection('x').countDocuments()).toBe(0);
    await other.close();
  });

  it('inserts, finds with filters, projection, sort, skip and limit, updates and deletes', async () => {
    const people = collection<{
      name: string;
      age?: number;
      tags: string[];
      address?: { city: string };
    }>();
    await people.insertMany([
      { name: 'ada', age: 36, tags: ['math', 'poetry'], address: { city: 'London' } },
      { name: 'alan', age: 41, tags: ['math', 'running'], address: { city: 'Wilmslow' } },
      { name: 'grace', age: 85, tags: ['navy'], address: { city: 'New York' } },
      { name: 'kurt', age: 71, tags: [] },
    ]);
    const names = async (filter: object, options = {}) =>
      (await people.find(filter, { projection: { _id: 0, name: 1 }, ...options }).toArray()).map(
        (d) => d.name,
      );
    expect(await names({ tags: 'math' })).toEqual(['ada', 'alan']);
    expect(await names({ age: { $gte: 41, $lt: 85 } })).toEqual(['alan', 'kurt']);
    expect(await names({ 'address.city': { $in: ['London', 'New York'] } })).toEqual([
      'ada',
      'grace',
    ]);
    expect(await names({ address: { $exists: false } })).toEqual(['kurt']);
    expect(
      await names({ name: { $nin: ['ada', 'kurt'] }, $or: [{ age: 41 }, { tags: 'navy' }] }),
    ).toEqual(['alan', 'grace']);
    expect(await names({}, { sort: { age: -1 }, skip: 1, limit: 2 })).toEqual(['kurt', 'alan']);
    expect(await people.findOne({ name: 'ada' }, { projection: { tags: 0, address: 0 } })).toEqual({
      _id: expect.any(ObjectId),
      name: 'ada',
      age: 36,
    });

    const updated = await people.updateMany(
      { tags: 'math' },
      { $inc: { age: 1 }, $addToSet: { tags: { $each: ['math', 'logic'] } } },
    );
    expect(updated).toMatchObject({ matchedCount: 2, modifiedCount: 2 });
    expect(await people.findOne({ name: 'ada' })).toMatchObject({
      age: 37,
      tags: ['math', 'poetry', 'logic'],
    });
    await people.updateOne(
      { name: 'kurt' },
      { $push: { tags: { $each: ['a', 'b', 'c'], $slice: -2 } }, $unset: { age: '' } },
    );
    expect(await people.findOne({ name: 'kurt' }, { projection: { _id: 0 } })).toEqual({
      name: 'kurt',
      tags: ['b', 'c'],
    });
    // A numeric path part indexes into an array.
    await people.updateOne({ name: 'kurt' }, { $set: { 'tags.1': 'z', 'tags.0': 'y' } });
    expect((await people.findOne({ name: 'kurt' }))?.tags).toEqual(['y', 'z']);
    await people.updateOne({ name: 'kurt' }, { $set: { tags: ['b', 'c'] } });
    // `{_id: 1}` alone includes only the id.
    const kurt = await people.findOne({ name: 'kurt' }, { projection: { _id: 1 } });
    expect(Object.keys(kurt ?? {})).toEqual(['_id']);
    const upserted = await people.updateOne(
      { name: 'edsger' },
      { $set: { age: 72 }, $setOnInsert: { tags: [] } },
      { upsert: true },
    );
    expect(upserted.upsertedId).toBeInstanceOf(ObjectId);
    expect(await people.findOne({ name: 'edsger' }, { projection: { _id: 0 } })).toEqual({
      name: 'edsger',
      age: 72,
      tags: [],
    });
    const after = await people.findOneAndUpdate(
      { name: 'grace' },
      { $set: { age: 86 } },
      { returnDocument: 'after' },
    );
    expect(after?.age).toBe(86);
    expect(await people.countDocuments({ age: { $gt: 40 } })).toBe(3);
    expect(await people.estimatedDocumentCount()).toBe(5);
    expect((await people.deleteMany({ age: { $gt: 80 } })).deletedCount).toBe(1);
    expect((await people.deleteOne({ name: 'nobody' })).deletedCount).toBe(0);
  });

  it('serves large results through cursors: getMore batches, and killCursors on an early close', async () => {
    const numbers = collection();
    await numbers.insertMany(Array.from({ length: 250 }, (_, n) => ({ n })));
    commands.length = 0;
    const all = await numbers.find({}, { batchSize: 40, sort: { n: 1 } }).toArray();
    expect(all.map((d) => d.n)).toEqual(Array.from({ length: 250 }, (_, n) => n));
    expect(commands.filter((c) => c.commandName === 'getMore')).toHaveLength(6);

    const cursor = numbers.find({}, { batchSize: 10 });
    await cursor.next();
    await cursor.close();
    expect(commands.at(-1)?.commandName).toBe('killCursors');
    const killed = await client.db().command({
      killCursors: numbers.collectionName,
      cursors: [commands.at(-1)?.command.cursors[0]],
    });
    expect(killed.cursorsNotFound).toHaveLength(1); // already gone
  });

  it('creates indexes idempotently and enforces unique ones with E11000', async () => {
    const users = collection();
    const spec = [{ key: { username: 1 }, name: 'username_1', unique: true }];
    await users.createIndexes(spec);
    await users.createIndexes(spec);
    expect((await users.listIndexes().toArray()).map((i) => i.name)).toEqual([
      '_id_',
      'username_1',
    ]);
    await users.insertOne({ username: 'ada' });
    const duplicate = await users.insertOne({ username: 'ada' }).catch((e: unknown) => e);
    expect(duplicate).toBeInstanceOf(MongoServerError);
    expect(duplicate).toMatchObject({
      code: 11000,
      message: expect.stringContaining('username_1 dup key'),
    });
    await users.insertOne({ username: 'alan' });
    const clash = await users
      .updateOne({ username: 'alan' }, { $set: { username: 'ada' } })
      .catch((e: unknown) => e);
    expect(clash).toMatchObject({ code: 11000 });
    expect(await users.countDocuments({ username: 'alan' })).toBe(1);
    const byId = await users
      .insertOne({ _id: 'same' as never })
      .then(() => users.insertOne({ _id: 'same' as never, username: 'x' }))
      .catch((e: unknown) => e);
    expect(byId).toMatchObject({ code: 11000 });

    const conflicting = await users
      .createIndex({ email: 1 }, { name: 'username_1' })
      .catch((e: unknown) => e);
    expect(conflicting).toMatchObject({ codeName: 'IndexKeySpecsConflict' });
    const dupes = collection();
    await dupes.insertMany([{ k: 1 }, { k: 1 }]);
    expect(
      await dupes.createIndex({ k: 1 }, { unique: true }).catch((e: unknown) => e),
    ).toMatchObject({ code: 11000 });
  });

  it('runs $geoNear with spherical distances in metres, then $project, $match, $sort and $limit', async () => {
    const places = collection();
    await places.createIndex({ location: '2dsphere' });
    const at = (metres: number) => ({
      type: 'Point',
      coordinates: [10, 45 + degreesNorth(metres)],
    });
    await places.insertMany([
      { name: 'far', location: at(2000), tags: ['a', 'b'] },
      { name: 'edge', location: at(999), tags: ['a', 'b'] },
      { name: 'near', location: at(100), tags: ['a'] },
      { name: 'mid', location: at(500), tags: ['a', 'b', 'c'] },
      { name: 'nowhere', tags: ['a', 'b'] },
    ]);
    const found = await places
      .aggregate([
        {
          $geoNear: {
            near: { type: 'Point', coordinates: [10, 45] },
            distanceField: 'metres',
            maxDistance: 1000,
            spherical: true,
            query: { name: { $ne: 'mid' } },
          },
        },
        {
          $project: {
            _id: 0,
            name: 1,
            metres: 1,
            shared: { $size: { $setIntersection: ['$tags', { $literal: ['b', 'c'] }] } },
          },
        },
        { $match: { shared: { $gte: 0 } } },
        { $sort: { shared: -1, metres: 1 } },
        { $limit: 5 },
      ])
      .toArray();
    expect(found.map((d) => d.name)).toEqual(['edge', 'near']);
    expect(found[0]?.metres).toBeCloseTo(999, 6);
    expect(found[0]?.shared).toBe(1);
    // 1 degree of longitude on the equator: the radius MongoDB uses, times pi/180.
    const equator = collection();
    await equator.createIndex({ p: '2dsphere' });
    await equator.insertOne({ p: { type: 'Point', coordinates: [1, 0] } });
    const [one] = await equator
      .aggregate([
        {
          $geoNear: {
            near: { type: 'Point', coordinates: [0, 0] },
            distanceField: 'd',
            spherical: true,
          },
        },
      ])
      .toArray();
    expect(one?.d).toBeCloseTo((earthRadiusMeters * Math.PI) / 180, 3);
  });

  it('rejects what a real server rejects: $geoNear without a 2dsphere index, and bad GeoJSON', async () => {
    const plain = collection();
    await plain.insertOne({ location: { type: 'Point', coordinates: [0, 0] } });
    const noIndex = await plain
      .aggregate([
        { $geoNear: { near: { type: 'Point', coordinates: [0, 0] }, distanceField: 'd' } },
      ])
      .toArray()
      .catch((e: unknown) => e);
    expect(noIndex).toMatchObject({ message: expect.stringContaining('2dsphere index') });
    await plain.createIndex({ location: '2dsphere' });
    const bad = await plain
      .insertOne({ location: { type: 'Point', coordinates: [200, 0] } })
      .catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: 16755 });
  });

  it('names whatever it does not support, as a MongoDB error', async () => {
    const things = collection();
    await things.insertOne({ a: 1 });
    const errorOf = (promise: Promise<unknown>) =>
      promise.then(
        () => undefined,
        (e: unknown) => e as MongoServerError,
      );
    expect(await errorOf(client.db().command({ mapReduce: 'things' }))).toMatchObject({
      code: 59,
      message: expect.stringContaining("no such command: 'mapReduce'"),
    });
    expect(
      await errorOf(
        things.aggregate([{ $lookup: { from: 'x', as: 'y', pipeline: [] } }]).toArray(),
      ),
    ).toMatchObject({ message: expect.stringContaining("'$lookup'") });
    expect(await errorOf(things.find({ a: { $where: 'true' } }).toArray())).toMatchObject({
      message: expect.stringContaining('$where'),
    });
    expect(await errorOf(things.updateOne({ a: 1 }, { $rename: { a: 'b' } }))).toMatchObject({
      message: expect.stringContaining('$rename'),
    });
    expect(
      await errorOf(things.aggregate([{ $project: { x: { $centerSphere: [] } } }]).toArray()),
    ).toMatchObject({ message: expect.stringContaining('$centerSphere') });
  });
});
