/**
 * The frontend's version, sent in the version handshake. Kept equal to package.json's version and
 * the Python package's `__version__` by tests/test_packaging.py.
 */
export const FRONTEND_VERSION = '0.1.0';
