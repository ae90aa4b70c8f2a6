import { app } from '@azure/functions';
import { createFunctionDefinitions } from './functionDefinitions';
import { registerFunctions } from './host/registerFunctions';
import { createServices } from './services';
import { loadConfig } from './settings/config';

// Fails the host's indexing with a message naming every missing or bad setting.
const config = loadConfig(process.env);

const services = createServices(config);
registerFunctions(app, createFunctionDefinitions(services), services.authenticate);

// MongoDB's indexes (encounters, rooms) and the search index are ensured as the worker starts; a
// failure here is retried by the first invocation that needs them, so it is only logged.
services
  .prepare()
  .catch((error: unknown) =>
    console.warn(
      `MongoDB or search is not reachable yet (the first invocation that needs it retries): ${String(error)}`,
    ),
  );
