import fc from 'fast-check';

/**
 * Generators of what a client or an application server might send: valid, near-valid (right shape,
 * wrong types or values) and garbage. Shared by the in-process and the live fuzzers.
 */
const uuid = fc.uuid().map((u) => u.toLowerCase());
const messageTypes = [
  'hello',
  'register',
  'unregister',
  'ack',
  'nack',
  'ping',
  'broadcast_subscribe',
  'HELLO',
  'bogus',
  '',
];
const anyJson = fc.jsonValue({ maxDepth: 3 });
const weirdNumber = fc.oneof(
  fc.constantFrom(
    '9223372036854775807',
    '9223372036854775808',
    '-1',
    '1e400',
    '0.5',
    '00012',
    '1'.repeat(40),
  ),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
);
const field = fc.oneof(
  uuid,
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.constant(null),
  anyJson,
);

const validFrame = fc.oneof(
  fc
    .record({
      messageType: fc.constant('hello'),
      uaid: fc.oneof(
        fc.constant(''),
        fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 32, maxLength: 32 }),
      ),
      channelIDs: fc.array(uuid, { maxLength: 5 }),
    })
    .map((f) => JSON.stringify(f)),
  fc
    .record({
      messageType: fc.constant('hello'),
      use_webpush: fc.constant(true),
      broadcasts: fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 })),
    })
    .map((f) => JSON.stringify(f)),
  uuid.map((channelID) => JSON.stringify({ messageType: 'register', channelID })),
  uuid.map((channelID) => JSON.stringify({ messageType: 'unregister', channelID, code: 200 })),
  fc
    .tuple(uuid, fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }))
    .map(([c, v]) => `{"messageType":"ack","updates":[{"channelID":"${c}","version":${v}}]}`),
  fc.constant('{}'),
);

const nearValidFrame = fc
  .record(
    {
      messageType: fc.constantFrom(...messageTypes),
      uaid: field,
      channelID: field,
      channelIDs: fc.oneof(fc.array(field, { maxLength: 4 }), field),
      key: field,
      use_webpush: field,
      updates: fc.oneof(
        fc.array(
          fc.record({ channelID: field, version: fc.oneof(field, weirdNumber), code: field }),
          { maxLength: 4 },
        ),
        field,
      ),
      wakeup_hostport: fc.oneof(fc.record({ ip: field, port: field }), field),
    },
    { requiredKeys: [] },
  )
  .map((f) => JSON.stringify(f))
  .map((text) => text.replace(/"(\d{16,})"/g, '$1')); // some big numbers unquoted

const garbage = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 100 }),
  fc.constantFrom(
    '{',
    '}',
    '[]',
    'null',
    'true',
    '"x"',
    '{"messageType":',
    '{"messageType":"hello"',
    '\u0000',
    '{"a":1}{"b":2}',
    '{"messageType":"ack","updates":[{"version":1e999}]}',
  ),
  anyJson.map((v) => JSON.stringify(v)),
);

/** One client frame: valid, near-valid or garbage. */
export const clientFrame = fc.oneof(
  { arbitrary: validFrame, weight: 3 },
  { arbitrary: nearValidFrame, weight: 4 },
  { arbitrary: garbage, weight: 3 },
);

/** What an application server might send to the ingress. */
export const httpRequest = fc.record({
  method: fc.constantFrom('PUT', 'POST', 'GET', 'DELETE', 'PATCH'),
  path: fc.oneof(
    fc.constant('VALID'),
    fc.constant('VALID_MUTATED'),
    fc.constantFrom(
      '/update/',
      '/update/x',
      '/wpush/v1/x',
      '/wpush/v2/x',
      '/m/x',
      '/',
      '/update/../../etc/passwd',
      '/%00',
      '/update/' + 'A'.repeat(300),
    ),
    fc.webPath().map((p) => p || '/'),
  ),
  contentType: fc.constantFrom(
    undefined,
    'application/x-www-form-urlencoded',
    'application/octet-stream',
    'text/plain',
    'application/json',
    'multipart/form-data; boundary=x',
  ),
  body: fc.oneof(
    fc.constant(undefined),
    weirdNumber.map((v) => `version=${v}`),
    fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }).map((v) => `version=${v}`),
    fc.string({ maxLength: 100 }),
    fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')),
    fc.integer({ min: 4000, max: 12_000 }).map((n) => 'x'.repeat(n)),
  ),
  headers: fc.dictionary(
    fc.constantFrom(
      'ttl',
      'topic',
      'urgency',
      'content-encoding',
      'authorization',
      'crypto-key',
      'encryption',
      'prefer',
      'x-junk',
    ),
    fc.oneof(
      fc.string({ maxLength: 40 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
      fc.constantFrom(
        '60',
        '-1',
        '0',
        'aes128gcm',
        'aesgcm',
        'high',
        'vapid t=x,k=y',
        'respond-async',
      ),
    ),
    { maxKeys: 4 },
  ),
});
