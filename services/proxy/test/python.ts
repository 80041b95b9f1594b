import { pythonVenv, type PythonRequirements, type PythonVenv } from '@cutover/stack';
import { configWith } from './support.ts';

/**
 * The Python packages the proxy is tested with, from PyPI. cassandra-driver 3.30.1 ships a
 * CPython 3.11 manylinux wheel (no C build); cqlsh 6.2.2 is the standalone cqlsh of Cassandra 5.0
 * and requires only cassandra-driver, pure-sasl and wcwidth. The rest are the driver's own
 * dependencies (geomet and its click, Deprecated and its wrapt), pinned to what pip resolves today;
 * lz4 and python-snappy (with its cramjam) are what the driver compresses with, when asked to.
 */
export const DRIVER_REQUIREMENTS: PythonRequirements = {
  purpose: 'the Python driver and cqlsh tests',
  packages: ['cassandra-driver==3.30.1', 'cqlsh==6.2.2', 'geomet==1.1.0', 'click==8.5.1', 'Deprecated==1.3.1', 'wrapt==2.5.2', 'pure-sasl==0.6.2', 'wcwidth==0.9.4', 'lz4==4.4.5', 'python-snappy==0.7.3', 'cramjam==2.14.0'],
};

/** The venv of the proxy's Python tests, and its cqlsh. */
export async function driverVenv(): Promise<PythonVenv & { readonly cqlsh: string }> {
  const venv = await pythonVenv(configWith().stack.home, DRIVER_REQUIREMENTS);
  return { ...venv, cqlsh: `${venv.bin}/cqlsh` };
}
