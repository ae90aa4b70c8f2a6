// A back end written only against azure-iothub: runs a twin query a page at a time and prints each
// page's device ids. Run with IOTHUB_CONNECTION_STRING, NODE_EXTRA_CA_CERTS naming the local CA,
// the query and the page size.
const { Registry } = require('azure-iothub');

async function main() {
  const [sql, pageSize] = process.argv.slice(2);
  const registry = Registry.fromConnectionString(process.env.IOTHUB_CONNECTION_STRING);
  const query = registry.createQuery(sql, Number(pageSize));
  const pages = [];
  while (query.hasMoreResults) {
    const { result } = await query.nextAsTwin();
    pages.push(result.map((twin) => twin.deviceId));
  }
  console.log(JSON.stringify({ pages }));
}

main().catch((error) => {
  console.error(`${error.name}: ${error.message}`);
  process.exit(1);
});
