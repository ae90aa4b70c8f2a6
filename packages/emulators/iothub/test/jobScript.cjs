// A back end written only against azure-iothub: schedules a twin-update job with JobClient, waits
// for it to finish, and prints its status and statistics. Run with IOTHUB_CONNECTION_STRING,
// NODE_EXTRA_CA_CERTS naming the local CA, a job id and a query condition.
const { JobClient } = require('azure-iothub');

async function main() {
  const [jobId, condition] = process.argv.slice(2);
  const jobs = JobClient.fromConnectionString(process.env.IOTHUB_CONNECTION_STRING);
  await jobs.scheduleTwinUpdate(jobId, condition, {
    etag: '*',
    properties: { desired: { sampleIntervalSeconds: 15 } },
  });
  for (;;) {
    const { jobStatus: result } = await jobs.getJob(jobId);
    if (['completed', 'failed', 'cancelled'].includes(result.status)) {
      console.log(
        JSON.stringify({ status: result.status, statistics: result.deviceJobStatistics }),
      );
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

main().catch((error) => {
  console.error(`${error.name}: ${error.message}`);
  process.exit(1);
});
