import { Injectable } from '@nestjs/common';
import type { Mode, SessionState } from '@herald/protocol';
import { GatewayProtocol } from './gateway-protocol';
import { SimplePushProtocol } from './simplepush/simplepush.protocol';
import { WebPushProtocol } from './webpush/webpush.protocol';

/** Every protocol of the gateway, by the mode a hello chose: a new protocol adds one entry. */
@Injectable()
export class Protocols {
  private readonly byMode: Readonly<Record<Mode, GatewayProtocol>>;

  constructor(simplepush: SimplePushProtocol, webpush: WebPushProtocol) {
    this.byMode = { simplepush, webpush };
  }

  /** The protocol the session's hello chose. */
  chosenBy(session: SessionState): GatewayProtocol {
    return this.byMode[session.mode];
  }
}
