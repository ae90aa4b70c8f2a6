import { runEmulatorCli } from '@fieldline/emulator-kit';
import { start } from './index';

runEmulatorCli(process.argv.slice(2), { name: 'fieldline-search', defaultPort: 7085, start }).then(
  (code) => process.exit(code),
);
