// --model event-loop: one reactor on the chosen poller, in this process.
import type { ServerContext } from '../context.js';
import { Reactor } from './reactor.js';
import { createPoller, type PollerName } from './pollers/index.js';

export async function runEventLoop(ctx: ServerContext, listenFd: number, poller: PollerName = 'epoll'): Promise<void> {
  await new Reactor(ctx, createPoller(poller), listenFd).run();
}
