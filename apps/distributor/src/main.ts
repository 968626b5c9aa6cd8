import { sessionBus, RequestNameReply } from 'dbus-next';
import pino from 'pino';
import { ConnectorClient } from './connector-client';
import { Distributor } from './distributor';
import { loadDistributorConfig } from './distributor-config';
import { Distributor1, Distributor2 } from './dbus-interfaces';

/**
 * Herald's UnifiedPush distributor for Linux desktops: owns org.unifiedpush.Distributor.<name>
 * on the session bus and keeps one WebSocket to a Herald gateway.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadDistributorConfig();
  } catch (err) {
    process.stderr.write(`herald-distributor: ${(err as Error).message}\n`);
    process.exit(1);
  }
  const log = pino({ name: 'herald-distributor', level: config.logLevel });
  const bus = sessionBus();
  bus.on('error', (err: Error) => {
    log.fatal({ err: err.message }, 'session bus error');
    process.exit(1);
  });
  const distributor = new Distributor(config, log, new ConnectorClient(bus));
  bus.export('/org/unifiedpush/Distributor', new Distributor1(distributor));
  bus.export('/org/unifiedpush/Distributor', new Distributor2(distributor));
  const name = `org.unifiedpush.Distributor.${config.name}`;
  const reply = await bus.requestName(name, 0);
  if (reply !== RequestNameReply.PRIMARY_OWNER && reply !== RequestNameReply.ALREADY_OWNER) {
    log.fatal({ name }, 'another distributor owns the bus name');
    process.exit(1);
  }
  distributor.start();
  log.info({ name, gateway: config.gatewayUrl }, 'distributor ready');
  const stop = (signal: string) => {
    log.info({ signal }, 'stopping');
    distributor.stop();
    bus.disconnect();
    process.exit(0);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

void main();
