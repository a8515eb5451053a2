// Entry point of a worker process started by the Supervisor: serve with the
// options in FOURFOLD_WORKER_OPTIONS on the shared port, report ready over
// IPC, stop gracefully on SIGTERM.
import { serve, type ServeOptions } from './serve.js';

const options = JSON.parse(process.env.FOURFOLD_WORKER_OPTIONS ?? '{}') as ServeOptions;
try {
  const server = await serve({ ...options, workers: 1, reusePort: true });
  process.send?.({ type: 'ready', port: server.port });
  const stop = () => void server.close();
  process.on('SIGTERM', stop);
  process.on('SIGINT', () => {}); // the terminal's Ctrl-C reaches the whole group: the supervisor decides
  await server.done;
  await server.close();
  process.disconnect?.();
} catch (e) {
  process.send?.({ type: 'error', error: e instanceof Error ? e.message : String(e) });
  process.exitCode = 1;
  process.disconnect?.();
}
