// CAIRN_TEST_META=postgres: the same suites with metadata in one throwaway PostgreSQL per run
// (engine test/pgCluster.ts; test/helpers/testMeta.ts gives each data dir its own schema).
const pg = process.env.CAIRN_TEST_META === 'postgres';
const engineTest = '<rootDir>/../../packages/engine/test';
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true }] },
  moduleNameMapper: {
    '^@cairn/engine$': '<rootDir>/../../packages/engine/src/index.ts',
    '^@cairn/admin$': '<rootDir>/../admin/src/index.ts',
  },
  testTimeout: 60000,
  ...(pg
    ? {
        globalSetup: `${engineTest}/pgGlobalSetup.ts`,
        globalTeardown: `${engineTest}/pgGlobalTeardown.ts`,
        // PostgreSQL-only already (their own cluster): they ran in the first pass.
        testPathIgnorePatterns: ['/node_modules/', '/test/gateways\\.test\\.ts$', '/test/gatewaysS3Chunks\\.test\\.ts$'],
      }
    : {}),
};
