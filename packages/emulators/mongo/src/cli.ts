import { runEmulatorCli } from '@fieldline/emulator-kit';
import { start } from './index';

runEmulatorCli(process.argv.slice(2), { name: 'fieldline-mongo', defaultPort: 7083, start }).then(
  (code) => process.exit(code),
);
