import { createSocket, Socket } from 'node:dgram';
import { isIP } from 'node:net';

/**
 * Sends the UDP wake-up datagram. Its content does not matter to the phone (any datagram on the
 * port wakes it to reconnect); we send a short fixed text so it is recognisable on the wire.
 */
export const WAKEUP_PAYLOAD = Buffer.from('herald:wakeup');

export class WakeupSender {
  private v4: Socket | null = null;
  private v6: Socket | null = null;

  send(ip: string, port: number): Promise<void> {
    const six = isIP(ip) === 6;
    const sock = six ? (this.v6 ??= this.open('udp6')) : (this.v4 ??= this.open('udp4'));
    return new Promise((resolve, reject) =>
      sock.send(WAKEUP_PAYLOAD, port, ip, (err) => (err ? reject(err) : resolve())),
    );
  }

  private open(type: 'udp4' | 'udp6'): Socket {
    const s = createSocket(type);
    s.on('error', () => undefined); // a send error is reported to send()'s callback
    s.unref();
    return s;
  }

  close(): void {
    this.v4?.close();
    this.v6?.close();
    this.v4 = this.v6 = null;
  }
}
