import type { Socket } from 'node:net';

/**
 * Writes to `socket`, coalescing every write made in the same tick into one system call: a
 * client's read often carries many frames, and each would otherwise cost its own write.
 * Returns false when the socket's buffer is full (backpressure), like `socket.write`.
 */
export function coalescedWriter(socket: Socket): (bytes: Buffer) => boolean {
  let corked = false;
  const uncork = (): void => {
    corked = false;
    socket.uncork();
  };
  return (bytes) => {
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(uncork);
    }
    return socket.write(bytes);
  };
}
