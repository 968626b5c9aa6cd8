import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import WebSocket from 'ws';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { CloseCode } from '@herald/protocol';
import { Logger } from '@herald/observability';
import { RedeliveryQueue } from '@herald/redelivery';
import { GATEWAY_LOGGER } from '../gateway.tokens';
import { NodeMembership } from '../node/node-membership.service';
import { AddressLimits } from './address-limits';
import { ConnectionRegistry } from './connection-registry';

/**
 * The one timer of the node, once a second: hello deadlines, keep-alive pings, hand-over of
 * unacknowledged updates to the retry worker, the idle-expiry refresh of held users (done by the
 * node membership, for seed streams too), and the sweep of the per-address counters. One
 * interval for all sockets, never one timer per socket.
 */
@Injectable()
export class TimerWheel implements OnModuleInit, OnApplicationShutdown {
  private wheel: NodeJS.Timeout | null = null;
  private lastKeepalive = Date.now();

  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    @Inject(GATEWAY_LOGGER) private readonly log: Logger,
    private readonly registry: ConnectionRegistry,
    private readonly membership: NodeMembership,
    private readonly redelivery: RedeliveryQueue,
    private readonly addressLimits: AddressLimits,
  ) {}

  onModuleInit(): void {
    this.wheel = setInterval(() => this.tick(Date.now()), 1000);
    this.wheel.unref();
  }

  onApplicationShutdown(): void {
    if (this.wheel) clearInterval(this.wheel);
  }

  private tick(now: number): void {
    this.addressLimits.sweep(now);
    this.membership.touchHeld(now);
    for (const conn of this.registry.takeHelloOverdue(now - this.config.HELLO_TIMEOUT_MS)) {
      if (!conn.helloDone)
        this.registry.close(conn, CloseCode.POLICY_VIOLATION, 'no hello in time');
    }
    const handOver = this.registry
      .takeAckOverdue(now - this.config.REDELIVERY_DELAY_MS)
      .map((conn) => ({ uaid: conn.uaid as string, epoch: conn.epoch, attempt: 1 }));
    if (handOver.length) {
      this.redelivery
        .schedule(handOver)
        .catch((err: Error) =>
          this.log.warn({ err: err.message }, 'could not schedule redelivery'),
        );
    }
    if (now - this.lastKeepalive >= this.config.KEEPALIVE_INTERVAL_MS) {
      this.lastKeepalive = now;
      for (const conn of this.registry.all) {
        if (!conn.alive) {
          conn.ws.terminate();
          continue;
        }
        conn.alive = false;
        if (conn.ws.readyState === WebSocket.OPEN) conn.ws.ping();
      }
    }
  }
}
