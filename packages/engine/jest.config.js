// CAIRN_TEST_META=postgres: the same suites with metadata in a throwaway PostgreSQL (test/pgCluster.ts).
const pg = process.env.CAIRN_TEST_META === 'postgres';
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true }] },
  testTimeout: 30000,
  ...(pg ? { globalSetup: '<rootDir>/test/pgGlobalSetup.ts', globalTeardown: '<rootDir>/test/pgGlobalTeardown.ts' } : {}),
};
