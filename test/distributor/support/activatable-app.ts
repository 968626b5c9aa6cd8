import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

/**
 * An app that is not running: a D-Bus .service file whose Exec starts a tiny connector (a
 * script using dbus-next) that writes what it got into `outDir` (endpoint, message) and exits,
 * as the spec suggests activated apps do.
 */
export function installActivatableApp(servicesDir: string, name: string, outDir: string): void {
  const script = join(outDir, `${name}.js`);
  writeFileSync(
    script,
    `const { writeFileSync } = require('node:fs');
const dbus = require(${JSON.stringify(join(ROOT, 'node_modules', 'dbus-next'))});
const bus = dbus.sessionBus();
const done = (file, data) => {
  writeFileSync(${JSON.stringify(outDir)} + '/' + file, data);
  setTimeout(() => process.exit(0), 50);
};
class Connector1 extends dbus.interface.Interface {
  Message(token, message) { done('message', Buffer.from(message)); }
  NewEndpoint(token, endpoint) { done('endpoint', endpoint); }
  Unregistered() {}
}
Connector1.configureMembers({ methods: {
  Message: { inSignature: 'says', outSignature: '' },
  NewEndpoint: { inSignature: 'ss', outSignature: '' },
  Unregistered: { inSignature: 's', outSignature: '' },
} });
bus.export('/org/unifiedpush/Connector', new Connector1('org.unifiedpush.Connector1'));
bus.requestName(${JSON.stringify(name)}, 0);
`,
  );
  writeFileSync(
    join(servicesDir, `${name}.service`),
    `[D-BUS Service]\nName=${name}\nExec=${process.execPath} ${script}\n`,
  );
}
