// azure-iothub's Client.invokeDeviceMethod straight to a hub, one call at a time, timed here.
// Run with IOTHUB_CONNECTION_STRING and NODE_EXTRA_CA_CERTS; args: method name, milliseconds
// between calls' starts, then device ids.
// Prints {"latenciesMs": [...], "failed": n}.
const { Client } = require('azure-iothub');

async function main() {
  const [methodName, pace, ...deviceIds] = process.argv.slice(2);
  const client = Client.fromConnectionString(process.env.IOTHUB_CONNECTION_STRING);
  const latenciesMs = [];
  let failed = 0;
  for (const deviceId of deviceIds) {
    const started = performance.now();
    try {
      await client.invokeDeviceMethod(deviceId, {
        methodName,
        payload: {},
        responseTimeoutInSeconds: 10,
      });
      latenciesMs.push(performance.now() - started);
    } catch {
      failed++;
    }
    const rest = Number(pace) - (performance.now() - started);
    if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
  }
  console.log(JSON.stringify({ latenciesMs, failed }));
}

main().catch((error) => {
  console.error(`${error.name}: ${error.message}`);
  process.exit(1);
});
