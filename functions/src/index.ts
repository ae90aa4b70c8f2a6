import { app } from '@azure/functions';
import { createFunctionDefinitions } from './functionDefinitions';
import { loadConfig } from './platform/config';
import { registerFunctions } from './platform/registerFunctions';
import { createServices } from './services';

// Fails the host's indexing with a message naming every missing or bad setting.
const config = loadConfig(process.env);

registerFunctions(app, createFunctionDefinitions(createServices(config)));
