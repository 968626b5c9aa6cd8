import { PUSH_PATHS, pushEndpoint } from './endpoint-url';

describe('pushEndpoint', () => {
  it('joins the public URL, the route of the kind and the token', () => {
    const base = 'https://push.example.com';
    expect(pushEndpoint(base, 'simplepush', 't')).toBe(`${base}/update/t`);
    expect(pushEndpoint(base, 'webpushV1', 't')).toBe(`${base}/wpush/v1/t`);
    expect(pushEndpoint(base, 'webpushV2', 't')).toBe(`${base}/wpush/v2/t`);
    expect(pushEndpoint(base, 'unifiedpush', 't')).toBe(`${base}/up/t`);
  });

  it('declares paths the ingress can route (no leading or trailing slash)', () => {
    for (const p of Object.values(PUSH_PATHS)) expect(p).toMatch(/^[a-z0-9]+(\/[a-z0-9]+)*$/);
  });
});
