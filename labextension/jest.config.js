/** Unit tests of the sidebar's pure helpers (TypeScript through ts-jest, CommonJS for node). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }]
  }
};
