import { WakeupPolicy } from './wakeup-policy';

describe('WakeupPolicy', () => {
  it('admits nothing when disabled or with no networks', () => {
    expect(new WakeupPolicy(false, '10.0.0.0/8').admit('10.1.2.3', 5000)).toBeNull();
    expect(new WakeupPolicy(true, '').admit('10.1.2.3', 5000)).toBeNull();
  });

  it('admits only addresses inside the allowed CIDR blocks', () => {
    const p = new WakeupPolicy(true, '10.0.0.0/8, 127.0.0.1/32, fd00::/8');
    expect(p.admit('10.1.2.3', 5000)).toBe('10.1.2.3:5000');
    expect(p.admit('127.0.0.1', 9)).toBe('127.0.0.1:9');
    expect(p.admit('fd00::1', 9)).toBe('[fd00::1]:9');
    expect(p.admit('8.8.8.8', 53)).toBeNull();
    expect(p.admit('127.0.0.2', 9)).toBeNull();
    expect(p.admit('10.1.2.3', 0)).toBeNull();
    expect(p.admit('not-an-ip', 5000)).toBeNull();
  });

  it('re-checks stored addresses against the current policy', () => {
    const p = new WakeupPolicy(true, '10.0.0.0/8');
    expect(p.parse('10.1.2.3:5000')).toEqual({ ip: '10.1.2.3', port: 5000 });
    expect(p.parse('192.168.1.1:5000')).toBeNull();
    expect(new WakeupPolicy(true, 'fd00::/8').parse('[fd00::1]:9')).toEqual({
      ip: 'fd00::1',
      port: 9,
    });
  });

  it('rejects a malformed allow-list at start-up', () => {
    expect(() => new WakeupPolicy(true, '10.0.0.0/33')).toThrow(/WAKEUP_ALLOWED_CIDRS/);
    expect(() => new WakeupPolicy(true, 'example.com/8')).toThrow(/WAKEUP_ALLOWED_CIDRS/);
  });
});
