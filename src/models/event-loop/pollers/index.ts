import type { Poller } from './poller.js';
import { EpollPoller } from './epoll.js';
import { PollPoller } from './poll.js';
import { SelectPoller } from './select.js';

export { READABLE, WRITABLE, FAILED, type Poller } from './poller.js';

export const POLLERS = ['epoll', 'poll', 'select'] as const;
export type PollerName = (typeof POLLERS)[number];

export function createPoller(name: PollerName): Poller {
  switch (name) {
    case 'epoll':
      return new EpollPoller();
    case 'poll':
      return new PollPoller();
    case 'select':
      return new SelectPoller();
  }
}
