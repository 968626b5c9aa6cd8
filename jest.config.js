// Unit specs live beside the code; end-to-end and cluster tests in test/ start real Redis and
// real processes from the built output (`npm test` builds first).
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
  },
];
// Libraries by their public face (@herald/<lib>); an app's public face (@apps/<app>) for apps/herald.
const moduleNameMapper = {
  '^@herald/([a-z-]+)$': '<rootDir>/libs/$1/src',
  '^@apps/([a-z-]+)$': '<rootDir>/apps/$1/src',
};
// jose ships ESM only (Node's require(esm) loads it at run time); jest needs it transformed.
const common = {
  transform: { '^.+\\.ts$': swc, '/node_modules/jose/.+\\.js$': swc },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  moduleNameMapper,
  testEnvironment: 'node',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
};

module.exports = {
  testTimeout: 60000,
  // No forceExit: every spec closes what it opened, so jest ends by itself (forceExit printed
  // "Force exiting Jest" on every run, leak or not). CI's safety net against a failing test that
  // leaves a socket open is the globalTeardown watchdog.
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts', '<rootDir>/test/**/*.spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
    },
  ],
};
