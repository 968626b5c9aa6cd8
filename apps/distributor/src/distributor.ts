import type { Logger } from 'pino';
import { ConnectorClient } from './connector-client';
import type { DistributorConfig } from './distributor-config';
import { GatewayLink } from './gateway-link';
import {
  ConnectorApi,
  loadState,
  Registration,
  RegistrationStore,
  saveState,
} from './registration-store';
import {
  ackFrame,
  GatewayFrame,
  helloFrame,
  registerFrame,
  routeNotification,
  unregisterFrame,
} from './routing';

export const REGISTRATION_SUCCEEDED = 'REGISTRATION_SUCCEEDED';
export const REGISTRATION_FAILED = 'REGISTRATION_FAILED';

/**
 * Why a registration failed, as Distributor2 says it: the values connectors know
 * (INTERNAL_ERROR, NETWORK, ACTION_REQUIRED, VAPID_REQUIRED, UNAUTHORIZED; those Herald uses).
 */
export type RegistrationFailure = 'INTERNAL_ERROR' | 'NETWORK' | 'UNAUTHORIZED';

export interface RegisterResult {
  result: typeof REGISTRATION_SUCCEEDED | typeof REGISTRATION_FAILED;
  /** Free text for Distributor1 ('' on success). */
  reason: string;
  /** Distributor2's reason code; null on success. */
  failure: RegistrationFailure | null;
}

interface WaitOutcome {
  ok: boolean;
  reason: string;
  failure: RegistrationFailure | null;
}
type Waiter = (outcome: WaitOutcome) => void;

/**
 * The distributor: apps' registrations (persisted) ↔ channels on one Herald gateway connection.
 * D-Bus calls come in through register/unregister; gateway frames through onFrame.
 */
export class Distributor {
  private readonly store: RegistrationStore;
  private readonly link: GatewayLink;
  private readonly waiters = new Map<string, Waiter[]>();
  private ready = false;

  constructor(
    private readonly config: DistributorConfig,
    private readonly log: Logger,
    private readonly connectors: ConnectorClient,
  ) {
    this.store = new RegistrationStore(loadState(config.statePath));
    this.link = new GatewayLink(
      config.gatewayUrl,
      log,
      () => this.link.send(helloFrame(this.store.uaid)),
      (f) => this.onFrame(f),
      () => {
        this.ready = false;
      },
    );
  }

  start(): void {
    this.log.info(
      { registrations: this.store.all().length, state: this.config.statePath },
      'registrations loaded',
    );
    this.link.start();
  }

  stop(): void {
    this.link.stop();
  }

  async register(input: {
    service: string;
    token: string;
    description: string;
    api: ConnectorApi;
    vapid: string | null;
  }): Promise<RegisterResult> {
    const outcome = this.store.register(input);
    if (outcome.kind === 'refused') {
      return { result: REGISTRATION_FAILED, reason: outcome.reason, failure: outcome.failure };
    }
    const r = outcome.registration;
    this.save();
    if (outcome.kind === 'known') {
      this.connectors.newEndpoint(r);
      return { result: REGISTRATION_SUCCEEDED, reason: '', failure: null };
    }
    const channelID = r.channelID;
    const done = this.awaitChannel(channelID);
    if (this.ready) this.link.send(registerFrame(channelID, r.vapid));
    // Not connected: the resync after the next hello registers it.
    const { ok, reason, failure } = await done;
    if (!ok) return { result: REGISTRATION_FAILED, reason, failure };
    const now = this.store.byToken(input.token);
    if (now?.endpoint) this.connectors.newEndpoint(now);
    return { result: REGISTRATION_SUCCEEDED, reason: '', failure: null };
  }

  unregister(token: string): void {
    const r = this.store.unregister(token);
    if (!r) return;
    this.save();
    if (this.ready) this.link.send(unregisterFrame(r.channelID));
    this.connectors.unregistered(r, true);
    this.log.info({ service: r.service }, 'unregistered');
  }

  private awaitChannel(channelID: string): Promise<WaitOutcome> {
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => finish({ ok: false, reason: 'push server unreachable', failure: 'NETWORK' }),
        this.config.registerTimeoutMs,
      );
      const finish: Waiter = (outcome) => {
        clearTimeout(timer);
        const list = (this.waiters.get(channelID) ?? []).filter((w) => w !== finish);
        if (list.length) this.waiters.set(channelID, list);
        else this.waiters.delete(channelID);
        resolve(outcome);
      };
      this.waiters.set(channelID, [...(this.waiters.get(channelID) ?? []), finish]);
    });
  }

  private settle(channelID: string, outcome: WaitOutcome): void {
    for (const w of this.waiters.get(channelID) ?? []) w(outcome);
  }

  private onFrame(f: GatewayFrame): void {
    switch (f.messageType) {
      case 'hello':
        return this.onHello(f);
      case 'register':
        return this.onRegistered(f);
      case 'unregister':
        if (f.channelID) {
          this.store.unregistered(f.channelID);
          this.save();
        }
        return;
      case 'notification':
        return this.onNotification(f);
      default:
        return;
    }
  }

  private onHello(f: GatewayFrame): void {
    if (f.status !== 200 || !f.uaid) {
      this.log.warn({ status: f.status }, 'hello refused');
      return;
    }
    this.link.healthy();
    if (this.store.helloAccepted(f.uaid)) {
      this.log.warn('new UAID from the server: registering every app again');
    }
    this.save();
    this.ready = true;
    // Resync: confirm every channel (idempotent; a lost one is restored under the same
    // endpoint) and finish unregisters the server has not confirmed.
    for (const c of this.store.pendingUnregisters()) this.link.send(unregisterFrame(c));
    for (const r of this.store.all()) this.link.send(registerFrame(r.channelID, r.vapid));
    this.log.info({ registrations: this.store.all().length }, 'resynced with the gateway');
  }

  private onRegistered(f: GatewayFrame): void {
    if (!f.channelID) return;
    const r = this.store.byChannel(f.channelID);
    if (f.status === 200 && f.pushEndpoint) {
      if (this.store.confirmed(f.channelID, f.pushEndpoint)) {
        this.save();
        // A changed endpoint is told to the app (a first one by the Register call waiting).
        if (r && !this.waiters.has(f.channelID)) this.connectors.newEndpoint(r);
      }
      this.settle(f.channelID, { ok: true, reason: '', failure: null });
      return;
    }
    this.log.warn({ status: f.status, reason: f.reason }, 'gateway refused a registration');
    const dropped = this.store.refused(f.channelID);
    this.save();
    if (dropped && !this.waiters.has(f.channelID)) this.connectors.unregistered(dropped, false);
    this.settle(f.channelID, {
      ok: false,
      reason: f.reason ?? `push server answered ${f.status}`,
      failure: 'INTERNAL_ERROR',
    });
  }

  private onNotification(f: GatewayFrame): void {
    const a = routeNotification(this.store, f);
    if (a.do === 'deliver') {
      this.connectors.message(a.registration, a.body, a.id);
      this.link.send(ackFrame(a.registration.channelID, a.ack));
      this.log.debug({ service: a.registration.service, bytes: a.body.length }, 'message');
    } else if (a.do === 'stray') {
      this.link.send(ackFrame(a.channelID, a.ack));
      this.link.send(unregisterFrame(a.channelID));
    }
  }

  private save(): void {
    try {
      saveState(this.config.statePath, this.store.snapshot());
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'could not write the state file');
    }
  }

  registrations(): readonly Registration[] {
    return this.store.all();
  }
}
