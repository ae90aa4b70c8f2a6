import { sphericalDistanceMeters } from '@fieldline/mongo-emulator';
import { MongoClient } from 'mongodb';
import { startLocalCloud } from '../dev/localCloud';
import { windowOf } from '../functions/src/encounters/encounterScheduler';
import { seededRandom } from '../harness/random';
import { nearCenter, simulatedPerson } from '../simulator/userSimulator';
import { type Benchmark, type BenchmarkFigures, median } from './benchmark';

/** The simulator's people, spread over a disc `radiusKm` across, a share opted in, all fresh. */
function makeUsers(total: number, optedIn: number, radiusKm: number, random: () => number) {
  const now = new Date();
  return Array.from({ length: total }, (_, i) => {
    const { lat, lng } = nearCenter(random, radiusKm * 1000);
    return {
      ...simulatedPerson(i, random),
      location: { type: 'Point', coordinates: [lng, lat] },
      encounter: {
        enabled: i < optedIn,
        radiusMeters: 1000,
        locationUpdatedAt: now,
        queuedWindow: 0,
      },
      matchHistory: [] as string[],
      phoneStatus: 'ok',
      phoneVerified: true,
      createdAt: now,
      updatedAt: now,
    };
  });
}

/**
 * The seed's matcher, as its text describes it: per queue message, connect, query the opted-in
 * users, filter them in the function, close. Used as the same-run baseline for matcher speed.
 */
async function seedLikeMatch(uri: string, username: string): Promise<number> {
  const client = new MongoClient(uri);
  await client.connect();
  try {
    const users = client.db().collection('users');
    const me = await users.findOne({ username });
    if (!me) return 0;
    const others = await users.find({ 'encounter.enabled': true }).toArray();
    return others.filter(
      (other) =>
        other.username !== username &&
        sphericalDistanceMeters(me.location.coordinates, other.location.coordinates) <= 1000 &&
        other.interests.filter((i: string) => me.interests.includes(i)).length >= 2,
    ).length;
  } finally {
    await client.close();
  }
}

/**
 * One full scheduler run over the users (through the local host, as the timer runs it), then the
 * matcher draining the `encounters` queue through the host's queue trigger. The baselines, from
 * the same run: the seed's scheduler queued one user per run (a single output binding value), and
 * its matcher is timed on a sample of the same users.
 */
export const encountersBenchmark: Benchmark = {
  name: 'encounters',
  description:
    'scheduler run and matcher drain over 10,000 users, 1,000 opted in (quick: 1,000 / 100)',
  async run({ quick, rttMs, log }): Promise<BenchmarkFigures> {
    const total = quick ? 1000 : 10_000;
    const optedIn = quick ? 100 : 1000;
    let matcherRuns = 0;
    let queued = 0;
    const stack = await startLocalCloud({
      ...(rttMs === undefined ? {} : { rttMs }),
      // The benchmark runs the scheduler itself, once; the host's own timer would add windows.
      settings: { 'AzureWebJobs.encounterScheduler.Disabled': 'true' },
      log: (line) => {
        if (line.startsWith("Executed 'encounterMatcher' (Succeeded")) matcherRuns++;
        const match = /queued (\d+) users for window/.exec(line);
        if (match) queued += Number(match[1]);
      },
    });
    const uri = stack.endpoints.mongodbUri as string;
    const client = new MongoClient(uri);
    try {
      await client.connect();
      const users = makeUsers(total, optedIn, quick ? 2 : 6, seededRandom(11));
      for (let i = 0; i < users.length; i += 1000)
        await client
          .db()
          .collection('users')
          .insertMany(users.slice(i, i + 1000));
      log(`${total} users, ${optedIn} opted in`);

      const window = windowOf(new Date());
      const scheduleStarted = performance.now();
      await stack.host.invoke('encounterScheduler', '');
      const schedulerMs = performance.now() - scheduleStarted;
      const usersQueuedPerRun = queued;
      const drainStarted = performance.now();
      const deadline = drainStarted + (quick ? 60_000 : 300_000);
      while (matcherRuns < usersQueuedPerRun && performance.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
      const drainSeconds = (performance.now() - drainStarted) / 1000;
      const notifications = await client
        .db()
        .collection('notifications')
        .countDocuments({ window });

      // Baseline: the seed's scheduler sends one message per run however many users opted in.
      const seedQueued = await (async () => {
        let outputQueueItem: string | undefined;
        for await (const user of client
          .db()
          .collection('users')
          .find({ 'encounter.enabled': true }))
          outputQueueItem = user.username; // one output binding value: the last assignment wins
        return outputQueueItem === undefined ? 0 : 1;
      })();
      // Across the same network as the function app, when there is one.
      const baselineUri =
        stack.network && stack.mongo
          ? uri.replace(
              `:${stack.mongo.port}/`,
              `:${await stack.network.route(stack.mongo.port, 'mongodb')}/`,
            )
          : uri;
      const sample = users.slice(0, quick ? 10 : 30).map((u) => u.username);
      const seedTimes: number[] = [];
      for (const username of sample) {
        const started = performance.now();
        await seedLikeMatch(baselineUri, username);
        seedTimes.push(performance.now() - started);
      }
      const seedMatchesPerSecond = 1000 / median(seedTimes);
      const matchesPerSecond = matcherRuns / drainSeconds;
      log(
        `scheduler queued ${usersQueuedPerRun} of ${optedIn} in ${schedulerMs.toFixed(0)} ms; matcher drained ${matcherRuns} in ${drainSeconds.toFixed(1)} s (${notifications} notified)`,
      );
      return {
        users: total,
        optedIn,
        usersQueuedPerRun,
        allQueued: usersQueuedPerRun === optedIn,
        baselineUsersQueuedPerRun: seedQueued,
        schedulerMs: Math.round(schedulerMs),
        matchesPerSecond: Number(matchesPerSecond.toFixed(1)),
        baselineMatchesPerSecond: Number(seedMatchesPerSecond.toFixed(1)),
        matchSpeedup: Number((matchesPerSecond / seedMatchesPerSecond).toFixed(2)),
        notified: notifications,
        drained: matcherRuns >= usersQueuedPerRun,
      };
    } finally {
      await client.close();
      await stack.stop();
    }
  },
};
