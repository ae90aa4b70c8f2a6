import { runEmulatorCli } from '@fieldline/emulator-kit';
import { start } from './index';

runEmulatorCli(process.argv.slice(2), { name: 'fieldline-signalr', defaultPort: 7082, start }).then(
  (code) => process.exit(code),
);
